"""The draws' steering: the full-sample Newton metric, Anderson acceleration, the last step.

The steering changes how a draw's fit gets to its estimate, never the estimate: each test holds
one part to what it must be (the inverse Hessian, an exact secant step on a linear problem) and
the steered draws to the plain chord method's fixed point, solved far tighter.
"""

from __future__ import annotations

import numpy as np
import pytest

from semwb.sem.bootstrap_draws import (
    bootstrap_draws,
    draw_steering,
    refine_estimate,
)
from semwb.sem.estimators.ml import data_patterns
from semwb.sem.model.algebra import Pattern
from semwb.sem.model.anderson import Anderson
from semwb.sem.model.fitting import fit_batch, metric
from semwb.sem.resampling import resample_indices, resampled_moments
from test_draw_engine import _fitted
from test_model_hessian import numeric_hessian

#: A second-order factor, ``==`` constraints, fixed.x covariates, residual covariances.
STEERED = ["mediation_single", "hs_equality_constraints", "regression_observed",
           "political_democracy"]


def _moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centre = X.mean(axis=0)
    return (X - centre).T @ (X - centre) / X.shape[0], centre


@pytest.mark.parametrize("case", STEERED)
def test_first_metric_is_the_inverse_of_the_full_sample_hessian(case: str) -> None:
    mm, X = _fitted(case)
    first = draw_steering(mm, *_moments(X)).first
    assert first is not None
    expected = metric(mm, numeric_hessian(mm, data_patterns(X), mm.estimate)[None])[0]
    np.testing.assert_allclose(first, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_anderson_solves_a_two_parameter_linear_fixed_point_in_three_steps() -> None:
    rng = np.random.default_rng(4)
    n, q = 5, 2
    target = rng.normal(size=(n, q))
    # r(θ) = M (θ - θ*) with I - M a contraction whose eigenvalues are 0.6 and -0.3
    basis = rng.normal(size=(n, q, q)) + 2.0 * np.eye(q)
    M = np.eye(q) - basis @ (np.array([0.6, -0.3])[:, None] * np.linalg.inv(basis))
    history = Anderson(n, q)
    idx = np.arange(n)
    theta = plain = np.zeros((n, q))
    for _ in range(3):
        r = (M @ (theta - target)[:, :, None])[:, :, 0]
        theta = theta - history.step(idx, theta, r)
        plain = plain - (M @ (plain - target)[:, :, None])[:, :, 0]
    # two differences span the plane: the secant model is the map itself
    np.testing.assert_allclose(theta, target, rtol=0, atol=1e-10)
    assert np.abs(plain - target).max() > 1e-2  # the chord iteration alone is far from it
    history.reset(idx[:2])
    r = rng.normal(size=(n, q))
    np.testing.assert_array_equal(history.step(idx[:2], theta[:2], r[:2]), r[:2])


@pytest.mark.parametrize("case", STEERED)
def test_steered_draws_are_the_plain_fixed_point(case: str) -> None:
    mm, X = _fitted(case)
    draws = bootstrap_draws(mm, X, draws=60, rng=8)
    assert not draws.failed
    assert draws.refits == 0
    refined = refine_estimate(mm, X)
    centre = X.mean(axis=0)
    S, mean = resampled_moments(X - centre, resample_indices(X.shape[0], 60, rng=8))
    pattern = Pattern(np.arange(S.shape[1]), 1.0, S, mean + centre)
    exact = fit_batch(refined, [pattern], start=refined.estimate, S_full=S,
                      mean_full=mean + centre, tol=1e-12, max_iter=500)  # plain, solved tighter
    assert exact.converged.all()
    np.testing.assert_allclose(draws.theta, exact.theta, rtol=0, atol=1e-6)
