"""Starting values, in the spirit of lavaan's ``start = "simple"`` with data-based loadings.

Starting values only decide where the optimiser begins; the estimate is where the gradient
vanishes. A loading starts at its slope on the latent's marker indicator (semopy's own rule
loops forever for ``std.lv``-identified latents, hence hand-written), residual variances at half
the item's variance, covariates' (co)variances at their sample values, intercepts at the sample
means, everything else at 0 (latent variances at 0.05, as lavaan).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from semwb.sem.model.structure import Array, ModelMatrices
from semwb.sem.partable import ParRow


def _pairwise_cov(X: Array, i: int, j: int) -> float:
    ok = np.isfinite(X[:, i]) & np.isfinite(X[:, j])
    if ok.sum() < 2:
        return 0.0
    a, b = X[ok, i], X[ok, j]
    return float(np.mean((a - a.mean()) * (b - b.mean())))


def start_values(mm: ModelMatrices, rows: Sequence[ParRow], X: Array) -> Array:
    """A starting free-parameter vector for the model ``mm`` of ``rows`` on data ``X``.

    Parameters
    ----------
    mm
        The model structure (``mm.rows`` parallel to ``rows``).
    rows
        The parameter table (user ``start()`` values are taken from it).
    X
        ``(N, p)`` data in ``mm.observed`` order, NaN for missing values.
    """
    obs = {v: i for i, v in enumerate(mm.observed)}
    var = np.array([_pairwise_cov(X, i, i) for i in range(X.shape[1])])
    markers: dict[str, str] = {}
    for row in rows:
        if row.op == "=~" and not row.free and row.rhs in obs and row.lhs not in markers:
            markers[row.lhs] = row.rhs
    theta = np.full(mm.n_params, np.nan)
    for row, cell in zip(rows, mm.rows, strict=True):
        k = cell.param
        if k < 0 or np.isfinite(theta[k]):
            continue
        theta[k] = row.start if row.start is not None else _guess(row, obs, markers, var, X)
    return np.asarray(np.nan_to_num(theta), dtype=float)


def _guess(row: ParRow, obs: dict[str, int], markers: dict[str, str], var: Array,
           X: Array) -> float:
    if row.op == "=~":
        if row.rhs not in obs:
            return 1.0
        marker = markers.get(row.lhs)
        if marker is None:
            return float(np.sqrt(max(var[obs[row.rhs]], 1e-6) / 2))
        m = obs[marker]
        return _pairwise_cov(X, m, obs[row.rhs]) / var[m] if var[m] > 0 else 1.0
    if row.op == "~~":
        if row.lhs in obs and row.rhs in obs:
            if row.lhs == row.rhs:
                return 0.5 * float(var[obs[row.lhs]])
            return 0.0
        if row.lhs == row.rhs:
            marker = markers.get(row.lhs)
            return max(0.5 * float(var[obs[marker]]), 0.05) if marker else 0.05
        return 0.0
    if row.op == "~1" and row.lhs in obs:
        col = X[:, obs[row.lhs]]
        return float(np.nanmean(col)) if np.isfinite(col).any() else 0.0
    return 0.0


def covariate_starts(mm: ModelMatrices, rows: Sequence[ParRow], X: Array, theta: Array,
                     covariates: Sequence[str]) -> Array:
    """``theta`` with the free (co)variances and means of random covariates at sample values."""
    obs = {v: i for i, v in enumerate(mm.observed)}
    cov = set(covariates)
    out = theta.copy()
    for row, cell in zip(rows, mm.rows, strict=True):
        if cell.param < 0 or row.start is not None:
            continue
        if row.op == "~~" and row.lhs in cov and row.rhs in cov:
            out[cell.param] = _pairwise_cov(X, obs[row.lhs], obs[row.rhs])
    return out
