"""Rubin's rules and the D2 pooled chi-square for results of multiply imputed data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from semwb.distributions import chi2_sf, f_sf, t_ppf, t_sf
from semwb.errors import OptionError


def pool_scalars(estimates: np.ndarray, variances: np.ndarray, *, level: float = 0.95,
                 dfcom: float = np.inf) -> pd.DataFrame:
    """Pool parameter estimates over imputations by Rubin's (1987) rules.

    Parameters
    ----------
    estimates, variances
        Imputations x parameters: each fit's estimates and squared standard errors.
    level
        Confidence level of the intervals.
    dfcom
        Complete-data degrees of freedom (Barnard & Rubin, 1999); infinite for SEM's
        large-sample tests.

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``est`` (mean), ``se`` (sqrt of the total variance), ``t``,
        ``df``, ``pvalue``, ``ci_lower``, ``ci_upper``, ``ubar`` (within), ``b`` (between),
        ``riv`` (relative increase in variance), ``fmi`` (fraction of missing information).

    Notes
    -----
    ``T = Ubar + (1 + 1/m) B``, ``riv = (1 + 1/m) B / Ubar``, ``lambda = (1 + 1/m) B / T``
    (floored at 1e-4), ``df = (m - 1) / lambda^2`` (Barnard-Rubin adjusted when ``dfcom`` is
    finite), ``fmi = (riv + 2/(df + 3)) / (riv + 1)``; t reference distribution. Matches
    ``mice::pool.scalar`` 3.15 to 1e-12 (tests/reference/mi_pooling).
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = q.shape[0]
    if m < 2:
        raise OptionError(f"Pooling needs at least 2 imputations; got {m}.")
    qbar, ubar, b = q.mean(axis=0), u.mean(axis=0), q.var(axis=0, ddof=1)
    total = ubar + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
        lam = np.maximum((1 + 1 / m) * b / total, 1e-4)
    df = (m - 1) / lam**2
    if np.isfinite(dfcom):
        observed = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        df = df * observed / (df + observed)
    se = np.sqrt(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = qbar / se
    crit = t_ppf(0.5 + level / 2, df)
    return pd.DataFrame({
        "est": qbar, "se": se, "t": t, "df": df, "pvalue": 2 * t_sf(np.abs(t), df),
        "ci_lower": qbar - crit * se, "ci_upper": qbar + crit * se, "ubar": ubar, "b": b,
        "riv": riv, "fmi": (riv + 2 / (df + 3)) / (riv + 1)})


def pool_chisq_d2(chisq: np.ndarray, df: int) -> dict[str, float]:
    """Li, Meng, Raghunathan and Rubin's (1991) D2 pooled likelihood-ratio test.

    Returns
    -------
    dict
        ``F``, ``df1``, ``df2``, ``pvalue`` (F reference), ``chisq`` and ``chisq_pvalue`` (its
        asymptotic chi-square form ``F * df1``), ``ariv`` (average relative increase in
        variance) and ``fmi``.

    Notes
    -----
    ``ariv = (1 + 1/m) var(sqrt(chisq))``; ``D2 = (mean(chisq)/df - (m + 1)/(m - 1) ariv) /
    (1 + ariv)``, floored at 0; ``df2 = df^(-3/m) (m - 1) (1 + 1/ariv)^2``. As semTools 0.5.6
    ``calculate.D2`` (lavaan.mi's ``lavTestLRT.mi(test = "D2")``), to 1e-12.
    """
    w = np.asarray(chisq, dtype=float)
    m = len(w)
    if m < 2:
        raise OptionError(f"Pooling needs at least 2 imputations; got {m}.")
    ariv = (1 + 1 / m) * float(np.var(np.sqrt(w), ddof=1))
    stat = max(float((w.mean() / df - (m + 1) * ariv / (m - 1)) / (1 + ariv)), 0.0)
    df2 = df ** (-3 / m) * (m - 1) * (1 + 1 / ariv) ** 2 if ariv > 0 else np.inf
    return {"F": stat, "df1": float(df), "df2": float(df2),
            "pvalue": float(f_sf(stat, df, df2)), "chisq": stat * df,
            "chisq_pvalue": float(chi2_sf(stat * df, df)), "ariv": ariv,
            "fmi": ariv / (1 + ariv)}
