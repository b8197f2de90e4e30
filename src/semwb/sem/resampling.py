"""Resampling the data: case indices, resampled moments, jackknife and Monte Carlo draws.

Plain array functions shared by the bootstrap (:mod:`semwb.sem.bootstrap`) and the HTMT
intervals (:mod:`semwb.measurement.htmt_ci`): every resample's indices are drawn up front from
one generator, so the same seed gives the same draws whatever the chunking.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.rng import as_generator

Array = NDArray[np.float64]


def resample_indices(n_obs: int, draws: int, *, rng: int | np.random.Generator | None
                     ) -> NDArray[np.intp]:
    """Case indices of every resample, ``(draws, n_obs)``, drawn with replacement up front."""
    return as_generator(rng).integers(0, n_obs, size=(draws, n_obs))


def stratified_indices(strata: NDArray[np.intp], draws: int, *,
                       rng: int | np.random.Generator | None) -> NDArray[np.intp]:
    """Case indices of every resample drawn within strata, ``(draws, N)``.

    Each stratum (a group of a multiple-group model, ``strata[i]`` the group of row ``i``)
    keeps its rows' positions and its size: the rows of stratum ``g`` are redrawn with
    replacement from stratum ``g`` only, as lavaan's bootstrap of a multiple-group model
    resamples each group's data on its own. Strata are drawn in order from one generator.
    """
    generator = as_generator(rng)
    out = np.empty((draws, strata.size), dtype=np.intp)
    for g in np.unique(strata):
        rows = np.flatnonzero(strata == g)
        out[:, rows] = rows[generator.integers(0, rows.size, size=(draws, rows.size))]
    return out


def case_counts(n_obs: int, indices: NDArray[np.intp]) -> Array:
    """How often each case is drawn in each resample, ``(draws, n_obs)`` (multinomial counts)."""
    draws = indices.shape[0]
    flat = (indices + n_obs * np.arange(draws)[:, None]).ravel()
    return np.bincount(flat, minlength=draws * n_obs).reshape(draws, n_obs).astype(float)


def resampled_moments(X: Array, indices: NDArray[np.intp]) -> tuple[Array, Array]:
    """Covariance matrices (divisor ``N``) and means of the resamples ``X[indices[b]]``.

    Returns ``S (draws, p, p)`` and ``mean (draws, p)``.

    Notes
    -----
    With the counts ``c_b`` of each case in resample ``b``, the sums ``c_bᵀ [X, x_i x_iᵀ]``
    (the upper triangle of each ``x_i x_iᵀ``) are one matrix-vector product per draw instead of
    gathering ``N`` rows: ``S_b = Σ c_bi x_i x_iᵀ / N - m_b m_bᵀ``. The products are stacked per
    draw (``(draws, 1, N) @ (N, k)``), not one matrix product over all draws, so each draw's
    moments are the same bits whatever the number of draws in the chunk (a BLAS matrix product
    may sum a row differently by its position in the block). ``X`` should be centred for
    accuracy.
    """
    n, p = X.shape
    upper = np.triu_indices(p)
    terms = np.concatenate([X, X[:, upper[0]] * X[:, upper[1]]], axis=1)
    sums = (case_counts(n, indices)[:, None, :] @ terms)[:, 0] / indices.shape[1]
    mean = sums[:, :p]
    second = np.empty((indices.shape[0], p, p))
    second[:, upper[0], upper[1]] = sums[:, p:]
    second[:, upper[1], upper[0]] = sums[:, p:]
    return np.asarray(second - mean[:, :, None] * mean[:, None, :]), np.asarray(mean)


def resampled_covariances(X: Array, indices: NDArray[np.intp]) -> Array:
    """Covariance matrices (divisor ``N``) of the resamples ``X[indices[b]]``, ``(draws, p, p)``.

    See :func:`resampled_moments`; each draw's matrix is the same whatever the chunk.
    """
    return resampled_moments(X, indices)[0]


def weighted_covariances(X: Array, weights: Array) -> Array:
    """Covariances ``Σ_i w_i x_i x_iᵀ / Σw - m mᵀ`` for each row of ``weights (draws, N)``."""
    n, p = X.shape
    total = weights.sum(axis=1)
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    second = (weights @ outer).reshape(-1, p, p) / total[:, None, None]
    mean = weights @ X / total[:, None]
    return np.asarray(second - mean[:, :, None] * mean[:, None, :])


def jackknife_covariances(X: Array) -> Array:
    """Leave-one-out covariance matrices (divisor ``N - 1``), ``(N, p, p)``."""
    weights = 1.0 - np.eye(X.shape[0])
    return weighted_covariances(X, weights)


def monte_carlo_draws(estimate: Array, covariance: Array, draws: int, *,
                      rng: int | np.random.Generator | None) -> Array:
    """Parameter vectors from ``N(θ̂, acov)`` for the Monte Carlo CI (Selig & Preacher 2008).

    Notes
    -----
    ``θ_b = θ̂ + L z_b`` with ``L Lᵀ = acov`` and ``z_b`` standard normal; a defined effect's
    interval is the percentile interval of its values over the ``θ_b``.
    """
    L = np.linalg.cholesky(covariance)
    z = as_generator(rng).standard_normal((draws, estimate.size))
    return np.asarray(estimate[None] + z @ L.T)
