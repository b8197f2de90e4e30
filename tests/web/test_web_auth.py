"""Password hashing: production parameters, rehash on sign-in, the same work for unknown users.

The other web tests replace the hasher with the cheapest argon2id (``conftest.py``); this file
reads the production one before that fixture runs, and sets its own where cost matters.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from web_support import PASSWORD

from semwb.web import auth
from semwb.web.auth import add_user, authenticate
from semwb.web.store import Store

PRODUCTION = auth._hasher  # read at import, before the autouse fixture swaps in a cheap one


def hash_parameters(encoded: str) -> str:
    """``m=65536,t=3,p=4`` of an encoded argon2 hash."""
    return encoded.split("$")[3]


def stored_hash(store: Store, name: str) -> str:
    found = store.accounts.user_by_name(name)
    assert found is not None
    return found[1]


def test_production_hasher_is_argon2id_with_rfc_9106_costs() -> None:
    assert PRODUCTION.type is Type.ID
    assert PRODUCTION.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert PRODUCTION.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost  # KiB: 64 MiB
    assert PRODUCTION.parallelism >= 1
    assert PRODUCTION.salt_len >= 16
    assert hash_parameters(PRODUCTION.hash(PASSWORD)) == (
        f"m={PRODUCTION.memory_cost},t={PRODUCTION.time_cost},p={PRODUCTION.parallelism}")


def test_sign_in_rehashes_when_the_parameters_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path)
    add_user(store, "ann", PASSWORD)  # with the tests' cheap hasher
    old = stored_hash(store, "ann")
    assert hash_parameters(old) == "m=8,t=1,p=1"

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=2, memory_cost=16,
                                                        parallelism=1))
    assert authenticate(store, "ann", "wrong password") is None
    assert stored_hash(store, "ann") == old  # a failed sign-in changes nothing

    user = authenticate(store, "ann", PASSWORD)
    assert user is not None
    assert user.name == "ann"
    new = stored_hash(store, "ann")
    assert hash_parameters(new) == "m=16,t=2,p=1"
    assert authenticate(store, "ann", PASSWORD) is not None  # the new hash verifies
    assert stored_hash(store, "ann") == new  # and is not rewritten again


def test_unknown_user_costs_one_hash_like_a_known_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path)
    add_user(store, "ann", PASSWORD)
    calls: list[str] = []

    class Counting(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            calls.append("hash")
            return super().hash(password, salt=salt)

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            calls.append("verify")
            return super().verify(hash, password)

    monkeypatch.setattr(auth, "_hasher", Counting(time_cost=1, memory_cost=8, parallelism=1))
    assert authenticate(store, "nobody", PASSWORD) is None
    assert calls == ["hash"]
    calls.clear()
    assert authenticate(store, "ann", "wrong password") is None
    assert calls == ["verify"]


def test_unknown_user_takes_about_as_long_as_a_wrong_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Medians of interleaved runs with a hasher costly enough (~10 ms) to dominate."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=2, memory_cost=4096,
                                                        parallelism=1))
    store = Store(tmp_path)
    add_user(store, "ann", PASSWORD)
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(9):
        for name, times in (("ann", known), ("nobody", unknown)):
            start = time.perf_counter()
            assert authenticate(store, name, "wrong password") is None
            times.append(time.perf_counter() - start)
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 1 / 3 < ratio < 3, f"unknown/known sign-in time ratio {ratio:.2f}"
