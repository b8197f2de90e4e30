"""FIML bootstrap draws: resamples of incomplete rows as case weights, fitted in batches.

lavaan's bootstrap under ``missing = "ml"`` draws rows with replacement and refits each
resample by FIML. A resample holds copies of the original rows, so it has no missing-data
pattern the full sample lacks: a draw is the full sample's rows with case weights (how often
each row was drawn, over ``N``), and a chunk of draws is one stack of weight vectors for the
FIML kernel (:mod:`semwb.sem.model.missing`) fitted together by
:func:`semwb.sem.model.fitting.fit_batch`. A multiple-group model's rows are stacked in their
groups' blocks of columns (:mod:`semwb.sem.model.groups`) and fitted the same way. fixed.x
cells take each draw's own covariate moments, as a lavaan refit does (covariates are complete:
rows missing one are not fitted).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from semwb.sem.blas import one_blas_thread
from semwb.sem.estimators.ml import observed_information
from semwb.sem.model.fitting import BatchFit, fit_batch
from semwb.sem.model.groups import own_cells, row_groups
from semwb.sem.model.missing import MissingRows, missing_rows
from semwb.sem.model.structure import Array, ModelMatrices


def case_weights(n_rows: int, indices: NDArray[np.intp]) -> Array:
    """Row weights ``(draws, N)`` of resamples ``indices (draws, N)``: counts over ``N``."""
    draws = indices.shape[0]
    flat = (np.arange(draws)[:, None] * n_rows + indices).ravel()
    counts = np.bincount(flat, minlength=draws * n_rows).reshape(draws, n_rows)
    return np.asarray(counts / indices.shape[1], dtype=float)


def jackknife_weights(n_rows: int) -> Array:
    """Leave-one-out row weights ``(N, N)``: ``1/(N-1)`` except the row left out."""
    return np.asarray((1.0 - np.eye(n_rows)) / (n_rows - 1))


def covariate_moments(mm: ModelMatrices, X: Array, weights: Array
                      ) -> tuple[Array | None, Array | None]:
    """Weighted covariances (divisor the total weight) and means for fixed.x cells, per member.

    Only the complete columns are filled (fixed.x covariates are complete); None without
    fixed.x cells. A multiple-group model's stacked rows (``mm.blocks``) give each group's
    cells the moments of that group's rows, weighted within the group.
    """
    if not mm.xcells.kind.size:
        return None, None
    n, p = weights.shape[0], X.shape[1]
    S = np.zeros((n, p, p))
    means = np.zeros((n, p))
    for rows, cols in _groups(mm, X):
        Xc = X[np.ix_(rows, cols)]
        w = weights[:, rows]
        total = w.sum(axis=1)
        mean = w @ Xc / total[:, None]
        second = np.einsum("nr,ri,rj->nij", w, Xc, Xc) / total[:, None, None]
        S[:, cols[:, None], cols[None, :]] = second - mean[:, :, None] * mean[:, None, :]
        means[:, cols] = mean
    return S, means


def _groups(mm: ModelMatrices, X: Array) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Each group's rows and its columns complete in all of them (one group: all rows)."""
    if mm.blocks is None:
        sets = [(np.arange(X.shape[0]), np.arange(X.shape[1]))]
    else:
        groups = row_groups(X, mm.blocks)
        sets = [(np.flatnonzero(groups == g), cols) for g, (cols, _) in enumerate(mm.blocks)]
    return [(rows, cols[np.isfinite(X[np.ix_(rows, cols)]).all(axis=0)])
            for rows, cols in sets]


def fit_weighted(mm: ModelMatrices, rows: MissingRows, X: Array, weights: Array, *,
                 tol: float = 1e-7) -> BatchFit:
    """FIML fit of a stack of case weightings ``(n, N)`` of the rows, from the estimate."""
    with one_blas_thread():
        S, mean = covariate_moments(mm, X, weights)
        return fit_batch(mm, dataclasses.replace(rows, weights=weights), start=mm.estimate,
                         S_full=S, mean_full=mean, tol=tol)


def polish_weighted(mm: ModelMatrices, rows: MissingRows, X: Array, weights: Array,
                    start: Array) -> BatchFit:
    """Fisher scoring with the information refreshed every step, from ``start (n, q)``: for
    draws the chord steps of :func:`fit_weighted` leave unconverged (a slow, curved approach
    to the estimate, common in small groups), before any draw is refitted alone."""
    with one_blas_thread():
        S, mean = covariate_moments(mm, X, weights)
        start = np.where(np.isfinite(start), start, mm.estimate[None])
        return fit_batch(mm, dataclasses.replace(rows, weights=weights), start=start,
                         S_full=S, mean_full=mean, refresh_every=1, max_iter=60)


def fiml_rows(mm: ModelMatrices, X: Array) -> tuple[Array, MissingRows]:
    """The rows FIML fits (a value present, fixed.x covariates complete), as data and rows."""
    keep = np.isfinite(X).any(axis=1)
    covariates = np.unique(np.concatenate([mm.xcells.var_a, mm.xcells.var_b]))
    covariates = covariates[covariates >= 0]
    if covariates.size:  # a covariate of the row's own group (stacked groups: mm.blocks)
        lacking = own_cells(X, mm.blocks)[:, covariates] & ~np.isfinite(X[:, covariates])
        keep &= ~lacking.any(axis=1)
    X = X[keep]
    return X, missing_rows(X)


def refine_fiml(mm: ModelMatrices, X: Array) -> ModelMatrices:
    """``mm`` with its estimate polished by FIML on all rows of ``X`` (unchanged if that fails)."""
    X, rows = fiml_rows(mm, X)
    fit = fit_weighted(mm, rows, X, rows.weights, tol=1e-10)
    return dataclasses.replace(mm, estimate=fit.theta[0]) if fit.converged[0] else mm


def fiml_covariance(mm: ModelMatrices, X: Array) -> Array:
    """FIML asymptotic covariance from the observed information: ``(N/2 · H(θ̂))⁻¹``."""
    X, rows = fiml_rows(mm, X)
    hessian = observed_information(mm, rows, mm.estimate)
    return np.asarray(np.linalg.inv(0.5 * X.shape[0] * hessian))
