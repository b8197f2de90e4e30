"""Robust ML pieces (semwb.sem.estimators.robust, semwb.sem.scaled_test) and their options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.errors import SpecError
from semwb.pipeline import run_analysis
from semwb.report import render_report
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.estimators.ml import data_patterns, observed_information
from semwb.sem.estimators.robust import (
    Sandwich,
    Unrestricted,
    at_moments,
    casewise_scores,
    moment_jacobian,
    moment_model,
    observed_h1,
)
from semwb.sem.model.algebra import Pattern, gradient, implied, objective
from semwb.sem.model.fitting import Data
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import BootstrapOptions, load_spec, spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


def _fit(case: str, model: str, **options: object) -> FitResult:
    spec = load_spec(REFERENCE / model, **options)
    return fit_model(spec, pd.read_csv(REFERENCE / case / "data.csv"))


@pytest.mark.parametrize(("case", "model", "options"), [
    ("holzinger_swineford", "hs_orthogonal/model.lav", {"defaults": "cfa"}),
    ("mediation_missing_fiml", "mediation_single/model.lav", {"missing": "fiml"}),
    ("regression_observed", "regression_observed/model.lav", {}),
    ("holzinger_swineford", "hs_orthogonal/model.lav", {"defaults": "cfa", "meanstructure": True}),
])
def test_casewise_scores_add_up_to_the_gradient(case: str, model: str,
                                                options: dict[str, object]) -> None:
    """Σᵢ sᵢ(θ) = -(N/2) ∂F/∂θ at any θ: the scores, Δ and the missing-data patterns agree."""
    fit = _fit(case, model, **options)
    mm = fit.model
    X = fit.data.to_numpy(dtype=float)
    theta = mm.estimate + 0.02 * np.cos(np.arange(mm.n_params))  # away from the estimate
    fixed_x = np.isin(np.arange(X.shape[1]), mm.xcells.var_a)
    moments = moment_model(mm.observed, fixed_x=fixed_x, random=np.zeros_like(fixed_x),
                           meanstructure=mm.meanstructure)
    imp = implied(mm, theta[None])
    mu = imp.mu[0] if mm.meanstructure else X.mean(axis=0)
    scores = casewise_scores(moments, X, imp.sigma[0], mu) @ moment_jacobian(mm, theta, moments)
    patterns = data_patterns(X)
    grad = gradient(mm, objective(mm, theta[None], patterns), patterns)[0]
    np.testing.assert_allclose(scores.sum(axis=0), -0.5 * len(X) * grad, rtol=1e-7, atol=1e-7)


def test_an_ml_fit_has_no_scaled_measures() -> None:
    fit = _fit("holzinger_swineford", "hs_orthogonal/model.lav", defaults="cfa")
    assert fit.fit.chisq_scaled is None
    assert fit.fit.cfi_robust is None


@pytest.mark.parametrize(("options", "message"), [
    ({"estimator": "MLM", "missing": "fiml"}, r"'estimator: MLM' needs complete data.*MLR"),
    ({"estimator": "MLR", "bootstrap": {"draws": 200}},
     r"'estimator: MLR' cannot be combined with a bootstrap"),
    ({"estimator": "MLR", "engine": "semopy"}, r"'engine: semopy' fits ML only"),
])
def test_option_combinations_lavaan_refuses_are_refused(options: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(SpecError, match=message):
        spec_from_syntax(HS, name="hs", source="models/hs.yaml", **options)


def test_a_bootstrap_asked_for_on_the_command_line_is_refused_too() -> None:
    spec = spec_from_syntax(HS, name="hs", source="models/hs.yaml", estimator="MLR")
    data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
    with pytest.raises(SpecError, match=r"models/hs.yaml: 'estimator: MLR' cannot be combined"):
        run_analysis(spec, data, bootstrap=BootstrapOptions(draws=200, level=0.95))


def test_run_analysis_carries_the_estimator_and_the_robust_measures() -> None:
    spec = spec_from_syntax(HS, name="hs", estimator="MLR", defaults="cfa")
    results = run_analysis(spec, pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv"))
    assert results.estimator == "MLR"
    assert results.fit.chisq_scaling_factor == pytest.approx(0.9790422587661026, rel=1e-5)
    assert results.fit_frame().loc["cfi_robust", "value"] == pytest.approx(0.9298639356961681,
                                                                            rel=1e-5)


def test_the_analytic_h1_information_under_fiml_is_the_hessian() -> None:
    """observed_h1 against central differences of the analytic gradient, off the EM estimate."""
    fit = _fit("mediation_missing_fiml", "mediation_single/model.lav", missing="fiml")
    X = fit.data.to_numpy(dtype=float)
    patterns = data_patterns(X)
    none = np.zeros(X.shape[1], dtype=bool)
    model = moment_model(fit.observed, fixed_x=none, random=none, meanstructure=True)
    sigma = np.cov(X[np.isfinite(X).all(axis=1)].T) * 1.1
    sat = at_moments(model, sigma, np.nanmean(X, axis=0) + 0.1, none)
    numeric = 0.5 * observed_information(sat, patterns, sat.estimate)
    np.testing.assert_allclose(observed_h1(sat, patterns), numeric, atol=1e-7)


def test_a_saturated_robust_fit_writes_null_not_nan() -> None:
    """lavaan's NA measures of a df = 0 MLR fit are null in results.json and '–' in the report."""
    syntax = (REFERENCE / "path_saturated_mlr" / "model.lav").read_text()
    spec = spec_from_syntax(syntax, name="sat", estimator="MLR")
    results = run_analysis(spec, pd.read_csv(REFERENCE / "regression_observed" / "data.csv"))
    fit = json.loads(results.to_json())["fit"]
    assert (fit["df"], fit["chisq_scaling_factor"], fit["cfi_robust"], fit["rmsea_robust"]) == (
        0, None, None, 0.0)
    assert "CFI (robust)" in render_report(results)


