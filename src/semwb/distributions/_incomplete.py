"""Regularized incomplete gamma and beta functions, vectorised, both tails to full precision.

- ``P(a, x)`` by its power series where ``x < a + 1`` and ``Q(a, x)`` by Legendre's continued
  fraction (modified Lentz) elsewhere; the other tail is one minus the computed one, which is then
  at least about 0.4, so nothing is lost (the method of *Numerical Recipes* ``gser``/``gcf``).
- ``I_x(a, b)`` by the continued fraction of *Numerical Recipes* ``betacf`` (modified Lentz),
  where ``x < (a + 1) / (a + b + 2)`` and otherwise through ``I_x(a, b) = 1 - I_y(b, a)``.

The prefactors come from :mod:`semwb.distributions._kernels` (Loader's forms). Iterations stop
at a relative change below ``EPS`` per element; they grow about as the square root of the shape
parameters (a few hundred for a chi-square with 4000 degrees of freedom).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.distributions._kernels import beta_prefactor, lgamma, poisson_density

Array = NDArray[np.float64]

EPS = 1e-17  # below the double spacing: the loops run until nothing changes any more
_TINY = 1e-300
_MAX_TERMS = 100_000


def gamma_tails(a: Array, x: Array) -> tuple[Array, Array]:
    """``(P(a, x), Q(a, x))`` for ``a > 0`` and finite ``x > 0`` (1-D arrays of one length)."""
    fac = poisson_density(a, x)  # x^a e^-x / Gamma(a + 1)
    series = x < a + 1.0
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    s = np.flatnonzero(series)
    if s.size:
        p = fac[s] * _gamma_series(a[s], x[s])
        lower[s], upper[s] = p, 1.0 - p
    c = np.flatnonzero(~series)
    if c.size:
        q = a[c] * fac[c] * _gamma_fraction(a[c], x[c])
        lower[c], upper[c] = 1.0 - q, q
    return lower, upper


def _gamma_series(a: Array, x: Array) -> Array:
    """``sum_n x^n / ((a + 1) ... (a + n))``, ``n >= 0``."""
    term = np.ones_like(x)
    total = np.ones_like(x)
    active = np.ones(x.shape, dtype=bool)
    for n in range(1, _MAX_TERMS):
        term = np.where(active, term * x / (a + n), 0.0)
        total = total + term
        active = term > EPS * total
        if not active.any():
            break
    return total


def _gamma_fraction(a: Array, x: Array) -> Array:
    """Legendre's continued fraction ``1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))``."""
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / b
    h = d
    active = np.ones(x.shape, dtype=bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = np.where(active, d * c, 1.0)
        h = h * delta
        active = np.abs(delta - 1.0) > EPS
        if not active.any():
            break
    return h


def beta_tails(a: Array, b: Array, x: Array, y: Array,
               log_x: Array | None = None) -> tuple[Array, Array]:
    """``(I_x(a, b), 1 - I_x(a, b))`` for ``a, b > 0``, ``0 <= x <= 1`` and ``y = 1 - x`` given to
    full precision (1-D arrays of one length).

    With ``p <= q`` the two parameters and ``z`` the argument that goes with ``p``, ``I_z(p, q)``
    is summed as a power series where ``q z <= 2`` and ``q >= 20`` (as cephes' ``incbet`` does
    for ``q z <= 1``): there both continued fractions converge slowly, and
    lose about ``sqrt(q)`` ulps near ``x = (a + 1) / (a + b + 2)`` (the t distribution with
    thousands of degrees of freedom at ``|t|`` near 1.7); the series' alternating terms cancel by
    at most a factor ``e^2`` there. ``log_x`` (optional) is ``log x`` when ``x`` itself may
    underflow (a far tail of t or F): the prefactor is then taken from logarithms where
    ``x < 1e-250``.
    """
    p_is_a = a <= b
    q = np.where(p_is_a, b, a)
    z = np.where(p_is_a, x, y)
    series = (q * z <= 2.0) & (q >= 20.0)
    flip = np.where(series, ~p_is_a, x >= (a + 1.0) / (a + b + 2.0))
    aa, bb = np.where(flip, b, a), np.where(flip, a, b)
    xx, yy = np.where(flip, y, x), np.where(flip, x, y)
    with np.errstate(all="ignore"):
        pre = np.where(xx > 0, beta_prefactor(aa, bb, xx, yy), 0.0)  # xx^aa yy^bb / B(aa, bb)
        if log_x is not None:
            tiny = ~flip & (x < 1e-250)
            if tiny.any():
                t = np.flatnonzero(tiny)
                logs = (a[t] * log_x[t] + b[t] * np.log1p(-x[t]) + lgamma(a[t] + b[t])
                        - lgamma(a[t]) - lgamma(b[t]))
                pre[t] = np.exp(logs)
        part = np.empty_like(x)
        s = np.flatnonzero(series)
        if s.size:
            part[s] = (pre[s] * np.exp(-bb[s] * np.log1p(-xx[s]))
                       * _beta_series(aa[s], bb[s], xx[s]))
        c = np.flatnonzero(~series)
        if c.size:
            part[c] = pre[c] * _beta_fraction(aa[c], bb[c], xx[c], yy[c]) / aa[c]
    return np.where(flip, 1.0 - part, part), np.where(flip, part, 1.0 - part)


def _beta_series(p: Array, q: Array, z: Array) -> Array:
    """``1/p + sum_n (1 - q)_n z^n / (n! (p + n))``, ``n >= 1``: ``I_z(p, q) B(p, q) / z^p``."""
    total = 1.0 / p
    term = np.ones_like(z)
    active = np.ones(z.shape, dtype=bool)
    for n in range(1, _MAX_TERMS):
        term = np.where(active, term * (n - q) * z / n, 0.0)
        piece = term / (p + n)
        total = total + piece
        active = np.abs(piece) > EPS * np.abs(total)
        if not active.any():
            break
    return total


def _beta_fraction(a: Array, b: Array, x: Array, y: Array) -> Array:
    """The continued fraction of ``I_x(a, b)`` (``betacf``), modified Lentz.

    Its first denominator ``1 - (a + b) x / (a + 1)`` is taken as ``(1 - b + (a + b) y) / (a + 1)``
    when ``b < 1`` (two positive terms): for large ``a`` and ``x`` near 1 the first form loses
    about ``a`` ulps.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = np.where(b < 1.0, (1.0 - b + qab * y) / qap, 1.0 - qab * x / qap)
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d
    active = np.ones(x.shape, dtype=bool)
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = np.where(active, d * c, 1.0)
            h = h * delta
        active = np.abs(delta - 1.0) > EPS
        if not active.any():
            break
    return h
