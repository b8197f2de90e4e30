"""Score (Lagrange multiplier) tests of the ``group_equal`` constraints, as lavaan's
``lavTestScore()`` (expected information; under FIML semwb uses the observed information, not
checked against lavaan).

The constrained model is fitted once. The same model without the ``group_equal`` ties
(:func:`semwb.sem.groups.group_partable` with ``equal_labels=False``) is evaluated at the
constrained estimate: its gradient ``∇F`` is the score, and with ``K`` a basis of the directions
the remaining constraints allow (user ``==`` constraints always kept),

``X² = (N/2) ∇Fᵀ K (Kᵀ I K)⁻¹ Kᵀ ∇F``

(``F = -2 log L / N``, ``I`` the expected information of ``F``). With no group constraint kept
this is the total test (df = the number of constraints); keeping all but one gives the
univariate test of releasing that one (df = 1), the ranking partial invariance starts from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import linalg

from semwb.distributions import chi2_sf
from semwb.sem.estimators.ml import data_patterns, observed_information, sample_moments
from semwb.sem.groups import row_key, split_name
from semwb.sem.model.algebra import gradient, information, objective, with_sample_moments
from semwb.sem.model.constraints import equality_reparam
from semwb.sem.model.groups import block_data
from semwb.sem.model.structure import Array, build_matrices, parameter_names
from semwb.sem.multigroup import build_group_table, fit_core, split_groups
from semwb.sem.spec import ModelSpec

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult


@dataclass(frozen=True)
class ScoreTest:
    """The score test of one cross-group equality (``lhs op rhs`` in group ``group`` equal to
    the first group's), or of all of them (``lhs`` ``"(all)"``)."""

    lhs: str
    op: str
    rhs: str
    group: str
    chisq: float
    df: int
    pvalue: float

    @property
    def partial(self) -> str:
        """The ``group_partial`` entry that releases this constraint."""
        return row_key(self.lhs, self.op, self.rhs)


def _statistic(grad: Array, info: Array, K: Array, n: int) -> float:
    """``n/2 gᵀ I⁺ g`` on the free parameters (``K``).

    The unconstrained model of a ``group_equal`` ladder step can leave parameters unidentified
    (latent means once the intercepts are free in every group): its information is then
    singular, the score has no component along the unidentified directions, and lavaan's
    ``lavTestScore`` takes a generalised inverse. So does this (least squares, which is
    ``I⁺ g``); ``np.linalg.solve`` would fail on the exact singularity or amplify rounding.
    """
    reduced = K.T @ info @ K
    g = K.T @ grad
    return float(0.5 * n * g @ np.linalg.lstsq(reduced, g, rcond=None)[0])


def score_tests(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data",
                fitted: FitResult | None = None) -> tuple[ScoreTest, list[ScoreTest]]:
    """The total and the univariate score tests of ``spec``'s ``group_equal`` constraints.

    Parameters
    ----------
    spec, data, data_name
        The constrained model and its data.
    fitted
        ``fit_model(spec, data)`` when the caller has it (the invariance ladder does): the
        constrained model is then not fitted again.

    Returns
    -------
    (ScoreTest, list of ScoreTest)
        The total test and one test per constraint, largest chi-square first.
    """
    levels, frames, _ = split_groups(spec, data, data_name=data_name)
    constrained = build_group_table(spec, len(levels))
    if fitted is None:
        core = fit_core(spec, constrained, frames)
        estimate, n = core.mm.estimate, core.n_obs
    else:
        estimate, n = fitted.model.estimate, fitted.n_obs
    free = build_group_table(spec, len(levels), equal_labels=False)
    index_c, _ = parameter_names(constrained.rows)
    index_u, names_u = parameter_names(free.rows)
    theta = np.zeros(len(names_u))
    for kc, ku in zip(index_c, index_u, strict=True):
        if ku >= 0:
            theta[ku] = estimate[kc]
    parsed = spec.parsed
    reparam = equality_reparam(parsed.constraints, parsed.definitions, names=names_u,
                               source=spec.source)
    X, blocks = block_data([f.to_numpy(dtype=float) for f in frames])
    mm = build_matrices(free.rows, latents=free.latents, observed=free.observed,
                        meanstructure=True, reparam=reparam)
    S, mean = sample_moments(X)
    mm = replace(with_sample_moments(mm, S, mean), blocks=blocks)
    patterns = data_patterns(X)
    ev = objective(mm, theta[None], patterns)
    grad = gradient(mm, ev, patterns)[0]
    if spec.missing == "fiml":
        info = observed_information(mm, patterns, theta)
    else:
        info = information(mm, ev.imp, ev.sigma_inv)[0]
    ties: list[tuple[int, int, int]] = []  # (row, first group's parameter, this parameter)
    first: dict[str, int] = {}
    for i, (row, ku) in enumerate(zip(constrained.rows, index_u, strict=True)):
        tied = row.free and row.label and not constrained.user_labels[i]
        if not tied:
            continue
        if row.label in first:
            ties.append((i, first[row.label], ku))
        else:
            first[row.label] = ku
    q = len(names_u)
    base = np.eye(q) if reparam is None else reparam.K
    R = np.zeros((len(ties), q))
    for j, (_, a, b) in enumerate(ties):
        R[j, a], R[j, b] = 1.0, -1.0
    total_chisq = _statistic(grad, info, base, n)
    total = ScoreTest("(all)", "", "", "", total_chisq, len(ties),
                      float(chi2_sf(total_chisq, len(ties))))
    tests = []
    for j, (i, _, _) in enumerate(ties):
        keep = np.delete(R, j, axis=0)
        K = base @ linalg.null_space(keep @ base) if keep.size else base
        chisq = _statistic(grad, info, K, n)
        row = constrained.rows[i]
        lhs, g = split_name(row.lhs)
        rhs = split_name(row.rhs)[0] if row.rhs else ""
        tests.append(ScoreTest(lhs, row.op, rhs, levels[g], chisq, 1,
                               float(chi2_sf(chisq, 1))))
    return total, sorted(tests, key=lambda t: -t.chisq)
