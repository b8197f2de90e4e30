"""Multiple groups as one block-diagonal model.

Group ``g``'s variables are its own copies in the model (:mod:`semwb.sem.groups`), so ``Σ`` is
block-diagonal and ``μ`` stacks the groups' means. The data are stacked the same way: group
``g``'s rows hold values in its own block of columns and are missing elsewhere, so every group is
one (or, with missing values, several) missing-data pattern whose weight is its share of the rows.
The single-group objective over patterns is then lavaan's multiple-group ML objective

``F = Σ_g (n_g / N) [log|Σ_g| + tr(Σ_g⁻¹ (S_g + d_g d_gᵀ))]``,

its gradient is the weighted sum of the groups' gradients, and the expected information is
``Σ_g (n_g / N) I_g`` (``ModelMatrices.blocks``): one parameter vector shared by all groups,
parameters tied by labels, ``==`` across groups, everything of the single-group algebra reused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.algebra import Pattern
from semwb.sem.model.structure import Array, Index

Blocks = tuple[tuple[Index, float], ...]


def block_data(groups: Sequence[Array]) -> tuple[Array, Blocks]:
    """Stack the groups' data ``(n_g, p)`` into ``(N, G p)`` with NaN outside each block.

    Returns
    -------
    (numpy.ndarray, tuple)
        The stacked data and, per group, its columns and its share of the rows ``n_g / N``.
    """
    p = groups[0].shape[1]
    n = sum(len(x) for x in groups)
    X = np.full((n, p * len(groups)), np.nan)
    blocks = []
    start = 0
    for g, x in enumerate(groups):
        cols = np.arange(g * p, (g + 1) * p)
        X[start:start + len(x), cols] = x
        blocks.append((cols, len(x) / n))
        start += len(x)
    return X, tuple(blocks)


def group_patterns(patterns: Sequence[Pattern], cols: Index, weight: float) -> list[Pattern]:
    """The patterns of one group, with its own column numbers and weights summing to 1."""
    out = []
    for pat in patterns:
        if np.isin(pat.columns, cols).all():
            out.append(Pattern(np.searchsorted(cols, pat.columns), pat.weight / weight, pat.S,
                               pat.mean))
    return out


def row_groups(X: Array, blocks: Blocks) -> NDArray[np.intp]:
    """The 0-based group of each row of stacked data ``X`` (the block its values are in)."""
    out = np.full(X.shape[0], -1, dtype=np.intp)
    for g, (cols, _) in enumerate(blocks):
        out[np.isfinite(X[:, cols]).any(axis=1)] = g
    return out


def own_cells(X: Array, blocks: Blocks | None) -> NDArray[np.bool_]:
    """The cells of ``X`` in each row's own group block (every cell for one group): a value
    missing there is missing data, a NaN elsewhere only the stacking."""
    if blocks is None:
        return np.ones(X.shape, dtype=bool)
    groups = row_groups(X, blocks)
    out = np.zeros(X.shape, dtype=bool)
    for g, (cols, _) in enumerate(blocks):
        out[np.ix_(groups == g, cols)] = True
    return out
