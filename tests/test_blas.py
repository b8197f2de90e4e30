"""``one_blas_thread`` rescans the loaded libraries only after an extension module's import."""

from __future__ import annotations

import sys
import types
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from typing import Any

import pytest

from semwb.sem import blas


class _Controller:
    made = 0

    def __init__(self) -> None:
        type(self).made += 1

    def limit(self, *, limits: int) -> Any:
        return object()


def _module(name: str, origin: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = ModuleSpec(name, None, origin=origin)
    return module


def test_controller_rebuilt_only_for_extension_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blas, "ThreadpoolController", _Controller)
    monkeypatch.setattr(blas, "_cached", None)
    _Controller.made = 0
    blas.one_blas_thread()
    blas.one_blas_thread()
    assert _Controller.made == 1  # nothing imported: the same controller
    monkeypatch.setitem(sys.modules, "_semwb_test_pure", _module("_semwb_test_pure", "/x/p.py"))
    blas.one_blas_thread()
    assert _Controller.made == 1  # a pure-Python module loads no library
    ext = f"/x/_semwb_test_ext{EXTENSION_SUFFIXES[0]}"
    monkeypatch.setitem(sys.modules, "_semwb_test_ext", _module("_semwb_test_ext", ext))
    blas.one_blas_thread()
    assert _Controller.made == 2  # an extension may bring its own BLAS: scanned again
    blas.one_blas_thread()
    assert _Controller.made == 2
