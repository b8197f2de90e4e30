"""Ordinal items as categories, their sample thresholds and casewise threshold scores.

As lavaan's step 1 (``lav_samplestats_step1``) for an ordinal variable without covariates: the
thresholds are the normal quantiles of the cumulative category proportions, and the casewise
scores are the derivatives of each row's log-probability ``log(Φ(τ_c) - Φ(τ_{c-1}))`` with
respect to the thresholds. Items are checked first: an ordered item must hold integers, use at
most :data:`MAX_CATEGORIES` categories, leave no category empty between its lowest and highest
used value, and use every category at least twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.distributions import norm_cdf, norm_pdf, norm_ppf
from semwb.errors import SpecError, join_problems

Array = NDArray[np.float64]

#: The most categories semwb accepts for an ordered item (lavaan's own cap is far higher; an item
#: with more categories is better treated as continuous).
MAX_CATEGORIES = 10
#: Stand-in for ±∞ as the outer thresholds (Φ and φ are exactly 1/0 there in double precision).
INF = 50.0


@dataclass(frozen=True)
class OrdinalData:
    """Items coded as categories 0..K-1 and their sample thresholds (and continuous columns).

    Attributes
    ----------
    names
        The variables, in model order.
    codes
        ``(N, p)`` integer categories 0..K_j-1 (0 for a continuous column).
    levels
        The original values of each item's categories (empty for a continuous column).
    thresholds
        One array per item of its ``K_j - 1`` sample thresholds (empty for a continuous one).
    values
        ``(N, p)`` the data as given.
    numeric
        Which columns are continuous.
    """

    names: tuple[str, ...]
    codes: NDArray[np.intp]
    levels: tuple[tuple[float, ...], ...]
    thresholds: tuple[Array, ...]
    values: Array
    numeric: NDArray[np.bool_]

    @property
    def means(self) -> Array:
        """Column means."""
        return np.asarray(self.values.mean(axis=0))

    @property
    def variances(self) -> Array:
        """Column variances (divisor N)."""
        return np.asarray(self.values.var(axis=0))

    def subset(self, columns: Sequence[int]) -> OrdinalData:
        """The data of some columns."""
        cols = list(columns)
        return OrdinalData(tuple(self.names[c] for c in cols), self.codes[:, cols],
                           tuple(self.levels[c] for c in cols),
                           tuple(self.thresholds[c] for c in cols), self.values[:, cols],
                           self.numeric[cols])

    @property
    def n_obs(self) -> int:
        """Rows."""
        return int(self.codes.shape[0])

    def padded(self, j: int) -> Array:
        """Item ``j``'s thresholds with ``-INF`` and ``+INF`` at the ends (``K_j + 1`` values)."""
        return np.concatenate([[-INF], self.thresholds[j], [INF]])

    @property
    def threshold_names(self) -> list[tuple[str, str]]:
        """``(item, "t1")``, ``(item, "t2")``, ... of the ordinal items."""
        return [key for key in self.slot_names if key[1] != "~1"]

    @property
    def slot_names(self) -> list[tuple[str, str]]:
        """The first block of the statistics: each variable's thresholds, or ``(name, "~1")``
        (its mean) for a continuous one."""
        return [(v, f"t{k + 1}") if not num else (v, "~1")
                for v, th, num in zip(self.names, self.thresholds, self.numeric, strict=True)
                for k in range(1 if num else len(th))]


