"""The bootstrap of a multiple-group model: its rows stacked by group, its table named back.

lavaan's bootstrap of a multiple-group model draws each group's rows with replacement from that
group alone (every draw keeps each group's size) and refits the whole model. semwb fits groups
as one block-diagonal model whose data are the groups' rows stacked in their own blocks of
columns (:mod:`semwb.sem.model.groups`); :func:`group_rows` gives the bootstrap these rows,
:mod:`semwb.sem.bootstrap_draws` redraws them within their groups and refits them by case
weights, and :func:`plain_result` names the rows back as the fit's table does (variables by
their data names, each row with its group).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from semwb.errors import OptionError
from semwb.sem.bootstrap_table import BootstrapResult, merge_into_parameters
from semwb.sem.groups import block_name
from semwb.sem.model.groups import block_data

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult


def group_rows(fit: FitResult, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of a multiple-group fit stacked by group, columns ``fit.model.observed``.

    Parameters
    ----------
    fit
        A multiple-group fit (``fit.groups`` not empty).
    data
        Data with the group column, checked and split as the fit split it; by default
        ``fit.data``, the rows the fit used (group by group).

    Raises
    ------
    OptionError
        When ``data`` does not have the fit's groups.
    """
    mm = fit.model
    if mm.blocks is None:
        raise ValueError("group_rows needs a multiple-group fit")
    if data is None:
        n = len(fit.data)
        edges = np.cumsum([0, *(round(weight * n) for _, weight in mm.blocks)])
        frames = [fit.data.iloc[a:b] for a, b in itertools.pairwise(edges)]
    else:
        from semwb.sem.multigroup import split_groups

        levels, frames, _ = split_groups(fit.spec, data)
        if tuple(levels) != fit.groups:
            raise OptionError(f"The bootstrap data have the groups {', '.join(levels)}; the "
                              f"model was fitted to {', '.join(fit.groups)}. Pass the data the "
                              "model was fitted to.")
    X, _ = block_data([f.to_numpy(dtype=float) for f in frames])
    return pd.DataFrame(X, columns=list(mm.observed))


def plain_result(fit: FitResult, result: BootstrapResult) -> BootstrapResult:
    """``result`` (rows in block-model names) laid over ``fit.parameters``, messages and draw
    columns with each variable named ``x [group]``."""
    from semwb.sem.multigroup import plain_names

    levels = list(fit.groups)
    table = fit.parameters.copy()
    grouped = table["op"] != ":="
    position = {level: g for g, level in enumerate(levels)}
    for column in ("lhs", "rhs"):
        table.loc[grouped, column] = [block_name(str(v), position[str(g)]) for v, g in
                                      zip(table.loc[grouped, column],
                                          table.loc[grouped, "group"], strict=True)]
    merged = merge_into_parameters(table, result.table)
    merged[["lhs", "rhs"]] = fit.parameters[["lhs", "rhs"]]
    info = result.info.model_copy(update={
        "failed": [{**f, "reason": plain_names(str(f["reason"]), levels)}
                   for f in result.info.failed],
        "inadmissible": [{**f, "reason": plain_names(str(f["reason"]), levels)}
                         for f in result.info.inadmissible]})
    draws = None if result.draws is None else result.draws.set_axis(
        [plain_names(c, levels) for c in result.draws.columns], axis=1)
    return dataclasses.replace(result, table=merged, info=info, draws=draws)
