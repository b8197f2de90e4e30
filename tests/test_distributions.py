"""semwb.distributions against scipy.stats: the same value to the last bit, edges included."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from semwb import distributions as dist

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


@pytest.mark.parametrize(("name", "ours", "theirs", "values", "args"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_helper_equals_scipy_stats_bit_for_bit(
        name: str, ours: Callable[..., Any], theirs: Callable[..., Any], values: np.ndarray,
        args: tuple[Any, ...]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.asarray(theirs(values, *args), dtype=float)
        got = np.asarray(ours(values, *args), dtype=float)
    np.testing.assert_array_equal(got, expected, err_msg=name)


def test_scalars_give_numpy_floats_as_scipy_stats_does() -> None:
    for value in (dist.chi2_sf(3.0, 2), dist.norm_sf(1.0), dist.norm_pdf(0.3),
                  dist.t_sf(1.0, 5), dist.f_isf(0.05, 2, 30), dist.ncx2_cdf(3.0, 2, 1.0)):
        assert isinstance(value, np.float64)
    assert dist.chi2_sf(3.0, 2) == stats.chi2.sf(3.0, 2)


def test_broadcasts_over_arrays_of_parameters() -> None:
    df = np.array([1.0, 2.0, 5.0])
    np.testing.assert_array_equal(dist.chi2_sf(3.0, df), stats.chi2.sf(3.0, df))
    np.testing.assert_array_equal(dist.ncx2_cdf(3.0, 2, np.array([0.0, 1.0, 4.0])),
                                  stats.ncx2.cdf(3.0, 2, np.array([0.0, 1.0, 4.0])))


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
