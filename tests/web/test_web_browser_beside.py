"""The run form's "Beside the fit" block in a real browser: multiple imputation and prediction
asked for on the form, refused like ``semwb fit``, shown in the report (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from server_support import Server
from test_web_serve_process import ready_project
from web_support import PASSWORD, Web

from browser_support import chromium_launch
from semwb.web.auth import add_user
from semwb.web.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, Store]]:
    """``semwb serve`` (the real analysis) with the account ``ann``, and its store."""
    store = Store(tmp_path / "data")
    add_user(store, "ann", PASSWORD)
    process = Server(tmp_path / "data", tmp_path / "server.log")
    try:
        process.wait_ready()
        yield process, store
    finally:
        process.stop()


@pytest.fixture
def chromium() -> dict[str, Any]:
    """Launch arguments; skips, or fails under CI, without Chromium (before the server starts)."""
    return chromium_launch()


def test_run_form_asks_for_imputation_and_prediction(chromium: dict[str, Any],
                                                     server: tuple[Server, Store]) -> None:
    process, store = server
    web = Web(httpx.Client(base_url=process.base, timeout=60), store)
    web.sign_in("ann")
    project, _, _ = ready_project(web, "alliance.csv")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(process.base + "/login")
            page.get_by_label("User name").fill("ann")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{process.base}/projects/{project}#runs")
            runs = page.locator("#runs")
            beside = runs.get_by_role("group", name="Beside the fit")
            expect(beside).to_be_visible()
            runs.get_by_label("Bootstrap draws").fill("0")
            beside.get_by_label("Multiple imputation").fill("3")
            runs.get_by_label("Group column").fill("own")
            runs.get_by_role("button", name="Run").click()
            expect(page.locator("body")).to_contain_text(
                "multiple imputation (imputation:) pools one-group fits; remove 'group:'.")
            page.goto(f"{process.base}/projects/{project}#runs")
            runs.get_by_label("Bootstrap draws").fill("0")
            beside.get_by_label("Multiple imputation").fill("3")
            beside.get_by_label("Out-of-sample prediction").check()
            beside.get_by_label("Prediction folds").fill("3")
            runs.get_by_role("button", name="Run").click()
            expect(page.locator("body")).to_contain_text("3 imputations beside FIML")
            expect(page.locator("body")).to_contain_text("3-fold prediction")
            page.wait_for_selector("#downloads, pre.problems", timeout=240_000)
            if page.locator("pre.problems").count():
                pytest.fail("the run failed: " + page.locator("pre.problems").inner_text())
            report = page.frame_locator("iframe.report")
            expect(report.locator("#explore")).to_contain_text("Multiple imputation beside FIML")
            expect(report.locator("#explore")).to_contain_text("Out-of-sample prediction")
        finally:
            browser.close()
