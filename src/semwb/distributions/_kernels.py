"""Poisson and binomial "densities" at real arguments without cancellation (Loader 2000).

C. Loader, *Fast and accurate computation of binomial probabilities* (2000), the method of R's
``dpois_raw`` and ``dbinom_raw``: ``x^a e^-x / Gamma(a + 1)`` and
``Gamma(n + 1) / (Gamma(a + 1) Gamma(b + 1)) p^a q^b`` are written through Stirling's error
``stirlerr`` and the deviance term ``bd0``, each computed without subtracting large numbers, so
that the prefactors of the incomplete gamma and beta functions keep full relative accuracy for
large shape parameters (``a log x - lgamma(a)`` loses about ``a`` ulps).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

_LOG_SQRT_2PI = 0.91893853320467274178  # log(sqrt(2 pi))
#: Stirling's series of log Gamma(n + 1): 1/12, 1/360, 1/1260, ... (alternating signs).
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400, 43867 / 244188)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def lgamma(x: Array) -> Array:
    """``log |Gamma(x)|`` elementwise (``math.lgamma``; NumPy has none)."""
    return np.asarray(_lgamma(np.asarray(x, dtype=float)), dtype=float)


def stirlerr_one(n: float) -> float:
    """``log Gamma(n + 1) - (n + 1/2) log n + n - log sqrt(2 pi)`` for ``n > 0``.

    Stirling's series (nine terms, error below 1e-17 from ``n = 8``) above 8; below, ``lgamma``
    directly (the terms are small there, a few ulps of 20 at most).
    """
    if n >= 8.0:
        inv2 = 1.0 / (n * n)
        series = 0.0
        for c in reversed(_STIRLING):
            series = series * inv2 + c
        return series / n
    if n <= 0:
        return math.inf  # NumPy's limit at 0
    return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LOG_SQRT_2PI


def bd0_one(x: float, m: float) -> float:
    """The deviance ``x log(x / m) + m - x`` (``x >= 0``, ``m > 0``), by a series near ``x = m``."""
    d = x - m
    if abs(d) < 0.1 * (x + m):
        v = d / (x + m)
        near = d * v
        term = 2.0 * x * v
        v2 = v * v
        for j in range(1, 14):  # |v| < 0.1: v^26 is below 1e-26
            term = term * v2
            near = near + term / (2 * j + 1)
        return near
    if x <= 0:
        return m - x
    ratio = x / m if m > 0 else math.inf
    return x * (math.log(ratio) if ratio > 0 else -math.inf) + m - x


def poisson_density_one(a: float, x: float) -> float:
    """``x^a e^-x / Gamma(a + 1)`` for ``a >= 0`` and finite ``x >= 0`` (the Poisson density at
    ``a``), on Python floats: the noncentral mixture and the quantiles call it per iteration, where
    NumPy's cost per operation on one element would be ten times the arithmetic."""
    if a <= 0:
        return math.exp(-x)
    if x <= 0:
        return 0.0
    log_value = -stirlerr_one(a) - bd0_one(a, x)
    return math.exp(log_value) / math.sqrt(2 * math.pi * a) if log_value < 709.0 else math.inf


_stirlerr = np.frompyfunc(stirlerr_one, 1, 1)
_bd0 = np.frompyfunc(bd0_one, 2, 1)
_poisson_density = np.frompyfunc(poisson_density_one, 2, 1)


def stirlerr(n: Array) -> Array:
    """:func:`stirlerr_one` elementwise."""
    return np.asarray(_stirlerr(np.asarray(n, dtype=float)), dtype=float)


def bd0(x: Array, m: Array) -> Array:
    """:func:`bd0_one` elementwise (broadcast)."""
    return np.asarray(_bd0(np.asarray(x, dtype=float), np.asarray(m, dtype=float)), dtype=float)


def poisson_density(a: Array, x: Array) -> Array:
    """:func:`poisson_density_one` elementwise (broadcast)."""
    return np.asarray(_poisson_density(np.asarray(a, dtype=float), np.asarray(x, dtype=float)),
                      dtype=float)


def beta_prefactor(a: Array, b: Array, x: Array, y: Array) -> Array:
    """``x^a y^b / B(a, b)`` with ``y = 1 - x`` given separately (both to full precision).

    Through Loader's binomial form: ``n = a + b``, ``a b / n`` times
    ``exp(stirlerr(n) - stirlerr(a) - stirlerr(b) - bd0(a, n x) - bd0(b, n y))``
    times ``sqrt(n / (2 pi a b))``.
    """
    n = a + b
    with np.errstate(all="ignore"):
        log_value = (stirlerr(n) - stirlerr(a) - stirlerr(b) - bd0(a, n * x) - bd0(b, n * y))
        return np.exp(log_value) * np.sqrt(n / (2 * np.pi * a * b)) * (a * b / n)
