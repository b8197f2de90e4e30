"""A real browser opens the report offline: Debian's Chromium, headless, network blocked.

Checks: no request leaves ``file:``, no console error, no failed request, Chinese glyphs render
(not as missing-glyph boxes), and printing gives one page per section. Screenshots are saved under
``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium_launch
from report_support import instrument, mediation_measurement, mediation_results
from semwb.report import render_index, render_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).parent / "artifacts"

# Draw two CJK characters and an unassigned code point on a canvas with the page's font: real
# glyphs differ from each other and from the missing-glyph box; tofu would be three equal boxes.
GLYPH_PROBE = """() => {
  const font = getComputedStyle(document.querySelector('h1')).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 40; c.height = 40;
    const g = c.getContext('2d'); g.font = '32px ' + font; g.fillStyle = '#000';
    g.fillText(ch, 2, 32);
    return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
  };
  const a = draw('联'), b = draw('盟'), missing = draw('\\u{10FFFD}');
  return {differ: a !== b, notMissing: a !== missing && b !== missing,
          inked: a.split(',').some((v, i) => i % 4 === 3 && v !== '0')};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = chromium_launch()  # skips, or fails under CI, without Chromium

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**chromium)
        try:
            yield launched
        finally:
            launched.close()


def open_offline(browser: Any, path: Path) -> tuple[Any, dict[str, list[str]]]:
    """Open ``path`` with every non-file request aborted and recorded."""
    seen: dict[str, list[str]] = {"network": [], "console": [], "failed": [], "errors": []}
    page = browser.new_page(viewport={"width": 1100, "height": 900})

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            seen["network"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_offline_without_errors(browser: Any, tmp_path: Path, lang: str) -> None:
    html = render_report(mediation_results(), lang=lang, instrument=instrument(),
                         measurement=mediation_measurement())
    path = tmp_path / f"report.{lang}.html"
    path.write_text(html, encoding="utf-8")
    page, seen = open_offline(browser, path)
    try:
        assert seen == {"network": [], "console": [], "failed": [], "errors": []}
        sections = page.eval_on_selector_all("main section", "els => els.map(e => e.id)")
        assert sections == ["summary", "diagram", "measurement", "validity", "descriptives", "cmb",
                            "fit", "paths", "effects", "hypotheses", "warnings", "provenance"]
        box = page.locator("#diagram svg").bounding_box()
        assert box is not None
        assert box["width"] > 600
        assert box["height"] > 250
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-{lang}.png"), full_page=True)
        page.locator("#diagram").screenshot(path=str(ARTIFACTS / f"diagram-{lang}.png"))
        if lang == "zh":
            assert page.locator("h1").inner_text() == "联盟惯例、组织间学习与双元创新"
            probe = page.evaluate(GLYPH_PROBE)
            assert probe == {"differ": True, "notMissing": True, "inked": True}, (
                "Chinese glyphs do not render: install fonts-noto-cjk ('make system-deps')")
        pdf = page.pdf(format="A4")  # the print stylesheet starts each section on a new page
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= len(sections)
    finally:
        page.close()


def test_report_of_a_real_fit_renders_offline(browser: Any, tmp_path: Path) -> None:
    """Fit hypothesis 1's spec on the lavaan reference data, then open its report (zh)."""
    from semwb.pipeline import read_data, run_analysis
    from semwb.sem.spec import load_spec

    root = Path(__file__).parents[1]
    spec = load_spec(root / "models" / "routines_learning_ambidexterity.yaml")
    results = run_analysis(spec, read_data(root / "tests" / "reference" / "mediation_single" /
                                           "data.csv"))
    path = tmp_path / "report.zh.html"
    path.write_text(render_report(results, lang="zh"), encoding="utf-8")
    page, seen = open_offline(browser, path)
    try:
        assert seen == {"network": [], "console": [], "failed": [], "errors": []}
        verdicts = page.locator("#hypotheses td.verdict-supported").count()
        assert verdicts == 3  # H1a, H1b, H1c on data simulated with a = .50, b = .40
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "real-fit-zh.png"), full_page=True)
    finally:
        page.close()


def test_index_renders_offline(browser: Any, tmp_path: Path) -> None:
    full = mediation_results()
    nested = full.model_copy(update={"model": "no-direct", "nested_in": [full.model],
                                     "fit": full.fit.model_copy(update={"chisq": 146.0,
                                                                        "df": 102})})
    path = tmp_path / "index.html"
    path.write_text(render_index([full, nested]), encoding="utf-8")
    page, seen = open_offline(browser, path)
    try:
        assert seen == {"network": [], "console": [], "failed": [], "errors": []}
        assert page.locator("#comparison tbody tr").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "index-en.png"), full_page=True)
    finally:
        page.close()
