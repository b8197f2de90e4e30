"""Tails and quantiles of the normal, t, chi-square and F distributions, from ``scipy.special``.

``scipy.stats`` takes about a second to import (hundreds of distributions, their docstrings
parsed at import time) and would be loaded by every fit for a few p-values. These helpers call
the same ``scipy.special`` functions that ``scipy.stats`` 1.17 calls for each method, so every
value is the same to the last bit (``tests/test_distributions.py`` holds them to
``scipy.stats`` on grids that include the edges: 0, negative values, infinities, NaN).

Arguments broadcast as NumPy ufuncs do; a scalar argument gives a NumPy float. Where the
distribution is undefined (a degree of freedom that is not positive, a probability outside
[0, 1]) the result is NaN, as in ``scipy.stats``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["chi2_cdf", "chi2_ppf", "chi2_sf", "f_isf", "f_sf", "ncx2_cdf", "ncx2_noncentrality",
           "norm_cdf",
           "norm_pdf", "norm_ppf", "norm_sf", "t_ppf", "t_sf"]

_SQRT_2PI = np.sqrt(2 * np.pi)


def _defined(value: Any, *positive: ArrayLike) -> Any:
    """``value`` with NaN where a parameter that must be positive is not."""
    bad = np.zeros(np.shape(value), dtype=bool)
    for p in positive:
        bad = bad | ~(np.asarray(p) > 0)
    if not bad.any():
        return value
    return np.where(bad, np.nan, value)[()]


def _support(value: Any, x: ArrayLike, *, below: float, above: float) -> Any:
    """``value`` with ``below`` where ``x <= 0`` and ``above`` where ``x`` is infinite (the edges
    of a distribution on ``[0, inf)``, which ``scipy.stats`` sets before calling the function)."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= 0, below, np.where(x == np.inf, above, value))[()]


def _quantile(value: Any, q: ArrayLike, *, at0: float, at1: float) -> Any:
    """``value`` with the support's ends at ``q = 0`` and ``q = 1`` and NaN outside [0, 1]."""
    q = np.asarray(q, dtype=float)
    ends = np.where(q == 0, at0, np.where(q == 1, at1, value))
    return np.where((q < 0) | (q > 1), np.nan, ends)[()]


def norm_cdf(x: ArrayLike) -> Any:
    """``P(Z <= x)`` of the standard normal (``scipy.stats.norm.cdf``)."""
    return special.ndtr(x)


def norm_sf(x: ArrayLike) -> Any:
    """``P(Z > x)`` of the standard normal (``scipy.stats.norm.sf``)."""
    return special.ndtr(np.negative(x))


def norm_ppf(q: ArrayLike) -> Any:
    """The standard normal quantile of ``q`` (``scipy.stats.norm.ppf``)."""
    return special.ndtri(q)


def norm_pdf(x: ArrayLike) -> Any:
    """The standard normal density (``scipy.stats.norm.pdf``)."""
    return np.exp(-np.asarray(x, dtype=float) ** 2 / 2.0)[()] / _SQRT_2PI


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(T > x)`` of Student's t with ``df`` degrees of freedom (``scipy.stats.t.sf``)."""
    return _defined(special.stdtr(df, np.negative(x)), df)


def t_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """The quantile of Student's t (``scipy.stats.t.ppf``)."""
    return _defined(_quantile(special.stdtrit(df, q), q, at0=-np.inf, at1=np.inf), df)


def chi2_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(X > x)`` of the chi-square with ``df`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    return _defined(_support(special.chdtrc(df, x), x, below=1.0, above=0.0), df)


def chi2_cdf(x: ArrayLike, df: ArrayLike) -> Any:
    """``P(X <= x)`` of the chi-square (``scipy.stats.chi2.cdf``)."""
    return _defined(_support(special.chdtr(df, x), x, below=0.0, above=1.0), df)


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """The chi-square quantile of ``q`` (``scipy.stats.chi2.ppf``)."""
    value = 2 * special.gammaincinv(np.divide(df, 2), q)
    return _defined(_quantile(value, q, at0=0.0, at1=np.inf), df)


def ncx2_cdf(x: ArrayLike, df: ArrayLike, nc: ArrayLike) -> Any:
    """``P(X <= x)`` of the noncentral chi-square with noncentrality ``nc``
    (``scipy.stats.ncx2.cdf``: finite ``df > 0``, ``nc >= 0``; ``nc = 0`` is the chi-square)."""
    value = np.where(np.asarray(nc) == 0, chi2_cdf(x, df), special.chndtr(x, df, nc))
    value = _support(value, x, below=0.0, above=1.0)
    valid = np.isfinite(df) & (np.asarray(nc) >= 0)
    return _defined(np.where(valid, value, np.nan)[()], df)


def ncx2_noncentrality(x: ArrayLike, df: ArrayLike, q: ArrayLike) -> Any:
    """The noncentrality ``nc`` at which ``ncx2_cdf(x, df, nc) = q`` (``scipy.special.chndtrinc``).

    Agrees with a root search (``scipy.optimize.brentq`` on :func:`ncx2_cdf`, ``xtol=1e-12``)
    within that search's own tolerance. ``q`` must not exceed ``chi2_cdf(x, df)`` (no
    nonnegative root then).
    """
    return special.chndtrinc(x, df, q)


def f_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
    """``P(F > x)`` of the F distribution (``scipy.stats.f.sf``)."""
    return _defined(_support(special.fdtrc(dfn, dfd, x), x, below=1.0, above=0.0), dfn, dfd)


def f_isf(q: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
    """The F value exceeded with probability ``q`` (``scipy.stats.f.isf``)."""
    value = special.fdtri(dfn, dfd, np.subtract(1.0, q))
    return _defined(_quantile(value, q, at0=np.inf, at1=0.0), dfn, dfd)
