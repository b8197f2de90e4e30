"""Tails and quantiles of the normal, t, chi-square and F distributions, in NumPy alone.

Why not ``scipy``: ``scipy.stats`` takes about a second of CPU to import, and ``scipy.special``
alone 0.3-0.45 s on the development machine (its package ``__init__`` loads scipy's array-API
layer, which imports ``numpy.f2py``, ``numpy.testing``, ``numpy.polynomial`` and ``numpy.ma``):
a third of ``semwb fit --no-bootstrap`` (issue 10 (b), ``bench/README.md``). The functions here
are written from published algorithms instead (the private modules say which): Cody's rational
approximations of ``erfc`` and Wichura's AS 241 for the normal, power series and Lentz continued
fractions with Loader's prefactors for the incomplete gamma and beta functions (chi-square, t, F),
Ding's Poisson mixture for the noncentral chi-square, and safeguarded Newton iterations for the
quantiles. ``tests/test_distributions.py`` holds them to ``scipy.stats`` on dense grids, tails
included, mostly within 1e-13 relative (the stated tolerances and the reasons for the looser
ones are there), and to ``mpmath`` where ``scipy`` itself is inaccurate.

Arguments broadcast as NumPy ufuncs do; a scalar argument gives a NumPy float. Where the
distribution is undefined (a degree of freedom that is not positive, a probability outside
[0, 1]) the result is NaN, as in ``scipy.stats``; so are the edges (0 and 1 at the ends of the
support, infinite quantiles at 0 and 1, infinite degrees of freedom).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semwb.distributions import _noncentral
from semwb.distributions._incomplete import beta_tails, gamma_tails
from semwb.distributions._kernels import lgamma
from semwb.distributions._normal import ndtr, ndtri
from semwb.distributions._solve import log_quantile

__all__ = ["chi2_cdf", "chi2_ppf", "chi2_sf", "f_isf", "f_sf", "ncx2_cdf", "ncx2_noncentrality",
           "norm_cdf", "norm_pdf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]

Array = NDArray[np.float64]
_SQRT_2PI = np.sqrt(2 * np.pi)


def _elementwise(compute: Callable[..., Array], regular: Callable[..., Any],
                 *args: ArrayLike, fill: float = np.nan) -> Array:
    """``compute`` on the 1-D arrays of the broadcast elements where ``regular`` holds, ``fill``
    elsewhere (the edges are set by the callers)."""
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    with np.errstate(invalid="ignore"):
        mask = np.asarray(regular(*arrays), dtype=bool)
    out = np.full(arrays[0].shape, fill)
    if mask.any():
        out[mask] = compute(*[a[mask] for a in arrays])
    return out


def _positive(*values: Array) -> Any:
    """Finite and above zero, elementwise, for every array."""
    ok = np.ones(np.shape(values[0]), dtype=bool)
    for v in values:
        ok &= np.isfinite(v) & (v > 0)
    return ok


def _defined(value: Any, *positive: ArrayLike) -> Any:
    """``value`` with NaN where a parameter that must be positive is not."""
    bad = np.zeros(np.shape(value), dtype=bool)
    for p in positive:
        bad = bad | ~(np.asarray(p) > 0)
    if not bad.any():
        return np.asarray(value)[()]
    return np.where(bad, np.nan, value)[()]


def _support(value: Any, x: ArrayLike, *, below: float, above: float) -> Any:
    """``value`` with ``below`` where ``x <= 0`` and ``above`` where ``x`` is infinite (the edges
    of a distribution on ``[0, inf)``)."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= 0, below, np.where(x == np.inf, above, value))[()]


def _quantile(value: Any, q: ArrayLike, *, at0: float, at1: float) -> Any:
    """``value`` with the support's ends at ``q = 0`` and ``q = 1`` and NaN outside [0, 1]."""
    q = np.asarray(q, dtype=float)
    ends = np.where(q == 0, at0, np.where(q == 1, at1, value))
    return np.where((q < 0) | (q > 1), np.nan, ends)[()]


def norm_cdf(x: ArrayLike) -> Any:
    """``P(Z <= x)`` of the standard normal (``scipy.stats.norm.cdf``)."""
    return ndtr(np.asarray(x, dtype=float))[()]


def norm_sf(x: ArrayLike) -> Any:
    """``P(Z > x)`` of the standard normal (``scipy.stats.norm.sf``)."""
    return ndtr(-np.asarray(x, dtype=float))[()]


def norm_ppf(q: ArrayLike) -> Any:
    """The standard normal quantile of ``q`` (``scipy.stats.norm.ppf``)."""
    return ndtri(np.asarray(q, dtype=float))[()]


def norm_pdf(x: ArrayLike) -> Any:
    """The standard normal density (``scipy.stats.norm.pdf``)."""
    return np.exp(-np.asarray(x, dtype=float) ** 2 / 2.0)[()] / _SQRT_2PI


