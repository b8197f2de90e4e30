"""The spec's data keys at the boundary: run_analysis, `semwb fit`, the report.

Product terms are checked against R's lm on tests/reference/moderation_observed (an observed-
variable regression fitted by ML has lm's estimates); aggregation against multilevel on
tests/reference/aggregation_firms; the portfolio join on the example partner list.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from product_helpers import built_as_reference
from semwb.cli import app
from semwb.errors import SemwbError, SpecError
from semwb.pipeline import run_analysis
from semwb.report.render import render_report
from semwb.results import ParameterRow
from semwb.sem.spec import load_spec, spec_from_syntax
from semwb.sem.syntax import parse_syntax
from semwb.survey.instrument import load_instrument, parse_instrument
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

Reference = dict[str, dict[str, Any]]

MODERATION = REPO / "tests" / "reference" / "moderation_observed"
FIRMS = REPO / "tests" / "reference" / "aggregation_firms"


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return pd.read_csv(MODERATION / "data.csv")


@pytest.fixture(scope="module")
def reference() -> Reference:
    return dict(json.loads((MODERATION / "reference.json").read_text(encoding="utf-8")))


def _est(results_rows: Sequence[ParameterRow], lhs: str, rhs: str) -> float:
    row = next(r for r in results_rows if (r.lhs, r.op, r.rhs) == (lhs, "~", rhs))
    assert row.est is not None
    return row.est


def test_mean_centering_gives_lms_centered_coefficients(observed: pd.DataFrame,
                                                          reference: Reference) -> None:
    spec = spec_from_syntax("y ~ x + w + x:w", name="two-way")
    results = run_analysis(spec, observed)
    lm = reference["two_way_centered"]
    assert _est(results.parameters, "y", "x") == pytest.approx(lm["est"][1], abs=1e-6)
    assert _est(results.parameters, "y", "w") == pytest.approx(lm["est"][2], abs=1e-6)
    assert _est(results.parameters, "y", "x:w") == pytest.approx(lm["est"][3], abs=1e-6)
    block = results.conditional
    assert block is not None
    assert block["centering"]["w"] == {"method": "mean", "center": pytest.approx(lm["w_mean"])}
    (moderation,) = block["moderations"]
    at_mean = next(s for s in moderation["slopes"] if s["label"] == "mean")
    assert at_mean["value"] == pytest.approx(lm["w_mean"])
    assert at_mean["est"] == pytest.approx(lm["est"][1], abs=1e-6)


def test_no_centering_gives_lms_raw_coefficients_and_the_same_slopes(
        observed: pd.DataFrame, reference: Reference) -> None:
    raw = run_analysis(spec_from_syntax("y ~ x + w + x:w", name="raw", centering="none"),
                       observed)
    centered = run_analysis(spec_from_syntax("y ~ x + w + x:w", name="c"), observed)
    assert _est(raw.parameters, "y", "x") == pytest.approx(reference["two_way"]["est"][1],
                                                           abs=1e-6)
    assert raw.conditional is not None
    assert centered.conditional is not None
    assert raw.conditional["centering"]["x"] == {"method": "none", "center": 0.0}
    slopes = [[s["est"] for s in r.conditional["moderations"][0]["slopes"]]  # type: ignore[index]
              for r in (raw, centered)]
    assert slopes[0] == pytest.approx(slopes[1], abs=1e-6)


def test_given_centering_values_and_probe_values(observed: pd.DataFrame) -> None:
    spec = spec_from_syntax("y ~ x + w + x:w", name="given", centering={"w": 4, "x": "none"},
                            probe={"rule": "values", "values": {"w": [2, 5]}})
    results = run_analysis(spec, observed)
    assert results.conditional is not None
    assert results.conditional["centering"]["w"] == {"method": "value", "center": 4.0}
    slopes = results.conditional["moderations"][0]["slopes"]
    assert [s["value"] for s in slopes] == [2.0, 5.0]
    # b_x is the slope of x where the model's w is 0, i.e. w = 4 on the data's scale.
    b = {r.rhs: r.est for r in results.parameters if r.op == "~" and r.est is not None}
    assert slopes[0]["est"] == pytest.approx(b["x"] + b["x:w"] * (2 - 4))


def test_quadratic_term_turning_point_equals_lms(observed: pd.DataFrame,
                                                 reference: Reference) -> None:
    results = run_analysis(spec_from_syntax("yq ~ u + I(u^2)", name="curve"), observed)
    assert results.conditional is not None
    (curve,) = results.conditional["curves"]
    (block,) = curve["at"]
    assert block["turning_point"]["est"] == pytest.approx(
        reference["quadratic"]["turning_point"], abs=1e-6)
    assert block["u_test"]["low"] == pytest.approx(observed["u"].min())
    assert block["u_test"]["high"] == pytest.approx(observed["u"].max())


def test_u_test_range_is_that_of_the_rows_fitted(observed: pd.DataFrame) -> None:
    data = observed.copy()
    data.loc[data["u"].idxmax(), "yq"] = float("nan")  # the largest u leaves the model
    results = run_analysis(spec_from_syntax("yq ~ u + I(u^2)", name="curve"), data)
    assert results.conditional is not None
    (block,) = results.conditional["curves"][0]["at"]
    kept = data.dropna(subset=["yq"])["u"]
    assert block["u_test"]["high"] == pytest.approx(kept.max())
    assert block["u_test"]["high"] < data["u"].max()


def test_process_model_7_writes_syntax_and_index_equals_lms(observed: pd.DataFrame,
                                                            reference: Reference) -> None:
    spec = spec_from_syntax("", name="p7", process={"model": 7, "x": "x", "m": "m", "y": "ym",
                                                    "w": "w"})
    assert "m ~ a1*x + a2*w + a3*x:w" in spec.syntax
    results = run_analysis(spec, observed)
    defined = {r.lhs: r.est for r in results.parameters if r.op == ":="}
    assert defined["imm"] == pytest.approx(reference["model7"]["index"], abs=1e-6)
    assert {"ind_m1sd", "ind_mean", "ind_p1sd"} <= set(defined)
    assert "ind_mean:=(a1+a3*0)*b1" in results.syntax.replace(" ", "")
    assert results.conditional is not None
    assert results.conditional["process"]["model"] == 7


BAD_SPECS = [
    ({"syntax": "y ~ x + w + x:w", "centering": "median"}, "'centering"),
    ({"syntax": "y ~ x + w + x:w", "centering": {"z": "mean"}}, "Centering is given for 'z'"),
    ({"syntax": "y ~ x", "process": {"model": 7, "x": "x", "y": "y", "m": "m", "w": "w"}},
     "either 'process' or 'syntax'"),
    ({"process": {"model": 3, "x": "x", "y": "ym", "w": "w"}}, "key 'process'"),
    ({"process": {"model": 7, "x": "x", "y": "ym", "w": "w", "q": 1}}, "process.q"),
    ({"syntax": "y ~ x", "firm_level": ["age"]}, "'firm_level' only applies with 'unit"),
    ({"syntax": "y ~ x", "portfolio": {"partners": "p.csv", "firm_id": "rid",
                                       "window": "2018-2016"}}, "'portfolio.window'"),
    ({"syntax": "y ~ x", "probe": {"rule": "values"}}, "needs the values"),
    ({"syntax": "y ~ x", "composites": ["AR"]}, "'composites' needs the instrument"),
    ({"syntax": "y ~ x + I(q^2)"}, "variable 'q' is not a column"),
    ({"syntax": "L =~ x + w + u\ny ~ L + z + L:z"}, "multiplies a latent and an observed variable"),
    ({"syntax": "y ~ x", "unit": "firm"}, "'unit'/'firm_level' name column(s) firm"),
]


@pytest.mark.parametrize(("keys", "message"), BAD_SPECS)
def test_bad_data_keys_name_the_file_and_key(keys: dict[str, Any], message: str,
                                             observed: pd.DataFrame) -> None:
    def run() -> None:
        options = dict(keys)
        spec = spec_from_syntax(options.pop("syntax", ""), name="bad", source="bad.yaml",
                                **options)
        run_analysis(spec, observed)

    with pytest.raises(SemwbError) as caught:
        run()
    assert message in str(caught.value)
    assert "bad.yaml" in str(caught.value)


def test_unit_aggregates_firms_with_multilevels_agreement() -> None:
    instrument = parse_instrument("""\