def item_problems(name: str, values: Array, data_name: str,
                  rows: Sequence[int] | None = None) -> list[str]:
    """Why column ``name`` cannot be an ordered item (empty when it can).

    ``rows`` are the data rows of ``values`` as a user sees them (1-based positions when None).
    """
    shown = list(rows) if rows is not None else list(range(1, len(values) + 1))
    bad = np.flatnonzero(values != np.round(values))
    if bad.size:
        return [f"{data_name}, row {shown[bad[0]]}, column {name}: ordered items must hold whole "
                f"numbers (category codes); got {values[bad[0]]:g}. Remove the item from "
                "'ordered:' to treat it as continuous."]
    levels, counts = np.unique(values, return_counts=True)
    problems = []
    if len(levels) > MAX_CATEGORIES:
        problems.append(f"{data_name}, column {name}: {len(levels)} distinct values; ordered "
                        f"items may have at most {MAX_CATEGORIES} categories. Treat the item as "
                        "continuous (remove it from 'ordered:').")
    if len(levels) < 2:
        problems.append(f"{data_name}, column {name}: only one category is used; an ordered item "
                        "needs at least two. Drop it from the model.")
    elif len(levels) <= MAX_CATEGORIES:
        gaps = [g for g in range(int(levels[0]) + 1, int(levels[-1])) if g not in set(levels)]
        if gaps:
            problems.append(f"{data_name}, column {name}: category {gaps[0]:g} is empty between "
                            f"used categories {levels[0]:g} and {levels[-1]:g}; merge it with a "
                            "neighbour (recode the item) so every category between the lowest "
                            "and the highest is used.")
        single = levels[counts == 1]
        if single.size:
            row = shown[int(np.flatnonzero(values == single[0])[0])]
            problems.append(f"{data_name}, column {name}: category {single[0]:g} is used by one "
                            f"respondent only (row {row}); its threshold cannot be estimated "
                            "reliably. Merge it with a neighbouring category.")
    return problems


def ordinal_data(X: Array, names: Sequence[str], *, ordered: Collection[str] | None = None,
                 data_name: str = "data", rows: Sequence[int] | None = None) -> OrdinalData:
    """Code the columns of ``X (N, p)`` (complete rows) as categories and estimate thresholds.

    ``ordered`` names the ordinal columns (all when None); the others are continuous. ``rows``
    are the data rows of ``X`` as a user sees them, for messages.

    Raises
    ------
    SpecError
        Naming every item that cannot be treated as ordinal, and why.
    """
    numeric = np.array([ordered is not None and v not in ordered for v in names], dtype=bool)
    problems = [m for j, v in enumerate(names) if not numeric[j]
                for m in item_problems(v, X[:, j], data_name, rows)]
    if problems:
        raise SpecError(join_problems(f"{data_name}: {len(problems)} problems with ordered items",
                                      problems))
    codes = np.zeros(X.shape, dtype=np.intp)
    levels: list[tuple[float, ...]] = []
    thresholds = []
    for j in range(X.shape[1]):
        if numeric[j]:
            levels.append(())
            thresholds.append(np.zeros(0))
            continue
        lv, inverse, counts = np.unique(X[:, j], return_inverse=True, return_counts=True)
        codes[:, j] = inverse.ravel()
        levels.append(tuple(float(v) for v in lv))
        thresholds.append(norm_ppf(np.cumsum(counts)[:-1] / X.shape[0]))
    return OrdinalData(tuple(names), codes, tuple(levels), tuple(thresholds),
                       np.asarray(X, dtype=float), numeric)


def threshold_scores(data: OrdinalData) -> tuple[Array, Array]:
    """Casewise scores of the univariate statistics: ``∂ log P(y_ij) / ∂τ`` of every threshold
    (or ``∂ log φ / ∂μ`` for a continuous column), ``(N, slots)``, and ``∂ log φ / ∂σ²`` of the
    continuous columns, ``(N, continuous)``."""
    blocks = []
    z = data.values - data.means
    var = data.variances
    for j in range(len(data.names)):
        if data.numeric[j]:
            blocks.append((z[:, j] / var[j])[:, None])
            continue
        tau = data.padded(j)
        c = data.codes[:, j]
        upper, lower = tau[c + 1], tau[c]
        prob = norm_cdf(upper) - norm_cdf(lower)
        block = np.zeros((data.n_obs, len(data.thresholds[j])))
        rows = np.arange(data.n_obs)
        up = c < block.shape[1]
        block[rows[up], c[up]] += norm_pdf(upper[up]) / prob[up]
        low = c > 0
        block[rows[low], c[low] - 1] -= norm_pdf(lower[low]) / prob[low]
        blocks.append(block)
    num = data.numeric
    return np.concatenate(blocks, axis=1), (z[:, num] ** 2 - var[num]) / (2 * var[num] ** 2)
