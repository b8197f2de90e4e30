"""Item labels in the path diagram stay readable (issue 15): long names (a ``.lav`` fitted on
columns like ``ambidextrous_innovation_6``, Chinese item names) stand upright in narrow boxes,
so the picture is not shrunk to fit the page; checked in Chromium at the size a reader sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium_browser
from report_support import DATA
from semwb.report import render_report
from semwb.results import Results, results_from_json

LATIN = {"ar": "alliance_routine_", "iol": "interorg_learning_", "ai": "ambidextrous_innovation_"}
CHINESE = {"ar": "联盟惯例题项", "iol": "组织间学习题项", "ai": "双元创新题项"}
SHORT = {"ar": "ar", "iol": "iol", "ai": "ai"}


def renamed(prefixes: dict[str, str]) -> tuple[Results, list[str]]:
    """The report fixture's results with every item ``ar1`` named ``<prefix>1``."""
    text = (DATA / "mediation_results.json").read_text(encoding="utf-8")
    items = []
    for old, new in prefixes.items():
        for number in range(1, 7):
            if f'"{old}{number}"' in text:
                text = text.replace(f'"{old}{number}"', f'"{new}{number}"')
                items.append(f"{new}{number}")
    return results_from_json(text), items


def test_a_label_past_the_limit_is_cut_with_the_full_name_in_a_tooltip() -> None:
    results, _ = renamed({"ai": "ai_" + "x" * 40 + "<b>"})
    html = render_report(results, lang="en")
    diagram = html[html.index("<svg"):html.index("</svg>")]
    assert "<title>ai_" + "x" * 40 + "&lt;b&gt;1</title>" in diagram
    assert ">ai_" + "x" * 24 + "…</text>" in diagram
    assert "<b>" not in diagram


def test_short_labels_stay_side_by_side() -> None:
    results, _ = renamed(SHORT)
    diagram = render_report(results, lang="en")
    assert "rotate(-90" not in diagram
    assert "vertical-rl" not in diagram


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as launched:
        yield launched


# Every item label's rendered font size, its box on screen and its rectangle's box.
MEASURE = """(items) => {
  const svg = document.querySelector('svg.diagram');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const box = (e) => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  return Array.from(svg.querySelectorAll('text'))
    .filter((t) => items.includes(t.textContent))
    .map((t) => ({item: t.textContent, px: scale * parseFloat(t.getAttribute('font-size')),
                  text: box(t), rect: box(t.previousElementSibling)}));
}"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("prefixes", "lang"), [(LATIN, "en"), (CHINESE, "zh"), (SHORT, "zh")])
def test_item_labels_are_readable_and_apart_in_chromium(
        browser: Any, tmp_path: Path, prefixes: dict[str, str], lang: str) -> None:
    results, items = renamed(prefixes)
    path = tmp_path / f"report.{lang}.html"
    path.write_text(render_report(results, lang=lang), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # the report's own width
    page.goto(path.as_uri(), wait_until="load")
    shown = page.evaluate(MEASURE, items)
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.locator("svg.diagram").screenshot(
        path=str(artifacts / f"diagram-items-{re.sub(r'[^a-z]', '', prefixes['ar']) or 'zh'}.png"))
    page.close()
    assert sorted(s["item"] for s in shown) == sorted(items)
    for label in shown:
        assert label["px"] >= 10, f"{label['item']} is drawn at {label['px']:.1f} px"
        left, top, right, bottom = label["text"]
        r_left, r_top, r_right, r_bottom = label["rect"]
        inside = (r_left - 1 <= left, right <= r_right + 1, r_top - 1 <= top,
                  bottom <= r_bottom + 1)
        assert all(inside), label
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            apart = (a["text"][2] <= b["text"][0] or b["text"][2] <= a["text"][0]
                     or a["text"][3] <= b["text"][1] or b["text"][3] <= a["text"][1])
            assert apart, (a["item"], b["item"])
