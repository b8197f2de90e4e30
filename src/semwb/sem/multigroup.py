"""One fit of a multiple-group spec (``group:``; ML, FIML, MLR, MLM), as lavaan 0.6.14's ``sem()``.

The data are split by the ``group`` column (groups in order of first appearance, as lavaan's
``group.label``), each group checked as a data set of its own, the parameter table built for all
groups (:mod:`semwb.sem.groups`) and fitted as one block-diagonal model
(:mod:`semwb.sem.model.groups`). The result is an ordinary :class:`FitResult` whose ``group``
column holds each row's group and whose ``groups`` lists them.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from semwb.errors import FitError, SemwbWarning, SpecError, join_problems
from semwb.sem.data_checks import check_data, row_label
from semwb.sem.estimate import FitResult, _diagnose, _exogenous_deletions
from semwb.sem.estimators.ml import CoreFit, fit_ml
from semwb.sem.estimators.start import covariate_starts, start_values
from semwb.sem.groupfit import group_fit_indices, group_moments
from semwb.sem.grouprobust import group_robust, group_scaled_indices
from semwb.sem.groups import GroupTable, block_name, group_partable, split_name
from semwb.sem.model.constraints import check_inequalities, equality_reparam
from semwb.sem.model.groups import block_data
from semwb.sem.model.standardized import r_squared
from semwb.sem.model.structure import build_matrices, parameter_names
from semwb.sem.partable import classify, covariate_terms
from semwb.sem.solution import parameter_table
from semwb.sem.spec import ModelSpec


def split_groups(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data"
                 ) -> tuple[list[str], list[pd.DataFrame], tuple[int, ...]]:
    """Check ``data`` group by group and return the levels, each group's model columns and
    the rows dropped for missing values.

    Raises
    ------
    SpecError
        When the group column is absent or has missing values, when there are fewer than two
        groups, or when a group fails the single-group checks (too few rows, a constant item,
        ...), every problem at once with its group.
    """
    column = spec.group or ""
    if column not in data.columns:
        close = difflib.get_close_matches(column, [str(c) for c in data.columns], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(f"{spec.source}: the group column '{column}' is not a column of "
                        f"{data_name}{hint}.")
    index = data.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        data = data.set_axis(pd.RangeIndex(1, len(data) + 1))  # rows as messages number them
    labels = data[column]
    numbers = pd.to_numeric(labels, errors="coerce")
    if numbers.notna().all() and (numbers % 1 == 0).all():
        labels = numbers.astype("int64")  # codes read as floats are shown as 1, 2, not 1.0
    if labels.isna().any():
        position = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise SpecError(f"{data_name}, row {row_label(data, position)}, column {column}: the "
                        "group is missing; every respondent needs a group (fill it in or drop "
                        "the row).")
    levels = list(dict.fromkeys(str(v) for v in labels))
    if spec.group_levels:
        chosen = [str(v) for v in spec.group_levels]
        absent = [v for v in chosen if v not in levels]
        if absent:
            raise SpecError(f"{spec.source}: group_levels names {', '.join(absent)}, which no "
                            f"row of {data_name} has in column {column} (its groups: "
                            f"{', '.join(levels)}).")
        levels = chosen
    if len(levels) < 2:
        raise SpecError(f"{data_name}, column {column}: every row is in group "
                        f"'{levels[0] if levels else ''}'; a multiple-group model needs at least "
                        "two groups (remove 'group:' to fit one).")
    if len(levels) > len(data) / 2:  # most rows a group of their own
        raise SpecError(f"{data_name}, column {column}: {len(levels)} groups for {len(data)} rows "
                        f"({column} has one value per row or nearly): is it an id column? Group "
                        "by a column with a few values (e.g. country, condition), each group "
                        "with many rows.")
    frames: list[pd.DataFrame] = []
    excluded: list[int] = []
    problems: list[str] = []
    for level in levels:
        part = data[labels.astype(str) == level]
        try:
            frame, dropped = check_data(spec, part,
                                        data_name=f"{data_name} (group {column} = {level})")
        except SpecError as exc:
            problems += [line.lstrip("- ") for line in str(exc).splitlines()[1:]] or [str(exc)]
            continue
        frames.append(frame)
        excluded += dropped
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SpecError(join_problems(f"{spec.source} does not fit {data_name}: "
                                      f"{len(unique)} problems", unique))
    return levels, frames, tuple(sorted(excluded))


def build_group_table(spec: ModelSpec, n_groups: int, *, equal_labels: bool = True
                      ) -> GroupTable:
    """The parameter table of ``spec`` over ``n_groups`` groups."""
    return group_partable(spec.parsed, spec.lavaan_options()[0], n_groups=n_groups,
                          group_equal=tuple(spec.group_equal),
                          group_partial=tuple(spec.group_partial),
                          equal_labels=equal_labels, source=spec.source)


def fit_core(spec: ModelSpec, table: GroupTable, frames: list[pd.DataFrame]) -> CoreFit:
    """Fit the block model of ``table`` to the groups' data."""
    parsed = spec.parsed
    X, blocks = block_data([f.to_numpy(dtype=float) for f in frames])
    _, names = parameter_names(table.rows)
    reparam = equality_reparam(parsed.constraints, parsed.definitions, names=names,
                               source=spec.source)
    mm = build_matrices(table.rows, latents=table.latents, observed=table.observed,
                        meanstructure=True, reparam=reparam)
    mm = replace(mm, blocks=blocks)
    start = start_values(mm, table.rows, X)
    options = spec.lavaan_options()[0]
    if not options.fixed_x:
        covariates = [block_name(v, g) for g in range(len(frames))
                      for v in classify(parsed).covariates]
        start = covariate_starts(mm, table.rows, X, start, covariates)
    core = fit_ml(mm, X, start, fiml=spec.missing == "fiml")
    if core.singular:
        raise FitError(f"{spec.source}: the model is not identified: the information matrix "
                       "is singular (parameters involved: "
                       f"{', '.join(names[i] for i in core.singular)}); fix or drop "
                       "parameters, or constrain them across groups.")
    check_inequalities(parsed.constraints, parsed.definitions, names=names,
                       theta=core.mm.estimate, source=spec.source)
    return core


