"""The noncentral chi-square distribution function and the noncentrality that gives a probability.

The distribution function is the Poisson mixture of central ones (Ding 1992, *Applied Statistics*
41, 478-482): ``F(x; k, lam) = sum_j w_j P(k/2 + j, x/2)`` with ``w_j = e^-m m^j / j!``,
``m = lam / 2``. Every ``P(k/2 + j, x/2)`` comes from the one at the top of the window,
``j_top = m + 12 sqrt(m) + 40`` (the Poisson weights beyond it are below 1e-30 of the total),
and the recurrence ``P(a, y) = P(a + 1, y) + y^a e^-y / Gamma(a + 1)`` summed downward: only
additions, so the lower tail keeps its relative precision. The window reaches down to ``j = 0``
because in the lower tail the largest terms lie below the Poisson mode. The central densities
``y^a e^-y / Gamma(a + 1)`` and the weights ``w_j`` come by their ratios ``y / a`` and ``m / j``
from values computed directly (Loader's form) at every 16th term: the rounding errors of a
recurrence grow with its length, and at 16 the mixture stays within a few 1e-14 of mpmath
(measured up to ``lam = 1000``; without the restarts errors reached 1.6e-13).

The noncentrality is found by Newton's method on ``F(lam) - q`` with
``dF/dlam = -(F(x; k, lam) - F(x; k + 2, lam)) / 2 = -sum_j w_j y^a_j e^-y / Gamma(a_j + 1) / 2``,
kept inside the bracket ``[0, hi]`` established by the signs (bisection otherwise), from
Patnaik's two-moment approximation with Wilson and Hilferty's cube root (3-4 evaluations of the
mixture for the RMSEA interval's probabilities instead of 8-9 from ``x - k``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from semwb.distributions._incomplete import gamma_lower
from semwb.distributions._kernels import poisson_density_one

Array = NDArray[np.float64]

_STEP_TOL = 1e-14  # a Newton step this small leaves an error far below it (quadratic)
_RESTART = 1e-280  # below it a recurrence restarts from the direct value
_EVERY = 16  # and at every 16th term (its rounding errors add up with the length)


def _chained(ratio: Array, direct: Callable[[int], float]) -> Array:
    """``v_0 .. v_(n-1)`` from ``v_j = v_(j-1) ratio_j``, restarted from ``direct(j)`` at every
    ``_EVERY``-th ``j`` (the rounding errors of a recurrence add up with its length) and wherever
    a value is below ``_RESTART`` (so that no underflow silences the terms after it)."""
    n = ratio.size
    factors = np.ones(-(-n // _EVERY) * _EVERY)
    factors[:n] = ratio
    factors[:n:_EVERY] = [direct(j) for j in range(0, n, _EVERY)]
    values: Array = np.cumprod(factors.reshape(-1, _EVERY), axis=1).ravel()[:n].astype(float)
    for j in np.flatnonzero(values < _RESTART):
        values[j] = direct(int(j))
    return values


def _mixture(x: float, k: float, lam: float) -> tuple[float, float]:
    """``(F(x; k, lam), dF/dlam)`` for finite ``x > 0``, ``k > 0``, ``lam >= 0``.

    The central densities and the Poisson weights come by their ratios (``y / a`` and
    ``m / j``) from a direct value at every ``_EVERY``-th term: one incomplete gamma function
    and a few densities per call instead of two densities per term.
    """
    m = lam / 2.0
    y = x / 2.0
    top = int(m + 12.0 * math.sqrt(m) + 40.0)
    j = np.arange(top + 1, dtype=float)
    a = k / 2.0 + j
    p_top = gamma_lower(float(a[-1]), y)[0]
    # y^a e^-y / Gamma(a + 1) at a = k/2 + j, j < top
    dens = _chained(y / a[:-1], lambda i: poisson_density_one(k / 2.0 + i, y))
    lower = np.empty(top + 1)
    lower[-1] = p_top
    lower[:-1] = p_top + np.cumsum(dens[::-1])[::-1]
    if m == 0.0:
        weights = (j == 0).astype(float)
    else:
        with np.errstate(divide="ignore"):
            weights = _chained(m / j, lambda i: poisson_density_one(float(i), m))
    value = float(weights @ lower)
    slope = -0.5 * float(weights[:-1] @ dens)
    return min(value, 1.0), slope


def ncx2_cdf(x: Array, k: Array, lam: Array) -> Array:
    """``F(x; k, lam)`` elementwise for finite ``x > 0``, ``k > 0`` and finite ``lam >= 0``."""
    return np.array([_mixture(float(xi), float(ki), float(li))[0]
                     for xi, ki, li in zip(x, k, lam, strict=True)])


def _approximate_quantile(k: float, lam: float, z: float) -> float:
    """The quantile of normal deviate ``z`` of ``chi2'(k, lam)`` by Patnaik's central approximation
    ``rho chi2(nu)`` (``rho = (k + 2 lam) / (k + lam)``, ``nu = (k + lam)^2 / (k + 2 lam)``) and
    Wilson and Hilferty's cube root for ``chi2(nu)``."""
    rho = (k + 2.0 * lam) / (k + lam)
    nu = (k + lam) / rho
    h = 2.0 / (9.0 * nu)
    return rho * nu * max(1.0 - h + z * math.sqrt(h), 0.0) ** 3


def _rough_ndtri(q: float) -> float:
    """The normal quantile within 4.5e-4 (Abramowitz and Stegun 26.2.23), enough for a start."""
    t = math.sqrt(-2.0 * math.log(min(q, 1.0 - q)))
    z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
        1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3)
    return z if q > 0.5 else -z


def _start(x: float, k: float, q: float) -> float:
    """A first ``lam``: the root of :func:`_approximate_quantile` ``= x`` by the secant method,
    from the normal approximation ``x = k + lam + z_q sqrt(2 (k + 2 lam))`` (a quadratic in
    ``s = sqrt(2 (k + 2 lam))``); at least ``1e-3 x``."""
    z = _rough_ndtri(q)
    s = 2.0 * (math.sqrt(max(z * z + x - k / 2.0, 0.0)) - z)
    lam = max(s * s / 4.0 - k / 2.0, 1e-3 * x)
    before, g_before = 1.01 * lam, _approximate_quantile(k, 1.01 * lam, z) - x
    for _ in range(8):
        g = _approximate_quantile(k, lam, z) - x
        if g == g_before:
            break
        lam, before, g_before = lam - g * (lam - before) / (g - g_before), lam, g
        lam = max(lam, 1e-3 * x)
    return lam


def noncentrality(x: float, k: float, q: float) -> float:
    """The ``lam >= 0`` with ``F(x; k, lam) = q`` (``0 < q < 1``); 0 when ``F(x; k, 0) <= q``."""
    lo, hi = 0.0, math.inf
    if gamma_lower(k / 2.0, x / 2.0)[0] <= q:  # F(x; k, 0), the chi-square
        return 0.0
    lam = _start(x, k, q)
    for _ in range(200):
        value, slope = _mixture(x, k, lam)
        if value == q:
            return lam
        if value > q:
            lo = lam
        else:
            hi = lam
        newton = lam - (value - q) / slope if slope < 0 else math.nan
        if abs(newton - lam) <= _STEP_TOL * lam:
            return newton
        if lo < newton < hi:
            lam = newton
        else:
            lam = 2.0 * lam if math.isinf(hi) else 0.5 * (lo + hi)
            if hi - lo <= _STEP_TOL * hi:
                return lam
    return lam
