"""One fit: what FitResult carries, lavaan's identification rules, warnings and errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pytest
import semopy

from semwb.errors import ConvergenceWarning, FitError, HeywoodCaseWarning
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.estimators import ml as ml_module
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")


@pytest.fixture(scope="module")
def mediation() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "mediation_single" / "data.csv")


T = TypeVar("T")


def known(value: T | None) -> T:
    """``value``, which the test expects to be computed (fit indices are None when undefined)."""
    assert value is not None
    return value


def fit(syntax: str, data: pd.DataFrame, **options: str) -> FitResult:
    return fit_model(spec_from_syntax(syntax, name="t", **options), data)


def test_fit_result_carries_what_the_bootstrap_needs(mediation: pd.DataFrame) -> None:
    syntax = (REFERENCE / "mediation_single" / "model.lav").read_text()
    result = fit(syntax, mediation)
    model = result.model
    assert list(result.observed) == list(model.observed)
    assert list(result.data.columns) == list(result.observed)
    free = result.parameters[result.parameters["free"] & (result.parameters["op"] != ":=")]
    assert sorted(set(free["param"])) == list(range(model.n_params))
    assert list(result.vcov.index) == list(model.names)
    for k, est in zip(free["param"], free["est"], strict=True):
        assert model.estimate[k] == pytest.approx(est)
    assert result.estimates_by_label().keys() == {"a", "b", "cp"}
    assert [e.name for e in result.effects] == ["ind", "total"]
    assert "model=" not in repr(result)


def test_every_fit_builds_a_fresh_model(hs: pd.DataFrame) -> None:
    first, second = fit(HS, hs), fit(HS, hs)
    assert first.model is not second.model
    pd.testing.assert_frame_equal(first.parameters, second.parameters)


def test_without_the_rmsea_interval_every_other_number_is_the_same(hs: pd.DataFrame) -> None:
    full = fit(HS, hs)
    short = fit_model(spec_from_syntax(HS, name="t"), hs, rmsea_ci=False)
    assert full.fit.rmsea_ci_lower is not None
    assert full.fit.rmsea_ci_upper is not None
    assert short.fit.rmsea_ci_lower is None
    assert short.fit.rmsea_ci_upper is None
    assert (short.fit.model_dump(exclude={"rmsea_ci_lower", "rmsea_ci_upper"})
            == full.fit.model_dump(exclude={"rmsea_ci_lower", "rmsea_ci_upper"}))
    pd.testing.assert_frame_equal(short.parameters, full.parameters, check_exact=True)


def test_identification_by_fixed_variance_gives_the_same_solution(hs: pd.DataFrame) -> None:
    marker = fit(HS, hs)
    std_lv = fit("visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\n"
                 "speed =~ NA*x7 + x8 + x9\nvisual ~~ 1*visual\ntextual ~~ 1*textual\n"
                 "speed ~~ 1*speed\n", hs)
    assert std_lv.fit.chisq == pytest.approx(marker.fit.chisq, rel=1e-6)
    assert std_lv.fit.df == marker.fit.df
    def loadings(r: FitResult) -> np.ndarray:
        return np.asarray(r.parameters[r.parameters["op"] == "=~"]["std_all"].to_numpy())

    np.testing.assert_allclose(loadings(std_lv), loadings(marker), atol=1e-5)
    x1 = std_lv.parameters.query("lhs == 'visual' and rhs == 'x1'").iloc[0]
    assert x1["free"]
    assert x1["se"] > 0


def test_shared_labels_are_equality_constraints(hs: pd.DataFrame) -> None:
    free = fit(HS, hs)
    equal = fit(HS.replace("x2 + x3", "l*x2 + l*x3"), hs)
    rows = equal.parameters.query("lhs == 'visual' and op == '=~' and rhs != 'x1'")
    assert rows["est"].nunique() == 1
    assert (equal.fit.npar, equal.fit.df) == (known(free.fit.npar) - 1, known(free.fit.df) + 1)
    assert known(equal.fit.chisq) > known(free.fit.chisq)


def test_definitions_may_use_a_labelled_fixed_parameter(hs: pd.DataFrame) -> None:
    result = fit(HS.replace("x1 + x2", "l1*x1 + l2*x2") + "ratio := l2/l1\n", hs)
    rows = result.parameters.set_index("lhs")
    l2 = result.parameters.query("rhs == 'x2'").iloc[0]
    assert rows.loc["ratio", "est"] == pytest.approx(l2["est"])  # l1 stays fixed at 1
    assert rows.loc["ratio", "se"] == pytest.approx(l2["se"])


def test_fixed_values_and_start_values(hs: pd.DataFrame) -> None:
    base = fit(HS, hs)
    orthogonal = fit(HS + "visual ~~ 0*speed\n", hs)
    row = orthogonal.parameters.query("lhs == 'visual' and rhs == 'speed'").iloc[0]
    assert (row["est"], row["se"], bool(row["free"])) == (0.0, 0.0, False)
    assert orthogonal.fit.df == known(base.fit.df) + 1
    started = fit(HS.replace("x2 + x3", "start(2)*x2 + x3"), hs)
    assert started.fit.chisq == pytest.approx(base.fit.chisq, rel=1e-8)


def test_intercepts_on_complete_data_are_the_sample_means(hs: pd.DataFrame) -> None:
    result = fit(HS + "x1 ~ 1\n", hs)
    base = fit(HS, hs)
    intercepts = result.parameters[result.parameters["op"] == "~1"].set_index("lhs")
    assert intercepts.loc["x1", "est"] == pytest.approx(hs["x1"].mean(), abs=1e-6)
    assert intercepts.loc["x1", "se"] == pytest.approx(
        np.sqrt(np.var(hs["x1"]) / len(hs)), rel=1e-4)  # saturated means: sd / sqrt(N)
    assert result.fit.chisq == pytest.approx(base.fit.chisq, rel=1e-6)
    def se(r: FitResult) -> float:
        return float(r.parameters.query("op == '=~' and rhs == 'x2'")["se"].iloc[0])

    assert se(result) == pytest.approx(se(base), rel=1e-4)  # expected information, as lavaan


def test_second_order_factor_reproduces_the_first_order_fit(hs: pd.DataFrame) -> None:
    first = fit(HS, hs)
    second = fit(HS + "g =~ visual + textual + speed\n", hs)  # just identified at the top
    assert second.fit.chisq == pytest.approx(first.fit.chisq, rel=1e-6)
    assert second.fit.df == first.fit.df
    top = second.parameters.query("lhs == 'g' and op == '=~'")
    assert list(top["rhs"]) == ["visual", "textual", "speed"]
    assert top["std_all"].between(0, 1).all()


def _heywood_data(n: int = 400) -> pd.DataFrame:
    """Data whose correlations force a loading above 1 (r12 r13 / r23 > 1)."""
    target = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.45], [0.8, 0.45, 1.0]])
    z = np.random.default_rng(3).normal(size=(n, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    return pd.DataFrame(z @ np.linalg.cholesky(target).T, columns=["y1", "y2", "y3"])


def test_heywood_case_is_a_warning_and_in_the_result() -> None:
    with pytest.warns(HeywoodCaseWarning) as record:
        result = fit("F =~ y1 + y2 + y3\n", _heywood_data())
    assert len(record) == 2
    assert "negative variance of observed variable y1" in str(record[0].message)
    assert any("negative variance of observed variable y1" in w for w in result.warnings)
    assert any("standardized loading of y1 on F" in w for w in result.warnings)


def test_non_convergence_is_a_warning(hs: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ml_module, "GRADIENT_TOLERANCE", 0.0)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        result = fit(HS, hs)
    assert not result.converged


def test_empirically_unidentified_model_is_a_fit_error(mediation: pd.DataFrame) -> None:
    with pytest.raises(FitError, match=r"not identified on data: the information matrix is "
                                       r"singular \(parameters involved: .*=~"):
        fit("F =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6\nG =~ ai1 + ai2 + ai3 + ai4 + ai5 + ai6\n",
            mediation)


def test_a_semopy_failure_is_a_fit_error(hs: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise Exception("Sample covariance matrix is broken")  # semopy raises bare Exceptions

    monkeypatch.setattr(semopy.Model, "fit", broken)
    with pytest.raises(FitError, match=r"<string>: semopy could not fit the model \(Exception: "
                                       r"Sample covariance matrix is broken\)"):
        fit(HS, hs, engine="semopy")


def test_clean_fit_emits_no_warning(mediation: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = fit((REFERENCE / "mediation_single" / "model.lav").read_text(), mediation)
    assert result.converged
    assert result.warnings == ()


@pytest.mark.parametrize("options", [{"missing": "fiml"}, {}], ids=["fiml", "intercept"])
def test_with_a_mean_structure_covariates_stay_fixed_and_paths_unchanged(
    options: dict[str, str]
) -> None:
    """As lavaan: a mean structure (FIML or '~ 1') keeps fixed.x; paths, SEs and chi-square
    are those of the covariance-only fit, the covariates' moments are the sample values."""
    case = REFERENCE / "regression_observed"
    syntax = (case / "model.lav").read_text() + ("" if options else "y ~ 1\n")
    data = pd.read_csv(case / "data.csv")
    result = fit(syntax, data, **options)
    reference = json.loads((case / "lavaan.json").read_text())
    rows = result.parameters.set_index(["lhs", "op", "rhs"])
    for p in reference["parameters"]:
        row = rows.loc[(p["lhs"], p["op"], p["rhs"])]
        assert row["est"] == pytest.approx(p["est"], abs=1e-4)
        assert row["se"] == pytest.approx(p["se"], rel=1e-3, abs=1e-12)
    covariate = rows.loc[("x1", "~1", "")]
    assert not covariate["free"]
    assert covariate["est"] == pytest.approx(data["x1"].mean())
    assert result.fit.chisq == pytest.approx(reference["fit"]["chisq"], rel=1e-4)
    assert result.fit.df == reference["fit"]["df"]
