"""The standard bivariate normal distribution, vectorised: ``Φ₂(h, k; ρ)`` and its derivatives.

``Φ₂(h, k; ρ) = Φ(h)Φ(k) + (1/2π) ∫₀^{asin ρ} exp(-(h² + k² - 2hk sin t) / (2 cos² t)) dt``
(Sheppard's formula), integrated by 64-point Gauss-Legendre quadrature: below 1e-13 from the
exact value for ``|ρ| ≤ 0.99`` (checked against scipy's ``multivariate_normal.cdf`` in the
tests). Infinite limits are represented by ``±INF`` (50), where ``Φ`` is exactly 0 or 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

Array = NDArray[np.float64]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def norm_cdf(x: Array) -> Array:
    """Standard normal distribution function."""
    return np.asarray(special.ndtr(x))


def norm_pdf(x: Array) -> Array:
    """Standard normal density."""
    return np.asarray(np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))


def cdf(h: Array, k: Array, rho: Array) -> Array:
    """``Φ₂(h, k; ρ)`` elementwise over broadcast arrays."""
    h, k, rho = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float),
                                    np.asarray(rho, float))
    top = np.arcsin(rho)[..., None]
    t = 0.5 * top * (_NODES + 1.0)
    s, c2 = np.sin(t), np.cos(t) ** 2
    hh, kk = h[..., None], k[..., None]
    integrand = np.exp(-(hh * hh + kk * kk - 2.0 * hh * kk * s) / (2.0 * c2))
    integral = 0.5 * top[..., 0] * (integrand @ _WEIGHTS)
    return norm_cdf(h) * norm_cdf(k) + integral / (2.0 * np.pi)


def pdf(h: Array, k: Array, rho: Array) -> Array:
    """Bivariate normal density ``φ₂(h, k; ρ) = ∂Φ₂/∂ρ``."""
    one = 1.0 - rho * rho
    return np.asarray(np.exp(-(h * h - 2.0 * rho * h * k + k * k) / (2.0 * one))
                      / (2.0 * np.pi * np.sqrt(one)))


def cdf_dh(h: Array, k: Array, rho: Array) -> Array:
    """``∂Φ₂(h, k; ρ)/∂h = φ(h) Φ((k - ρh)/√(1-ρ²))``."""
    return norm_pdf(h) * norm_cdf((k - rho * h) / np.sqrt(1.0 - rho * rho))
