"""Several respondents per firm: within-firm agreement (rwg(j)), ICC(1), ICC(2), aggregation.

ICC(1) and ICC(2) come from the one-way ANOVA of the construct score on the firm, written out
here because pingouin's ``intraclass_corr`` needs every firm rated by the same, equally many
raters, and multi-informant surveys have one to a handful of different informants per firm (its
ICC(1,1) and ICC(1,k) are the same formulas on balanced data; the tests check that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from semwb.distributions import f_sf
from semwb.errors import OptionError

AGGREGATION_THRESHOLDS = {"rwg": 0.70, "icc1": 0.05, "icc2": 0.70}
"""rwg(j) >= .70 (James et al., 1984; LeBreton & Senter, 2008); ICC(1) above about .05 with a
significant F (Bliese, 2000); ICC(2) >= .70 for reliable firm means (Glick, 1985)."""

SLIGHT_SKEW_5 = (0.05, 0.15, 0.20, 0.35, 0.25)
"""James, Demaree and Wolf's (1984) slightly skewed null distribution of a 5-point item
(variance 1.34)."""


def null_variance(null: str | float, *, points: int) -> float:
    """Expected item variance when respondents do not agree.

    Parameters
    ----------
    null
        ``uniform`` (``(A^2 - 1)/12`` for an A-point scale), ``slight_skew`` (5-point scales:
        1.34, from :data:`SLIGHT_SKEW_5`), or a variance given as a number.
    points
        Number of answer options.

    Raises
    ------
    OptionError
        For an unknown name, ``slight_skew`` on a scale other than 5 points, or a non-positive
        number.
    """
    if isinstance(null, int | float) and not isinstance(null, bool):
        if not null > 0:
            raise OptionError(f"The null variance must be positive; got {null}.")
        return float(null)
    if null == "uniform":
        return (points**2 - 1) / 12
    if null == "slight_skew":
        if points != 5:
            raise OptionError(f"The slightly skewed null distribution is tabled for 5-point "
                              f"items only; this scale has {points} points: give the null "
                              "variance as a number (e.g. from LeBreton & Senter, 2008).")
        probs = np.array(SLIGHT_SKEW_5)
        options = np.arange(1, 6)
        return float(probs @ options**2 - (probs @ options) ** 2)
    raise OptionError(f"Unknown null distribution '{null}'; choose uniform, slight_skew or a "
                      "number.")


def rwg_j(items: pd.DataFrame, groups: pd.Series, *, null_var: float) -> pd.DataFrame:
    """James, Demaree and Wolf's (1984) within-group agreement over J parallel items.

    Returns
    -------
    pandas.DataFrame
        Index: group; columns ``rwg_j`` (NaN for a group with fewer than two complete
        respondents) and ``n`` (complete respondents).

    Notes
    -----
    With ``s2`` the mean of the item variances within the group and ``r = s2 / null_var``
    (capped at 1, so disagreement beyond the null gives 0): ``rwg(j) = J(1 - r) / (J(1 - r) +
    r)``. Respondents missing any of the items are left out, as ``multilevel::rwg.j``, which
    it matches to 1e-12 (tests/reference/aggregation_firms).
    """
    complete = items.notna().all(axis=1)
    block, labels = items[complete], groups[complete]
    j = items.shape[1]
    variances = block.groupby(labels, sort=True).var(ddof=1).mean(axis=1)
    ratio = np.minimum(variances / null_var, 1.0)
    value = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    return pd.DataFrame({"rwg_j": value, "n": block.groupby(labels, sort=True).size()})


def icc_oneway(scores: pd.Series, groups: pd.Series) -> dict[str, float]:
    """ICC(1) and ICC(2) from the one-way ANOVA of a score on the group.

    Returns
    -------
    dict
        ``icc1``, ``icc2``, ``f``, ``df1``, ``df2``, ``pvalue``, ``mean_size``.

    Notes
    -----
    ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)`` with ``k`` the mean group size, ``ICC(2) =
    (MSB - MSW) / MSB`` (Bliese, 2000); missing scores are dropped. Matches
    ``multilevel::ICC1``/``ICC2`` of ``aov(score ~ firm)`` to 1e-12.
    """
    keep = scores.notna()
    values, labels = scores[keep].astype(float), groups[keep]
    grouped = values.groupby(labels)
    sizes, means = grouped.size(), grouped.mean()
    n, k = len(values), len(sizes)
    if k < 2 or n <= k:
        raise OptionError(f"ICC needs at least two groups and some with several respondents; "
                          f"got {n} respondents in {k} group(s).")
    ssb = float((sizes * (means - values.mean()) ** 2).sum())
    ssw = float(((values - labels.map(means)) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    mean_size = n / k
    f = msb / msw
    return {"icc1": (msb - msw) / (msb + (mean_size - 1) * msw), "icc2": (msb - msw) / msb,
            "f": f, "df1": float(k - 1), "df2": float(n - k),
            "pvalue": float(f_sf(f, k - 1, n - k)), "mean_size": mean_size}


def agreement(data: pd.DataFrame, group: str, constructs: Mapping[str, Sequence[str]], *,
              points: int, null: str | float = "uniform") -> pd.DataFrame:
    """Per construct: ICC(1), ICC(2), their F test, and rwg(j) summarised over firms.

    Parameters
    ----------
    data
        One row per respondent: the group column and the (reverse-coded) items.
    group
        Column naming the firm (or team, unit).
    constructs
        Construct id -> its items.
    points
        Answer options of the scale (for the uniform null).
    null
        See :func:`null_variance`.

    Returns
    -------
    pandas.DataFrame
        Index: construct; columns ``icc1 icc2 f df1 df2 pvalue mean_size`` (score = item mean),
        ``rwg_mean rwg_median rwg_share`` (share of firms at or above .70) and ``firms``
        (firms with an rwg(j)), ``null_variance``.
    """
    variance = null_variance(null, points=points)
    rows = {}
    for cid, items in constructs.items():
        block = data[list(items)].astype(float)
        icc = icc_oneway(block.mean(axis=1), data[group])
        agree = rwg_j(block, data[group], null_var=variance)["rwg_j"].dropna()
        rows[cid] = {**icc, "rwg_mean": float(agree.mean()), "rwg_median": float(agree.median()),
                     "rwg_share": float((agree >= AGGREGATION_THRESHOLDS["rwg"]).mean()),
                     "firms": len(agree), "null_variance": variance}
    return pd.DataFrame.from_dict(rows, orient="index")


def aggregate(data: pd.DataFrame, group: str, columns: Sequence[str], *,
              firm_level: Sequence[str] = ()) -> pd.DataFrame:
    """One row per firm: the mean of each respondent-level column, the respondent count kept.

    Parameters
    ----------
    data
        One row per respondent.
    group
        Column naming the firm.
    columns
        Respondent-level numeric columns to average (missing answers are skipped).
    firm_level
        Firm-level columns (age, size, industry) carried over; they must be the same for every
        respondent of a firm.

    Returns
    -------
    pandas.DataFrame
        Columns: ``group``, ``n_respondents``, the firm-level columns, the averaged columns; one
        row per firm in order of first appearance.

    Raises
    ------
    OptionError
        When a column is missing, an averaged column holds text, or a firm-level column differs
        within a firm (names the firm, column and values).
    """
    missing = [c for c in [group, *columns, *firm_level] if c not in data.columns]
    if missing:
        raise OptionError(f"No column(s) {', '.join(missing)} in the data; the columns are "
                          f"{', '.join(map(str, data.columns))}.")
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(data[c])]
    if text:
        raise OptionError(f"Only numeric columns can be averaged; {', '.join(text)} hold text: "
                          "give them as firm-level columns or leave them out.")
    grouped = data.groupby(group, sort=False)
    problems: list[tuple[object, str]] = []
    for column in firm_level:
        counts = grouped[column].nunique(dropna=False)
        problems += [(firm, column) for firm in counts.index[counts > 1]]
    if problems:
        shown = [f"firm {firm}, column {column}: "
                 f"{', '.join(sorted(map(str, data.loc[data[group] == firm, column].unique())))}"
                 for firm, column in problems[:3]]
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise OptionError("Firm-level columns must be the same for every respondent of a firm; "
                          f"they differ at {'; '.join(shown)}{more}. Correct the data or average "
                          "the column as a respondent-level one.")
    out = pd.DataFrame({"n_respondents": grouped.size()})
    for column in firm_level:
        out[column] = grouped[column].first()
    return pd.concat([out, grouped[list(columns)].mean()], axis=1).reset_index()
