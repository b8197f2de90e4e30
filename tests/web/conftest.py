"""Fixtures of the web tests: an app over a temporary data dir, accounts, signed-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Web, make_settings

from semwb.web.app import create_app
from semwb.web.auth import add_user
from semwb.web.store import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_client(data_dir: Path) -> Iterator[TestClient]:
    """A TestClient over a fresh app whose runs execute in a thread, with users ann and bob."""
    store = Store(data_dir)
    add_user(store, "ann", PASSWORD)
    add_user(store, "bob", PASSWORD)
    executor = ThreadPoolExecutor(max_workers=1)
    app = create_app(make_settings(data_dir), executor=executor)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client
    executor.shutdown(wait=True)


@pytest.fixture
def ann(app_client: TestClient) -> Web:
    web = Web(app_client)
    web.sign_in("ann")
    return web


@pytest.fixture
def bob(app_client: TestClient) -> Web:
    """A second user with their own client (own cookies) on the same app."""
    client = TestClient(app_client.app, base_url="http://127.0.0.1")
    web = Web(client)
    web.sign_in("bob")
    return web


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost, so that each sign-in takes milliseconds in tests.

    ``test_web_auth.py`` checks the production hasher's parameters separately.
    """
    from argon2 import PasswordHasher

    from semwb.web import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                        parallelism=1))
