"""Factorability and common-method checks: KMO, Bartlett's sphericity, Harman's single factor.

Checked against psych 2.2.9 (``KMO``, ``cortest.bartlett``) and lavaan's ``lavTestLRT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from semwb.distributions import chi2_sf
from semwb.measurement.correlations import item_correlations


def kmo(items: pd.DataFrame) -> tuple[float, dict[str, float]]:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    Notes
    -----
    With R the item correlations (pairwise complete) and A the partial correlations from
    R^-1 (a_ij = -q_ij / sqrt(q_ii q_jj)): KMO = sum r^2 / (sum r^2 + sum a^2) over i != j, and
    the same sums per row for each item. Matches psych 2.2.9 ``KMO()`` to 1e-10. Computed here
    rather than with factor_analyzer, which fails on scikit-learn >= 1.8 and pandas 3.
    """
    corr = item_correlations(items, listwise=False).to_numpy()
    inv = np.linalg.inv(corr)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(len(corr), dtype=bool)
    r2 = np.where(off, corr**2, 0.0)
    a2 = np.where(off, partial**2, 0.0)
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0))
    overall = r2.sum() / (r2.sum() + a2.sum())
    return float(overall), dict(zip(items.columns, per_item.tolist(), strict=True))


def bartlett_sphericity(items: pd.DataFrame) -> dict[str, float]:
    """Bartlett's test that the item correlation matrix is an identity matrix.

    Notes
    -----
    chi2 = -(n - 1 - (2p + 5)/6) ln|R| with df = p(p - 1)/2, n = number of rows, R the pairwise
    item correlations; psych 2.2.9 ``cortest.bartlett(R, n)``.
    """
    corr = item_correlations(items, listwise=False).to_numpy()
    n, p = len(items), corr.shape[0]
    _, logdet = np.linalg.slogdet(corr)
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) / 2
    return {"chisq": float(chisq), "df": float(df), "pvalue": float(chi2_sf(chisq, df))}


def eigenvalues(items: pd.DataFrame) -> list[float]:
    """Eigenvalues of the (pairwise) item correlation matrix, largest first."""
    corr = item_correlations(items, listwise=False).to_numpy()
    return [float(v) for v in np.linalg.eigvalsh(corr)[::-1]]


def harman_share(items: pd.DataFrame) -> float:
    """Harman's single-factor test: share of variance of the first unrotated component.

    Notes
    -----
    First eigenvalue of the (pairwise) item correlation matrix divided by the number of items;
    the usual warning sign is a share above 0.50 (some reviewers use 0.40).
    """
    return eigenvalues(items)[0] / int(items.shape[1])


def single_factor_comparison(kfactor: Mapping[str, Any],
                             single: Mapping[str, Any]) -> dict[str, Any]:
    """Compare a one-factor CFA of all items with the k-factor CFA (chi-square difference test).

    Parameters
    ----------
    kfactor, single
        Fit indices of the two models with at least ``chisq``, ``df`` (as ``FitIndices``).

    Returns
    -------
    dict
        ``single_factor`` (chisq, df, cfi, tli, rmsea, srmr), ``chisq_diff``, ``df_diff``,
        ``pvalue`` (lavaan::lavTestLRT for ML).
    """
    diff = float(single["chisq"]) - float(kfactor["chisq"])
    ddf = int(single["df"]) - int(kfactor["df"])
    keys = ("chisq", "df", "cfi", "tli", "rmsea", "srmr")
    return {"single_factor": {k: single.get(k) for k in keys},
            "chisq_diff": diff, "df_diff": ddf,
            "pvalue": float(chi2_sf(diff, ddf)) if ddf > 0 else None}
