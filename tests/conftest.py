"""Fixtures shared by every test folder."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import chromium_launch


@pytest.fixture(scope="session")
def chromium() -> dict[str, Any]:
    """Arguments for ``playwright.chromium.launch`` (skips, or fails under CI, without Chromium)."""
    return chromium_launch()
