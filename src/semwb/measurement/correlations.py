"""Item covariances and correlations over pairwise- or listwise-complete rows.

The building blocks of every measurement statistic; R's ``cov``/``cor`` with
``use = "pairwise"`` are the references.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _centred(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Answers centred on their column means with 0 where missing, and the presence weights."""
    present = ~np.isnan(block)
    return np.where(present, block - np.nanmean(block, axis=0), 0.0), present.astype(float)


def pairwise_cov(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariances of the columns over pairwise-complete rows (divisor n_ij - 1).

    As R's ``cov(x, use = "pairwise")``; matrix products on centred data, so it scales to
    millions of rows.

    Returns
    -------
    tuple
        The covariance matrix and the matrix of pairwise counts.
    """
    centred, weights = _centred(block)
    counts = weights.T @ weights
    sums = centred.T @ weights  # sums[i, j]: sum of column i over the rows where j is present
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (centred.T @ centred - sums * sums.T / counts) / (counts - 1)
    return cov, counts


def pairwise_corr(block: np.ndarray) -> np.ndarray:
    """Correlations over pairwise-complete rows, each pair with its own means and variances.

    As R's ``cor(x, use = "pairwise")``, which psych's ``KMO`` and ``cortest.bartlett`` use.
    """
    centred, weights = _centred(block)
    counts = weights.T @ weights
    sums = centred.T @ weights
    squares = (centred**2).T @ weights  # squares[i, j]: over the rows where j is present
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = centred.T @ centred - sums * sums.T / counts
        var = squares - sums**2 / counts
        corr = cov / np.sqrt(var * var.T)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(corr)


def item_correlations(items: pd.DataFrame, *, listwise: bool) -> pd.DataFrame:
    """Item correlations: listwise (``np.corrcoef``) or pairwise (:func:`pairwise_corr`)."""
    block = items.dropna().to_numpy(float) if listwise else items.to_numpy(float)
    corr = np.corrcoef(block, rowvar=False) if listwise else pairwise_corr(block)
    return pd.DataFrame(corr, index=items.columns, columns=items.columns)


def composite_correlations(scores: pd.DataFrame) -> tuple[dict[str, dict[str, float]],
                                                          dict[str, dict[str, float]]]:
    """Pearson correlations of composite scores with their two-sided p values.

    Over pairwise-complete rows, as R's ``cor.test`` of each pair: ``t = r sqrt((n - 2) /
    (1 - r^2))`` on ``n - 2`` degrees of freedom.

    Returns
    -------
    tuple
        ``{a: {b: r}}`` and ``{a: {b: p}}`` over every pair (the diagonal left out).
    """
    from semwb.distributions import t_sf

    block = scores.to_numpy(float)
    corr = pairwise_corr(block)
    present = (~np.isnan(block)).astype(float)
    df = present.T @ present - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = corr * np.sqrt(df / (1 - corr**2))
    pvalues = 2 * t_sf(np.abs(t), df)
    names = [str(c) for c in scores.columns]
    pairs = [(i, a, j, b) for i, a in enumerate(names) for j, b in enumerate(names) if i != j]
    r: dict[str, dict[str, float]] = {a: {} for a in names}
    p: dict[str, dict[str, float]] = {a: {} for a in names}
    for i, a, j, b in pairs:
        r[a][b] = float(corr[i, j])
        p[a][b] = float(pvalues[i, j])
    return r, p
