"""The index across results, and the nested-model comparison."""

from __future__ import annotations

import pytest
from scipy.stats import chi2

from report_support import mediation_results
from semwb.report import render_index
from semwb.report.index import build_index_context, compare_nested
from semwb.results import Results


def restricted(full: Results, **update: object) -> Results:
    return full.model_copy(update={
        "model": "no-direct", "nested_in": [full.model],
        "fit": full.fit.model_copy(update={"chisq": 145.98, "df": 102, "aic": 11236.17,
                                           "bic": 11394.45}), **update})


def test_chi_square_difference_of_nested_models() -> None:
    full = mediation_results()
    c = compare_nested(restricted(full), full, lang="en")
    assert c.delta_chisq == pytest.approx(3.61)
    assert c.delta_df == 1
    assert c.pvalue == pytest.approx(chi2.sf(3.61, 1))
    assert c.delta_aic == pytest.approx(1.61)
    assert c.delta_bic == pytest.approx(-2.16)


def test_robust_estimators_get_no_naive_p_value() -> None:
    full = mediation_results().model_copy(update={"estimator": "MLR"})
    c = compare_nested(restricted(full), full, lang="en")
    assert c.pvalue is None
    assert "scaled difference" in c.note


def test_comparisons_only_for_models_present_and_declared_nested() -> None:
    full = mediation_results()
    other = restricted(full, nested_in=["not-in-this-run"])
    ctx = build_index_context([full, restricted(full), other], [None, None, None], lang="en")
    assert [(c.restricted, c.general) for c in ctx["comparisons"]] == [("no-direct", full.model)]


def test_index_rows_show_fit_effects_links_and_errors() -> None:
    full = mediation_results()
    failed = full.model_copy(update={"model": "broken", "error": "it broke"})
    html = render_index([full, failed], lang="zh")
    assert 'href="routines-learning-ambidexterity/report.html"' in html
    assert "失败：it broke" in html
    assert ".978" in html
    assert "[0.105, 0.238]" in html  # the indirect effect with its CI
    assert "<h2>模型比较</h2>" not in html  # nothing is nested here


def test_index_shows_the_values_each_estimator_is_judged_by() -> None:
    base = mediation_results()
    fit = base.fit.model_copy(update={
        "chisq": 111.11, "cfi": 0.911, "tli": 0.901, "rmsea": 0.081,
        "chisq_scaled": 122.22, "cfi_scaled": 0.933, "tli_scaled": 0.923, "rmsea_scaled": 0.063,
        "chisq_scaling_factor": 1.2, "cfi_robust": 0.944, "tli_robust": 0.934,
        "rmsea_robust": 0.054})
    no_robust = fit.model_copy(update={"cfi_robust": None, "tli_robust": None,
                                       "rmsea_robust": None})
    rows = build_index_context(
        [base.model_copy(update={"model": m, "estimator": e, "fit": f})
         for m, e, f in (("ml", "ML", fit), ("mlr", "MLR", fit), ("wlsmv", "WLSMV", fit),
                         ("wlsmvnum", "WLSMV", no_robust))],
        [None, None, None, None], lang="en")["rows"]
    assert [(r["chisq"], *r["indices"].values()) for r in rows] == [
        (111.11, 0.911, 0.901, 0.081), (111.11, 0.944, 0.934, 0.054),
        (122.22, 0.944, 0.934, 0.054), (122.22, 0.933, 0.923, 0.063)]
    html = render_index([base.model_copy(update={"estimator": "WLSMV", "fit": fit})], lang="en")
    assert "122.22" in html
    assert "111.11" not in html
    assert "scaled χ², robust CFI, TLI, RMSEA (WLSMV)" in html
    html = render_index([base.model_copy(update={"estimator": "WLSMV", "fit": no_robust})],
                        lang="en")
    assert "scaled (WLSMV): χ², CFI, TLI, RMSEA" in html
