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

from browser_support import chromium_browser
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
    with chromium_browser() as launched:
        yield launched


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


def test_index_links_model_names_and_explains_grey_at_1280px(browser: Any, tmp_path: Path) -> None:
    full = mediation_results()
    long = full.model_copy(update={"model": "commitment-learning-collaborative-innovation"})
    path = tmp_path / "index.html"
    path.write_text(render_index([full, long], links=["a/report.html", "b/report.html"]),
                    encoding="utf-8")
    page, seen = open_offline(browser, path)
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        assert seen == {"network": [], "console": [], "failed": [], "errors": []}
        names = page.locator("table.index tbody td:first-child a")
        assert names.count() == 2
        assert names.nth(1).get_attribute("href") == "b/report.html"
        assert "not significant" in page.locator("p.legend").inner_text()
        right = page.evaluate("document.querySelector('table.index').getBoundingClientRect()"
                              ".right")
        assert right <= 1280, "the index needs a horizontal scroll at 1280 px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "index-1280.png"), full_page=True)
    finally:
        page.close()


def test_a_wide_htmt_matrix_fits_the_printed_page(browser: Any, tmp_path: Path) -> None:
    from report_support import Construct, Instrument, Text

    ids = [f"C{i}" for i in range(1, 10)]
    names = {c: Text(f"Interorganizational knowledge construct number {c}", f"构念 {c}")
             for c in ids}
    inst = Instrument(title=Text("Wide", "宽"),
                      constructs={c: Construct(name=names[c]) for c in ids})
    htmt = {a: dict.fromkeys(ids[:i], 0.4) for i, a in enumerate(ids)}
    fl = {a: {b: 0.7 if a == b else 0.3 for b in ids} for a in ids}
    results = mediation_results().model_copy(update={"htmt": htmt, "quality": {
        "fornell_larcker": fl}})
    path = tmp_path / "wide.html"
    path.write_text(render_report(results, instrument=inst), encoding="utf-8")
    page, _ = open_offline(browser, path)
    try:
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 690, "height": 1000})  # A4 less the print margins
        for table in page.locator("#validity table.matrix").all():
            box = table.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= 690 + 1, "a matrix runs off the printed page"
        pdf = page.pdf(format="A4")
        (ARTIFACTS / "wide-htmt.pdf").parent.mkdir(exist_ok=True)
        (ARTIFACTS / "wide-htmt.pdf").write_bytes(pdf)
    finally:
        page.close()


def test_the_tables_download_from_the_offline_report(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report(mediation_results(), instrument=instrument(),
                                  measurement=mediation_measurement()), encoding="utf-8")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        for fmt in ("docx", "xlsx"):
            with page.expect_download() as info:
                page.locator(f"p.downloads a[download$='.{fmt}']").click()
            saved = tmp_path / f"tables.{fmt}"
            info.value.save_as(saved)
            assert saved.read_bytes()[:2] == b"PK"  # a zip: Word and Excel files are
            assert info.value.suggested_filename == f"routines-learning-ambidexterity-tables.{fmt}"
    finally:
        context.close()
