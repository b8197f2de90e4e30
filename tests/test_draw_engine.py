"""The single-group batched draw engine: cells, the complete-data Hessian, resampled moments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from semwb.sem.bootstrap_draws import bootstrap_draws, chunk_draws
from semwb.sem.estimate import fit_model
from semwb.sem.estimators.ml import data_patterns, fit_ml
from semwb.sem.model.algebra import _nilpotency, fill_matrices, gradient, implied
from semwb.sem.model.fitting import evaluate
from semwb.sem.model.hessian import complete_hessian
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.model.woodbury import (
    applies,
    logdet_inverse,
    low_rank_inverse,
    residual_variances,
)
from semwb.sem.resampling import resample_indices, resampled_moments
from semwb.sem.spec import spec_from_syntax
from test_model_hessian import numeric_hessian

REFERENCE = Path(__file__).parent / "reference"
#: Complete data, no mean structure: loadings and latent regressions, labels and ``==``
#: (parameters of several cells), a second-order factor, residual covariances, observed
#: regressions with fixed.x covariates.
CASES = ["mediation_single", "hs_equality_constraints", "hs_second_order",
         "political_democracy", "regression_observed", "shared_labels"]
#: Loadings and regressions sharing labels: one parameter of several cells of each kind.
SHARED = """visual =~ x1 + a*x2 + a*x3
textual =~ x4 + b*x5 + b*x6
speed =~ x7 + x8 + x9
textual ~ c*visual
speed ~ c*visual + textual
"""


def _fitted(case: str) -> tuple[ModelMatrices, np.ndarray]:
    if case == "shared_labels":
        data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
        fit = fit_model(spec_from_syntax(SHARED, name=case), data)
        return fit.model, fit.data.to_numpy(dtype=float)
    folder = REFERENCE / case
    meta_file = folder / "case.json"
    meta: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file.exists() else \
        {"function": "sem", "data": "data.csv"}
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"), name=case,
                            defaults=meta["function"])
    fit = fit_model(spec, pd.read_csv(folder / meta["data"]))
    return fit.model, fit.data.to_numpy(dtype=float)


@pytest.mark.parametrize("case", CASES)
def test_complete_hessian_is_the_numeric_hessian(case: str) -> None:
    mm, X = _fitted(case)
    assert not mm.meanstructure
    patterns = data_patterns(X)
    theta = mm.estimate * 1.03  # off the estimate: the second-derivative terms count
    ev = evaluate(mm, theta[None], patterns)
    P, S = ev.sigma_inv, patterns[0].S
    hess = complete_hessian(mm, ev.imp, P, P - P @ S @ P)[0]
    np.testing.assert_allclose(hess, numeric_hessian(mm, patterns, theta), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_recursive_regressions_invert_by_their_series(case: str) -> None:
    mm, _ = _fitted(case)
    theta = mm.estimate[None] * np.array([[1.0], [0.7], [1.4]])
    B = fill_matrices(mm, theta)[0]
    np.testing.assert_allclose(implied(mm, theta).c, np.linalg.inv(np.eye(B.shape[1]) - B),
                               rtol=1e-12, atol=1e-12)


def test_nilpotency_is_the_longest_regression_chain_and_none_for_a_cycle() -> None:
    chain = np.zeros((4, 4), dtype=bool)
    chain[1, 0] = chain[2, 1] = chain[3, 1] = True  # 0 -> 1 -> 2, 1 -> 3
    assert _nilpotency(4, chain.tobytes()) == 3
    assert _nilpotency(4, np.zeros((4, 4), dtype=bool).tobytes()) == 1
    cycle = chain.copy()
    cycle[0, 2] = True  # 2 -> 0 closes a loop: inverted instead
    assert _nilpotency(4, cycle.tobytes()) is None


def test_resampled_moments_are_the_same_bits_in_any_chunk() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(57, 5)) @ rng.normal(size=(5, 5))
    Xc = X - X.mean(axis=0)
    idx = resample_indices(57, 40, rng=9)
    S, mean = resampled_moments(Xc, idx)
    for size in (1, 3, 7, 40):
        for lo in range(0, 40, size):
            part_S, part_mean = resampled_moments(Xc, idx[lo:lo + size])
            np.testing.assert_array_equal(part_S, S[lo:lo + size])
            np.testing.assert_array_equal(part_mean, mean[lo:lo + size])
    for b in (0, 17, 39):
        np.testing.assert_allclose(S[b], np.cov(Xc[idx[b]], rowvar=False, bias=True),
                                   atol=1e-12)
        np.testing.assert_allclose(mean[b], Xc[idx[b]].mean(axis=0), atol=1e-12)


@pytest.mark.parametrize("case", ["mediation_single", "political_democracy"])
def test_batched_draws_are_the_fresh_ml_fits_of_their_resamples(case: str) -> None:
    mm, X = _fitted(case)
    draws = bootstrap_draws(mm, X, draws=40, rng=11, start=mm.estimate)
    assert not draws.failed
    indices = resample_indices(X.shape[0], 40, rng=11)
    for b in range(0, 40, 6):
        fresh = fit_ml(mm, X[indices[b]], mm.estimate, fiml=False)
        assert fresh.converged
        np.testing.assert_allclose(draws.theta[b], fresh.mm.estimate, rtol=0, atol=1e-6)
        patterns = data_patterns(X[indices[b]])
        grad = gradient(mm, evaluate(mm, draws.theta[b][None], patterns), patterns)
        assert np.abs(grad).max() < 1e-6


#: Models whose ``Θ`` is diagonal with fewer inner than observed variables (Woodbury applies).
LOW_RANK = {"mediation_single", "hs_equality_constraints", "hs_second_order", "shared_labels"}
#: A latent regressed on an observed covariate: ``Θ`` is diagonal but the covariate's cell is a
#: fixed 0 (it is an inner variable), so every member takes the Cholesky path.
COVARIATE = """visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
textual ~ visual + x7
"""


@pytest.mark.parametrize("case", CASES)
def test_sigma_inverse_and_logdet_are_the_general_ones_on_every_path(case: str) -> None:
    mm, _ = _fitted(case)
    assert applies(mm) == (case in LOW_RANK)
    theta = mm.estimate[None] * np.array([[1.0], [0.8], [1.3]])
    imp = implied(mm, theta)
    logdet, inverse, ok = logdet_inverse(mm, theta, imp.a, imp.psi, imp.sigma)
    assert ok.all()
    np.testing.assert_allclose(inverse, np.linalg.inv(imp.sigma), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(imp.sigma)[1], rtol=1e-12, atol=1e-12)


def test_low_rank_inverse_is_made_only_where_theta_and_psi_allow() -> None:
    rng = np.random.default_rng(3)
    n, p, m = 6, 9, 3
    a = rng.normal(size=(n, p, m))
    root = rng.normal(size=(n, m, m))
    psi = root @ root.transpose(0, 2, 1) + 0.1 * np.eye(m)
    d = rng.uniform(0.2, 1.0, size=(n, p))
    d[1, 4] = -0.05  # a Heywood variance: Σ may still be positive definite, but not by this path
    d[2, 0] = 0.0  # an observed inner variable's fixed 0
    psi[3, 0, 1] = psi[3, 1, 0] = 2.0 * np.sqrt(psi[3, 0, 0] * psi[3, 1, 1])  # Ψ indefinite
    logdet, inverse, made = low_rank_inverse(a, psi, d)
    np.testing.assert_array_equal(made, [True, False, False, False, True, True])
    sigma = a @ psi @ a.transpose(0, 2, 1) + d[:, :, None] * np.eye(p)
    np.testing.assert_allclose(inverse[made], np.linalg.inv(sigma[made]), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(logdet[made], np.linalg.slogdet(sigma[made])[1], rtol=1e-12)


def test_a_covariate_model_takes_the_cholesky_path_with_the_same_answers() -> None:
    data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
    mm = fit_model(spec_from_syntax(COVARIATE, name="covariate"), data).model
    assert applies(mm)  # Θ is diagonal, but the covariate's residual variance is a fixed 0
    theta = mm.estimate[None] * np.array([[1.0], [1.2]])
    imp = implied(mm, theta)
    assert not low_rank_inverse(imp.a, imp.psi, residual_variances(mm, theta))[2].any()
    logdet, inverse, ok = logdet_inverse(mm, theta, imp.a, imp.psi, imp.sigma)
    assert ok.all()
    np.testing.assert_allclose(inverse, np.linalg.inv(imp.sigma), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(imp.sigma)[1], rtol=1e-12)
    bad = theta.copy()
    bad[:, mm.free[3].params] = -1.0  # every residual variance negative: Σ not positive definite
    imp = implied(mm, bad)
    assert not logdet_inverse(mm, bad, imp.a, imp.psi, imp.sigma)[2].any()


def test_default_chunks_follow_the_model_size_and_give_the_same_draws() -> None:
    assert chunk_draws(31) == 1000  # the 14-item mediation model
    assert chunk_draws(200) == 2**24 // 200**2  # (draws, q, q) step matrices under 128 MiB
    assert chunk_draws(2000) == 50
    mm, X = _fitted("mediation_single")
    whole = bootstrap_draws(mm, X, draws=30, rng=5)
    for size in (1, 7, 30):
        np.testing.assert_array_equal(bootstrap_draws(mm, X, draws=30, rng=5,
                                                      chunk_size=size).theta, whole.theta)
