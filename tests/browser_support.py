"""Finding the Chromium the browser tests drive: skip on a developer's machine, fail under CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

#: Debian's Chromium (``make system-deps``); SEMWB_CHROMIUM points elsewhere.
CHROMIUM = Path(os.environ.get("SEMWB_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def chromium_launch(path: Path = CHROMIUM) -> dict[str, Any]:
    """Playwright's ``chromium.launch`` arguments for ``path``.

    A missing browser skips the test on a developer's machine, but fails it when the ``CI``
    environment variable is set: in CI a missing browser must never pass as a skipped test.
    """
    if not path.is_file():
        message = f"{path} is missing: run 'make system-deps' (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set, so the browser tests fail", pytrace=False)
        pytest.skip(message)
    return {"executable_path": str(path), "args": FLAGS}


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A launched headless Chromium (Playwright's ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    chromium = chromium_launch()  # skips, or fails under CI, without Chromium
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**chromium)
        try:
            yield launched
        finally:
            launched.close()
