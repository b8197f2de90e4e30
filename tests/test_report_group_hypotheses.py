"""A multi-group report says which group each hypothesis verdict is about, names groups by the
instrument's value labels, and its index row says the fit is of several groups."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from semwb.pipeline import run_analysis
from semwb.report.group_hypotheses import GroupCheck, check_group_hypotheses
from semwb.report.i18n import Lang, strings
from semwb.report.labels import Labels, labels_from_instrument
from semwb.report.render import render_index, render_report
from semwb.results import Results
from semwb.sem.spec import spec_from_syntax
from semwb.survey.instrument import load_instrument

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "reference" / "mediation_groups" / "data.csv"
INSTRUMENT = ROOT / "surveys" / "alliance_portfolio_innovation.yaml"
SYNTAX = """AR =~ ar1 + ar2 + ar3 + ar4
IOL =~ iol1 + iol2 + iol3 + iol4
AI =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6
IOL ~ c(a1, a2, a3)*AR
AI ~ IOL + g*AR
ind1 := a1*a1
d12 := a1 - a2
"""
HYPOTHESES = [
    {"id": "H1", "path": "AR -> IOL", "expected": "positive"},  # free in each group
    {"id": "H2", "path": "AR -> AI", "expected": "positive"},  # one shared label: equal
    {"id": "H3", "path": "d12"},  # a := of two groups' labels
    {"id": "H4", "path": "ind1"},  # a := of group 1's labels only
]


@pytest.fixture(scope="module")
def results() -> Results:
    spec = spec_from_syntax(SYNTAX, name="groups", group="own", hypotheses=HYPOTHESES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_analysis(spec, pd.read_csv(DATA), data_name="data.csv")


def test_each_hypothesis_says_which_group(results: Results) -> None:
    # a hypothesis the model lacks is refused before a fit; older results may still hold one
    absent = {"id": "H5", "path": "IOL -> AR"}
    checks = check_group_hypotheses(
        results.model_copy(update={"hypotheses": [*results.hypotheses, absent]}), lang="en")
    by_id: dict[str, list[GroupCheck]] = {}
    for c in checks:
        by_id.setdefault(c.check.id, []).append(c)
    groups = [str(g) for g in dict.fromkeys(r.group for r in results.parameters if r.op != ":=")]
    h1 = by_id["H1"]
    assert [c.group for c in h1] == groups  # one verdict per group
    for c in h1:
        row = c.check.row
        assert row is not None
        assert (row.group, row.lhs, row.rhs) == (c.group, "IOL", "AR")
    assert len({c.check.row.est for c in h1 if c.check.row}) == 3
    (h2,) = by_id["H2"]
    assert h2.equal
    assert h2.check.row is not None
    assert h2.check.row.label == "g"
    (h3,) = by_id["H3"]
    assert h3.group is None  # a1 and a2 belong to two groups
    (h4,) = by_id["H4"]
    first = next(r.group for r in results.parameters if r.label == "a1")
    assert h4.group == first
    (h5,) = by_id["H5"]
    assert h5.check.verdict == "not_evaluated"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_names_groups_by_value_label(results: Results, lang: Lang) -> None:
    instrument = load_instrument(INSTRUMENT)
    html = render_report(results, lang=lang, instrument=instrument, downloads=False)
    t = strings(lang)
    labels = labels_from_instrument(instrument, lang)
    state = "State-owned (own = 1)" if lang == "en" else "国有（own = 1）"
    assert labels.group_title("own", "1") == state
    assert f'<h3 id="group-1">{t["group"]}{t["colon"]}' in html
    assert f"{state}</h3>" in html
    size = f"{state} (n = {results.group_n['1']})" if lang == "en" else (
        f"{state}（n = {results.group_n['1']}）")  # the summary's groups, as the ladder's
    assert size in html.split('<section id="hypotheses">')[0]
    hypotheses = re.search(r'<section id="hypotheses">(.*?)</section>', html, re.S)
    assert hypotheses is not None
    body = hypotheses.group(1)
    assert body.count("<strong>H1</strong>") == 3
    assert f"{t['group']}{t['colon']}{state}" in body
    assert t["all_groups_equal"] in body
    assert body.count("<strong>H2</strong>") == 1


def test_without_value_labels_the_column_and_value_are_shown() -> None:
    assert Labels().group_title("own", "3") == "own = 3"
    assert Labels().group_title(None, "3") == "3"
    labelled = Labels(levels={"own": {"3": "Foreign-invested"}})
    assert labelled.group_title("own", "3") == "Foreign-invested (own = 3)"
    assert labelled.group_title("own", "4") == "own = 4"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_index_row_says_the_fit_is_of_several_groups(results: Results, lang: Lang) -> None:
    html = render_index([results], lang=lang)
    note = strings(lang)["n_groups"].format(n=3, column="own")
    assert note in html
    one = results.model_copy(update={"parameters": [r for r in results.parameters
                                                    if r.group in (None, "1")]})
    assert note not in render_index([one], lang=lang)


def test_downloads_name_the_group_of_each_hypothesis(results: Results) -> None:
    from semwb.report.context import build_report_context
    from semwb.report.tables import report_tables

    tables = report_tables(build_report_context(results))
    hypotheses = next(t for t in tables if t.key == "hypotheses")
    paths = [row[1] for row in hypotheses.rows if str(row[0]).startswith("H1")]
    assert len(paths) == 3
    assert all("(Group: own = " in str(p) for p in paths)