def test_fiml_mlr_differentiates_the_gradient_once_for_both_ses_and_the_sandwich(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The FIML fit's observed information (its SEs) is the MLR bread: the model's Hessian is
    computed once (the baseline model has its own), and the robust SEs equal those of a bread
    recomputed over the missing-data patterns, as before, to numerical-differencing noise."""
    import semwb.sem.estimators.ml as ml
    import semwb.sem.estimators.robust as robust

    sizes: list[int] = []

    def counted(mm: ModelMatrices, data: Data, theta: np.ndarray) -> np.ndarray:
        sizes.append(mm.n_params)
        return observed_information(mm, data, theta)

    monkeypatch.setattr(ml, "observed_information", counted)
    monkeypatch.setattr(robust, "observed_information", counted)
    fit = _fit("mediation_missing_fiml", "mediation_single/model.lav", missing="fiml",
               estimator="MLR")
    q = fit.model.n_params
    assert sizes.count(q) == 1
    assert len(sizes) == 2  # and the baseline model's
    monkeypatch.undo()
    import semwb.sem.scaled_test as scaled_test

    def patterns_bread(mm: ModelMatrices, theta: np.ndarray, patterns: list[Pattern],
                       h1: Unrestricted, *, hessian: np.ndarray | None = None) -> Sandwich:
        return robust.huber_white(mm, theta, patterns, h1)  # the bread recomputed over the patterns

    monkeypatch.setattr(scaled_test, "huber_white", patterns_bread)
    before = _fit("mediation_missing_fiml", "mediation_single/model.lav", missing="fiml",
                  estimator="MLR")
    np.testing.assert_allclose(fit.vcov.to_numpy(), before.vcov.to_numpy(), rtol=1e-8,
                               atol=1e-10)  # covariances of about 1e-2
    np.testing.assert_allclose(fit.parameters["se"], before.parameters["se"], rtol=1e-9)
    measures, earlier = fit.fit.model_dump(), before.fit.model_dump()
    assert measures.keys() == earlier.keys()
    for key, value in measures.items():  # the scaled test's trace reads the bread too
        if value is None or earlier[key] is None:
            assert value is earlier[key], key
        else:
            assert value == pytest.approx(earlier[key], rel=1e-9, abs=1e-12), key
