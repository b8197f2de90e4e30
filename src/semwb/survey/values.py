"""Every mapped response value checked against its item's rule: a number, within the
instrument's scale (whole numbers for Likert items and checks), within a numeric item's range,
one of a categorical item's codes. One sentence per bad cell (file, row, column, value, rule).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from semwb.survey.instrument import Check, Instrument


def _cell(source: str, row: object, column: str, value: object, rule: str) -> str:
    return f"{source}, row {row}, column {column}: '{value}' {rule}"


def _suspect_columns(frame: pd.DataFrame, raw_cells: pd.DataFrame,
                     rules: dict[str, tuple[float, float, bool, set[int] | None]]) -> list[str]:
    """The columns of ``raw_cells`` :func:`validate_values` must look at cell by cell: those with
    levels, an unparsed cell or a value off their range, found for all columns at once (the
    per-column pandas checks cost more than reading the file)."""
    columns = list(raw_cells.columns)
    if not columns:
        return columns
    lo, hi, whole, levels = zip(*(rules[c] for c in columns), strict=True)
    values = frame[columns].to_numpy(dtype=float)
    off = (values < np.array(lo)) | (values > np.array(hi)) | (
        np.array(whole) & (values != np.round(values)) & ~np.isnan(values))
    unparsed = raw_cells.notna().to_numpy() & np.isnan(values)
    suspect = off.any(axis=0) | unparsed.any(axis=0) | np.array([v is not None for v in levels])
    return [c for c, flag in zip(columns, suspect, strict=True) if flag]


def validate_values(frame: pd.DataFrame, raw_cells: pd.DataFrame, instrument: Instrument,
                    source: str) -> tuple[list[str], list[str]]:
    """Check every mapped value against the instrument's rules.

    ``raw_cells`` has one column per mapped item, holding the text of the cells that did not
    parse as numbers (else missing).

    Returns
    -------
    tuple
        Errors (one sentence per bad cell) and warnings (data-quality counts).
    """
    errors: list[str] = []
    warnings: list[str] = []
    low, high = instrument.scale.min, instrument.scale.max
    rules: dict[str, tuple[float, float, bool, set[int] | None]] = {}
    for it in instrument.all_items:
        if isinstance(it, Check) or it.type == "likert":
            rules[it.id] = (low, high, True, None)
        elif it.type == "numeric" and it.min is not None and it.max is not None:
            rules[it.id] = (it.min, it.max, False, None)
        elif it.type == "categorical":
            rules[it.id] = (-math.inf, math.inf, True, set((it.levels or {}).keys()))
    for column in _suspect_columns(frame, raw_cells, rules):
        lo, hi, whole, levels = rules[column]
        values = frame[column]
        raw = raw_cells[column]
        for row in values.index[values.isna() & raw.notna()]:
            errors.append(_cell(source, row, column, raw[row], "is not a number; answers "
                                "must be numeric codes (export 'by option number', or list the "
                                "token as a missing code)"))
        present = values.dropna()
        if levels is not None:
            bad = present[~present.isin(levels)]
            rule = f"is not one of the codes {sorted(levels)}"
        else:
            bad = present[(present < lo) | (present > hi)
                          | ((present != np.round(present)) if whole else False)]
            rule = (f"is outside the instrument's scale {lo:g}-{hi:g}" if whole
                    else f"is outside the allowed range {lo:g}-{hi:g}")
            if whole:
                rule += " or not a whole number"
        for row, value in bad.items():
            errors.append(_cell(source, row, column, f"{value:g}", rule))
    likert = [c for c in instrument.likert_items if c in frame.columns]
    n_missing = int(frame[likert].isna().sum().sum()) if likert else 0
    if n_missing:
        rows = int(frame[likert].isna().any(axis=1).sum())
        warnings.append(f"{source}: {n_missing} missing answer(s) in {rows} of {len(frame)} "
                        "respondents")
    return errors, warnings
