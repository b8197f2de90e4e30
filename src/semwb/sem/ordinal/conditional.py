"""Sample statistics of ordinal items conditional on observed covariates, and their ``Γ``.

lavaan's ``conditional.x = TRUE`` (its default for ordinal data with exogenous covariates),
as ``lav_samplestats_step1/step2`` and ``muthen1984`` compute it:

1. each item's ordered probit regression on the covariates (:mod:`.probit`): thresholds and
   slopes;
2. each pair's residual polychoric correlation: the bivariate probit of the two items with their
   step-1 thresholds and linear predictors held fixed, row by row
   (``P_n = Φ₂(u_i, u_j; ρ) - Φ₂(l_i, u_j; ρ) - Φ₂(u_i, l_j; ρ) + Φ₂(l_i, l_j; ρ)`` at the limits
   ``τ - xᵀβ`` of each row's categories), by Fisher scoring;
3. ``Γ = N B⁻¹ (GᵀG) B⁻ᵀ`` with the casewise scores ``G = [thresholds, slopes, ρ]``, ``B``'s
   ``A11`` the per-item blocks of ``GᵀG`` (thresholds and slopes of one item together), ``A21``
   the cross-products of each pair's ``∂ℓ/∂ρ`` with its bivariate scores for both items'
   thresholds and slopes, ``A22`` the diagonal of the ``ρ`` scores' cross-products.

The statistics are ``(τ, vec(Π), ρ)``: every item's thresholds, the slopes covariate by
covariate (lavaan's ``vec(res.slopes)``), the residual correlations in lavaan's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal import bivariate
from semwb.sem.ordinal.polychoric import RHO_MAX, pairs
from semwb.sem.ordinal.probit import ProbitFit, fit_probit
from semwb.sem.ordinal.thresholds import INF, OrdinalData
from semwb.sem.ordinal.weights import OrdinalStats, muthen_sandwich

Array = NDArray[np.float64]


def _limits(data: OrdinalData, fits: list[ProbitFit], X: Array) -> tuple[Array, Array]:
    """Upper and lower limits ``τ - xᵀβ`` of each row's category, ``(p, N)`` each."""
    upper, lower = [], []
    for j, fit in enumerate(fits):
        padded = np.concatenate([[-INF], fit.thresholds, [INF]])
        eta = X @ fit.slopes
        c = data.codes[:, j]
        upper.append(padded[c + 1] - eta)
        lower.append(padded[c] - eta)
    return np.array(upper), np.array(lower)


def _rect(f: Callable[[Array, Array, Array], Array], ui: Array, li: Array, uj: Array, lj: Array,
          rho: Array) -> Array:
    """``f(u_i,u_j) - f(l_i,u_j) - f(u_i,l_j) + f(l_i,l_j)`` for ``f`` of ``(h, k, ρ)``."""
    return np.asarray(f(ui, uj, rho) - f(li, uj, rho) - f(ui, lj, rho) + f(li, lj, rho))


def _fit_rho(ui: Array, li: Array, uj: Array, lj: Array, *, tol: float = 1e-10,
             max_iter: int = 100) -> Array:
    """Every pair's residual correlation (rows: pairs; columns: respondents)."""
    rho = np.zeros(ui.shape[0])

    def at(r: Array) -> tuple[Array, Array]:
        prob = _rect(bivariate.cdf, ui, li, uj, lj, r[:, None])
        return prob, np.asarray(np.sum(np.log(np.maximum(prob, 1e-300)), axis=1))

    prob, value = at(rho)
    for _ in range(max_iter):
        score = _rect(bivariate.pdf, ui, li, uj, lj, rho[:, None]) / prob
        step = score.sum(axis=1) / np.maximum((score * score).sum(axis=1), 1e-300)
        if np.max(np.abs(step)) < tol:
            break
        scale = np.ones_like(rho)
        for _ in range(40):
            trial = np.clip(rho + scale * step, -RHO_MAX, RHO_MAX)
            t_prob, t_value = at(trial)
            worse = ~(t_value >= value - 1e-12 * np.abs(value))
            if not worse.any():
                break
            scale = np.where(worse, scale / 2, scale)
        rho, prob, value = trial, t_prob, t_value
    return rho


def conditional_stats(data: OrdinalData, X: Array) -> OrdinalStats:
    """The statistics and ``Γ`` of ordinal items ``data`` given covariates ``X (N, q)``.

    Returns an :class:`OrdinalStats` whose ``data`` holds the probit thresholds, ``slopes`` the
    ``(p, q)`` slopes and ``correlation`` the residual polychoric correlations.
    """
    p, q, n = len(data.names), X.shape[1], data.n_obs
    fits = [fit_probit(data.codes[:, j], X, data.thresholds[j]) for j in range(p)]
    index = pairs(p)
    first = np.array([i for i, _ in index], dtype=np.intp)
    second = np.array([j for _, j in index], dtype=np.intp)
    upper, lower = _limits(data, fits, X)
    ui, li, uj, lj = upper[first], lower[first], upper[second], lower[second]
    rho = _fit_rho(ui, li, uj, lj)
    r = rho[:, None]
    prob = _rect(bivariate.cdf, ui, li, uj, lj, r)
    sc_rho = (_rect(bivariate.pdf, ui, li, uj, lj, r) / prob).T  # (N, pairs)
    # the pair's bivariate scores for item i's upper / lower limit (and likewise item j's)
    d_i_up = (bivariate.cdf_dh(ui, uj, r) - bivariate.cdf_dh(ui, lj, r)) / prob
    d_i_lo = (bivariate.cdf_dh(li, uj, r) - bivariate.cdf_dh(li, lj, r)) / prob
    d_j_up = (bivariate.cdf_dh(uj, ui, r) - bivariate.cdf_dh(uj, li, r)) / prob
    d_j_lo = (bivariate.cdf_dh(lj, ui, r) - bivariate.cdf_dh(lj, li, r)) / prob

    n_th = [t.size for t in (f.thresholds for f in fits)]
    th_at = np.cumsum([0, *n_th])
    n_first = int(th_at[-1])
    n_uni = n_first + p * q

    def univariate(j: int) -> list[int]:  # item j's thresholds, then its slopes (vec order)
        return [*range(th_at[j], th_at[j + 1]), *(n_first + k * p + j for k in range(q))]

    a21 = np.zeros((len(index), n_uni))
    for m, (i, j) in enumerate(index):
        for item, up, lo in ((i, d_i_up[m], d_i_lo[m]), (j, d_j_up[m], d_j_lo[m])):
            codes, k = data.codes[:, item], n_th[item]
            score_th = np.zeros((n, k))
            rows = np.arange(n)
            hi, low = codes < k, codes > 0
            score_th[rows[hi], codes[hi]] += up[hi]
            score_th[rows[low], codes[low] - 1] -= lo[low]
            score_sl = -X * (up - lo)[:, None]
            a21[m, univariate(item)] = sc_rho[:, m] @ np.concatenate([score_th, score_sl], axis=1)
    uni_scores = np.zeros((n, n_uni))
    for j, fit in enumerate(fits):
        uni_scores[:, univariate(j)] = fit.scores
    gamma = n * muthen_sandwich(uni_scores, sc_rho, a21, [univariate(j) for j in range(p)])
    R = np.eye(p)
    R[first, second] = R[second, first] = rho
    conditional = replace(data, thresholds=tuple(f.thresholds for f in fits))
    return OrdinalStats(conditional, R, gamma, slopes=np.array([f.slopes for f in fits]))
