"""End to end in a real browser: Playwright driving Debian Chromium against ``semwb serve``.

The server is started as a subprocess on a free loopback port with a fresh data dir and stopped
by the fixture's finalizer (with its worker processes). Screenshots go to
``tests/artifacts/web/`` (git-ignored).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from server_support import ENV, ROOT, Server, semwb_command
from test_web_serve_process import ready_project
from web_support import PASSWORD, Web

from browser_support import chromium_launch
from semwb.web.store import Store

# a server, its worker processes and a browser: start-up time varies with the machine's load
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
INSTRUMENT = ROOT / "surveys" / "alliance_portfolio_innovation.yaml"
DATA = ROOT / "surveys" / "examples" / "alliance.csv"
MEDIATION = (ROOT / "tests" / "reference" / "mediation_single" / "model.lav").read_text(
    encoding="utf-8")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``semwb serve`` on a free loopback port, with the account ``ann``."""
    data = tmp_path / "data"
    subprocess.run(semwb_command("user", "add", "ann", "--password-stdin", "--data-dir",
                                 str(data)), input=PASSWORD + "\n", text=True, check=True,
                   env=ENV, capture_output=True, timeout=60)
    process = Server(data, tmp_path / "server.log")
    try:
        process.wait_ready()
        yield process.base
    finally:
        process.stop()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def signed_in(page: Page, server: str) -> Page:
    """``page`` after signing in as ann."""
    page.goto(server + "/")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


@pytest.fixture
def chromium() -> dict[str, Any]:
    """Launch arguments; skips, or fails under CI, without Chromium (before the server starts)."""
    return chromium_launch()


def test_researcher_uploads_runs_and_shares_a_report(chromium: dict[str, Any], server: str,
                                                     tmp_path: Path) -> None:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[41].split(",")  # file row 42
    cells[header.index("iol3")] = "9"
    broken = tmp_path / "alliance-wave1.csv"
    broken.write_text("\n".join([*lines[:41], ",".join(cells), *lines[42:]]) + "\n",
                      encoding="utf-8")
    fixed = tmp_path / "alliance-wave1-fixed.csv"
    fixed.write_bytes(DATA.read_bytes())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server + "/")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            shot(page, "01-sign-in")
            page.get_by_label("User name").fill("ann")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()

            page.get_by_label("New project").fill("Alliance routines study")
            page.get_by_role("button", name="Create project").click()
            expect(page.get_by_role("heading", name="Alliance routines study")).to_be_visible()

            page.locator("#instrument input[type=file]").set_input_files(INSTRUMENT)
            page.get_by_role("button", name="Upload instrument").click()
            expect(page.locator("#instrument")).to_contain_text("Alliance routines")

            page.locator("#responses input[type=file]").set_input_files(broken)
            page.get_by_role("button", name="Upload responses").click()
            problem = page.locator("#responses pre.problems")
            expect(problem).to_contain_text("alliance-wave1.csv, row 42, column iol3: '9'")
            shot(page, "02-response-error")

            page.locator("#responses input[type=file]").set_input_files(fixed)
            page.get_by_role("button", name="Upload responses").click()
            expect(page.locator("#responses")).to_contain_text(f"{len(lines) - 1} respondents")

            page.get_by_role("link", name="New model").click()
            # a stored spec whose hypotheses (a, b, ind) the mediation syntax below keeps
            page.get_by_role("link", name="routines-learning-ambidexterity", exact=True).click()
            expect(page.get_by_label("lavaan syntax")).to_contain_text("AR")
            page.get_by_label("Name").fill("routines-learning-ambidexterity")
            page.get_by_label("lavaan syntax").fill("AR =~ ar1 + ar2\nIOL ~ a*AR +\n")
            page.get_by_role("button", name="Validate").click()
            expect(page.locator("pre.problems")).to_contain_text("line 2")
            shot(page, "03-model-error")
            page.get_by_label("lavaan syntax").fill(MEDIATION)
            page.get_by_role("button", name="Validate").click()
            expect(page.get_by_role("status")).to_contain_text(
                "The syntax is valid and fits the columns of alliance-wave1-fixed.csv")
            page.get_by_role("button", name="Save model").click()

            runs = page.locator("#runs")
            expect(runs.get_by_label("Responses")).to_contain_text("alliance-wave1-fixed.csv")
            runs.get_by_label("Bootstrap draws").fill("1000")
            runs.get_by_label("Seed").fill("1")
            shot(page, "04-project")
            runs.get_by_role("button", name="Run").click()

            expect(page.locator("#progress-box, #downloads").first).to_be_visible()
            shot(page, "05-progress")
            page.wait_for_selector("#downloads, pre.problems", timeout=240_000)
            shot(page, "06-finished")
            if page.locator("pre.problems").count():
                pytest.fail("the run failed: " + page.locator("pre.problems").inner_text())
            expect(page.locator("#run-status")).to_have_text("done")
            report = page.frame_locator("iframe.report")
            expect(report.locator("body")).to_contain_text("ind")
            shot(page, "07-report")

            href = page.locator("#downloads a", has_text="results.json").get_attribute("href")
            results = page.request.get(server + str(href)).json()
            assert results["bootstrap"]["draws"] == 1000
            assert results["provenance"]["data_path"] == "alliance-wave1-fixed.csv"

            page.get_by_role("button", name="Create share link").click()
            link = page.locator("a.share-link").first.get_attribute("href")
            assert link is not None
            assert link.startswith("/s/")
            shot(page, "08-shared")

            reviewer = browser.new_context(viewport={"width": 1280, "height": 900})
            shared = reviewer.new_page()
            shared.goto(server + link)
            expect(shared.locator("body")).to_contain_text("ind")
            expect(shared.get_by_role("button", name="Sign out")).to_have_count(0)
            shot(shared, "09-reviewer")
            shared.goto(server + "/")
            expect(shared.get_by_role("heading", name="Sign in")).to_be_visible()
            reviewer.close()
        finally:
            browser.close()