def _t_beta(s: Array, df: Array) -> tuple[Array, Array, Array]:
    """For ``s = |t| / sqrt(df)``: the tails ``P(|T| > t) = I_x(df/2, 1/2)`` and ``P(|T| <= t)``
    with ``x = 1 / (1 + s^2)``, and ``t f_|T|(t)``, the derivative of ``P(|T| <= t)`` in ``log t``
    (``2 x^(df/2) y^(1/2) / B(df/2, 1/2)`` with ``y = 1 - x``)."""
    with np.errstate(all="ignore"):
        big = s > 1e150  # s^2 would overflow
        log_x = np.where(big, -2.0 * np.log(s), -np.log1p(s * s))
        x = np.exp(log_x)
        y = np.where(big, 1.0, s * s / (1.0 + s * s))
    outside, inside, pre = beta_tails(df / 2.0, np.full_like(s, 0.5), x, y, log_x)
    return outside, inside, 2.0 * pre


def _t_sf(t: Array, df: Array) -> Array:
    outside, inside, _ = _t_beta(np.abs(t) / np.sqrt(df), df)
    return np.where(t >= 0, 0.5 * outside, 0.5 + 0.5 * inside)


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(T > x)`` of Student's t with ``df`` degrees of freedom (``scipy.stats.t.sf``)."""
    value = _elementwise(_t_sf, lambda t, d: np.isfinite(t) & _positive(d), x, df)
    x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
    value = np.where(df == np.inf, ndtr(-x), value)
    value = np.where(np.isinf(x) & (df > 0), np.where(x > 0, 0.0, 1.0), value)
    return _defined(value, df)


def _t_quantile(q: Array, df: Array) -> Array:
    """``t`` with ``P(T <= t) = q`` for ``0 < q < 1``."""
    tail = np.minimum(q, 1.0 - q)
    both = 2.0 * tail  # P(|T| > t), exact
    upper = both <= 0.5
    target = np.where(upper, both, 1.0 - both)
    z = -ndtri(tail)
    start = np.maximum(z * (1.0 + (z * z + 1.0) / (4.0 * df)), 1e-3)

    def tails(t: Array, i: NDArray[np.intp]) -> tuple[Array, Array, Array]:
        outside, inside, flow = _t_beta(t / np.sqrt(df[i]), df[i])
        return inside, outside, flow

    t = log_quantile(tails, target, upper, start)
    return np.where(q == 0.5, 0.0, np.where(q < 0.5, -t, t))


def t_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """The quantile of Student's t (``scipy.stats.t.ppf``)."""
    value = _elementwise(_t_quantile, lambda p, d: (p > 0) & (p < 1) & _positive(d), q, df)
    q, df = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    value = np.where(df == np.inf, ndtri(q), value)
    return _defined(_quantile(value, q, at0=-np.inf, at1=np.inf), df)


def _chi2_tails(x: Array, df: Array) -> tuple[Array, Array]:
    return gamma_tails(df / 2.0, x / 2.0)[:2]


