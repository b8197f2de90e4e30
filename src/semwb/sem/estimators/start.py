"""Starting values, as lavaan's default start: FABIN 3 loadings, simple values elsewhere.

Starting values only decide where the optimiser begins; the estimate is where the gradient
vanishes. But where the likelihood has a ridge (a freed latent mean with equal intercepts is
identified only through ``λ ≠ 1``), the side of the ridge the start lies on decides which
optimum is found, so loadings start where lavaan's do: Hägglund's (1982) FABIN 3 instrumental-
variable estimate per factor with a marker indicator (a regression slope on the marker, which
is attenuated towards 0, can start on the wrong side). Residual variances start at half the
item's variance, covariates' (co)variances at their sample values, intercepts at the sample
means, everything else at 0 (latent variances at 0.05, as lavaan). Written by hand: semopy's
own rule loops forever for ``std.lv``-identified latents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from semwb.sem.model.structure import Array, ModelMatrices
from semwb.sem.partable import ParRow


def _pairwise_cov(X: Array, i: int, j: int) -> float:
    ok = np.isfinite(X[:, i]) & np.isfinite(X[:, j])
    if ok.sum() < 2:
        return 0.0
    a, b = X[ok, i], X[ok, j]
    return float(np.mean((a - a.mean()) * (b - b.mean())))


def _covariances(X: Array) -> Callable[[int, int], float]:
    """``cov(i, j)``: :func:`_pairwise_cov` of ``X``'s columns, each pair computed once.

    The same numbers: ``cov(j, i)`` is ``cov(i, j)`` (the products commute), and with complete
    data each column is centred once, as ``_pairwise_cov`` centres its copy of the column.
    """
    done: dict[tuple[int, int], float] = {}
    centred: dict[int, Array] = {}

    def column(i: int) -> Array:
        if i not in centred:
            a = X[:, i].copy()
            centred[i] = a - a.mean()
        return centred[i]

    complete = len(X) >= 2 and bool(np.isfinite(X).all())

    def cov(i: int, j: int) -> float:
        key = (i, j) if i <= j else (j, i)
        if key not in done:
            done[key] = (float(np.mean(column(i) * column(j))) if complete
                         else _pairwise_cov(X, *key))
        return done[key]

    return cov


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
    cov = _covariances(X)
    var = np.array([cov(i, i) for i in range(X.shape[1])])
    markers: dict[str, str] = {}
    for row in rows:
        if row.op == "=~" and not row.free and row.rhs in obs and row.lhs not in markers:
            markers[row.lhs] = row.rhs
    theta = np.full(mm.n_params, np.nan)
    loadings = _fabin_loadings(rows, obs, markers, cov)
    for row, cell in zip(rows, mm.rows, strict=True):
        k = cell.param
        if k < 0 or np.isfinite(theta[k]):
            continue
        if row.start is not None:
            theta[k] = row.start
        elif (row.lhs, row.rhs) in loadings and row.op == "=~":
            theta[k] = loadings[row.lhs, row.rhs]
        else:
            theta[k] = _guess(row, obs, markers, var, X, cov)
    return np.asarray(np.nan_to_num(theta), dtype=float)


def _fabin_loadings(rows: Sequence[ParRow], obs: dict[str, int], markers: dict[str, str],
                    cov: Callable[[int, int], float]) -> dict[tuple[str, str], float]:
    """FABIN 3 start loadings of every factor with a marker and at least three observed
    indicators, scaled to the marker's fixed value; ``(latent, item) -> loading``."""
    indicators: dict[str, list[ParRow]] = {}
    for row in rows:
        if row.op == "=~":
            indicators.setdefault(row.lhs, []).append(row)
    out: dict[tuple[str, str], float] = {}
    for latent, items in indicators.items():
        marker = markers.get(latent)
        if marker is None or len(items) < 3 or any(r.rhs not in obs for r in items):
            continue
        cols = [obs[r.rhs] for r in items]
        S = np.array([[cov(i, j) for j in cols] for i in cols])
        lam = fabin3(S)
        m = [r.rhs for r in items].index(marker)
        if not np.isfinite(lam).all() or abs(lam[m]) < 1e-8:
            continue
        fixed = next(r.value for r in items if r.rhs == marker)
        out.update({(latent, r.rhs): float(fixed * lam[i] / lam[m])
                    for i, r in enumerate(items)})
    return out


def fabin3(S: Array) -> Array:
    """Hägglund's FABIN 3 loadings of a one-factor model, relative to the first item.

    Item ``i``'s loading is the two-stage least-squares slope of item ``i`` on item 1 with the
    other items as instruments (with three items, the exact solution ``s_32 / s_31``,
    ``s_32 / s_21``), bounded (as lavaan) by ``sqrt(s_ii / (0.1 s_11))``.

    Parameters
    ----------
    S
        ``(k, k)`` covariance matrix of the factor's items (``k >= 3``).
    """
    k = S.shape[0]
    lam = np.ones(k)
    bound = np.sqrt(np.diag(S) / (0.1 * S[0, 0])) if S[0, 0] > 0 else np.full(k, np.inf)
    for i in range(1, k):
        rest = [j for j in range(1, k) if j != i]
        if k == 3:
            lam[i] = S[1, 2] / S[rest[0], 0] if S[rest[0], 0] != 0 else 1.0
            lam[i] = min(max(-bound[i], lam[i]), bound[i])
            continue
        s_i, s_1 = S[i, rest], S[rest, 0]
        try:
            w = np.linalg.solve(S[np.ix_(rest, rest)], s_1)
        except np.linalg.LinAlgError:
            w = s_1
        denominator = float(s_1 @ w)
        lam[i] = float(s_i @ w) / denominator if denominator != 0 else 1.0
        lam[i] = min(max(-bound[i], lam[i]), bound[i])
    return lam


def _guess(row: ParRow, obs: dict[str, int], markers: dict[str, str], var: Array,
           X: Array, cov: Callable[[int, int], float]) -> float:
    if row.op == "=~":
        if row.rhs not in obs:
            return 1.0
        marker = markers.get(row.lhs)
        if marker is None:
            return float(np.sqrt(max(var[obs[row.rhs]], 1e-6) / 2))
        m = obs[marker]
        return cov(m, obs[row.rhs]) / var[m] if var[m] > 0 else 1.0
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
