"""From fitted bootstrap draws to results: the per-row table, histograms, the info block.

:func:`summarize_draws` evaluates every row, ``:=`` effect and std_all value on each draw and
summarises them (:mod:`semwb.sem.intervals`); :func:`merge_into_parameters` lays the result over
the core's parameter table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from semwb.distributions import norm_sf
from semwb.results import BootstrapInfo
from semwb.sem.intervals import intervals
from semwb.sem.model.standardized import row_values, standardized_rows
from semwb.sem.model.structure import ModelMatrices

Array = NDArray[np.float64]
Define = Callable[[Mapping[str, Array]], Mapping[str, Array]]

HISTOGRAM_BINS = 40

#: The rule for draws, stated in results.json and the report.
RULE = (
    "Draws whose ML fit does not converge (batched Fisher scoring, then a fresh fit; with groups, "
    "batched quasi-Newton steps from the full-sample estimate) are dropped and listed with the "
    "reason, as lavaan drops them; intervals use the remaining draws. Converged draws with "
    "an inadmissible solution (a negative variance, or a standardized value beyond 1 in absolute "
    "value) are kept, as lavaan keeps them, and listed: dropping them would cut the tail of the "
    "sampling distribution and make intervals too narrow."
)


@dataclass(frozen=True)
class Histogram:
    """Bin edges and counts of one defined effect's draws, for the report."""

    edges: list[float]
    counts: list[int]


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap summary per parameter-table row, the info block, histograms and the draws.

    ``table`` columns: ``lhs op rhs label free est se ci_lower ci_upper std_all std_all_se
    std_all_ci_lower std_all_ci_upper`` (one row per model row, then one per defined effect).
    ``draws`` holds the kept draws of every row (columns ``lhs op rhs`` joined by spaces).
    """

    table: pd.DataFrame
    info: BootstrapInfo
    histograms: dict[str, Histogram] = field(default_factory=dict)
    draws: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Columns:
    """Values of every output column (model rows, then defined effects) for a stack of θ."""

    raw: Array
    std: Array


def _evaluate(mm: ModelMatrices, theta: Array, define: Define | None,
              names: Sequence[str]) -> _Columns:
    raw = row_values(mm, theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = standardized_rows(mm, theta)
    if define is None or not names:
        return _Columns(raw, std)
    by_label = {n: theta[:, i] for i, n in enumerate(mm.names)}
    std_by_label: dict[str, Array] = {}
    for j, row in enumerate(mm.rows):
        std_by_label.setdefault(row.name, std[:, j])
    raw_def = define(by_label)
    std_def = define(std_by_label)
    return _Columns(
        np.column_stack([raw, *(np.asarray(raw_def[n], dtype=float) for n in names)]),
        np.column_stack([std, *(np.asarray(std_def[n], dtype=float) for n in names)]),
    )


def _inadmissible(mm: ModelMatrices, cols: _Columns, draw_numbers: NDArray[np.intp]
                  ) -> list[dict[str, Any]]:
    """Kept draws with a negative variance or a standardized value beyond 1 in absolute value."""
    rows = mm.rows
    variances = [j for j, r in enumerate(rows) if r.op == "~~" and r.lhs == r.rhs]
    bounded = [j for j, r in enumerate(rows) if r.op in ("=~", "~~") and r.lhs != r.rhs]
    negative = cols.raw[:, variances] < 0
    beyond = np.abs(cols.std[:, bounded]) > 1
    flagged = np.flatnonzero(negative.any(axis=1) | beyond.any(axis=1))  # found at once
    out = []
    for b in flagged:  # the few flagged draws, described one by one
        reasons = [f"{rows[j].lhs} {rows[j].op} {rows[j].rhs} = {cols.raw[b, j]:.4g}"
                   for k, j in enumerate(variances) if negative[b, k]]
        reasons += [f"std_all of {rows[j].lhs} {rows[j].op} {rows[j].rhs} = {cols.std[b, j]:.4g}"
                    for k, j in enumerate(bounded) if beyond[b, k]]
        out.append({"draw": int(draw_numbers[b]), "reason": "; ".join(reasons)})
    return out


def summarize_draws(mm: ModelMatrices, theta: Array, *, ci: str, level: float,
                    seed: int | None, failed: Sequence[Mapping[str, Any]],
                    define: Define | None = None, defined: Sequence[tuple[str, str]] = (),
                    jackknife: Array | None = None) -> BootstrapResult:
    """Turn fitted draws into standard errors, intervals, histograms and the info block.

    Parameters
    ----------
    mm
        Model structure; ``mm.estimate`` is the full-sample estimate.
    theta
        ``(draws, q)`` fitted draws, NaN rows for failed ones.
    ci, level, seed
        Interval type and level; the seed is recorded.
    failed
        Failed draws with reasons.
    define
        Evaluates defined effects from label -> values (vectorised over draws).
    defined
        ``(name, expression)`` of each defined effect, in output order.
    jackknife
        ``(N, q)`` leave-one-out estimates, required for ``ci="bca"``.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    ``se`` is the standard deviation of the kept draws (divisor ``R - 1``; lavaan uses ``R`` for
    free parameters, a difference of ``1/(2R)`` relative). Fixed rows get ``se = 0`` and an
    interval equal to their value, as lavaan.
    """
    names = [n for n, _ in defined]
    ok = np.all(np.isfinite(theta), axis=1)
    cols = _evaluate(mm, theta[ok], define, names)
    point = _evaluate(mm, mm.estimate[None], define, names)
    jack_cols = _evaluate(mm, jackknife[np.all(np.isfinite(jackknife), axis=1)], define, names) \
        if jackknife is not None else None
    rows = [(r.lhs, r.op, r.rhs, r.name if not r.name.startswith("_") else "", r.param < 0)
            for r in mm.rows]
    return summarize_values(rows, cols.raw, cols.std, (point.raw[0], point.std[0]),
                            ci=ci, level=level, seed=seed, failed=failed, draws=theta.shape[0],
                            defined=defined, inadmissible=_inadmissible(
                                mm, cols, np.flatnonzero(ok) + 1),
                            jackknife=None if jack_cols is None
                            else (jack_cols.raw, jack_cols.std))


#: One output row: ``(lhs, op, rhs, label, fixed)``.
Row = tuple[str, str, str, str, bool]


def summarize_values(rows: Sequence[Row], raw: Array, std: Array, point: tuple[Array, Array], *,
                     ci: str, level: float, seed: int | None, failed: Sequence[Mapping[str, Any]],
                     draws: int, defined: Sequence[tuple[str, str]] = (),
                     inadmissible: Sequence[Mapping[str, Any]] = (),
                     jackknife: tuple[Array, Array] | None = None,
                     rule: str = RULE) -> BootstrapResult:
    """The :class:`BootstrapResult` of values already evaluated on each kept draw.

    ``raw`` and ``std`` are ``(kept draws, rows + defined)``: the values of ``rows`` then of the
    ``defined`` effects, raw and standardized; ``point`` their full-sample values; ``draws`` the
    number of draws asked for; ``rule`` says which draws were dropped. Fixed rows get
    ``se = 0`` and an interval equal to their value.
    """
    names = [n for n, _ in defined]
    is_fixed = np.array([r[4] for r in rows] + [False] * len(names), dtype=bool)
    table_parts = {}
    for kind, values, est, jack in (
        ("", raw, point[0], None if jackknife is None else jackknife[0]),
        ("std_all_", std, point[1], None if jackknife is None else jackknife[1]),
    ):
        se = np.nanstd(values, axis=0, ddof=1)
        bounds = intervals(ci, values, est, jack, level)
        if kind == "":
            se = np.where(is_fixed, 0.0, se)
            bounds = np.where(is_fixed[:, None], est[:, None], bounds)
        table_parts[f"{kind}est" if kind else "est"] = est
        table_parts[f"{kind}se"] = se
        table_parts[f"{kind}ci_lower"] = bounds[:, 0]
        table_parts[f"{kind}ci_upper"] = bounds[:, 1]
    table = pd.DataFrame({
        "lhs": [r[0] for r in rows] + names,
        "op": [r[1] for r in rows] + [":="] * len(names),
        "rhs": [r[2] for r in rows] + [e for _, e in defined],
        "label": [r[3] for r in rows] + names,
        "free": [not f for f in is_fixed[: len(rows)]] + [False] * len(names),
        "est": table_parts["est"],
        "se": table_parts["se"],
        "ci_lower": table_parts["ci_lower"],
        "ci_upper": table_parts["ci_upper"],
        "std_all": table_parts["std_all_est"],
        "std_all_se": table_parts["std_all_se"],
        "std_all_ci_lower": table_parts["std_all_ci_lower"],
        "std_all_ci_upper": table_parts["std_all_ci_upper"],
    })
    histograms = {}
    for j, name in enumerate(names):
        v = raw[:, len(rows) + j]
        counts, edges = np.histogram(v[np.isfinite(v)], bins=HISTOGRAM_BINS)
        histograms[name] = Histogram([float(e) for e in edges], [int(c) for c in counts])
    info = BootstrapInfo(
        draws=int(draws), succeeded=int(raw.shape[0]), ci=ci, level=level, seed=seed,
        failed=[dict(f) for f in failed], rule=rule,
        inadmissible=[dict(i) for i in inadmissible],
        histograms={k: {"edges": h.edges, "counts": [float(c) for c in h.counts]}
                    for k, h in histograms.items()},
    )
    labels = [f"{a} {b} {c}" for a, b, c in zip(table["lhs"], table["op"], table["rhs"],
                                                strict=True)]
    return BootstrapResult(table, info, histograms, pd.DataFrame(raw, columns=labels))




_SAME_CELL = {"=~": "~", "~": "=~"}

BOOTSTRAP_COLUMNS = ("se", "ci_lower", "ci_upper", "std_all_se", "std_all_ci_lower",
                     "std_all_ci_upper")


def merge_into_parameters(parameters: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with its ``se``, ``z``, ``pvalue`` and intervals from the bootstrap.

    Parameters
    ----------
    parameters
        ``FitResult.parameters`` (lavaan ``parameterEstimates()`` columns).
    table
        :attr:`BootstrapResult.table`.

    Returns
    -------
    pandas.DataFrame
        ``parameters`` in its own row order with ``se``, ``ci_lower``, ``ci_upper`` replaced,
        ``z = est/se`` and its normal ``pvalue`` (as lavaan after ``se = "bootstrap"``), and
        ``std_all_se``, ``std_all_ci_lower``, ``std_all_ci_upper`` added. Fixed rows keep
        ``se = 0`` and an interval equal to their value; rows the bootstrap has no values for
        (fixed.x rows) get NaN standardized columns.

    Raises
    ------
    RuntimeError
        When a free or ``:=`` row of ``parameters`` has no bootstrap row: the two tables
        describe different models (a bug, not a user error).
    """
    where: dict[tuple[str, str, str], int] = {}
    for i, (lhs, op, rhs) in enumerate(zip(table["lhs"], table["op"], table["rhs"],
                                           strict=True)):
        key = (lhs, op, "" if op == ":=" else rhs)
        where[key] = i
        if op == "~~":
            where.setdefault((rhs, op, lhs), i)
    out = parameters.copy()
    for col in BOOTSTRAP_COLUMNS:
        out[col] = np.nan
    for j, row in enumerate(parameters.itertuples(index=False)):
        found = where.get((row.lhs, row.op, "" if row.op == ":=" else row.rhs))
        if found is None and row.op in _SAME_CELL:
            # semopy keeps a second-order loading (F =~ G) in B and a regression of an item on
            # a factor (y ~ F) in Λ: the same cell, read under the other operator
            found = where.get((row.rhs, _SAME_CELL[row.op], row.lhs))
        boot = row.op == ":=" or bool(row.free)
        if found is None:
            if boot:
                raise RuntimeError(f"The bootstrap has no row for {row.lhs} {row.op} {row.rhs}.")
            out.iloc[j, out.columns.get_loc("se")] = 0.0
            continue
        for col in BOOTSTRAP_COLUMNS:
            out.iloc[j, out.columns.get_loc(col)] = table[col].iloc[found]
        if not boot:
            for col, value in (("se", 0.0), ("ci_lower", row.est), ("ci_upper", row.est)):
                out.iloc[j, out.columns.get_loc(col)] = value
    se = out["se"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, out["est"].to_numpy(dtype=float) / se, np.nan)
    out["z"] = z
    out["pvalue"] = np.where(np.isfinite(z), 2 * norm_sf(np.abs(z)), np.nan)
    return out
