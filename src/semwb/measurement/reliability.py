"""Reliability: Cronbach's alpha (Feldt and Duhachek intervals), McDonald's omega, CR and AVE.

Checked against psych 2.2.9 and semTools 0.5.6 (tests/reference/measurement_*).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from semwb.distributions import f_isf, norm_ppf
from semwb.errors import OptionError
from semwb.measurement.correlations import pairwise_cov


def alpha_from_cov(cov: np.ndarray) -> float:
    """Cronbach's alpha of a covariance matrix: k/(k-1) (1 - tr(C)/sum(C))."""
    k = cov.shape[0]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def cronbach_alpha(block: np.ndarray, *, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha with Feldt's confidence interval.

    Parameters
    ----------
    block
        Item answers, one column per item (NaN for missing; pairwise-complete covariances).
    level
        Confidence level of the interval.

    Returns
    -------
    tuple
        ``alpha`` and ``(ci_lower, ci_upper)``.

    Notes
    -----
    alpha = k/(k-1) (1 - tr(C)/sum(C)); CI = 1 - (1 - alpha) F_{1-q}(n-1, (n-1)(k-1)) for
    q = (1 -/+ level)/2, n = number of rows. Equals pingouin's ``cronbach_alpha`` (which rounds
    its CI to 3 decimals) and psych 2.2.9 ``alpha()`` raw_alpha and ``$feldt`` to 1e-10.
    """
    n, k = block.shape
    if k < 2 or n < 3:
        raise OptionError(f"Cronbach's alpha needs at least 2 items and 3 respondents; got {k} "
                          f"item(s) and {n} respondent(s).")
    if not 0 < level < 1:
        raise OptionError(f"level must be between 0 and 1; got {level}.")
    alpha = alpha_from_cov(pairwise_cov(block)[0])
    high, low = _feldt_quantiles(level, n, k)
    lower = 1 - (1 - alpha) * high
    upper = 1 - (1 - alpha) * low
    return float(alpha), (float(lower), float(upper))


@functools.lru_cache(maxsize=64)
def _feldt_quantiles(level: float, n: int, k: int) -> tuple[float, float]:
    """The F quantiles of Feldt's interval, ``F_{1-q}`` for ``q = (1 -/+ level)/2`` on
    ``(n - 1, (n - 1)(k - 1))`` df: once per shape (constructs with as many items share them;
    each is a Newton search of about a millisecond)."""
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return f_isf(tail, df1, df2), f_isf(1 - tail, df1, df2)


def alpha_variants(block: np.ndarray, *, level: float = 0.95) -> dict[str, Any]:
    """Standardized alpha and Duhachek's asymptotic interval for raw alpha.

    Returns
    -------
    dict
        ``alpha_std`` (alpha of the item correlation matrix), ``alpha_ase`` (asymptotic standard
        error) and ``alpha_ci_duhachek`` (alpha -/+ z * ase).

    Notes
    -----
    With C the pairwise covariance matrix, s = 1'C1 and n rows:
    Q = 2k^2 / ((k-1)^2 s^3) (s (tr C^2 + (tr C)^2) - 2 tr C 1'C^2 1), ase = sqrt(Q / n)
    (Duhachek & Iacobucci, 2004). Both match psych 2.2.9 ``alpha()`` (``std.alpha``, ``ase``).
    """
    n, k = block.shape
    cov = pairwise_cov(block)[0]
    sd = np.sqrt(np.diag(cov))
    total, trace, square = cov.sum(), np.trace(cov), cov @ cov
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(square) + trace**2) - 2 * trace * square.sum())
    ase = float(np.sqrt(q / n))
    alpha = alpha_from_cov(cov)
    z = float(norm_ppf(0.5 + level / 2))
    return {"alpha_std": alpha_from_cov(cov / np.outer(sd, sd)), "alpha_ase": ase,
            "alpha_ci_duhachek": [alpha - z * ase, alpha + z * ase]}


def composite_reliability(std_loadings: Sequence[float]) -> tuple[float, float]:
    """Fornell-Larcker composite reliability and AVE from standardized loadings.

    Notes
    -----
    CR = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)); AVE = mean(l^2). Matches the classic formulas
    applied to lavaan's std.all loadings (tests/reference/measurement_*).
    """
    lam = np.asarray(std_loadings, dtype=float)
    total = lam.sum() ** 2
    return float(total / (total + np.sum(1 - lam**2))), float(np.mean(lam**2))


def _factor_estimates(parameters: pd.DataFrame, construct: str,
                      items: Sequence[str]) -> tuple[np.ndarray, float, np.ndarray]:
    # A dict, not ``set_index``: a MultiIndex per call cost more than the rest of this module.
    est = dict(zip(zip(parameters["lhs"], parameters["op"], parameters["rhs"], strict=True),
                   parameters["est"], strict=True))
    lam = np.array([est[(construct, "=~", i)] for i in items], dtype=float)
    theta = np.array([est[(i, "~~", i)] for i in items], dtype=float)
    return lam, float(est[(construct, "~~", construct)]), theta


def omega(parameters: pd.DataFrame, construct: str, items: Sequence[str],
          sample_cov: np.ndarray | None = None) -> float:
    """McDonald's omega of one construct from a CFA's unstandardized estimates.

    Parameters
    ----------
    parameters
        CFA parameter table (``lhs op rhs est``).
    construct, items
        The factor and its indicators.
    sample_cov
        Observed covariance matrix of ``items`` (ML divisor N); when given, the denominator is
        the observed variance of the item sum (semTools' default) instead of the model-implied.

    Notes
    -----
    omega = (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta) (no residual covariances), as
    semTools 0.5.6 ``compRelSEM(fit, obs.var = FALSE)``; with ``sample_cov``:
    (sum lambda)^2 psi / 1'S1, as ``compRelSEM(fit)``.
    """
    lam, psi, theta = _factor_estimates(parameters, construct, items)
    true = lam.sum() ** 2 * psi
    if sample_cov is not None:
        return float(true / sample_cov.sum())
    return float(true / (true + theta.sum()))


def ave_observed(parameters: pd.DataFrame, construct: str, items: Sequence[str],
                 sample_cov: np.ndarray) -> float:
    """AVE as semTools computes it: explained item variance over observed item variance.

    Notes
    -----
    sum(lambda_i^2 psi) / sum(s_ii), unstandardized estimates and the observed variances (ML
    divisor N); semTools 0.5.6 ``AVE(fit)``. The classic Fornell-Larcker AVE (``ave``) is the
    mean squared standardized loading; the two differ when item variances differ.
    """
    lam, psi, _ = _factor_estimates(parameters, construct, items)
    return float(np.sum(lam**2) * psi / np.trace(sample_cov))
