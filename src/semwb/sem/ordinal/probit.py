"""Ordered probit regressions of each ordinal item on the observed covariates.

lavaan's first step with ``conditional.x = TRUE`` (``lav_uvord_fit``): for item ``y`` with
categories ``c = 0..K-1`` and covariates ``x``, ``P(y = c | x) = Φ(τ_{c+1} - xᵀβ) - Φ(τ_c - xᵀβ)``
(``τ_0 = -∞``, ``τ_K = +∞``; the latent response has unit residual variance). The thresholds and
slopes maximise the log-likelihood (Fisher scoring from the marginal thresholds and zero slopes).
The casewise scores ``∂ log P / ∂(τ, β)`` feed ``Γ``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal.bivariate import norm_cdf, norm_pdf
from semwb.sem.ordinal.thresholds import INF

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ProbitFit:
    """One item's probit regression: ``thresholds (K-1,)``, ``slopes (q,)``, and the casewise
    scores ``scores (N, K-1+q)`` (thresholds first)."""

    thresholds: Array
    slopes: Array
    scores: Array


def _limits(codes: NDArray[np.intp], tau: Array, eta: Array) -> tuple[Array, Array]:
    """``τ_{c+1} - η`` and ``τ_c - η`` of each row's category (``±INF`` outside)."""
    padded = np.concatenate([[-INF], tau, [INF]])
    return padded[codes + 1] - eta, padded[codes] - eta


def probit_scores(codes: NDArray[np.intp], X: Array, tau: Array, beta: Array) -> Array:
    """``∂ log P(y_n | x_n) / ∂(τ, β)`` of every row, ``(N, K-1+q)``."""
    n, k = codes.size, tau.size
    upper, lower = _limits(codes, tau, X @ beta)
    prob = norm_cdf(upper) - norm_cdf(lower)
    f_up, f_lo = norm_pdf(upper) / prob, norm_pdf(lower) / prob
    out = np.zeros((n, k + X.shape[1]))
    rows = np.arange(n)
    up, low = codes < k, codes > 0
    out[rows[up], codes[up]] += f_up[up]
    out[rows[low], codes[low] - 1] -= f_lo[low]
    out[:, k:] = -X * (f_up - f_lo)[:, None]
    return out


def _expected_information(X: Array, tau: Array, beta: Array) -> Array:
    """``Σ_n Σ_c (∂P_c/∂θ)(∂P_c/∂θ)ᵀ / P_c`` over every category of every row."""
    k = tau.size
    padded = np.concatenate([[-INF], tau, [INF]])
    z = padded[None, :] - (X @ beta)[:, None]  # (N, K+1)
    dens, cum = norm_pdf(z), norm_cdf(z)
    prob = np.maximum(cum[:, 1:] - cum[:, :-1], 1e-300)  # (N, K)
    d = np.zeros((X.shape[0], k + 1, k + X.shape[1]))  # ∂P_c/∂θ, (N, K, params)
    for c in range(k + 1):
        if c < k:
            d[:, c, c] += dens[:, c + 1]
        if c > 0:
            d[:, c, c - 1] -= dens[:, c]
        d[:, c, k:] = -X * (dens[:, c + 1] - dens[:, c])[:, None]
    return np.asarray(np.einsum("nca,ncb->ab", d / prob[:, :, None], d))


def fit_probit(codes: NDArray[np.intp], X: Array, start: Array, *, tol: float = 1e-10,
               max_iter: int = 200) -> ProbitFit:
    """The ML thresholds and slopes of one item (``codes`` 0..K-1) on covariates ``X (N, q)``;
    ``start`` are the marginal thresholds."""
    k = start.size

    def loglik(theta: Array) -> float:
        upper, lower = _limits(codes, theta[:k], X @ theta[k:])
        prob = norm_cdf(upper) - norm_cdf(lower)
        return float(np.sum(np.log(prob))) if np.all(prob > 0) else -np.inf

    theta = np.concatenate([start, np.zeros(X.shape[1])])
    value = loglik(theta)
    for _ in range(max_iter):
        grad = probit_scores(codes, X, theta[:k], theta[k:]).sum(axis=0)
        step = np.linalg.solve(_expected_information(X, theta[:k], theta[k:]), grad)
        scale = 1.0
        while True:
            trial = theta + scale * step
            ordered = np.all(np.diff(trial[:k]) > 0)
            t_value = loglik(trial) if ordered else -np.inf
            if t_value >= value - 1e-12 * abs(value) or scale < 1e-10:
                break
            scale /= 2
        theta, value = trial, t_value
        if np.max(np.abs(scale * step)) < tol:
            break
    return ProbitFit(theta[:k], theta[k:], probit_scores(codes, X, theta[:k], theta[k:]))
