"""WLSMV with ``group:`` (the configural model, and ``group_equal: [loadings, thresholds]``;
the other kinds and ``group_partial``: tests/test_ordinal_groups_equal.py)
against lavaan 0.6.14 on tests/reference/ordinal_groups: the 14 alliance items in 5 categories
by ownership (state, nonstate).

Every parameter row of both groups (thresholds, scales, fixed rows) must match: estimates and
std_all 1e-5 absolute, SEs 1e-5 relative, R² 1e-5; chi-squares, scaling factor and baseline 1e-6
relative; CFI/TLI/RMSEA/SRMR 1e-6 absolute. What is not fitted yet is refused in one line.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import SpecError
from semwb.pipeline import run_analysis
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.invariance import run_ladder
from semwb.sem.spec import ModelSpec, spec_from_syntax

FOLDER = Path(__file__).parent / "reference" / "ordinal_groups"
ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
RELATIVE = ["chisq", "chisq_scaled", "chisq_scaling_factor", "baseline_chisq",
            "baseline_chisq_scaled"]
ABSOLUTE = ["pvalue", "pvalue_scaled", "cfi", "tli", "cfi_scaled", "tli_scaled", "rmsea",
            "rmsea_scaled", "srmr"]
EXACT = ["npar", "df", "df_scaled", "baseline_df"]


def _spec(syntax: str | None = None, **options: Any) -> ModelSpec:
    return spec_from_syntax(syntax or (FOLDER / "model.lav").read_text(encoding="utf-8"),
                            name="ordinal_groups", defaults="cfa", ordered=ITEMS,
                            group="owner", **options)


@pytest.fixture(scope="module", params=["configural", "loadings_thresholds"])
def fitted(request: pytest.FixtureRequest) -> tuple[FitResult, dict[str, Any]]:
    ref = json.loads((FOLDER / "lavaan.json").read_text())[request.param]
    equal = [] if ref["group_equal"] == ["none"] else ref["group_equal"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lavaan warned of nothing
        fit = fit_model(_spec(group_equal=equal), pd.read_csv(FOLDER / "data.csv"))
    return fit, ref


def test_every_parameter_of_every_group_matches_lavaan(
        fitted: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = fitted
    assert fit.converged
    assert list(fit.groups) == ref["groups"]
    assert fit.n_obs == sum(ref["n_obs"])
    mine = {(r["lhs"], r["op"], r["rhs"], r["group"]): r for r in fit.parameters.to_dict("records")}
    assert len(mine) == len(ref["parameters"])
    for row in ref["parameters"]:
        where = (row["lhs"], row["op"], row["rhs"], ref["groups"][row["group"] - 1])
        got = mine[where]
        assert got["est"] == pytest.approx(row["est"], abs=1e-5), where
        assert got["se"] == pytest.approx(row["se"], rel=1e-5, abs=1e-12), where
        assert got["std_all"] == pytest.approx(row["std_all"], abs=1e-5), where


def test_fit_measures_over_the_groups_match_lavaan(
        fitted: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = fitted
    for key in EXACT:
        assert getattr(fit.fit, key) == ref["fit"][key], key
    for key in RELATIVE:
        assert getattr(fit.fit, key) == pytest.approx(ref["fit"][key], rel=1e-6), key
    for key in ABSOLUTE:
        assert getattr(fit.fit, key) == pytest.approx(ref["fit"][key], abs=1e-6), key


def test_every_r2_of_every_group_matches_lavaan(fitted: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = fitted
    expected = {f"{item} [{group}]": value for group, values in ref["r2"].items()
                for item, value in values.items()}
    assert set(fit.r2) == set(expected)
    for key, value in expected.items():
        assert fit.r2[key] == pytest.approx(value, abs=1e-5), key


def test_vcov_is_block_diagonal_over_the_groups() -> None:
    fit = fit_model(_spec(), pd.read_csv(FOLDER / "data.csv"))
    first = [n for n in fit.vcov.index if n.endswith("|1")]
    second = [n for n in fit.vcov.index if n.endswith("|2")]
    assert len(first) == len(second) == (fit.fit.npar or 0) // 2 > 0
    assert (fit.vcov.loc[first, second].to_numpy() == 0).all()


@pytest.mark.parametrize("equal", [[], ["loadings", "thresholds"]])
def test_run_analysis_reports_each_group(equal: list[str]) -> None:
    results = run_analysis(_spec(group_equal=equal), pd.read_csv(FOLDER / "data.csv"),
                           data_name="data.csv")
    groups = {p.group for p in results.parameters}
    assert groups == {"state", "nonstate"}
    assert results.fit.npar == (96 if equal else 146)
    scales = [p for p in results.parameters if p.op == "~*~" and p.group == "state"]
    assert all(p.free == bool(equal) for p in scales)  # free in the second group when equal


@pytest.mark.parametrize(("options", "syntax", "message"), [
    ({"group_equal": ["loadings", "thresholds"]}, "F =~ ar1 + ar2 + ar3\nF ~ iol1",
     "'F ~ iol1' is beyond a CFA of ordinal items"),
    ({}, "AR =~ ar1 + a*ar2 + ar3", "the label on 'AR =~ ar2' would make the parameter equal"),
])
def test_constraints_across_groups_are_refused_in_one_line(
        options: dict[str, Any], syntax: str | None, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        _spec(syntax, **options)
    assert "Traceback" not in str(caught.value)


def test_cli_fit_writes_both_groups(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["fit", str(FOLDER / "model.lav"), "--data",
                                      str(FOLDER / "data.csv"), "--ordered", "all",
                                      "--group", "owner", "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ref = json.loads((FOLDER / "lavaan.json").read_text())["configural"]
    assert saved["fit"]["chisq_scaled"] == pytest.approx(ref["fit"]["chisq_scaled"], rel=1e-6)
    assert {p["group"] for p in saved["parameters"]} == {"state", "nonstate"}
    assert "nonstate" in (out / "report.html").read_text(encoding="utf-8")


def test_a_category_empty_in_one_group_is_named() -> None:
    """lavaan: "some categories of variable `ar1' are empty in group 2"."""
    data = pd.read_csv(FOLDER / "data.csv")
    data.loc[(data["owner"] == "state") & (data["ar1"] == 1), "ar1"] = 2
    with pytest.raises(SpecError, match="column ar1: no respondent of group owner = state "
                                        "answered 1, which the other groups use"):
        fit_model(_spec(), data, data_name="data.csv")


def test_thresholds_in_group_equal_need_ordinal_items() -> None:
    with pytest.raises(SpecError, match="'thresholds' in group_equal is for ordinal items"):
        spec_from_syntax((FOLDER / "model.lav").read_text(encoding="utf-8"), name="ml",
                         group="owner", group_equal=["loadings", "thresholds"])


def test_theta_parameterization_with_equal_thresholds_is_refused() -> None:
    spec = _spec(group_equal=["loadings", "thresholds"], parameterization="theta")
    with pytest.raises(SpecError, match="'parameterization: theta' is not available with WLSMV "
                                        "and 'group_equal"):
        fit_model(spec, pd.read_csv(FOLDER / "data.csv"))


def test_the_invariance_ladder_refuses_the_theta_parameterization() -> None:
    with pytest.raises(SpecError, match="the WLSMV invariance ladder uses the delta "
                                        "parameterization"):
        run_ladder(_spec(parameterization="theta"), pd.read_csv(FOLDER / "data.csv"))


def test_an_unfitted_group_equal_is_refused_at_fit_time() -> None:
    """A spec changed after loading (as the ladder's steps are) is checked again."""
    spec = _spec().model_copy(update={"group_equal": ["loadings"], "std_lv": True})
    with pytest.raises(SpecError, match="'std_lv: true' is not available with WLSMV and "
                                        "'group_equal'"):
        fit_model(spec, pd.read_csv(FOLDER / "data.csv"))


def test_a_group_partial_row_the_model_lacks_is_named() -> None:
    spec = _spec(group_equal=["loadings", "thresholds"], group_partial=["ar1|t9"])
    with pytest.raises(SpecError, match="group_partial names ar1\\|t9, which the model does "
                                        "not have"):
        fit_model(spec, pd.read_csv(FOLDER / "data.csv"))
