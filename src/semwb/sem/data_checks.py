"""Checks of a model spec against a data set, before fitting.

:func:`check_data` reports every problem at once (unknown or non-numeric columns, zero-variance
or collinear columns, too few rows, a model that is not identified) and returns the numeric model
columns ready for fitting.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from semwb.errors import SpecError, join_problems
from semwb.sem.partable import classify
from semwb.sem.spec import ModelSpec
from semwb.sem.syntax import ParsedSyntax


def _first_line(parsed: ParsedSyntax, variable: str) -> int:
    return next(t.line for t in parsed.terms if variable in (t.lhs, t.rhs))


def _numeric_columns(data: pd.DataFrame, names: tuple[str, ...]) -> list[str]:
    """The ``names`` that are columns of ``data`` with a numeric dtype, in order (the dtypes
    read once: taking each column as a Series cost more than its check)."""
    dtypes = dict(zip(data.columns, data.dtypes, strict=True))
    return [v for v in names if v in dtypes and pd.api.types.is_numeric_dtype(dtypes[v])]


def _column_problems(spec: ModelSpec, data: pd.DataFrame, data_name: str) -> list[str]:
    parsed = spec.parsed
    problems = []
    columns = [str(c) for c in data.columns]
    for v in parsed.observed:
        if v in data.columns:
            continue
        close = difflib.get_close_matches(v, columns, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        if v in spec.auxiliary:
            problems.append(f"{spec.source}, 'auxiliary': '{v}' is not a column of {data_name}"
                            f"{hint}.")
            continue
        problems.append(f"{spec.source}, syntax line {_first_line(parsed, v)}: '{v}' is neither a "
                        f"column of {data_name} nor a latent defined with =~{hint}.")
    numeric_columns = set(_numeric_columns(data, parsed.observed))
    for v in parsed.observed:
        if v not in data.columns or v in numeric_columns:
            continue  # a numeric column has no value to_numeric could fail on
        column = data[v]
        numeric = pd.to_numeric(column, errors="coerce")
        bad = column.notna() & numeric.isna()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            value = column.iloc[position]
            problems.append(f"{data_name}, row {row_label(data, position)}, column {v}: {value!r}"
                            " is not a number; the model uses this column, so every value must be"
                            " numeric (or empty for missing).")
    return problems


#: Values questionnaires commonly use for "no answer" (Likert items are scored on small scales).
MISSING_CODES = (9, 99, 999, -9, -99, -999)
#: The widest scale (max - min) read as a Likert-type item; 0-10 is the common largest.
LIKERT_SPAN = 10


def _missing_code_problems(spec: ModelSpec, data: pd.DataFrame, data_name: str,
                           numeric: list[str], block: np.ndarray) -> list[str]:
    """Columns on a small whole-number scale holding a few far values such as 99 or -9.

    Without an instrument nothing says which value means "no answer", so a code read as an
    answer would be fitted silently; such a value outside the column's scale is named instead,
    except in the columns the spec lists under ``no_missing_codes`` (a count of partners whose
    9 is nine partners), which must be columns of the data.
    """
    columns = [str(c) for c in data.columns]
    problems = []
    for name in spec.no_missing_codes:
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{spec.source}, 'no_missing_codes': '{name}' is not a column of "
                            f"{data_name}{hint}.")
    for v in _coded_columns(spec, data, numeric, block):
        if v in spec.no_missing_codes:
            continue
        values = pd.to_numeric(data[v], errors="coerce").dropna()
        coded = values.isin(MISSING_CODES)
        rest = values[~coded]
        if not coded.any() or len(rest) <= len(values) / 2 or not (rest == rest.round()).all():
            continue
        low, high = float(rest.min()), float(rest.max())
        if high - low > LIKERT_SPAN:
            continue
        for code in sorted(set(values[coded])):
            if low - 1 <= code <= high + 1:  # next to the scale: its unused end point
                continue
            rows = int((values == code).sum())
            problems.append(
                f"{data_name}, column {v}: {code:g} in {rows} row{'s' if rows > 1 else ''} is far "
                f"outside the column's scale {low:g}-{high:g} and looks like a missing-value code; "
                "empty those cells (an empty cell is missing), or fit through a spec with an "
                "instrument, which checks every answer against the item's scale; if it is a real "
                f"value (a count, say), add 'no_missing_codes: [{v}]' to the spec.")
    return problems


def _numeric_block(spec: ModelSpec, data: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The model's columns that are numeric as read, and their values as one float block."""
    numeric = _numeric_columns(data, spec.parsed.observed)
    return numeric, data[numeric].to_numpy(dtype=float, na_value=np.nan)


