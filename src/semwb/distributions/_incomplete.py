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

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semwb.distributions._kernels import (
    beta_prefactor,
    lgamma,
    poisson_density,
    poisson_density_one,
)

Array = NDArray[np.float64]

EPS = 1e-17  # below the double spacing: the loops run until nothing changes any more
_TINY = 1e-300
_MAX_TERMS = 100_000


def gamma_tails(a: Array, x: Array) -> tuple[Array, Array, Array]:
    """``(P(a, x), Q(a, x), x^a e^-x / Gamma(a + 1))`` for ``a > 0`` and finite ``x > 0`` (1-D
    arrays of one length; the third, times ``a``, is the derivative of ``P`` in ``log x``)."""
    fac = poisson_density(a, x)  # x^a e^-x / Gamma(a + 1)
    series = x < a + 1.0
    lower = np.empty_like(x)
    upper = np.empty_like(x)
    s = np.flatnonzero(series)
    if s.size:
        p = fac[s] * _each(_gamma_series, a[s], x[s])
        lower[s], upper[s] = p, 1.0 - p
    c = np.flatnonzero(~series)
    if c.size:
        q = a[c] * fac[c] * _each(_gamma_fraction, a[c], x[c])
        lower[c], upper[c] = 1.0 - q, q
    return lower, upper, fac


def gamma_lower(a: float, x: float) -> tuple[float, float]:
    """``(P(a, x), x^a e^-x / Gamma(a + 1))`` on Python floats, as :func:`gamma_tails` does."""
    fac = poisson_density_one(a, x)
    if x < a + 1.0:
        return fac * _gamma_series(a, x), fac
    return 1.0 - a * fac * _gamma_fraction(a, x), fac


def _each(loop: Callable[..., Any], *args: Array) -> Array:
    """``loop`` on 1-D arrays, or on Python floats when there is one element: the loops below use
    only arithmetic, ``abs`` and comparisons so that both work, and on one-element arrays NumPy's
    cost per operation is ten times the arithmetic (a quantile evaluates them dozens of times)."""
    if args[0].size == 1:
        return np.array([loop(*(float(a[0]) for a in args))], dtype=float)
    return np.asarray(loop(*args), dtype=float)


def _any(flags: Any) -> bool:
    """Whether any flag is set (a Python bool from the float loops, an array otherwise)."""
    return bool(flags) if isinstance(flags, bool) else bool(np.any(flags))


def _guard(v: Any) -> Any:
    """``v`` moved off zero (the modified Lentz method's guard)."""
    return v + (abs(v) < _TINY) * _TINY


def _lentz(c: Any, d: Any, h: Any, active: Any, an: Any, bn: Any) -> tuple[Any, Any, Any, Any]:
    """One step of the modified Lentz method for the next partial fraction ``an / (bn + ...)``:
    the new ``C``, ``D``, value ``h`` and its factor ``delta`` (1 where no longer ``active``)."""
    d = 1.0 / _guard(bn + an * d)
    c = _guard(bn + an / c)
    delta = 1.0 + active * (d * c - 1.0)
    return c, d, h * delta, delta


def _gamma_series(a: Any, x: Any) -> Any:
    """``sum_n x^n / ((a + 1) ... (a + n))``, ``n >= 0``."""
    term = total = 1.0 + 0.0 * x
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        total = total + term
        if not _any(term > EPS * total):  # converged terms only shrink further
            break
    return total


def _gamma_fraction(a: Any, x: Any) -> Any:
    """Legendre's continued fraction ``1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))``."""
    b = x + 1.0 - a
    c = 1.0 / _TINY + 0.0 * x
    d = 1.0 / _guard(b)
    h = d
    active: Any = True
    for i in range(1, _MAX_TERMS):
        b = b + 2.0
        c, d, h, delta = _lentz(c, d, h, active, -i * (i - a), b)
        active = abs(delta - 1.0) > EPS
        if not _any(active):
            break
    return h


def beta_tails(a: Array, b: Array, x: Array, y: Array,
               log_x: Array | None = None) -> tuple[Array, Array, Array]:
    """``(I_x(a, b), 1 - I_x(a, b), x^a y^b / B(a, b))`` for ``a, b > 0``, ``0 <= x <= 1`` and
    ``y = 1 - x`` given to full precision (1-D arrays of one length; the third is the derivative
    of ``I`` in ``log(x / y)``).

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
                       * _each(_beta_series, aa[s], bb[s], xx[s]))
        c = np.flatnonzero(~series)
        if c.size:
            part[c] = pre[c] * _each(_beta_fraction, aa[c], bb[c], xx[c], yy[c]) / aa[c]
    return np.where(flip, 1.0 - part, part), np.where(flip, part, 1.0 - part), pre


def _beta_series(p: Any, q: Any, z: Any) -> Any:
    """``1/p + sum_n (1 - q)_n z^n / (n! (p + n))``, ``n >= 1``: ``I_z(p, q) B(p, q) / z^p``."""
    total = 1.0 / p
    term = 1.0 + 0.0 * z
    active: Any = True
    for n in range(1, _MAX_TERMS):
        term = term * (n - q) * z / n * active
        piece = term / (p + n)
        total = total + piece
        active = abs(piece) > EPS * abs(total)
        if not _any(active):
            break
    return total


def _beta_fraction(a: Any, b: Any, x: Any, y: Any) -> Any:
    """The continued fraction of ``I_x(a, b)`` (``betacf``), modified Lentz.

    Its first denominator ``1 - (a + b) x / (a + 1)`` is taken as ``(1 - b + (a + b) y) / (a + 1)``
    when ``b < 1`` (two positive terms): for large ``a`` and ``x`` near 1 the first form loses
    about ``a`` ulps.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    small_b = b < 1.0
    c = 1.0 + 0.0 * x
    d = 1.0 / _guard(small_b * ((1.0 - b + qab * y) / qap) + (1 - small_b) * (1.0 - qab * x / qap))
    h = d
    active: Any = True
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            c, d, h, delta = _lentz(c, d, h, active, aa, 1.0)
        active = abs(delta - 1.0) > EPS
        if not _any(active):
            break
    return h
