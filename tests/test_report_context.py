"""Results -> report context: sections, thresholds, verdicts, fall-backs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from report_support import instrument, mediation_measurement, mediation_results
from semwb.report.context import build_report_context
from semwb.report.hypotheses import check_hypotheses
from semwb.report.labels import labels_from_instrument
from semwb.report.parts import split_parameters
from semwb.results import ParameterRow, Results


def context(results: Results | None = None, **kwargs: Any) -> dict[str, Any]:
    lang = kwargs.pop("lang", "en")
    return build_report_context(
        results or mediation_results(), lang=lang,
        labels=labels_from_instrument(instrument(), lang), **kwargs)


def test_summary_reports_data_exclusions_estimator_and_bootstrap() -> None:
    summary = context()["summary"]
    assert summary["n_used"] == 320
    assert summary["n_excluded"] == 14
    assert summary["reasons"] == [("failed the attention check", 9),
                                  ("straight-lining on all items", 5)]
    assert summary["estimator"] == "Maximum likelihood (ML)"
    assert summary["bootstrap"]["draws"] == 5000
    assert summary["bootstrap"]["seed"] == 1


@pytest.mark.parametrize("entry", [
    {"row": 3, "code": "missing_listwise"},
    {"row": 3, "reason": "missing value in a model column (listwise)"},  # results.json before codes
])
def test_exclusion_reasons_are_worded_in_the_reports_language(entry: dict[str, Any]) -> None:
    results = mediation_results().model_copy(update={"exclusions": [entry, entry]})
    reasons = context(results, lang="zh")["summary"]["reasons"]
    assert reasons == [("模型变量存在缺失值（成列删除）", 2)]
    assert context(results)["summary"]["reasons"] == [
        ("missing value in a model column (listwise)", 2)]


def test_low_loading_is_flagged_and_named_in_the_verdict() -> None:
    m = context(measurement=mediation_measurement())["measurement"]
    ai3 = next(r for g in m["groups"] for r in g["rows"] if r["item"] == "ai3")
    assert ai3["std"] == {"value": 0.58, "ok": False}
    assert "ai3" in m["sentence"]
    assert m["has_reverse"]  # ar4 is reverse-worded in the instrument


def test_reliability_below_threshold_is_marked() -> None:
    results = mediation_results()
    weak = {**results.measurement, "AR": {"alpha": 0.62, "omega": 0.7, "cr": 0.71, "ave": 0.45}}
    m = context(results.model_copy(update={"measurement": weak}))["measurement"]
    ar = next(r for r in m["reliability"] if r["construct"] == "AR")
    assert ar["alpha"]["ok"] is False
    assert ar["ave"]["ok"] is False
    assert ar["cr"]["ok"] is True
    assert "Cronbach's α = .62" in m["sentence"]


def test_validity_tables_use_measurement_json() -> None:
    measurement = mediation_measurement()
    v = context(measurement=measurement)["validity"]
    assert v["ids"] == ["AR", "IOL", "AI"]
    assert v["htmt"]["rows"][2]["cells"][1]["value"] == pytest.approx(0.53)
    assert v["fl"]["rows"][0]["diagonal"] == measurement["constructs"]["AR"]["sqrt_ave"]
    assert "below .85" in v["htmt"]["sentence"]


def test_htmt_above_085_fails() -> None:
    measurement = mediation_measurement()
    measurement["htmt"] = {"IOL": {"AR": 0.91}, "AI": {"AR": 0.35, "IOL": 0.53}}
    v = context(measurement=measurement)["validity"]
    assert v["htmt"]["rows"][1]["cells"][0] == {"value": 0.91, "ok": False}
    assert "Alliance routines–Inter-organizational learning (.91)" in v["htmt"]["sentence"]


def test_optional_sections_are_absent_without_their_data() -> None:
    bare = mediation_results().model_copy(update={
        "measurement": {}, "htmt": {}, "quality": {}, "hypotheses": [], "bootstrap": None})
    ctx = context(bare)
    assert ctx["validity"] is None
    assert ctx["descriptives"] is None
    assert ctx["cmb"] is None
    assert ctx["hypotheses"] is None
    # reliability then comes from the model's own loadings (CR, AVE; no alpha, no omega)
    assert [r["alpha"]["value"] for r in ctx["measurement"]["reliability"]] == [None] * 3
    assert "Wald" in ctx["paths"]["note"]


def test_fit_cutoffs_of_hu_and_bentler() -> None:
    results = mediation_results()
    poor = results.fit.model_copy(update={"rmsea": 0.071, "cfi": 0.93})
    fit = context(results.model_copy(update={"fit": poor}))["fit"]
    verdicts = {row["name"]: row["cell"]["ok"] for row in fit["rows"]}
    assert verdicts == {"CFI": False, "TLI": True, "RMSEA": False, "SRMR": True}
    assert fit["sentence"] == "Not meeting Hu & Bentler's cut-offs: CFI = .930, RMSEA = .071."


def test_effects_are_judged_by_their_bootstrap_interval() -> None:
    effects = context()["effects"]
    ind = effects["rows"][0]
    assert ind["name"] == "ind"
    assert ind["sig"] is True
    assert ind["chart"] is not None
    assert "4,997 bootstrap draws; interval: percentile" in effects["note"]


def test_hypotheses_verdicts() -> None:
    results = mediation_results()
    checks = check_hypotheses(results.hypotheses, split_parameters(results), lang="zh")
    assert [c.verdict for c in checks] == ["supported", "supported", "not_supported", "supported"]
    assert checks[3].row is not None
    assert checks[3].row.label == "ind"  # the chain's a*b
    assert checks[0].text == "联盟惯例促进组织间学习。"


@pytest.mark.parametrize(("hypothesis", "verdict"), [
    ({"path": "AR -> IOL", "expected": "negative"}, "not_supported"),
    ({"path": "AR -> IOL", "expected": "nonzero"}, "supported"),
    ({"path": "ind", "expected": "+"}, "supported"),
    ({"effect": "a"}, "supported"),  # the spec's form: a label, two-sided when not expected
    ({"effect": "cp", "expected": "positive"}, "not_supported"),
    ({"effect": "zz"}, "not_evaluated"),
    ({"path": "IOL -> AR", "expected": "positive"}, "not_evaluated"),
    ({"path": "XX -> AI"}, "not_evaluated"),
])
def test_hypothesis_rules(hypothesis: dict[str, str], verdict: str) -> None:
    results = mediation_results()
    check = check_hypotheses([hypothesis], split_parameters(results), lang="en")[0]
    assert check.verdict == verdict
    assert check.id == "H1"


def test_warnings_collect_convergence_failed_draws_and_heywood_cases() -> None:
    results = mediation_results()
    rows = [r.model_copy(update={"std_all": 1.04}) if r.rhs == "ai2" and r.op == "=~" else r
            for r in results.parameters]
    ctx = context(results.model_copy(update={"converged": False, "parameters": rows}))
    warnings = ctx["warnings"]
    assert warnings[0].startswith("The estimator did not converge")
    assert "3 of 5,000 bootstrap draws failed and were dropped." in warnings
    assert any("ai2" in w and "1.04" in w for w in warnings)


def test_without_instrument_ids_stand_for_names() -> None:
    ctx = build_report_context(mediation_results(), lang="en")
    assert [g["name"] for g in ctx["measurement"]["groups"]] == ["AR", "IOL", "AI"]
    assert ctx["paths"]["rows"][0]["from"] == "AR"


def test_chinese_context_uses_chinese_names_and_sentences() -> None:
    ctx = context(lang="zh", measurement=mediation_measurement())
    assert ctx["title"] == "联盟惯例、组织间学习与双元创新"
    assert ctx["paths"]["rows"][0]["from"] == "联盟惯例 (AR)"
    assert ctx["fit"]["sentence"] == "CFI、TLI、RMSEA 与 SRMR 均达到 Hu & Bentler 的标准。"
    assert "不包含零" in ctx["effects"]["rows"][0]["sentence"]


def test_provenance_gives_the_reproduce_and_rerender_commands() -> None:
    prov = context(lang="zh", results_dir="reports/mediation")["provenance"]
    assert prov["command"] == "semwb fit models/mediation.yaml --out reports/mediation"
    assert prov["rerender"] == "semwb report reports/mediation --lang zh"
    assert prov["versions"]["semopy"] == "2.3.11"
    assert prov["seed"] == 1


def test_common_method_reads_harman_threshold_and_single_factor_cfa() -> None:
    cmb = context(measurement=mediation_measurement())["cmb"]
    assert cmb["ok"] is True
    assert cmb["sentence"].startswith("The first unrotated factor explains 31.3% of the variance,"
                                      " below the 50% guideline")
    assert cmb["single_factor"]["df"] == 3


def test_item_statistics_come_from_measurement_json() -> None:
    items = context(measurement=mediation_measurement())["descriptives"]["item_rows"]
    assert [i["item"] for i in items][:2] == ["ar1", "ar2"]
    assert items[0]["construct_name"] == "Alliance routines"
    assert set(items[0]) == {"item", "n", "mean", "sd", "citc", "alpha_if_deleted",
                             "construct_name"}


def test_inadmissible_draws_are_warned() -> None:
    warnings = context()["warnings"]
    assert ("1 of the 4,997 kept bootstrap draws had an inadmissible solution (a negative "
            "variance or a correlation beyond 1).") in warnings


def test_fixed_parameters_show_no_standard_error_or_p() -> None:
    # lavaan writes se = 0 and an interval [1, 1] for the marker loading
    results = mediation_results()
    rows = [r.model_copy(update={"se": 0.0, "ci_lower": 1.0, "ci_upper": 1.0})
            if not r.free else r for r in results.parameters]
    m = context(results.model_copy(update={"parameters": rows}))["measurement"]
    ar1 = m["groups"][0]["rows"][0]
    assert (ar1["item"], ar1["est"], ar1["se"], ar1["pvalue"]) == ("ar1", 1.0, None, None)


def test_multi_group_results_are_shown_per_group() -> None:
    results = mediation_results()
    rows = [*(r.model_copy(update={"group": "state"}) for r in results.parameters
              if r.op != ":="),
            *(r.model_copy(update={"group": "private", "std_all": 0.1})
              for r in results.parameters)]
    ctx = context(results.model_copy(update={"parameters": rows}))
    assert not any("Multi-group" in note for note in ctx["warnings"])
    assert [g["name"] for g in ctx["groups"]] == ["state", "private"]
    state, private = ctx["groups"]
    assert state["paths"][0]["std"] == pytest.approx(0.468)
    assert {row["std"] for row in private["paths"]} == {0.1}
    assert [r["std"]["value"] for c in private["loadings"] for r in c["rows"]] == [0.1] * 14
    assert ctx["diagram"] is None  # one diagram per group instead
    assert state["diagram"] is not None
    assert private["diagram"] is not None


def test_r2_lists_outcomes_of_regressions_not_indicators() -> None:
    results = mediation_results()
    r2 = {"ar1": 0.56, **results.r2}  # lavaan reports the indicators' R² too
    fit = context(results.model_copy(update={"r2": r2}))["fit"]
    assert [row["name"] for row in fit["r2"]] == ["Inter-organizational learning (IOL)",
                                                  "Ambidextrous innovation (AI)"]


def test_key_results_come_first_in_the_summary() -> None:
    lines = context(measurement=mediation_measurement())["key_results"]
    assert lines[0] == "Below threshold: Ambidextrous innovation ai3 λ = .58."
    assert lines[1] == "All of CFI, TLI, RMSEA and SRMR meet Hu & Bentler's cut-offs."
    assert lines[2] == "3 of 4 hypotheses supported."
    assert lines[3].startswith("ind (Alliance routines → Inter-organizational learning → "
                               "Ambidextrous innovation) = 0.171, 95% CI [0.105, 0.238]")


def _with_rows(results: Results, **changes: dict[str, Any]) -> Results:
    """``results`` with the rows labelled by the keys of ``changes`` updated."""
    rows = [r.model_copy(update=changes[r.label]) if r.label in changes else r
            for r in results.parameters]
    return results.model_copy(update={"parameters": rows})


def test_the_deciding_inference_is_stated_once_and_disagreements_are_marked() -> None:
    # the apmc example: p = .059 for the path, a percentile interval just above zero
    results = _with_rows(mediation_results(),
                         b={"pvalue": 0.0594, "ci_lower": 0.00036, "ci_upper": 0.378},
                         ind={"pvalue": 0.0653, "ci_lower": 0.00023, "ci_upper": 0.314})
    ctx = context(results)
    assert ctx["summary"]["rule"] == (
        "Significance: a regression path by its p value (p < .05); a defined effect by its 95% "
        "bootstrap percentile CI, significant when it excludes zero.")
    path = next(r for r in ctx["paths"]["rows"] if r["label"] == "b")
    assert (path["sig"], path["disagree"]) == (False, True)
    ind = next(r for r in ctx["effects"]["rows"] if r["name"] == "ind")
    assert (ind["sig"], ind["disagree"]) == (True, True)
    assert "CI [0.0002, 0.314]" in ind["sentence"]
    agreeing = next(r for r in ctx["paths"]["rows"] if r["label"] == "a")
    assert agreeing["disagree"] is False


def test_a_ratio_of_coefficients_gets_no_significance_verdict() -> None:
    results = _with_rows(mediation_results(), ind={"rhs": "-a/(2*b)", "label": "turning_point",
                                                   "lhs": "turning_point"})
    row = next(r for r in context(results)["effects"]["rows"] if r["name"] == "turning_point")
    assert row["sig"] is False
    assert (row["std"], row["pvalue"]) == (None, None)
    assert "not an effect; it gets no significance verdict" in row["sentence"]
    assert "significant" not in row["sentence"].replace("significance", "")


def test_descriptives_never_put_latent_correlations_beside_composite_means() -> None:
    measurement = mediation_measurement()
    assert measurement.get("descriptives")
    assert measurement.get("fornell_larcker")
    plain = context(measurement=measurement)["descriptives"]
    assert plain["correlated"] is False
    assert all(row["cells"] == [] for row in plain["rows"])
    composite = {"AR": {"IOL": 0.41, "AI": 0.30}, "IOL": {"AI": 0.02}}
    pvalues = {"AR": {"IOL": 0.0001, "AI": 0.004}, "IOL": {"AI": 0.7}}
    rows = context(measurement={**measurement, "composite_correlations": composite,
                                "composite_pvalues": pvalues})["descriptives"]["rows"]
    cells = {(row["name"], i): (c["value"], c["stars"]) for row in rows
             for i, c in enumerate(row["cells"])}
    assert set(cells.values()) == {(0.41, "***"), (0.30, "**"), (0.02, "")}


def test_a_negative_loading_is_called_reverse_worded() -> None:
    results = mediation_results()
    rows = [r.model_copy(update={"std_all": -0.62, "est": -0.7}) if r.rhs == "ar4" else r
            for r in results.parameters]
    notes = context(results.model_copy(update={"parameters": rows}))["warnings"]
    assert any(note.startswith("ar4 has a negative standardized loading (−.62) on Alliance "
                               "routines: it looks reverse-worded.") for note in notes)
    assert not any("reverse-worded" in note for note in context()["warnings"])


def test_without_an_instrument_cr_and_ave_come_from_the_models_own_loadings() -> None:
    # semTools/lavaan reference: CR and AVE (Fornell-Larcker) from the k-factor CFA's std.all
    reference = json.loads((Path(__file__).parent / "reference" / "measurement_mediation_single"
                            / "measurement.json").read_text(encoding="utf-8"))["constructs"]
    rows = [ParameterRow(lhs=cid, op="=~", rhs=item, est=1.0, std_all=value)
            for cid, c in reference.items() for item, value in c["std_loadings"].items()]
    bare = mediation_results().model_copy(update={"parameters": rows, "measurement": {},
                                                  "htmt": {}, "quality": {}})
    ctx = context(bare)
    reliability = {r["construct"]: r for r in ctx["measurement"]["reliability"]}
    assert ctx["measurement"]["derived"] is True
    for cid, c in reference.items():
        assert reliability[cid]["cr"]["value"] == pytest.approx(c["CR_fornell_larcker"], abs=1e-9)
        assert reliability[cid]["ave"]["value"] == pytest.approx(c["AVE_fornell_larcker"],
                                                                 abs=1e-9)
        assert reliability[cid]["alpha"]["value"] is None
    assert context()["measurement"]["derived"] is False


def test_defined_effects_show_their_standardized_interval() -> None:
    results = _with_rows(mediation_results(),
                         ind={"std_all_ci_lower": 0.11, "std_all_ci_upper": 0.27})
    ind = next(r for r in context(results)["effects"]["rows"] if r["name"] == "ind")
    assert ind["std_ci"] == (0.11, 0.27)


def test_a_hypothesis_on_a_ratio_gets_no_verdict() -> None:
    results = _with_rows(mediation_results(), ind={"rhs": "-a/(2*b)"})
    checks = check_hypotheses([{"id": "H9", "effect": "ind", "expected": "positive"}],
                              split_parameters(results), lang="en")
    assert checks[0].verdict == "no_verdict"
