"""The report of a multiple-group model: every group's loadings, paths and R², shared labels marked.

The fixture is the seed's mediation across ownership types (tests/reference/mediation_groups),
fitted through the pipeline with group-specific ``c()`` labels on the first paths and a shared
label (an equality across groups) on the direct path.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from semwb.pipeline import run_analysis
from semwb.report import render_report
from semwb.report.context import build_report_context
from semwb.report.filters import fmt_std
from semwb.report.i18n import Lang, strings
from semwb.report.tables import report_tables
from semwb.results import Results
from semwb.sem.spec import spec_from_syntax

DATA = Path(__file__).parent / "reference" / "mediation_groups" / "data.csv"
SYNTAX = """AR =~ ar1 + ar2 + ar3 + ar4
IOL =~ iol1 + iol2 + iol3 + iol4
AI =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6
IOL ~ c(a1, a2, a3)*AR
AI ~ IOL + g*AR
d12 := a1 - a2
"""
#: group values as the data hold them; one needs escaping
GROUPS = {1: "state <&> owned", 2: "private", 3: "foreign"}


@pytest.fixture(scope="module")
def results() -> Results:
    data = pd.read_csv(DATA)
    data["own"] = data["own"].map(GROUPS)
    spec = spec_from_syntax(SYNTAX, name="groups", group="own", defaults="sem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = run_analysis(spec, data, data_name="data.csv")
    title = {"en": "Ownership <b>types</b>", "zh": "所有制 <b>类型</b>"}
    return fitted.model_copy(update={"title": title})


def _section(html: str, anchor: str) -> str:
    """The text of ``<section id=anchor>``."""
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert match, f"no section {anchor}"
    return match.group(1)


def _after(text: str, heading: str) -> str:
    """``text`` from the heading of one group up to the next heading."""
    start = text.index(heading)
    following = [text.find(f"<h3 id=\"group-{i}", start + 1) for i in range(1, 4)]
    end = min([f for f in following if f > start] + [len(text)])
    return text[start:end]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_group_has_its_loadings_paths_and_r2(results: Results, lang: Lang) -> None:
    html = render_report(results, lang=lang, downloads=False)
    t = strings(lang)
    groups = [str(g) for g in dict.fromkeys(r.group for r in results.parameters if r.op != ":=")]
    assert groups == ["foreign", "private", "state <&> owned"]  # order of first appearance
    paths = _section(html, "paths")
    measurement = _section(html, "measurement")
    estimates = set()
    for index, group in enumerate(groups, start=1):
        shown = group.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        heading = f'<h3 id="group-{index}">{t["group"]}{t["colon"]}own = {shown}</h3>'
        block = _after(paths, heading)
        for row in results.parameters:
            if row.group == group and row.op == "~":
                assert f"{row.est:.3f}" in block, (group, row.lhs, row.rhs)
        estimates.add(next(r.est for r in results.parameters
                           if r.group == group and r.op == "~" and r.label == f"a{index}"))
        r2 = fmt_std(results.r2[f"IOL [{group}]"])
        assert f'<td>IOL</td><td class="num">{r2}</td>' in block
        loadings = _after(measurement, f'<h3 id="group-{index}-loadings">')
        ar2 = next(r for r in results.parameters
                   if r.group == group and r.op == "=~" and r.rhs == "ar2")
        assert f"{ar2.est:.3f}" in loadings
    assert len(estimates) == 3  # IOL ~ AR is free in each group: three different estimates
    assert "<h3 id=\"group-" not in html.split('<section id="measurement">')[0]
    diagram = _section(html, "diagram")
    assert diagram.count("<svg") == 3
    assert "Multi-group results" not in html
    assert "多组结果" not in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shared_labels_are_marked_and_group_labels_are_not(results: Results, lang: Lang) -> None:
    paths = _section(render_report(results, lang=lang, downloads=False), "paths")
    assert paths.count('<code>g</code> <span class="tag shared">=</span>') == 3
    for label in ("a1", "a2", "a3"):
        assert f"<code>{label}</code></td>" in paths
    assert strings(lang)["groups_shared_note"] in paths


def test_markup_in_titles_and_group_values_is_escaped(results: Results) -> None:
    html = render_report(results, lang="en", downloads=False)
    assert "<b>types</b>" not in html
    assert "Ownership &lt;b&gt;types&lt;/b&gt;" in html
    assert "state <&> owned" not in html
    assert "state &lt;&amp;&gt; owned" in html


def _loading_cells(measurement: str, index: int, item: str) -> str:
    """The item cell of ``item`` in the loadings table of group ``index``."""
    block = _after(measurement, f'<h3 id="group-{index}-loadings">')
    match = re.search(rf'<td class="item">{item}(.*?)</td>', block)
    assert match, (index, item)
    return match.group(0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_group_equal_loadings_are_marked_except_the_partial_ones(lang: Lang) -> None:
    data = pd.read_csv(DATA)
    spec = spec_from_syntax("AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + i*iol3 + iol4",
                            name="equal", group="own", defaults="cfa",
                            group_equal=["loadings"], group_partial=["AR =~ ar3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_analysis(spec, data, data_name="data.csv")
    html = render_report(results, lang=lang, downloads=False)
    measurement = _section(html, "measurement")
    # a CFA: no group has paths, said once; each group has its factor covariance
    paths = _section(html, "paths")
    assert paths.count(strings(lang)["no_paths"]) == 1
    assert paths.count(f"<h4>{strings(lang)['covariances']}</h4>") == 3
    for index in (1, 2, 3):
        assert 'class="tag shared">=</span>' in _loading_cells(measurement, index, "ar2")
        assert 'class="tag shared">= i</span>' in _loading_cells(measurement, index, "iol3")
        for item in ("ar1", "ar3"):  # the fixed marker and the group_partial exemption
            assert "shared" not in _loading_cells(measurement, index, item)
    estimates = {(r.rhs, r.group): float(r.est or 0) for r in results.parameters if r.op == "=~"}
    groups = {g for _, g in estimates}
    assert len({round(estimates["ar2", g], 9) for g in groups}) == 1
    assert len({estimates["ar3", g] for g in groups}) == 3
    assert strings(lang)["groups_measurement_note"] in measurement


def test_downloaded_tables_hold_every_group_in_a_group_column(results: Results) -> None:
    tables = {table.key: table for table in report_tables(build_report_context(results))}
    groups = ["foreign", "private", "state <&> owned"]
    for key, per_group in (("loadings", 14), ("paths", 3), ("r2", 2)):
        table = tables[key]
        assert table.columns[0].title == "Group"
        assert [row[0] for row in table.rows] == [g for g in groups for _ in range(per_group)]
    direct = [row for row in tables["paths"].rows if row[1] == "AR → IOL"]
    assert len({row[3] for row in direct}) == 3  # each group's own estimate
    html = render_report(results, lang="en")
    number = tables["paths"].number
    assert html.count(f'<span class="table-number">Table {number}</span>') == 3
    shown = [int(n) for n in re.findall(r'<span class="table-number">Table (\d+)</span>', html)]
    first = list(dict.fromkeys(shown))  # a table split by group repeats its number
    assert first == sorted(first)  # numbered in the order the report shows them
