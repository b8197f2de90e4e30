"""The FIML kernel (semwb.sem.model.missing) against the per-pattern formulas and itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.sem.bootstrap_rows import case_weights
from semwb.sem.estimate import fit_model
from semwb.sem.estimators.ml import data_patterns, observed_information
from semwb.sem.fitindices import em_saturated
from semwb.sem.model.algebra import gradient, objective
from semwb.sem.model.missing import e_step, missing_rows
from semwb.sem.model.missing import objective as fiml_objective
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import load_spec

CASE = Path(__file__).parent / "reference" / "mediation_missing_fiml"


Fitted = tuple[ModelMatrices, np.ndarray]  # the fitted model and its data


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    spec = load_spec(CASE / "model.lav", missing="fiml")
    fit = fit_model(spec, pd.read_csv(CASE / "data.csv"))
    return fit.model, fit.data.to_numpy(dtype=float)


def _away(mm: ModelMatrices, n: int = 3) -> np.ndarray:
    """Parameter vectors off the estimate (the gradient is not zero there)."""
    rng = np.random.default_rng(7)
    return mm.estimate[None] * (1 + 0.05 * rng.standard_normal((n, mm.n_params)))


def test_value_and_gradient_equal_the_per_pattern_formulas(fitted: Fitted) -> None:
    mm, X = fitted
    theta = _away(mm)
    patterns = [type(p)(p.columns, p.weight, np.repeat(p.S, len(theta), axis=0),
                        np.repeat(p.mean, len(theta), axis=0)) for p in data_patterns(X)]
    assert len(patterns) > 50  # many patterns: the case exercises the Schur updates
    ref = objective(mm, theta, patterns)
    rows = missing_rows(X).repeat(len(theta))
    got = fiml_objective(mm, theta, rows)
    np.testing.assert_allclose(got.value, ref.value, rtol=1e-12)
    np.testing.assert_allclose(gradient(mm, got, rows), gradient(mm, ref, patterns),
                               rtol=1e-9, atol=1e-12)


def test_case_weights_are_the_resampled_data(fitted: Fitted) -> None:
    mm, X = fitted
    idx = np.random.default_rng(3).integers(0, len(X), size=(2, len(X)))
    rows = missing_rows(X, case_weights(len(X), idx))
    theta = _away(mm, 2)
    got = fiml_objective(mm, theta, rows)
    for b in range(2):
        resample = missing_rows(X[idx[b]])
        ref = fiml_objective(mm, theta[b:b + 1], resample)
        assert got.value[b] == pytest.approx(ref.value[0], rel=1e-12)
        np.testing.assert_allclose(gradient(mm, got, rows)[b], gradient(mm, ref, resample)[0],
                                   rtol=1e-9, atol=1e-12)


def test_em_reaches_the_saturated_maximum(fitted: Fitted) -> None:
    _, X = fitted
    rows = missing_rows(X)
    mu, sigma, done = em_saturated(data_patterns(X), X.shape[1])
    assert done
    P = np.linalg.inv(sigma)[None]
    step = e_step(rows, P, mu[None])
    # the saturated score: ∂F/∂Σ = P (Σ - M - C) P and ∂F/∂μ = -2 P f̄ vanish at the ML moments
    np.testing.assert_allclose(step.second[0], sigma, atol=1e-9)
    np.testing.assert_allclose(step.first[0], 0.0, atol=1e-9)
    # and EM's answer is not the available-case moments (the test can fail)
    assert np.abs(mu - np.nanmean(X, axis=0)).max() > 1e-4


def test_observed_information_is_the_hessian_of_the_kernel(fitted: Fitted) -> None:
    mm, X = fitted
    rows = missing_rows(X)
    hessian = observed_information(mm, rows, mm.estimate)
    eps = 1e-4
    k = 3
    up, down = mm.estimate.copy(), mm.estimate.copy()
    up[k] += eps
    down[k] -= eps
    values = fiml_objective(mm, np.stack([up, mm.estimate, down]), rows.repeat(3)).value
    assert hessian[k, k] == pytest.approx((values[0] - 2 * values[1] + values[2]) / eps**2,
                                          rel=1e-4)