instrument: firms
title: {en: Firms}
scale: {min: 1, max: 5}
constructs:
  A: {name: {en: A}, source: test, items: [{id: a1, text: {en: a}}, {id: a2, text: {en: b}},
      {id: a3, text: {en: c}}]}
  B: {name: {en: B}, source: test, items: [{id: b1, text: {en: a}}, {id: b2, text: {en: b}},
      {id: b3, text: {en: c}}, {id: b4, text: {en: d}}]}
""", source="firms.yaml")
    data = pd.read_csv(FIRMS / "data.csv")
    spec = spec_from_syntax("A =~ a1 + a2 + a3\nB ~ A + age", name="firms", unit="firm_id",
                            firm_level=["age"], composites=["B"])
    results = run_analysis(spec, data, instrument=instrument)
    reference = json.loads((FIRMS / "multilevel.json").read_text(encoding="utf-8"))["constructs"]
    block = results.aggregation
    assert block is not None
    assert (block["respondents"], block["firms"]) == (len(data), data["firm_id"].nunique())
    assert results.n_obs is not None
    assert results.n_obs <= block["firms"]
    rows = {r["construct"]: r for r in block["agreement"]}
    for construct in ("A", "B"):
        assert rows[construct]["icc1"] == pytest.approx(reference[construct]["icc1"], abs=1e-10)
        assert rows[construct]["icc2"] == pytest.approx(reference[construct]["icc2"], abs=1e-10)
    for lang, heading in (("en", "Agreement within firms"), ("zh", "企业内一致性")):
        html = render_report(results, lang=lang, downloads=False)
        assert '<section id="explore">' in html
        assert heading in html


def test_unit_disagreeing_firm_level_column_is_a_spec_error() -> None:
    data = pd.read_csv(FIRMS / "data.csv")
    data.loc[1, "age"] = 99
    spec = spec_from_syntax("A =~ a1 + a2 + a3", name="firms", source="firms.yaml",
                            unit="firm_id", firm_level=["age"])
    with pytest.raises(SpecError, match=r"firms.yaml, key 'unit': .*firm F001, column age"):
        run_analysis(spec, data)


def test_portfolio_key_joins_measures_and_names_unmatched_firms() -> None:
    spec = load_spec(REPO / "models" / "partner_portfolio_inverted_u.yaml")
    results = run_analysis(spec, pd.read_csv(EXAMPLE_DATA),
                           instrument=load_instrument(SEED_INSTRUMENT))
    block = results.portfolio
    assert block is not None
    assert block["window"] == "2018-2020"
    assert sorted(block["missing_measures"]) == ["R0005", "R0023", "R0195", "R0202"]
    assert block["missing_responses"] == ["X001", "X002", "X003"]
    assert "partner_type_blau" in {m["measure"] for m in block["measures"]}
    assert any("R0005" in w for w in results.warnings)
    assert any(r.rhs == "I(partner_type_blau^2)" for r in results.parameters)
    html = render_report(results, lang="en", downloads=False)
    assert '<section id="portfolio">' in html
    assert "1 − Σ p_k²" in html
    assert "R0005, R0023, R0195, R0202" in html
    # The example data carry no moderation of the curvature: the report does not claim one.
    assert "TURB does not change the curvature significantly" in html
    assert "X001, X002, X003" in render_report(results, lang="zh", downloads=False)


def test_fit_command_writes_the_conditional_section(tmp_path: Path) -> None:
    spec = tmp_path / "curve.yaml"
    spec.write_text(f"model: curve\ndata: {MODERATION / 'data.csv'}\n"
                    "syntax: |\n  yq ~ u + I(u^2) + w + u:w\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["fit", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stdout
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<section id="conditional">' in html
    assert "Johnson-Neyman" in html
    assert "Lind-Mehlum" in html
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert saved["conditional"]["terms"] == {"I(u^2)": ["u", "u"], "u:w": ["u", "w"]}


def test_fit_command_reports_a_bad_key_without_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("model: bad\nsyntax: y ~ x\ncentering: median\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from semwb.cli import main; main()", "fit",
                           str(spec), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "bad.yaml" in done.stderr
    assert "'centering' must be mean, none, a number, or per variable" in done.stderr
    assert "Traceback" not in done.stderr


def test_batch_fingerprint_follows_the_partner_list(tmp_path: Path) -> None:
    from semwb.batch.backend import default_backend
    from semwb.batch.plan import plan_batch

    partners = tmp_path / "partners.csv"
    partners.write_text("firm_id,partner_id,partner_type\n1,p1,university\n", encoding="utf-8")
    spec = tmp_path / "m.yaml"
    spec.write_text(f"model: m\ndata: {EXAMPLE_DATA}\nsyntax: bri1 ~ partner_type_blau\n"
                    "portfolio: {partners: partners.csv, firm_id: rid}\n", encoding="utf-8")

    def planned() -> str:
        (model,) = plan_batch([spec], data=None, lang="en", backend=default_backend())
        assert model.task is not None, model.error
        return model.task.fingerprint

    before = planned()
    partners.write_text("firm_id,partner_id,partner_type\n1,p1,supplier\n", encoding="utf-8")
    assert planned() != before


def test_syntax_reads_a_moderated_quadratic_term_and_still_flags_a_lone_colon() -> None:
    parsed = parse_syntax("y ~ x + I(x^2) + w + x:w + I(x^2):w")
    assert [t.rhs for t in parsed.terms] == ["x", "I(x^2)", "w", "x:w", "I(x^2):w"]
    with pytest.raises(SpecError, match="':' is not a lavaan operator"):
        parse_syntax("y ~ x : w")


def test_latent_interaction_equals_indprod_and_lavaan() -> None:
    folder = REPO / "tests" / "reference" / "latent_interaction_dmc"
    data = pd.read_csv(folder / "data.csv")
    spec = spec_from_syntax("XPR =~ xpr1 + xpr2 + xpr3\nRC =~ rc1 + rc2 + rc3\n"
                            "CI =~ ci1 + ci2 + ci3\nCI ~ XPR + RC + XPR:RC\n", name="dmc")
    built_as_reference(spec, folder)
    results = run_analysis(spec, data)
    reference = json.loads((folder / "lavaan.json").read_text(encoding="utf-8"))
    assert results.fit.chisq == pytest.approx(reference["fit"]["chisq"], rel=1e-6)
    assert results.fit.df == reference["fit"]["df"]
    ours = {(r.lhs, r.op, r.rhs): r for r in results.parameters}
    for row in reference["parameters"]:
        mine = ours[(row["lhs"], row["op"], row["rhs"])]
        assert mine.est == pytest.approx(row["est"], abs=1e-4), row
        assert mine.se == pytest.approx(row["se"], rel=1e-3, abs=1e-8), row
    assert results.conditional is not None
    (latent,) = results.conditional["latent_products"]
    assert latent["indicators"] == ["xpr1.rc1", "xpr2.rc2", "xpr3.rc3"]
    assert latent["paths"][0]["est"] == pytest.approx(ours[("CI", "~", "XPR.RC")].est)
    probe = json.loads((folder / "probe.json").read_text(encoding="utf-8"))
    slopes = latent["paths"][0]["slopes"]
    assert [s["value"] for s in slopes] == pytest.approx(probe["value"], rel=1e-4)
    assert [s["est"] for s in slopes] == pytest.approx(probe["est"], abs=1e-4)
    assert [s["se"] for s in slopes] == pytest.approx(probe["se"], rel=1e-3)
    html = render_report(results, lang="en", downloads=False)
    assert "Latent interaction XPR × RC → CI: B = " in html
    assert "xpr1.rc1, xpr2.rc2, xpr3.rc3" in html
    assert "Simple slopes of XPR at the latent RC" in html
    assert f"+1 SD ({probe['value'][2]:.2f})" in html
    assert "潜变量交互 XPR × RC → CI" in render_report(results, lang="zh", downloads=False)


def test_predict_carries_out_the_data_keys_and_impute_refuses_products(tmp_path: Path) -> None:
    spec = tmp_path / "curve.yaml"
    spec.write_text(f"model: curve\ndata: {MODERATION / 'data.csv'}\n"
                    "syntax: |\n  yq ~ u + I(u^2)\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["predict", str(spec), "--folds", "3", "--repeats", "1",
                                      "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.exception
    got = json.loads((tmp_path / "p" / "prediction.json").read_text(encoding="utf-8"))
    assert got["exogenous"] == ["u", "I(u^2)"]
    result = CliRunner().invoke(app, ["impute", str(spec), "--m", "2", "--out",
                                      str(tmp_path / "mi")])
    assert isinstance(result.exception, SemwbError)
    assert "does not impute models with product terms yet (I(u^2))" in str(result.exception)


def test_a_measure_without_values_is_null_in_results_json(tmp_path: Path) -> None:
    rows = range(1, 41)
    (tmp_path / "partners.csv").write_text(
        "firm_id,partner_id,partner_type\n"
        + "".join(f"{i},p{i},{'university' if i % 2 else 'supplier'}\n" for i in rows),
        encoding="utf-8")
    (tmp_path / "ties.csv").write_text("partner_a,partner_b\np1,p2\n", encoding="utf-8")
    data = pd.DataFrame({"rid": list(rows), "y": [float(i % 7) for i in rows],
                         "x": [float(i % 5) for i in rows]})
    spec = spec_from_syntax("y ~ x + n_partners", name="one", portfolio={
        "partners": tmp_path / "partners.csv", "ties": tmp_path / "ties.csv", "firm_id": "rid"})
    with pytest.raises(SemwbError, match="zero variance"):  # every firm has one partner
        run_analysis(spec, data)
    spec = spec_from_syntax("y ~ x", name="one", portfolio={
        "partners": tmp_path / "partners.csv", "ties": tmp_path / "ties.csv", "firm_id": "rid"})
    results = run_analysis(spec, data)
    assert results.portfolio is not None
    density = next(m for m in results.portfolio["measures"] if m["measure"] == "density")
    assert density["mean"] is None
    assert json.loads(results.to_json())["portfolio"]["measures"]
    assert '<section id="portfolio">' in render_report(results, downloads=False)