def _coded_columns(spec: ModelSpec, data: pd.DataFrame, numeric: list[str],
                   block: np.ndarray) -> list[str]:
    """The model's columns holding one of :data:`MISSING_CODES` (those worth a closer look).

    Numeric columns (as read, ``block``) are searched in one pass; any other column is always
    looked at, value by value.
    """
    columns = [v for v in spec.parsed.observed if v in data.columns]
    if not numeric:
        return columns
    coded = np.flatnonzero(np.isin(block, MISSING_CODES).any(axis=0))
    found = {numeric[i] for i in coded}
    return [v for v in columns if v in found or v not in numeric]


def row_label(data: pd.DataFrame, position: int) -> int:
    """The row a user sees for ``data``'s row at ``position``.

    Data read from a file (:func:`semwb.pipeline.read_data`) are indexed by the file's row (the
    header is row 1), so messages and exclusions name the row a spreadsheet shows; a frame built
    in Python with the default index is numbered from 1.
    """
    index = data.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return position + 1
    return int(index[position])


def _moment_problems(spec: ModelSpec, data: pd.DataFrame, data_name: str) -> list[str]:
    observed = list(spec.parsed.observed)
    problems = []
    block = data.to_numpy()  # the model's columns as floats, in ``observed`` order
    constant = ~(np.fmax.reduce(block, axis=0) > np.fmin.reduce(block, axis=0))  # NaN: none
    for c in np.flatnonzero(constant):
        problems.append(f"{data_name}, column {observed[c]}: every value is {block[0, c]:g}; a "
                        "variable with zero variance cannot be modelled; drop it from the "
                        "syntax.")
    varying = [v for v, fixed in zip(observed, constant, strict=True) if not fixed]
    if len(varying) > 1 and not problems:
        # pairwise with FIML's missing values; on complete rows, NumPy's is the same
        corr = (np.corrcoef(block, rowvar=False) if not np.isnan(block).any()
                else data[varying].corr().to_numpy())
        for i, a in enumerate(varying):
            for j in range(i + 1, len(varying)):
                if abs(corr[i, j]) > 1 - 1e-10:
                    problems.append(f"{data_name}: columns {a} and {varying[j]} are perfectly "
                                    "collinear (r = 1); one is a copy or rescaling of the other; "
                                    "drop one from the syntax.")
        eig = np.linalg.eigvalsh(corr)
        # with no more rows than columns the correlations are singular whatever the columns
        # hold: the too-few-rows problem below is the one to name
        dependent = len(data) > len(observed) and eig[0] < 1e-10 * eig[-1]
        if not any("collinear" in p for p in problems) and dependent:
            problems.append(f"{data_name}: the model's columns are linearly dependent (one is a "
                            "sum or combination of others, e.g. a total score); drop the "
                            "composite from the syntax.")
    if len(data) <= len(observed):
        problems.append(f"{data_name}: {len(data)} complete rows for {len(observed)} observed "
                        "variables; ML needs more rows than variables.")
    return problems