def chi2_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(X > x)`` of the chi-square with ``df`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    value = _elementwise(lambda v, d: _chi2_tails(v, d)[1], _chi2_regular, x, df, fill=1.0)
    return _defined(_support(_nan_where_nan(value, x, df), x, below=1.0, above=0.0), df)


def chi2_cdf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(X <= x)`` of the chi-square (``scipy.stats.chi2.cdf``)."""
    value = _elementwise(lambda v, d: _chi2_tails(v, d)[0], _chi2_regular, x, df, fill=0.0)
    return _defined(_support(_nan_where_nan(value, x, df), x, below=0.0, above=1.0), df)


def _chi2_regular(x: Array, df: Array) -> Any:
    return np.isfinite(x) & (x > 0) & _positive(df)


def _nan_where_nan(value: Array, *args: ArrayLike) -> Array:
    """NaN wherever an argument is NaN (the fills of ``_elementwise`` are for infinite ``df``)."""
    bad = np.zeros(value.shape, dtype=bool)
    for a in args:
        bad = bad | np.isnan(np.asarray(a, dtype=float))
    return np.where(bad, np.nan, value)


def _chi2_quantile(q: Array, df: Array) -> Array:
    a = df / 2.0
    upper = q > 0.5
    target = np.where(upper, 1.0 - q, q)
    h = 2.0 / (9.0 * df)  # Wilson and Hilferty's cube-root normal approximation
    wilson = df * (1.0 - h + ndtri(q) * np.sqrt(h)) ** 3
    power = 2.0 * np.exp((np.log(q) + lgamma(a + 1.0)) / a)  # P(a, y) ~ y^a / Gamma(a + 1)
    start = np.where(wilson > 0.5 * df, wilson, np.minimum(power, df))

    def tails(x: Array, i: NDArray[np.intp]) -> tuple[Array, Array, Array]:
        low, up, density = gamma_tails(a[i], x / 2.0)
        return low, up, a[i] * density

    return log_quantile(tails, target, upper, np.maximum(start, 1e-300))


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """The chi-square quantile of ``q`` (``scipy.stats.chi2.ppf``)."""
    value = _elementwise(_chi2_quantile, lambda p, d: (p > 0) & (p < 1) & _positive(d), q, df)
    return _defined(_quantile(value, q, at0=0.0, at1=np.inf), df)


def ncx2_cdf(x: ArrayLike, df: ArrayLike, nc: ArrayLike) -> Any:
    """``P(X <= x)`` of the noncentral chi-square with noncentrality ``nc``
    (``scipy.stats.ncx2.cdf``: finite ``df > 0``, ``nc >= 0``; ``nc = 0`` is the chi-square)."""
    value = _elementwise(_noncentral.ncx2_cdf, lambda v, d, n: _chi2_regular(v, d) & (n > 0)
                         & np.isfinite(n), x, df, nc)
    nc_ = np.asarray(nc, dtype=float)
    value = np.where(nc_ == 0, chi2_cdf(x, df), np.where(nc_ == np.inf, 0.0, value))
    value = _support(_nan_where_nan(value, x), x, below=0.0, above=1.0)
    valid = np.isfinite(df) & (nc_ >= 0)
    return _defined(np.where(valid, value, np.nan)[()], df)


def ncx2_noncentrality(x: ArrayLike, df: ArrayLike, q: ArrayLike) -> Any:
    """The noncentrality ``nc`` at which ``ncx2_cdf(x, df, nc) = q`` (``scipy.special.chndtrinc``).

    Finite ``x > 0``, finite ``df > 0`` and ``0 < q < 1``, else NaN. ``q`` must not exceed
    ``chi2_cdf(x, df)`` (there is no nonnegative root then; the result is 0).
    """
    def solve(v: Array, d: Array, p: Array) -> Array:
        return np.array([_noncentral.noncentrality(float(a), float(b), float(c))
                         for a, b, c in zip(v, d, p, strict=True)])

    return _elementwise(solve, lambda v, d, p: _chi2_regular(v, d) & (p > 0) & (p < 1),
                        x, df, q)[()]


def _f_beta(value: Array, dfn: Array, dfd: Array) -> tuple[Array, Array, Array]:
    """For ``F = value``: the tails ``P(F > value) = I_x(dfd/2, dfn/2)`` and ``P(F <= value)``
    with ``x = dfd / (dfd + dfn F)``, and ``F f(F)``, the derivative of ``P(F <= value)`` in
    ``log F`` (``x^(dfd/2) y^(dfn/2) / B(dfd/2, dfn/2)`` with ``y = 1 - x``)."""
    r = dfn * value / dfd
    with np.errstate(all="ignore"):
        big = r > 1e300
        log_x = np.where(big, -(np.log(dfn / dfd) + np.log(value)), -np.log1p(r))
        x = np.exp(log_x)
        y = np.where(big, 1.0, r / (1.0 + r))
    return beta_tails(dfd / 2.0, dfn / 2.0, x, y, log_x)


def f_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
    """``P(F > x)`` of the F distribution (``scipy.stats.f.sf``)."""
    value = _elementwise(lambda v, m, n: _f_beta(v, m, n)[0],
                         lambda v, m, n: _chi2_regular(v, m) & _positive(n), x, dfn, dfd)
    return _defined(_support(value, x, below=1.0, above=0.0), dfn, dfd)


def _f_quantile(q: Array, dfn: Array, dfd: Array) -> Array:
    """``F`` with ``P(F > value) = q`` for ``0 < q < 1``."""
    upper = q <= 0.5
    target = np.where(upper, q, 1.0 - q)

    def tails(value: Array, i: NDArray[np.intp]) -> tuple[Array, Array, Array]:
        above, below, flow = _f_beta(value, dfn[i], dfd[i])
        return below, above, flow

    return log_quantile(tails, target, upper, _paulson(q, dfn, dfd))


def _paulson(q: Array, dfn: Array, dfd: Array) -> Array:
    """A first ``F`` exceeded with probability ``q``: Paulson's cube-root normal approximation
    (both chi-squares of the ratio by Wilson and Hilferty's), 1 where it has no positive root."""
    a, b, z = 2.0 / (9.0 * dfn), 2.0 / (9.0 * dfd), -ndtri(q)
    den = (1.0 - b) ** 2 - b * z * z
    arg = (1.0 - a) ** 2 * b + (1.0 - b) ** 2 * a - a * b * z * z
    with np.errstate(all="ignore"):
        root = ((1.0 - a) * (1.0 - b) + z * np.sqrt(arg)) / den
    return np.where((den > 0) & (arg > 0) & (root > 0), root**3, 1.0)


def f_isf(q: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
    """The F value exceeded with probability ``q`` (``scipy.stats.f.isf``)."""
    value = _elementwise(_f_quantile, lambda p, m, n: (p > 0) & (p < 1) & _positive(m, n),
                         q, dfn, dfd)
    return _defined(_quantile(value, q, at0=np.inf, at1=0.0), dfn, dfd)
