"""Semwb's parameter rows paired with a lavaan fixture's, for the parity tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

Row = dict[str, Any]


def row_key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """A row's identity: a covariance either way round, a ``:=`` expression without spaces."""
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return a, op, b
    return lhs, op, rhs.replace(" ", "") if op == ":=" else rhs


def paired_rows(parameters: pd.DataFrame, reference: Sequence[Row]
                ) -> list[tuple[Row, Row, tuple[str, str, str]]]:
    """``(lavaan's row, semwb's row, (lhs, op, rhs))`` for every reference row; a row semwb
    lacks fails the test."""
    mine = {row_key(r["lhs"], r["op"], r["rhs"]): r for r in parameters.to_dict("records")}
    pairs = []
    for row in reference:
        where = (row["lhs"], row["op"], row["rhs"])
        got = mine.get(row_key(*where))
        assert got is not None, f"missing row {' '.join(where)}"
        pairs.append((row, got, where))
    return pairs