def identification_problems(spec: ModelSpec) -> list[str]:
    """Structural reasons the model is not identified (checked before fitting).

    The t-rule (no more free parameters than observed moments), the scale of each latent (a
    fixed loading or a fixed variance), and latents with too few indicators: one indicator needs
    its residual variance fixed; two need the latent to be related to another latent.
    """
    parsed = spec.parsed
    rows = spec.partable()
    problems = []
    by_key = {r.key: r for r in rows}
    for latent in parsed.latents:
        loadings = [r for r in rows if r.op == "=~" and r.lhs == latent]
        variance = by_key.get((latent, "~~", latent))
        line = _first_line(parsed, latent)
        where = f"{spec.source}, syntax line {line}"
        if all(r.free for r in loadings) and variance is not None and variance.free:
            problems.append(f"{where}: the scale of latent '{latent}' is not set; fix one loading "
                            f"(1*{loadings[0].rhs}) or its variance ({latent} ~~ 1*{latent}).")
        related = any(
            r.op in ("~", "~~", "=~") and latent in (r.lhs, r.rhs) and r.lhs != r.rhs
            and not (r.op == "=~" and r.lhs == latent) for r in rows
        )
        if len(loadings) == 1:
            resid = by_key.get((loadings[0].rhs, "~~", loadings[0].rhs))
            if resid is not None and resid.free:
                problems.append(f"{where}: latent '{latent}' has one indicator and is not "
                                f"identified; add indicators or fix the residual variance "
                                f"({loadings[0].rhs} ~~ 0*{loadings[0].rhs}).")
        elif len(loadings) == 2 and not related:
            problems.append(f"{where}: latent '{latent}' has two indicators and no relation to "
                            "another latent, so it is not identified; add a third indicator or "
                            "constrain the loadings to be equal (same label).")
    p = len(parsed.observed)
    free = {r.label or f"_{i}" for i, r in enumerate(rows) if r.free}
    nx = sum(1 for r in rows if r.fixed_x and r.op == "~~" and r.lhs == r.rhs)
    moments = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if spec.has_means:
        moments += p - nx
    means = " and means" if spec.has_means else ""
    if len(free) > moments and not spec.ordered_items:  # ordinal: checked with the data
        problems.append(f"{spec.source}: the model has {len(free)} free parameters but the data "
                        f"give only {moments} variances, covariances{means} of its {p} observed "
                        f"variables (degrees of freedom {moments - len(free)}); fix or drop "
                        "parameters.")
    return problems


def check_data(
    spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data"
) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """Check ``spec`` against ``data`` and return the model's columns ready to fit.

    Columns the model does not use are ignored whatever they hold.

    Returns
    -------
    (pandas.DataFrame, tuple of int)
        The model's observed columns as floats (complete cases unless ``missing: fiml``) and the
        rows dropped for missing values (1-based data row numbers, as in error messages).

    Raises
    ------
    SpecError
        Listing every problem at once: unknown variables (with the closest column), non-numeric
        values (column and first bad row), zero-variance or collinear columns, too few rows, a
        model that is not identified.
    """
    numeric, block = _numeric_block(spec, data)
    problems = (_column_problems(spec, data, data_name) + identification_problems(spec)
                + _missing_code_problems(spec, data, data_name, numeric, block))
    if problems:
        raise SpecError(join_problems(f"{spec.source} does not fit {data_name}: "
                                      f"{len(problems)} problems", problems))
    observed = list(spec.parsed.observed)
    if numeric != observed:  # a column of text holding numbers only
        block = data[observed].apply(pd.to_numeric).to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(block)
    # Under FIML only a row with no value at all is dropped: it carries no information; with
    # fixed.x covariates, a row missing a covariate is dropped too (as lavaan's missing = "ml").
    if spec.missing == "listwise":
        keep = ~missing.any(axis=1)
    else:
        keep = ~missing.all(axis=1)
        options = spec.lavaan_options()[0]
        covariates = set(classify(spec.parsed).covariates) if options.fixed_x else set()
        if covariates:
            keep &= ~missing[:, [v in covariates for v in observed]].any(axis=1)
    excluded = tuple(row_label(data, int(i)) for i in np.flatnonzero(~keep))
    empty = [v for v, e in zip(observed, missing.all(axis=0), strict=True) if e]
    if empty or not keep.any():
        raise SpecError(f"{spec.source} does not fit {data_name}: " + (
            f"{', '.join(empty)}: no value in any row; drop it from the syntax or fill it in."
            if empty else "no row is left to fit (listwise deletion drops a row missing any "
            "column the model uses; FIML one missing a covariate); fill the gaps or drop columns "
            "from the syntax."))
    frame = pd.DataFrame(block[keep], columns=observed)
    problems = _moment_problems(spec, frame, data_name)
    if problems:
        raise SpecError(join_problems(f"{spec.source} does not fit {data_name}: "
                                      f"{len(problems)} problems", problems))
    return frame, excluded
