"""Typed access to what :func:`semwb.web.app.create_app` keeps on ``app.state`` for the routes."""

from __future__ import annotations

from types import ModuleType

from fastapi import Request

from semwb.web.run_queue import RunManager
from semwb.web.store import Store


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def analysis_of(request: Request) -> ModuleType:
    """The app's adapter module (``semwb.web.analysis``, or a stand-in in tests)."""
    module: ModuleType = request.app.state.analysis
    return module


def runs_of(request: Request) -> RunManager:
    """The app's run queue."""
    runs: RunManager = request.app.state.runs
    return runs
