"""Diversity and distance indices of a portfolio (plain arrays, no data frames).

Every function takes counts (or class profiles) and returns a float; NaN where the index is not
defined (an empty portfolio, a zero profile). Formulas and sources: ``docs/portfolio.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _shares(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    total = values.sum()
    return values / total if total > 0 else np.array([])


def blau(counts: Sequence[float] | np.ndarray) -> float:
    """Blau's (1977) index of heterogeneity, ``1 - sum(p_k^2)``.

    Parameters
    ----------
    counts
        Number of partners in each category.

    Returns
    -------
    float
        0 when every partner is in one category, up to ``1 - 1/K`` for K equal categories;
        NaN for an empty portfolio.
    """
    p = _shares(counts)
    return float(1.0 - np.sum(p**2)) if p.size else math.nan


def entropy(counts: Sequence[float] | np.ndarray) -> float:
    """Shannon entropy ``-sum(p_k ln p_k)`` in nats (empty categories contribute 0).

    Returns
    -------
    float
        0 for one category, ``ln K`` for K equal categories; NaN for an empty portfolio.
    """
    p = _shares(counts)
    p = p[p > 0]
    return float(-np.sum(p * np.log(p))) + 0.0 if p.size else math.nan  # + 0.0: no -0.0


def normalized_entropy(counts: Sequence[float] | np.ndarray, categories: int) -> float:
    """Entropy divided by its maximum ``ln K`` (K = ``categories``), so 0-1 whatever K.

    Returns
    -------
    float
        NaN for an empty portfolio or when fewer than two categories exist.
    """
    if categories < 2:
        return math.nan
    return entropy(counts) / math.log(categories)


def cosine_distance(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Jaffe's (1986) technological distance: ``1 - a.b / (|a| |b|)`` between class profiles.

    Returns
    -------
    float
        0 for proportional profiles, 1 for profiles sharing no class; NaN when either is zero.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    norm = float(np.linalg.norm(x) * np.linalg.norm(y))
    # max(): proportional profiles give 1 - 1.0000000000000002 in floating point, not 0
    return max(0.0, 1.0 - float(x @ y) / norm) if norm > 0 else math.nan


def mean_pairwise_distance(profiles: np.ndarray) -> float:
    """Mean Jaffe distance over all pairs of rows of ``profiles`` (one row per partner).

    Rows that are all zero (partners without classes) are left out.

    Returns
    -------
    float
        NaN with fewer than two non-zero rows.
    """
    rows = np.asarray(profiles, dtype=float)
    rows = rows[rows.sum(axis=1) > 0]
    if len(rows) < 2:
        return math.nan
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    similarity = unit @ unit.T
    upper = np.triu_indices(len(rows), k=1)
    return float(np.mean(1.0 - similarity[upper]))
