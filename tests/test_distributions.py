"""semwb.distributions (NumPy only) against scipy.stats and mpmath: edges exactly, values within
stated relative tolerances on dense grids that include the far tails.

Tolerances. Everywhere: ``TOL(v) = 1e-13 + 4.4e-16 |ln v|``: a probability ``v`` far in a tail
is ``exp`` of an exponent of size ``|ln v|`` (690 at 1e-300), which double arithmetic carries with
an absolute error of a few ulps of that exponent, in scipy as here (``4.4e-16 |ln v|`` is two
ulps of it; 3e-13 at 1e-300). Looser, where the continued fraction of the incomplete beta
function converges slowly (``x`` near ``(a + 1) / (a + b + 2)`` with a large parameter):
``BETA_TOL`` (5e-13) for F with both degrees of freedom in the hundreds or thousands or a small
and a very large one, ``LARGE_DF_TOL`` (1e-11) for t with 10^4-10^5 degrees of freedom; both are
the largest errors measured against mpmath on these grids, times about two.

scipy itself is off by more than these tolerances in places (measured against mpmath at 40
digits): ``t.sf`` with ``df = 1`` near 0 (5e-9), ``f.sf(x, 1, 1)`` for tiny ``x`` (4e-12),
``chi2`` with 1000 or more degrees of freedom (5e-12), ``f.isf`` for small ``q`` (1e-8 at
``q = 1e-8``; ``inf`` at 1e-300), ``t.ppf`` at ``q = 1e-300`` (``inf`` for ``df`` 3.7 and 10, wrong
magnitudes for ``df`` 0.5 and 1) and ``ncx2.cdf`` far in the lower tail (8e-9). Those points are
held to mpmath instead (``test_*_against_mpmath``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import special, stats

from semwb import distributions as dist

BETA_TOL = 5e-13
LARGE_DF_TOL = 1e-11


def tol(v: Any) -> Any:
    """The relative tolerance for a probability (or quantile's probability) ``v``."""
    with np.errstate(divide="ignore"):
        return 1e-13 + 4.4e-16 * np.abs(np.log(np.abs(v)))


def assert_close(got: Any, expected: Any, rtol: Any, name: str) -> None:
    """Same NaN and infinite entries; finite entries within ``rtol`` (relative; zeros equal)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=name)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expected), err_msg=name)
    np.testing.assert_array_equal(got[np.isinf(got)], expected[np.isinf(got)], err_msg=name)
    fin = np.isfinite(expected)
    g, e = got[fin], expected[fin]
    normal = np.abs(e) >= 1e-300  # subnormal results carry fewer digits in both
    with np.errstate(all="ignore"):
        rel = np.abs(g[normal] / e[normal] - 1.0)
    limit = np.broadcast_to(rtol, np.shape(got))[fin][normal] if np.ndim(rtol) else rtol
    worst = np.argmax(rel / limit) if rel.size else 0
    assert np.all(rel <= limit), (name, e[normal][worst], g[normal][worst], rel[worst])
    assert np.all(np.abs(g[~normal] - e[~normal]) <= 1e-305), name


# --- the edges: the grid of the former bit-for-bit test ------------------------------------

X = np.array([-np.inf, -5, -1.5, -1e-300, 0.0, 1e-300, 1e-8, 0.3, 1, 2.5, 7.9, 40, 300, 1e4,
              np.inf, np.nan])
Q = np.array([0.0, 1e-300, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999, 1 - 1e-12, 1.0,
              -0.1, 1.1, np.nan])
DFS = [0, -1, 0.5, 1, 2, 3.7, 10, 74, 1000, np.inf, np.nan]

CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], np.ndarray, tuple[Any, ...]]] = [
    ("norm_cdf", dist.norm_cdf, stats.norm.cdf, X, ()),
    ("norm_sf", dist.norm_sf, stats.norm.sf, X, ()),
    ("norm_pdf", dist.norm_pdf, stats.norm.pdf, X, ()),
    ("norm_ppf", dist.norm_ppf, stats.norm.ppf, Q, ()),
    *[(f"t_sf df={df}", dist.t_sf, stats.t.sf, X, (df,)) for df in DFS],
    *[(f"t_ppf df={df}", dist.t_ppf, stats.t.ppf, Q, (df,)) for df in DFS],
    *[(f"chi2_sf df={df}", dist.chi2_sf, stats.chi2.sf, X, (df,)) for df in DFS],
    *[(f"chi2_cdf df={df}", dist.chi2_cdf, stats.chi2.cdf, X, (df,)) for df in DFS],
    *[(f"chi2_ppf df={df}", dist.chi2_ppf, stats.chi2.ppf, Q, (df,)) for df in DFS],
    *[(f"ncx2_cdf df={df} nc={nc}", dist.ncx2_cdf, stats.ncx2.cdf, X, (df, nc))
      for df in DFS for nc in (0.0, 0.5, 3.0, 80.2, -1.0, np.inf, np.nan)],
    *[(f"f_sf {a},{b}", dist.f_sf, stats.f.sf, X, (a, b)) for a in DFS for b in (1, 5, 300)],
    *[(f"f_isf {a},{b}", dist.f_isf, stats.f.isf, Q, (a, b)) for a in DFS for b in (1, 5, 300)],
]

#: Grid entries where scipy is wrong (see the module docstring); mpmath holds them below.
SCIPY_WRONG = {("t_sf df=1", 1e-8), ("chi2_cdf df=1000", 300), ("ncx2_cdf df=1000 nc=0.0", 300),
               ("t_ppf df=0.5", 1e-300), ("t_ppf df=1", 1e-300),
               ("t_ppf df=3.7", 1e-300), ("t_ppf df=10", 1e-300),
               *[(f"f_isf {a},{b}", q) for a in DFS for b in (1, 5, 300) for q in (1e-300, 1e-12)]}


@pytest.mark.parametrize(("name", "ours", "theirs", "values", "args"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_helper_matches_scipy_stats_edges_included(
        name: str, ours: Callable[..., Any], theirs: Callable[..., Any], values: np.ndarray,
        args: tuple[Any, ...]) -> None:
    keep = np.array([(name, v) not in SCIPY_WRONG for v in values])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.asarray(theirs(values, *args), dtype=float)[keep]
        got = np.asarray(ours(values, *args), dtype=float)[keep]
    assert_close(got, expected, tol(expected), name)


# --- dense grids against scipy where scipy is accurate ---------------------------------------

T_GRID = np.concatenate([np.logspace(-4, 4, 300), np.linspace(0, 12, 601)])
T_GRID = np.concatenate([-T_GRID, T_GRID])
P_GRID = np.concatenate([np.logspace(-300, -1, 600), np.linspace(0.001, 0.999, 2001),
                         1 - np.logspace(-16, -1, 100)])
Q_GRID = np.concatenate([np.logspace(-100, -1, 200), np.linspace(0.001, 0.999, 501),
                         1 - np.logspace(-15, -1, 50)])
F_GRID = np.logspace(-10, 6, 400)


def chi2_grid(df: float) -> np.ndarray:
    return np.concatenate([df * np.exp(np.linspace(-8, 3, 500)), np.logspace(-300, -10, 50)])


DENSE: list[tuple[str, Callable[..., Any], Callable[..., Any], np.ndarray, tuple[Any, ...],
                  float | None]] = [
    ("norm_cdf", dist.norm_cdf, special.ndtr, np.linspace(-38, 38, 20001), (), None),
    ("norm_sf", dist.norm_sf, lambda x: special.ndtr(-x), np.linspace(-38, 38, 20001), (), None),
    ("norm_ppf", dist.norm_ppf, special.ndtri, P_GRID, (), None),
    *[(f"t_sf df={df}", dist.t_sf, stats.t.sf, T_GRID, (df,), None)
      for df in (0.3, 0.5, 1, 2, 3.7, 10, 30, 74, 300, 1000)],
    *[(f"t_sf df={df}", dist.t_sf, stats.t.sf, T_GRID, (df,), LARGE_DF_TOL) for df in (1e4, 1e5)],
    *[(f"t_ppf df={df}", dist.t_ppf, stats.t.ppf, Q_GRID, (df,), None)
      for df in (1, 2, 3.7, 10, 30, 74, 300, 1000)],
    *[(f"t_ppf df={df}", dist.t_ppf, stats.t.ppf, Q_GRID, (df,), LARGE_DF_TOL)
      for df in (1e4, 1e5)],
    *[(f"chi2_{kind} df={df}", getattr(dist, f"chi2_{kind}"), getattr(stats.chi2, kind),
       chi2_grid(df), (df,), None)
      for df in (0.1, 0.5, 1, 2, 3.7, 10, 74, 300) for kind in ("sf", "cdf")],
    *[(f"chi2_ppf df={df}", dist.chi2_ppf, stats.chi2.ppf, Q_GRID, (df,), None)
      for df in (0.1, 0.5, 1, 2, 3.7, 10, 74, 300, 1000, 3716, 1e4)],
    *[(f"f_sf {m},{n}", dist.f_sf, stats.f.sf, F_GRID, (m, n), None)
      for m, n in ((0.5, 1), (2, 5), (1, 300), (74, 5), (5, 0.7))],
    *[(f"f_sf {m},{n}", dist.f_sf, stats.f.sf, F_GRID, (m, n), BETA_TOL)
      for m, n in ((319, 4147), (4147, 319), (2, 1e4), (1000, 1000))],
    *[(f"f_isf {m},{n}", dist.f_isf, stats.f.isf, Q_GRID[Q_GRID >= 1e-3], (m, n), BETA_TOL)
      for m, n in ((0.5, 1), (2, 5), (1, 300), (74, 5), (319, 4147), (4147, 319), (2, 1e4),
                   (5, 0.7))],
    *[(f"ncx2_cdf {df},{nc}", dist.ncx2_cdf, stats.ncx2.cdf,
       (df + nc) * np.exp(np.linspace(-1, 1.5, 40)), (df, nc), None)
      for df in (0.5, 2, 74, 1000) for nc in (0.1, 3, 80, 1000)],
]


DENSITY: dict[str, Callable[..., Any]] = {"norm_ppf": stats.norm.pdf, "t_ppf": stats.t.pdf,
                                          "chi2_ppf": stats.chi2.pdf, "f_isf": stats.f.pdf}


@pytest.mark.parametrize(("name", "ours", "theirs", "values", "args", "rtol"), DENSE,
                         ids=[c[0] for c in DENSE])
def test_dense_grids_against_scipy(name: str, ours: Callable[..., Any],
                                   theirs: Callable[..., Any], values: np.ndarray,
                                   args: tuple[Any, ...], rtol: float | None) -> None:
    if name == "t_sf df=1":  # scipy's stdtr for one df is off near 0 (mpmath test below)
        values = values[np.abs(values) >= 1e-3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.asarray(theirs(values, *args), dtype=float)
        got = np.asarray(ours(values, *args), dtype=float)
    if "ppf" in name or "isf" in name:
        # a quantile: its probability's tolerance times the condition number
        # |d log x / d log tail| = tail / (x f(x)) (20 for a chi-square with df 0.1 near 0)
        probability = np.minimum(values, 1 - values)
        with np.errstate(all="ignore"):
            density = DENSITY[name.split()[0]](expected, *args)
            condition = np.nan_to_num(probability / np.abs(expected * density), nan=1.0)
        limit = tol(probability) if rtol is None else np.maximum(rtol, tol(probability))
        limit = limit * np.maximum(1.0, condition)
    else:
        limit = tol(expected) if rtol is None else np.maximum(rtol, tol(expected))
    assert_close(got, expected, limit, name)


# --- mpmath (40 digits) where scipy is inaccurate, and the far tails ----------------------

mpmath.mp.dps = 40
_mp = mpmath.mpf


def mp_t_sf(t: float, df: float) -> Any:
    t_, df_ = _mp(t), _mp(df)
    half = mpmath.betainc(df_ / 2, _mp(0.5), 0, df_ / (df_ + t_ * t_), regularized=True) / 2
    return half if t >= 0 else 1 - half


def mp_chi2_cdf(x: float, df: float) -> Any:
    return mpmath.gammainc(_mp(df) / 2, 0, _mp(x) / 2, regularized=True)


def mp_chi2_sf(x: float, df: float) -> Any:
    return mpmath.gammainc(_mp(df) / 2, _mp(x) / 2, mpmath.inf, regularized=True)


def mp_f_sf(x: float, m: float, n: float) -> Any:
    m_, n_ = _mp(m), _mp(n)
    return mpmath.betainc(n_ / 2, m_ / 2, 0, n_ / (n_ + m_ * _mp(x)), regularized=True)


def mp_ncx2_cdf(x: float, df: float, nc: float) -> Any:
    half, k = _mp(nc) / 2, _mp(df) / 2
    return mpmath.fsum(mpmath.exp(-half + j * mpmath.log(half) - mpmath.loggamma(j + 1))
                       * mpmath.gammainc(k + j, 0, _mp(x) / 2, regularized=True)
                       for j in range(int(nc) + 400))


MPMATH_VALUES: list[tuple[str, Callable[..., Any], Callable[..., Any], tuple[float, ...]]] = [
    ("norm_cdf far tail", dist.norm_cdf, lambda x: mpmath.ncdf(_mp(x)), (-37.5,)),
    ("norm_cdf", dist.norm_cdf, lambda x: mpmath.ncdf(_mp(x)), (-30.1,)),
    ("norm_sf", dist.norm_sf, lambda x: mpmath.ncdf(-_mp(x)), (20.3,)),
    *[("t_sf df=1 near 0", dist.t_sf, mp_t_sf, (t, 1.0)) for t in (1e-8, -7.5e-9, 1e-5)],
    *[("t_sf", dist.t_sf, mp_t_sf, args) for args in ((1e150, 1.0), (1e150, 0.5), (40, 3.7),
                                                      (2.1, 1000), (1.7, 1e4))],
    *[("chi2_sf", dist.chi2_sf, mp_chi2_sf, args)
      for args in ((1457.5, 1000), (4200.0, 3716), (11000.0, 1e4), (300, 10), (1300, 0.5))],
    *[("chi2_cdf", dist.chi2_cdf, mp_chi2_cdf, args)
      for args in ((300, 1000), (564.9, 1000), (1921.9, 3716), (1e-300, 2), (1e-8, 0.5))],
    *[("f_sf", dist.f_sf, mp_f_sf, args)
      for args in ((1.3e-10, 1, 1), (1e-8, 2, 300), (1e3, 1, 300), (1.3, 319, 4147))],
    *[("ncx2_cdf", dist.ncx2_cdf, mp_ncx2_cdf, args)
      for args in ((114.65, 74, 1000), (300, 74, 1000), (1000, 74, 1000), (60, 2, 80),
                   (723.4, 1000, 1000), (1e-8, 1, 80.2))],
]


@pytest.mark.parametrize(("name", "ours", "exact", "args"), MPMATH_VALUES,
                         ids=[f"{c[0]} {c[3]}" for c in MPMATH_VALUES])
def test_values_against_mpmath(name: str, ours: Callable[..., Any], exact: Callable[..., Any],
                               args: tuple[float, ...]) -> None:
    expected = exact(*args)
    got = ours(*args)
    assert expected > 0
    assert got > 0
    assert abs(float(_mp(float(got)) / expected - 1)) <= tol(float(expected)), (name, args)


MPMATH_QUANTILES: list[tuple[str, Callable[..., Any], Callable[..., Any], float,
                             tuple[float, ...]]] = [
    # (name, quantile, its lower-tail probability in mpmath, q, parameters)
    *[("t_ppf", dist.t_ppf, lambda t, df: mp_t_sf(-t, df), 1e-300, (df,))
      for df in (1.0, 2.0, 3.7, 10.0, 1000.0)],
    ("t_ppf", dist.t_ppf, lambda t, df: mp_t_sf(-t, df), 1e-100, (0.5,)),
    *[("f_isf", dist.f_isf, mp_f_sf, q, (m, n))
      for q in (1e-8, 1e-12, 1e-300) for m, n in ((0.5, 1), (2, 5), (74, 300), (1000, 300))
      if q > 1e-300 or n > 1],  # P(F > x) ~ x^(-1/2) for dfd = 1: the quantile overflows
    *[("chi2_ppf", dist.chi2_ppf, mp_chi2_cdf, q, (df,))
      for q in (1e-60, 0.05) for df in (0.5, 74, 3716)],
]


@pytest.mark.parametrize(("name", "quantile", "probability", "q", "args"), MPMATH_QUANTILES,
                         ids=[f"{c[0]} q={c[3]} {c[4]}" for c in MPMATH_QUANTILES])
def test_quantiles_against_mpmath(name: str, quantile: Callable[..., Any],
                                  probability: Callable[..., Any], q: float,
                                  args: tuple[float, ...]) -> None:
    """The exact probability at the computed quantile is ``q`` (relative to the probability's
    tolerance times the quantile's double rounding, ``|d log P / d log x|`` ulps of ``x``)."""
    x = float(quantile(q, *args))
    assert np.isfinite(x)
    step = 1e-15  # a relative change of x by a few ulps, to measure the slope
    p0 = probability(x, *args)
    p1 = probability(x * (1 + step), *args)
    slope = abs(float(mpmath.log(p1 / p0))) / step
    assert abs(float(p0 / _mp(q) - 1)) <= tol(q) + 4 * 1.1e-16 * slope, (name, q, args, x)


def test_quantiles_that_overflow_are_infinite() -> None:
    # P(T <= t) ~ c |t|^-df: for df = 0.3 and q = 1e-100 the quantile is about -1e333
    assert dist.t_ppf(1e-100, 0.3) == -np.inf
    assert dist.t_ppf(1e-300, 0.5) == -np.inf
    assert dist.f_isf(1e-300, 0.5, 1) == np.inf


# --- types, broadcasting and the RMSEA interval ----------------------------------------------

def test_scalars_give_numpy_floats_as_scipy_stats_does() -> None:
    for value in (dist.chi2_sf(3.0, 2), dist.norm_sf(1.0), dist.norm_pdf(0.3), dist.norm_cdf(0.2),
                  dist.norm_ppf(0.3), dist.t_sf(1.0, 5), dist.t_ppf(0.9, 5),
                  dist.chi2_cdf(3.0, 2), dist.chi2_ppf(0.9, 3), dist.f_sf(2.0, 2, 30),
                  dist.f_isf(0.05, 2, 30), dist.ncx2_cdf(3.0, 2, 1.0),
                  dist.ncx2_noncentrality(30.0, 10, 0.05)):
        assert isinstance(value, np.float64)


def test_broadcasts_over_arrays_of_parameters() -> None:
    df = np.array([1.0, 2.0, 5.0])
    got = dist.chi2_sf(np.array([[3.0], [4.0]]), df)
    assert got.shape == (2, 3)
    assert_close(got, stats.chi2.sf(np.array([[3.0], [4.0]]), df), 1e-14, "chi2_sf")
    nc = np.array([0.0, 1.0, 4.0])
    assert_close(dist.ncx2_cdf(3.0, 2, nc), stats.ncx2.cdf(3.0, 2, nc), 1e-14, "ncx2_cdf")
    assert_close(dist.t_ppf(np.array([0.1, 0.9]), np.array([[3.0], [30.0]])),
                 stats.t.ppf(np.array([0.1, 0.9]), np.array([[3.0], [30.0]])), 1e-13, "t_ppf")
    assert dist.ncx2_noncentrality(np.array([30.0, 40.0]), 10, 0.05).shape == (2,)


def test_noncentrality_inverts_the_noncentral_cdf_and_agrees_with_scipy() -> None:
    for x, df, q in ((78.39, 74, 0.05), (150.2, 74, 0.95), (4869.165, 3716, 0.05),
                     (12.0, 3, 0.5), (0.4, 2, 0.05), (1000.0, 10, 0.5)):
        lam = dist.ncx2_noncentrality(x, df, q)
        assert float(mp_ncx2_cdf(x, df, float(lam)) / _mp(q) - 1) == pytest.approx(0, abs=1e-13)
        assert lam == pytest.approx(special.chndtrinc(x, df, q), rel=1e-10)
    # no nonnegative root: 0, as scipy's chndtrinc; outside its domain: NaN
    assert dist.ncx2_noncentrality(3.0, 2, 0.99) == 0.0
    assert np.isnan(dist.ncx2_noncentrality(np.array([3.0, -1.0, 3.0]), np.array([2, 2, 0]),
                                            np.array([0.0, 0.5, 0.5]))).all()


@pytest.mark.parametrize(("chisq", "df", "n"), [(78.39, 74, 320), (150.2, 74, 320),
                                                (4869.165, 3716, 223), (12.0, 3, 100),
                                                (60.0, 41.7, 320), (0.4, 2, 50)])
def test_rmsea_interval_equals_a_root_search_on_the_noncentral_cdf(
        chisq: float, df: float, n: int) -> None:
    from scipy import optimize

    from semwb.sem.fitindices import rmsea_interval

    def searched(prob: float) -> float:  # the root search the interval used before
        def f(lam: float) -> float:
            cdf = stats.ncx2.cdf(chisq, df, lam) if lam > 0 else stats.chi2.cdf(chisq, df)
            return float(cdf) - prob
        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return float(np.sqrt(optimize.brentq(f, 0.0, hi, xtol=1e-12) / (n * df)))

    lower, upper = rmsea_interval(chisq, df, n)
    assert lower == pytest.approx(searched(0.95), rel=1e-12, abs=1e-15)
    assert upper == pytest.approx(searched(0.05), rel=1e-12, abs=1e-15)
