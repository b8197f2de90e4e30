"""Correlations that involve a continuous column: polyserial and Pearson, with their scores.

As lavaan's ``lav_bvmix`` (polyserial, two-step: the continuous column's mean and variance and the
item's thresholds held fixed) and ``lav_bvreg`` (Pearson). For the casewise scores ``Γ`` needs,
each pair gives ``∂ℓ/∂ρ`` and the derivatives of the bivariate log-likelihood with respect to
the univariate statistics of both columns: an item's thresholds, a continuous column's mean and
variance.

Polyserial, with ``z = (y - μ)/σ``, ``s = √(1 - ρ²)`` and ``u = (τ - ρz)/s`` at the item's
category limits: ``ℓ = log φ(z) - log σ + log(Φ(u_c) - Φ(u_{c-1}))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal.bivariate import norm_cdf, norm_pdf
from semwb.sem.ordinal.polychoric import RHO_MAX
from semwb.sem.ordinal.thresholds import OrdinalData

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MixedScores:
    """Casewise scores of one pair ``(i, j)``: ``rho (N,)`` and, for each column, its
    univariate-statistic derivatives (``first_i``: thresholds ``(N, K-1)`` or the mean ``(N, 1)``;
    ``var_i``: the variance ``(N,)`` or None for an item)."""

    rho: Array
    first_i: Array
    var_i: Array | None
    first_j: Array
    var_j: Array | None


def _standardized(data: OrdinalData, j: int) -> tuple[Array, float]:
    sd = float(np.sqrt(data.variances[j]))
    return (data.values[:, j] - data.means[j]) / sd, sd


def _limits(data: OrdinalData, item: int, z: Array, rho: Array) -> tuple[Array, ...]:
    """``τ`` and ``u`` at the upper and lower limit of each row's category, ``(pairs?, N)``."""
    tau = data.padded(item)
    c = data.codes[:, item]
    s = np.sqrt(1.0 - rho * rho)
    upper, lower = tau[c + 1], tau[c]
    return upper, lower, (upper - rho * z) / s, (lower - rho * z) / s


def fit_polyserial(data: OrdinalData, num: int, item: int, *, tol: float = 1e-10) -> float:
    """The two-step ML polyserial correlation of continuous column ``num`` and item ``item``."""
    z, _ = _standardized(data, num)
    rho = float(np.clip(np.corrcoef(z, data.codes[:, item])[0, 1], -0.9, 0.9))

    def loglik(r: float) -> float:
        _, _, hi, lo = _limits(data, item, z, np.asarray(r))
        return float(np.sum(np.log(norm_cdf(hi) - norm_cdf(lo))))

    value = loglik(rho)
    for _ in range(200):
        score = _rho_score(data, num, item, rho)
        step = float(score.sum() / (score @ score))
        scale = 1.0
        while True:
            trial = float(np.clip(rho + scale * step, -RHO_MAX, RHO_MAX))
            t_value = loglik(trial)
            if t_value >= value - 1e-12 * abs(value) or scale < 1e-8:
                break
            scale /= 2
        rho, value = trial, t_value
        if abs(scale * step) < tol:
            break
    return rho


def _rho_score(data: OrdinalData, num: int, item: int, rho: float) -> Array:
    z, _ = _standardized(data, num)
    r = np.asarray(rho)
    t_hi, t_lo, hi, lo = _limits(data, item, z, r)
    s = np.sqrt(1.0 - rho * rho)
    prob = norm_cdf(hi) - norm_cdf(lo)
    return np.asarray((norm_pdf(hi) * (rho * t_hi - z) - norm_pdf(lo) * (rho * t_lo - z))
                      / (s ** 3 * prob))


def polyserial_scores(data: OrdinalData, num: int, item: int, rho: float) -> MixedScores:
    """Scores of the pair (continuous ``num``, item ``item``) at ``rho``."""
    z, sd = _standardized(data, num)
    _, _, hi, lo = _limits(data, item, z, np.asarray(rho))
    s = np.sqrt(1.0 - rho * rho)
    prob = norm_cdf(hi) - norm_cdf(lo)
    f_hi, f_lo = norm_pdf(hi), norm_pdf(lo)
    d_mean = z / sd + (f_hi - f_lo) * rho / (s * sd * prob)
    d_var = (z * z - 1.0) / (2 * sd * sd) + (f_hi - f_lo) * rho * z / (2 * sd * sd * s * prob)
    n_th = len(data.thresholds[item])
    c = data.codes[:, item]
    d_tau = np.zeros((data.n_obs, n_th))
    rows = np.arange(data.n_obs)
    up, low = c < n_th, c > 0
    d_tau[rows[up], c[up]] += f_hi[up] / (s * prob[up])
    d_tau[rows[low], c[low] - 1] -= f_lo[low] / (s * prob[low])
    return MixedScores(_rho_score(data, num, item, rho), d_mean[:, None], d_var, d_tau, None)


def pearson_scores(data: OrdinalData, i: int, j: int, rho: float) -> MixedScores:
    """Scores of the bivariate normal log-likelihood of two continuous columns at ``rho``."""
    z1, sd1 = _standardized(data, i)
    z2, sd2 = _standardized(data, j)
    r2 = 1.0 - rho * rho
    quad = z1 * z1 - 2 * rho * z1 * z2 + z2 * z2
    d_rho = rho / r2 + (z1 * z2 * r2 - rho * quad) / (r2 * r2)

    def parts(za: Array, zb: Array, sd: float) -> tuple[Array, Array]:
        mean = (za - rho * zb) / (sd * r2)
        var = -1.0 / (2 * sd * sd) + (za * za - rho * za * zb) / (2 * sd * sd * r2)
        return mean[:, None], var

    m1, v1 = parts(z1, z2, sd1)
    m2, v2 = parts(z2, z1, sd2)
    return MixedScores(d_rho, m1, v1, m2, v2)
