"""The bootstrap of a multiple-group model: its rows stacked by group, its table named back.

lavaan's bootstrap of a multiple-group model draws each group's rows with replacement from that
group alone (every draw keeps each group's size) and refits the whole model. semwb fits groups
as one block-diagonal model whose data are the groups' rows stacked in their own blocks of
columns (:mod:`semwb.sem.model.groups`); :func:`group_rows` gives the bootstrap these rows,
:mod:`semwb.sem.bootstrap_draws` redraws them within their groups, :func:`fit_group_draws`
refits them (each complete group by its resampled moments, incomplete rows by FIML case
weights) and :func:`failed_draws` says why a draw could not be fitted, and
:func:`plain_result` names the rows back as the fit's table does (variables by their data
names, each row with its group).

Small groups (30-40 respondents) fit a model poorly: Fisher scoring then crawls, so draws are
fitted by batched BFGS steps from Fisher's metric (:mod:`semwb.sem.model.quasi_newton`), all
draws of a chunk together, warm-started at the full-sample estimate. A draw that does not
converge there is dropped and listed with its reason, as lavaan drops a draw whose refit does
not converge (``lav_bootstrap_internal``: non-converged runs are not used and counted); a draw
that converges to an inadmissible solution is kept and listed, as lavaan keeps it.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from semwb.errors import OptionError
from semwb.sem.blas import one_blas_thread
from semwb.sem.bootstrap_rows import case_weights, covariate_moments
from semwb.sem.bootstrap_table import BootstrapResult, merge_into_parameters
from semwb.sem.groups import block_name
from semwb.sem.model.algebra import Pattern
from semwb.sem.model.factor import cholesky_logdet
from semwb.sem.model.fitting import BatchFit, Data
from semwb.sem.model.groups import block_data, row_groups
from semwb.sem.model.missing import MissingRows
from semwb.sem.model.quasi_newton import fit_quasi_newton
from semwb.sem.model.standardized import row_values
from semwb.sem.model.structure import Array, ModelMatrices

#: Quasi-Newton steps a draw gets from the full-sample estimate before it is failed.
MAX_STEPS = 200
#: Fisher scoring steps before BFGS when an unconverged draw is fitted again.
SCORING_AGAIN = 3

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


def _draw_data(mm: ModelMatrices, rows: MissingRows, X: Array, weights: Array) -> Data:
    """The draws ``weights (n, N)`` as each group's weighted moments (one pattern per group),
    or as weighted rows when a group has missing values (FIML)."""
    if mm.blocks is None:
        raise ValueError("group draws need a multiple-group model")
    groups = row_groups(X, mm.blocks)
    patterns = []
    for g, (cols, share) in enumerate(mm.blocks):
        own = X[np.ix_(groups == g, cols)]
        if not np.isfinite(own).all():
            return dataclasses.replace(rows, weights=weights)
        w = weights[:, groups == g] / share  # each draw's weights within the group sum to 1
        centred = own - own.mean(axis=0)
        shift = np.einsum("nr,rp->np", w, centred)  # per draw: no blocking across draws
        second = np.einsum("nr,ri,rj->nij", w, centred, centred)
        S = second - shift[:, :, None] * shift[:, None, :]
        patterns.append(Pattern(cols, share, S, shift + own.mean(axis=0)))
    return patterns


def fit_group_draws(mm: ModelMatrices, rows: MissingRows, X: Array, weights: Array) -> BatchFit:
    """Fit the draws ``weights (n, N)`` (case counts over ``N`` of the stacked rows ``X``, each
    group's rows redrawn within the group) by batched quasi-Newton steps from the estimate.

    A draw they leave unconverged (most often one heading for an improper solution) starts
    again from the estimate with more Fisher scoring steps before the BFGS updates, which
    can stop at the local minimum nearer the estimate, the one lavaan's refit finds.
    """
    with one_blas_thread():
        S, mean = covariate_moments(mm, X, weights)
        fit = fit_quasi_newton(mm, _draw_data(mm, rows, X, weights), start=mm.estimate,
                               S_full=S, mean_full=mean, max_iter=MAX_STEPS)
        todo = np.flatnonzero(~fit.converged)
        if not todo.size:
            return fit
        again = fit_quasi_newton(mm, _draw_data(mm, rows, X, weights[todo]),
                                 start=mm.estimate, S_full=None if S is None else S[todo],
                                 mean_full=None if mean is None else mean[todo],
                                 max_iter=MAX_STEPS, scoring=SCORING_AGAIN)
        theta, converged = fit.theta.copy(), fit.converged.copy()
        theta[todo], converged[todo] = again.theta, again.converged
        return dataclasses.replace(fit, theta=theta, converged=converged)


def failed_draws(mm: ModelMatrices, rows: MissingRows, X: Array, indices: NDArray[np.intp],
                 theta: Array, converged: NDArray[np.bool_]) -> list[dict[str, object]]:
    """Each draw :func:`fit_group_draws` did not converge, with why; its ``theta`` row is set
    to NaN (the draw is dropped)."""
    out: list[dict[str, object]] = []
    todo = np.flatnonzero(~converged)
    if not todo.size:
        return out
    data = _draw_data(mm, rows, X, case_weights(X.shape[0], indices[todo]))
    singular = np.zeros(todo.size, dtype=bool)
    for pat in data if isinstance(data, list) else ():
        singular |= ~cholesky_logdet(pat.S)[1]
    values = row_values(mm, theta[todo])
    variances = [j for j, r in enumerate(mm.rows) if r.op == "~~" and r.lhs == r.rhs]
    for k, b in enumerate(todo):
        if singular[k]:
            reason = ("a group's resampled covariance matrix is singular (too few distinct "
                      "respondents drawn): no ML estimate")
        else:
            negative = [f"{mm.rows[j].lhs} ~~ {mm.rows[j].rhs} = {values[k, j]:.3g}"
                        for j in variances if values[k, j] < 0]
            reason = (f"did not converge in {MAX_STEPS} quasi-Newton steps from the "
                      "full-sample estimate" + (f" (heading to a negative variance: "
                                                f"{'; '.join(negative)})" if negative else ""))
        out.append({"draw": int(b) + 1, "reason": reason})
        theta[b] = np.nan
    return out


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
