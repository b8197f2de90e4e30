"""A missing Chromium fails the browser tests under CI instead of skipping them."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import chromium_launch


def test_missing_chromium_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        chromium_launch(Path("/nonexistent/chromium"))


def test_missing_chromium_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make system-deps"):
        chromium_launch(Path("/nonexistent/chromium"))


def test_a_present_browser_gives_launch_arguments(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("")
    launch = chromium_launch(browser)
    assert launch["executable_path"] == str(browser)
    assert "--no-sandbox" in launch["args"]
