"""The descriptives-and-correlations table of a management paper (its "Table 1").

Correlations, their p-values and partial correlations come from pingouin's ``pairwise_corr``;
this module adds the dummy coding of categorical controls, the significance stars and the
lower-triangle layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from semwb.errors import OptionError

STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))


def stars(pvalue: float) -> str:
    """``***`` below .001, ``**`` below .01, ``*`` below .05, else empty."""
    for limit, mark in STARS:
        if pvalue < limit:
            return mark
    return ""


@dataclass(frozen=True)
class CorrelationTable:
    """Correlations between variables, optionally partialling out controls.

    Attributes
    ----------
    pairs
        One row per pair: ``x y n r pvalue stars``.
    descriptives
        Per variable: ``n mean sd``.
    matrix
        Lower triangle as text (``.45***``), variables as rows and columns, empty above the
        diagonal and ``1`` on it.
    method
        ``pearson`` or ``spearman``.
    controls
        Controls partialled out (after dummy coding), empty for zero-order correlations.
    """

    pairs: pd.DataFrame
    descriptives: pd.DataFrame
    matrix: pd.DataFrame
    method: str
    controls: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"method": self.method, "controls": list(self.controls),
                "pairs": self.pairs.to_dict(orient="records"),
                "descriptives": self.descriptives.to_dict(orient="index")}


def _dummies(data: pd.DataFrame, controls: Sequence[str],
             categorical: Sequence[str]) -> pd.DataFrame:
    """Controls as numeric columns: categorical ones as k - 1 indicator columns."""
    unknown = [c for c in [*controls, *categorical] if c not in data.columns]
    if unknown:
        raise OptionError(f"No control column(s) {', '.join(unknown)} in the data.")
    stray = [c for c in categorical if c not in controls]
    if stray:
        raise OptionError(f"Categorical column(s) {', '.join(stray)} are not among the controls "
                          f"{', '.join(controls) or '(none)'}; add them to the controls.")
    numeric = data[[c for c in controls if c not in categorical]]
    coded = pd.get_dummies(data[list(categorical)].astype("string"), prefix=list(categorical),
                           drop_first=True, dtype=float)
    coded[data[list(categorical)].isna().any(axis=1).to_numpy()] = np.nan
    return pd.concat([numeric.astype(float), coded], axis=1)


def correlation_table(data: pd.DataFrame, columns: Sequence[str], *, method: str = "pearson",
                      controls: Sequence[str] = (),
                      categorical: Sequence[str] = ()) -> CorrelationTable:
    """Zero-order or partial correlations with p-values and stars.

    Parameters
    ----------
    data
        One row per respondent (or firm).
    columns
        Variables to correlate (construct scores, controls).
    method
        ``pearson`` or ``spearman``.
    controls
        Variables partialled out of every pair (e.g. firm age, size, ownership, industry).
    categorical
        Those of the controls that are categories (dummy coded, first level dropped).

    Returns
    -------
    CorrelationTable

    Notes
    -----
    ``pingouin.pairwise_corr`` (pairwise-complete rows; with ``covar``, rows complete on the
    pair and the controls); two-sided p-values with ``n - 2 - k`` degrees of freedom for ``k``
    control columns.
    """
    import pingouin  # slow to import (it loads matplotlib): only when a table is asked for

    if method not in ("pearson", "spearman"):
        raise OptionError(f"Unknown correlation method '{method}'; choose pearson or spearman.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise OptionError(f"No column(s) {', '.join(missing)} in the data.")
    if len(columns) < 2:
        raise OptionError("A correlation table needs at least two columns.")
    frame = data[list(columns)].astype(float)
    covar: list[str] = []
    if controls:
        coded = _dummies(data, controls, categorical)
        covar = [f"_control_{c}" for c in coded.columns]
        frame = pd.concat([frame, coded.set_axis(covar, axis=1)], axis=1)
    found = pingouin.pairwise_corr(frame, columns=list(columns), method=method,
                                   covar=covar or None)
    pairs = pd.DataFrame({"x": found["X"], "y": found["Y"], "n": found["n"].astype(int),
                          "r": found["r"].astype(float), "pvalue": found["p_unc"].astype(float)})
    pairs["stars"] = pairs["pvalue"].map(stars)
    matrix = pd.DataFrame("", index=list(columns), columns=list(columns))
    for name in columns:
        matrix.loc[name, name] = "1"
    for row in pairs.itertuples():
        low, high = sorted((row.x, row.y), key=list(columns).index)
        matrix.loc[high, low] = f"{row.r:.2f}".replace("0.", ".") + row.stars
    described = frame[list(columns)].agg(["count", "mean", "std"]).T
    descriptives = described.set_axis(["n", "mean", "sd"], axis=1)
    return CorrelationTable(pairs=pairs, descriptives=descriptives, matrix=matrix, method=method,
                            controls=tuple(coded.columns) if controls else ())
