"""The noncentral chi-square distribution function and the noncentrality that gives a probability.

The distribution function is the Poisson mixture of central ones (Ding 1992, *Applied Statistics*
41, 478-482): ``F(x; k, lam) = sum_j w_j P(k/2 + j, x/2)`` with ``w_j = e^-m m^j / j!``,
``m = lam / 2``. Every ``P(k/2 + j, x/2)`` comes from the one at the top of the window,
``j_top = m + 12 sqrt(m) + 40`` (the Poisson weights beyond it are below 1e-30 of the total),
and the recurrence ``P(a, y) = P(a + 1, y) + y^a e^-y / Gamma(a + 1)`` summed downward: only
additions, so the lower tail keeps its relative precision. The window reaches down to ``j = 0``
because in the lower tail the largest terms lie below the Poisson mode.

The noncentrality is found by Newton's method on ``F(lam) - q`` with
``dF/dlam = -(F(x; k, lam) - F(x; k + 2, lam)) / 2 = -sum_j w_j y^a_j e^-y / Gamma(a_j + 1) / 2``,
kept inside the bracket ``[0, hi]`` established by the signs (bisection otherwise).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from semwb.distributions._incomplete import gamma_tails
from semwb.distributions._kernels import poisson_density

Array = NDArray[np.float64]

_STEP_TOL = 1e-15


def _mixture(x: float, k: float, lam: float) -> tuple[float, float]:
    """``(F(x; k, lam), dF/dlam)`` for finite ``x > 0``, ``k > 0``, ``lam >= 0``."""
    m = lam / 2.0
    top = int(m + 12.0 * math.sqrt(m) + 40.0)
    j = np.arange(top + 1, dtype=float)
    a = k / 2.0 + j
    y = np.full(1, x / 2.0)
    p_top = gamma_tails(a[-1:], y)[0][0]
    dens = poisson_density(a[:-1], np.full(top, x / 2.0))  # y^a e^-y / Gamma(a + 1)
    lower = np.empty(top + 1)
    lower[-1] = p_top
    lower[:-1] = p_top + np.cumsum(dens[::-1])[::-1]
    weights = poisson_density(j, np.full(top + 1, m))
    value = float(np.sum(weights * lower))
    slope = -0.5 * float(np.sum(weights[:-1] * dens))
    return min(value, 1.0), slope


def ncx2_cdf(x: Array, k: Array, lam: Array) -> Array:
    """``F(x; k, lam)`` elementwise for finite ``x > 0``, ``k > 0`` and finite ``lam >= 0``."""
    return np.array([_mixture(float(xi), float(ki), float(li))[0]
                     for xi, ki, li in zip(x, k, lam, strict=True)])


def noncentrality(x: float, k: float, q: float) -> float:
    """The ``lam >= 0`` with ``F(x; k, lam) = q`` (``0 < q < 1``); 0 when ``F(x; k, 0) <= q``."""
    lo, hi = 0.0, math.inf
    value, slope = _mixture(x, k, 0.0)
    if value <= q:
        return 0.0
    lam = max(x - k, 1.0)
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