def small_groups(spec: ModelSpec, table: GroupTable, levels: list[str],
                 sizes: list[int]) -> list[str]:
    """A note for each group with fewer rows than the free parameters of its block.

    Such a group's estimates rest on fewer cases than parameters (Kline, 2016, asks for 10 to
    20 cases per parameter; Jackson, 2003, the N:q rule); its standard errors and the model's
    fit are unreliable.
    """
    notes = []
    for g, (level, n) in enumerate(zip(levels, sizes, strict=True)):
        free = {r.label or f"_{i}" for i, r in enumerate(table.rows)
                if r.free and table.group[i] == g}
        if n < len(free):
            notes.append(f"group {spec.group} = {level} has {n} rows for the {len(free)} free "
                         "parameters of its part of the model: too few to estimate them "
                         "reliably (10-20 cases per parameter is the usual rule); merge small "
                         "groups or leave this one out.")
    return notes


def plain_names(message: str, levels: list[str]) -> str:
    """A message with block-model names (``x1|2``) written as ``x1 [group level]``."""
    return re.sub(r"(\S+?)\|(\d+)", lambda m: f"{m.group(1)} [{levels[int(m.group(2)) - 1]}]",
                  message)


def fit_groups(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data") -> FitResult:
    """Fit a multiple-group spec as lavaan's ``sem(..., group = spec.group)``.

    Returns
    -------
    FitResult
        ``parameters`` has one block of rows per group (``group`` the group's value in the
        data), then the ``:=`` rows; ``r2`` keys are ``"variable [group]"``; ``groups`` lists
        the groups in order.

    Raises
    ------
    SpecError, FitError
        As :func:`semwb.sem.estimate.fit_model`, plus the group checks of :func:`split_groups`.
    """
    if spec.estimator == "WLSMV":
        from semwb.sem.ordinal.groups import fit_ordinal_groups

        return fit_ordinal_groups(spec, data, data_name=data_name)
    levels, frames, excluded = split_groups(spec, data, data_name=data_name)
    table = build_group_table(spec, len(levels))
    core = fit_core(spec, table, frames)
    parsed = spec.parsed
    options = spec.lavaan_options()[0]
    covariates = classify(parsed).covariates
    block_covariates = [block_name(v, g) for g in range(len(levels)) for v in covariates]
    npar = core.mm.n_params - (core.mm.reparam.count if core.mm.reparam is not None else 0)
    mask = np.array([v in covariates for v in parsed.observed])
    mentioned = {v for t in covariate_terms(parsed) for v in (t.lhs, t.rhs)}
    ov_x = np.array([v in covariates and v not in mentioned for v in parsed.observed])
    moments, notes = group_moments(core.patterns, core.mm.blocks or (), core.n_obs, mask, ov_x,
                                   options.fixed_x)
    indices, _ = group_fit_indices(core.mm, moments, npar=npar)
    if spec.estimator != "ML":  # MLR / MLM: robust SEs and the scaled test over the groups
        vcov, test = group_robust(spec.estimator, core, moments,
                                  [f.to_numpy(dtype=float) for f in frames])
        core = replace(core, vcov=vcov)
        indices = group_scaled_indices(indices, test, core.n_obs, len(levels))
    internal = parameter_table(core.mm, core.vcov, table.user_labels, spec.effects,
                               covariates=block_covariates if options.fixed_x else ())
    found = _diagnose(internal, core, table.latents)
    deleted = _exogenous_deletions(spec, data)
    small = small_groups(spec, table, levels, [len(f) for f in frames])
    messages = [plain_names(m, levels)
                for m in (spec.lavaan_options()[1], deleted, *notes, *small) if m]
    diagnosed = [(category, plain_names(m, levels)) for category, m in found]
    for message in messages:
        warnings.warn(f"{spec.name}: {message}", SemwbWarning, stacklevel=2)
    for category, message in diagnosed:
        warnings.warn(f"{spec.name}: {message}", category, stacklevel=2)
    endogenous = {r.rhs for r in table.rows if r.op == "=~"} | {
        r.lhs for r in table.rows if r.op == "~"}
    order = list(dict.fromkeys(v for r in table.rows for v in (r.lhs, r.rhs) if v))
    r2 = r_squared(core.mm, core.mm.estimate[None], [v for v in order if v in endogenous])
    names = list(core.mm.names)
    return FitResult(
        spec=spec, parameters=_named(internal, levels), fit=indices,
        r2={plain_names(k, levels): v for k, v in r2.items()}, n_obs=core.n_obs,
        n_excluded=len(excluded), excluded_rows=excluded, converged=core.converged,
        warnings=tuple(messages) + tuple(m for _, m in diagnosed),
        observed=parsed.observed, data=pd.concat(frames, ignore_index=True),
        vcov=pd.DataFrame(core.vcov, index=names, columns=names), effects=spec.effects,
        model=core.mm, groups=tuple(levels), group_n=tuple(len(f) for f in frames),
    )


def _named(table: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """The block model's table with lavaan's variable names and the group of each row."""
    out = table.copy()
    groups: list[str | None] = []
    for i, row in out.iterrows():
        if row["op"] == ":=":
            groups.append(None)
            continue
        lhs, g = split_name(str(row["lhs"]))
        out.at[i, "lhs"] = lhs
        if row["rhs"]:
            out.at[i, "rhs"] = split_name(str(row["rhs"]))[0]
        groups.append(levels[g])
    out["group"] = groups
    return out