def test_run_form_from_a_stored_spec_refusal_exclusion_and_language(
        chromium: dict[str, Any], server: str) -> None:
    """Issue 15: the interface switches to Chinese and back; a model from a stored spec carries
    its title and hypotheses into the report; a refused run keeps the form's values; careless
    respondents are excluded; the report switches language on the run page."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        try:
            page = signed_in(browser.new_page(viewport={"width": 1280, "height": 900}), server)
            page.locator("#ui-lang").get_by_role("link", name="中文").click()
            expect(page.get_by_role("heading", name="项目")).to_be_visible()
            expect(page.get_by_role("button", name="创建项目")).to_be_visible()
            shot(page, "10-interface-zh")
            page.locator("#ui-lang").get_by_role("link", name="English").click()
            page.get_by_label("New project").fill("Spec study")
            page.get_by_role("button", name="Create project").click()
            page.locator("#instrument input[type=file]").set_input_files(INSTRUMENT)
            page.get_by_role("button", name="Upload instrument").click()
            page.locator("#responses input[type=file]").set_input_files(DATA)
            page.get_by_role("button", name="Upload responses").click()
            expect(page.locator("#responses")).to_contain_text("respondents")

            page.get_by_role("link", name="New model").click()
            page.get_by_role("link", name="routines-learning-ambidexterity", exact=True).click()
            expect(page.locator("#spec-keys")).to_contain_text("3 hypotheses: H1a, H1b, H1c")
            page.get_by_role("button", name="Save model").click()

            runs = page.locator("#runs")
            runs.get_by_label("Bootstrap draws").fill("0")
            runs.locator("input[name=ordered]").fill("ar1")
            runs.get_by_label("failed attention check").check()
            runs.get_by_label("Report language").select_option("zh")
            runs.get_by_role("button", name="Run").click()
            expect(page.locator("#run-error")).to_contain_text("choose the estimator WLSMV")
            runs = page.locator("#runs")
            expect(runs.locator("input[name=ordered]")).to_have_value("ar1")
            expect(runs.get_by_label("failed attention check")).to_be_checked()
            expect(runs.get_by_label("Report language")).to_have_value("zh")
            expect(runs.get_by_label("Bootstrap draws")).to_have_value("0")
            shot(page, "11-run-refused")

            runs.locator("input[name=ordered]").fill("")
            runs.get_by_role("button", name="Run").click()
            page.wait_for_selector("#downloads, pre.problems", timeout=240_000)
            if page.locator("pre.problems").count():
                pytest.fail("the run failed: " + page.locator("pre.problems").inner_text())
            report = page.frame_locator("iframe.report")
            expect(report.locator("h1")).to_contain_text("联盟惯例、组织间学习与双元创新")
            expect(report.locator("body")).to_contain_text("联盟惯例促进组织间学习")
            expect(report.locator("body")).to_contain_text("careless responding (attention)")
            shot(page, "12-report-zh")
            page.locator("#report-lang").get_by_role("link", name="English").click()
            report = page.frame_locator("iframe.report")
            expect(report.locator("h1")).to_contain_text("Alliance routines, inter-organizational")
            expect(report.locator("body")).to_contain_text(
                "Alliance routines increase inter-organizational learning")
            shot(page, "13-report-en")
        finally:
            browser.close()


def test_save_refuses_an_edit_a_hypothesis_no_longer_fits_and_keeps_it(
        chromium: dict[str, Any], server: str, tmp_path: Path) -> None:
    """A model started from a stored spec: an edit of the syntax that drops the label one of
    the spec's hypotheses tests is refused at Save with the run's message; the form keeps it."""
    store = Store(tmp_path / "data")  # the server's
    web = Web(httpx.Client(base_url=server, timeout=60), store)
    web.sign_in("ann")
    project, _, _ = ready_project(web, "alliance.csv")  # the instrument and data uploaded
    starter = "routines-learning-ambidexterity"
    assert "effect: a," in (ROOT / "models" / "routines_learning_ambidexterity.yaml").read_text(
        "utf-8")  # H1a tests the path labelled a
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        try:
            page = signed_in(browser.new_page(viewport={"width": 1280, "height": 900}), server)
            page.goto(f"{server}/projects/{project}")
            page.get_by_role("link", name="New model").click()
            page.get_by_role("link", name=starter, exact=True).click()
            syntax = page.get_by_label("lavaan syntax")
            edited = re.sub(r"\ba\*", "a1*", syntax.input_value())  # IOL ~ a1*AR, ...
            syntax.fill(edited)
            page.get_by_role("button", name="Save model").click()
            expect(page.locator("pre.problems")).to_contain_text(
                f"model {starter}, hypotheses.0.effect (H1a): 'a' is neither a := effect nor a "
                "regression label of the model (did you mean 'a1'?)")
            expect(page.get_by_label("lavaan syntax")).to_have_value(edited)  # nothing lost
            expect(page.locator("#spec-keys")).to_contain_text("3 hypotheses: H1a, H1b, H1c")
            shot(page, "14-save-refused-hypothesis")
            assert [m.name for m in store.projects.models(project)] == ["mediation"]

            page.get_by_label("lavaan syntax").fill(edited.replace("a1*", "a*"))
            page.get_by_role("button", name="Save model").click()
            expect(page.locator("#models")).to_contain_text(starter)
            saved = next(m for m in store.projects.models(project) if m.name == starter)
            assert [h["id"] for h in saved.spec["hypotheses"]] == ["H1a", "H1b", "H1c"]
        finally:
            browser.close()
