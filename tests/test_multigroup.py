"""Multiple-group models against lavaan 0.6.14 (tests/reference/hs_multigroup) and their errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from semwb.errors import SpecError
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import ModelSpec, spec_from_syntax

CASE = Path(__file__).parent / "reference" / "hs_multigroup"
REFERENCE: dict[str, Any] = json.loads((CASE / "lavaan.json").read_text(encoding="utf-8"))
MEDIATION = Path(__file__).parent / "reference" / "mediation_groups"
MEDIATION_REFERENCE: dict[str, Any] = json.loads((MEDIATION / "lavaan.json").read_text(
    encoding="utf-8"))
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def case_spec(name: str, reference: dict[str, Any] = REFERENCE, *, group: str = "school",
              defaults: str = "cfa") -> ModelSpec:
    """The spec of a reference case, from its lavaan arguments."""
    case = reference["cases"][name]
    args = case["args"] or {}
    options: dict[str, Any] = {}
    if "group.equal" in args:
        options["group_equal"] = _list(args["group.equal"])
    if "group.partial" in args:
        options["group_partial"] = _list(args["group.partial"])
    if "std.lv" in args:
        options["std_lv"] = bool(args["std.lv"])
    if args.get("missing") == "ml":
        options["missing"] = "fiml"
    return spec_from_syntax(case["model"], name=name, group=group, defaults=defaults, **options)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(CASE / "data.csv")


def _fit(spec: ModelSpec, data: pd.DataFrame) -> FitResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_model(spec, data)


@pytest.mark.parametrize("name", sorted(REFERENCE["cases"]))
def test_every_row_and_index_matches_lavaan(name: str, data: pd.DataFrame) -> None:
    _check(name, REFERENCE["cases"][name], _fit(case_spec(name), data))


@pytest.mark.parametrize("name", sorted(MEDIATION_REFERENCE["cases"]))
def test_two_group_mediation_matches_lavaan(name: str) -> None:
    spec = case_spec(name, MEDIATION_REFERENCE, group="own", defaults="sem")
    fit = _fit(spec, pd.read_csv(MEDIATION / "data.csv"))
    _check(name, MEDIATION_REFERENCE["cases"][name], fit)


def _check(name: str, case: dict[str, Any], fit: FitResult) -> None:
    """Every lavaan row (by lhs, op, rhs, group) and fit index of ``case`` in ``fit``."""
    assert fit.groups == tuple(case["group_labels"])
    assert fit.n_obs == sum(case["n_obs"])
    table = fit.parameters
    assert len(table) == len(case["parameters"])
    for ref in case["parameters"]:
        if ref["op"] == ":=":
            match = table[(table["lhs"] == ref["lhs"]) & (table["op"] == ":=")]
        else:
            group = case["group_labels"][ref["group"] - 1]
            match = table[(table["lhs"] == ref["lhs"]) & (table["op"] == ref["op"])
                          & (table["rhs"] == ref["rhs"]) & (table["group"] == group)]
        assert len(match) == 1, ref
        row = match.iloc[0]
        where = f"{name}: {ref['lhs']} {ref['op']} {ref['rhs']} group {ref.get('group')}"
        assert row["est"] == pytest.approx(ref["est"], abs=1e-4), where
        assert row["se"] == pytest.approx(ref["se"], rel=1e-3, abs=1e-6), where
        if ref["std_all"] is not None:
            assert row["std_all"] == pytest.approx(ref["std_all"], abs=1e-4), where
        assert "free" not in ref or bool(row["free"]) == ref["free"] or ref["op"] == ":=", where
    for key, value in case["fit"].items():
        got = getattr(fit.fit, key)
        if key in ("df", "baseline_df", "npar"):
            assert got == value, key
        elif key in ("chisq", "baseline_chisq", "aic", "bic", "loglik"):
            assert got == pytest.approx(value, rel=1e-7), key
        elif value is not None:
            assert got == pytest.approx(value, abs=1e-6), key


def test_group_equal_ties_parameters_across_groups(data: pd.DataFrame) -> None:
    fit = _fit(case_spec("metric"), data)
    table = fit.parameters
    loadings = table[table["op"] == "=~"].pivot(index="rhs", columns="group", values="est")
    assert np.allclose(loadings["Pasteur"], loadings["Grant-White"])
    residuals = table[(table["op"] == "~~") & (table["lhs"] == "x1") & (table["rhs"] == "x1")]
    assert residuals["est"].iloc[0] != pytest.approx(residuals["est"].iloc[1], abs=1e-3)


def test_defined_difference_of_group_labels(data: pd.DataFrame) -> None:
    fit = _fit(case_spec("labels"), data)
    table = fit.parameters.set_index(["lhs", "op", "rhs", "group"], drop=False)
    a = table.loc[("visual", "=~", "x2", "Pasteur"), "est"]
    b = table.loc[("visual", "=~", "x2", "Grant-White"), "est"]
    dv = fit.parameters[fit.parameters["lhs"] == "dv"].iloc[0]
    assert dv["est"] == pytest.approx(a - b)
    assert fit.estimates_by_label()["v2a"] == pytest.approx(a)


def test_r2_is_given_per_group(data: pd.DataFrame) -> None:
    fit = _fit(case_spec("configural"), data)
    assert set(fit.r2) == {f"x{i} [{g}]" for i in range(1, 10) for g in fit.groups}


def _spec(**options: Any) -> ModelSpec:
    return spec_from_syntax(HS, name="hs", defaults="cfa", **options)


def test_missing_group_column_names_the_closest(data: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match=r"the group column 'schol' is not a column of "
                                        r"data \(did you mean 'school'\?\)"):
        fit_model(_spec(group="schol"), data)


def test_one_group_only_is_refused(data: pd.DataFrame) -> None:
    one = data[data["school"] == "Pasteur"]
    with pytest.raises(SpecError, match=r"column school: every row is in group 'Pasteur'; a "
                                        r"multiple-group model needs at least two groups"):
        fit_model(_spec(group="school"), one)


def test_missing_group_value_names_the_row(data: pd.DataFrame) -> None:
    broken = data.copy()
    broken.loc[4, "school"] = None
    with pytest.raises(SpecError, match=r"data, row 5, column school: the group is missing"):
        fit_model(_spec(group="school"), broken)


def test_small_group_is_named(data: pd.DataFrame) -> None:
    small = pd.concat([data, data.iloc[:5].assign(school="Tiny")], ignore_index=True)
    with pytest.raises(SpecError, match=r"data \(group school = Tiny\): 5 complete rows for 9 "
                                        r"observed variables"):
        fit_model(_spec(group="school"), small)


def test_modifier_vector_of_wrong_length(data: pd.DataFrame) -> None:
    spec = spec_from_syntax("visual =~ x1 + c(a, b, c)*x2 + x3", name="m", group="school")
    with pytest.raises(SpecError, match=r"syntax line 1: the modifier vector c\(a, b, c\) has 3 "
                                        r"elements but the data have 2 groups"):
        fit_model(spec, data)


def test_unknown_group_partial_row(data: pd.DataFrame) -> None:
    spec = _spec(group="school", group_equal=["loadings"], group_partial=["visual=~x9"])
    with pytest.raises(SpecError, match=r"group_partial names visual=~x9, which the model "
                                        r"does not have"):
        fit_model(spec, data)


def test_fit_command_writes_groups_to_results(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from semwb.cli import app
    from survey_helpers import REPO

    spec = REPO / "models" / "routines_learning_ownership_groups.yaml"
    result = CliRunner().invoke(app, ["fit", str(spec), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.exception
    # lavaan's chi-square of mediation_groups' "mediation" case (its structural part is
    # saturated, so it equals this CFA's)
    assert "χ²(222) = 258.40" in result.stdout
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    loadings = [r for r in written["parameters"] if r["op"] == "=~" and r["rhs"] == "ar2"]
    assert [r["group"] for r in loadings] == ["3", "2", "1"]
    assert len({r["est"] for r in loadings}) == 3
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    names = {"3": "Foreign-invested", "2": "Private", "1": "State-owned"}  # the instrument's
    for index, group in enumerate(["3", "2", "1"], start=1):  # each group's loadings
        heading = f"Group: {names[group]} (own = {group})"
        assert f'<h3 id="group-{index}-loadings">{heading}</h3>' in report
    # invariance: true puts the ladder into results.json and the report
    steps = written["invariance"]["steps"]
    assert [s["name"] for s in steps] == ["configural", "metric", "scalar", "strict"]
    assert steps[0]["fit"]["chisq"] == pytest.approx(written["fit"]["chisq"])
    assert "Measurement invariance across own" in report
    ladder = report.split("Measurement invariance across own")[1]
    sizes = ("Foreign-invested (own = 3) (n = 106), Private (own = 2) (n = 81), "
             "State-owned (own = 1) (n = ")
    assert sizes in ladder
    assert sizes in report.split("Measurement invariance across own")[0]  # the summary's groups


def test_path_differences_match_lavtestwald() -> None:
    from semwb.sem.groupcompare import path_differences

    case = MEDIATION_REFERENCE["cases"]["mediation"]
    fit = _fit(case_spec("mediation", MEDIATION_REFERENCE, group="own", defaults="sem"),
               pd.read_csv(MEDIATION / "data.csv"))
    tests = {(t.lhs, t.rhs): t for t in path_differences(fit)}
    assert set(tests) == {("IOL", "AR"), ("AI", "IOL"), ("AI", "AR")}
    for key, wald in zip([("IOL", "AR"), ("AI", "IOL")], case["wald"], strict=True):
        assert tests[key].chisq == pytest.approx(wald["stat"], rel=1e-4)
        assert tests[key].df == wald["df"]
        assert tests[key].pvalue == pytest.approx(wald["pvalue"], abs=1e-5)
    assert set(tests[("IOL", "AR")].estimates) == {"3", "2", "1"}
    equal = _fit(case_spec("covariate", MEDIATION_REFERENCE, group="own", defaults="sem"),
                 pd.read_csv(MEDIATION / "data.csv"))
    assert path_differences(equal) == []  # group_equal: regressions leaves nothing to test


def test_equality_across_groups_by_constraint_equals_a_shared_label(data: pd.DataFrame) -> None:
    shared = _fit(spec_from_syntax(HS.replace("x1 + x2", "x1 + a*x2"), name="s",
                                   group="school", defaults="cfa"), data)
    constrained = _fit(spec_from_syntax(HS.replace("x1 + x2", "x1 + c(a1, a2)*x2") +
                                        "\na1 == a2", name="c", group="school",
                                        defaults="cfa"), data)
    assert constrained.fit.df == shared.fit.df == REFERENCE["cases"]["configural"]["fit"]["df"] + 1
    assert constrained.fit.chisq == pytest.approx(shared.fit.chisq, rel=1e-8)
    labels = constrained.estimates_by_label()
    assert labels["a1"] == pytest.approx(labels["a2"])
    assert labels["a1"] == pytest.approx(shared.estimates_by_label()["a"], abs=1e-6)


def test_vector_numbers_fix_and_na_frees_per_group(data: pd.DataFrame) -> None:
    fit = _fit(spec_from_syntax(HS.replace("x1 + x2", "x1 + c(0.5, NA)*x2"), name="v",
                                group="school", defaults="cfa"), data)
    rows = fit.parameters[(fit.parameters["op"] == "=~") & (fit.parameters["rhs"] == "x2")]
    first, second = rows.iloc[0], rows.iloc[1]
    assert (first["group"], bool(first["free"]), first["est"]) == ("Pasteur", False, 0.5)
    assert second["group"] == "Grant-White"
    assert bool(second["free"])
    assert fit.fit.df == REFERENCE["cases"]["configural"]["fit"]["df"] + 1


def test_fit_command_takes_the_group_of_a_lav_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from semwb.cli import app

    syntax = tmp_path / "hs.lav"
    syntax.write_text(HS + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["fit", str(syntax), "--data", str(CASE / "data.csv"),
                                      "--group", "school", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.exception
    configural = REFERENCE["cases"]["configural"]["fit"]
    assert f"χ²({configural['df']}) = {configural['chisq']:.2f}" in result.stdout


def test_group_levels_choose_and_order_the_groups(data: pd.DataFrame) -> None:
    fit = _fit(_spec(group="school", group_levels=["Grant-White", "Pasteur"]), data)
    assert fit.groups == ("Grant-White", "Pasteur")
    assert fit.fit.chisq == pytest.approx(REFERENCE["cases"]["configural"]["fit"]["chisq"])
    three = pd.concat([data, data.iloc[:40].assign(school="Third")], ignore_index=True)
    two = _fit(_spec(group="school", group_levels=["Pasteur", "Grant-White"]), three)
    assert two.n_obs == len(data)


def test_group_level_without_rows_is_named(data: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match=r"group_levels names Lincoln, which no row of data has "
                                        r"in column school \(its groups: Pasteur, Grant-White\)"):
        fit_model(_spec(group="school", group_levels=["Pasteur", "Lincoln"]), data)


def test_constant_item_in_one_group_is_named_with_its_group(data: pd.DataFrame) -> None:
    broken = data.copy()
    broken.loc[broken["school"] == "Grant-White", "x5"] = 3.0
    with pytest.raises(SpecError, match=r"data \(group school = Grant-White\), column x5: every "
                                        r"value is 3"):
        fit_model(_spec(group="school"), broken)
