"""Helpers shared by the multiple-group tests against lavaan fixtures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def lavaan_row(table: pd.DataFrame, row: dict[str, Any], groups: Sequence[str]) -> pd.Series:
    """The row of semwb's parameter ``table`` that lavaan's ``row`` (``group`` 1-based) is.

    Fails when there is none or more than one: a missing reference row must fail.
    """
    if row["op"] == ":=":
        found = table[(table["op"] == ":=") & (table["lhs"] == row["lhs"])]
    else:
        found = table[(table["lhs"] == row["lhs"]) & (table["op"] == row["op"])
                      & (table["rhs"] == row["rhs"])
                      & (table["group"] == groups[row["group"] - 1])]
    assert len(found) == 1, f"no single row {row['lhs']} {row['op']} {row['rhs']}"
    return found.iloc[0]
