"""``<`` / ``>`` constraints between labels by an active set, with lavaan's answer.

An inequality that holds at the unconstrained estimate changes nothing. One that does not is
*active*: the constrained optimum lies on its boundary, so it is fitted as an equality. The set
grows by the inequalities a fit breaks and loses one whose Lagrange multiplier has the wrong
sign (a boundary that does not hold the estimate back), until neither happens: an active-set
method. scipy's constrained optimisers (SLSQP, trust-constr) would find the same point, but not
with lavaan's information on the boundary, which the model core's Fisher scoring with the ``==``
reparameterisation gives directly. A set that does not settle is refused, not answered.

As lavaan 0.6, an active inequality does not count in ``npar`` (so not in df, AIC or BIC),
its standard errors come from the information with the active constraints treated as
equalities, and a parameter the boundary fixes has no standard error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semwb.errors import FitError
from semwb.sem.estimators.ml import CoreFit
from semwb.sem.model.algebra import gradient
from semwb.sem.model.constraints import linear_rows, violated
from semwb.sem.model.fitting import Data, evaluate
from semwb.sem.model.structure import Array
from semwb.sem.syntax import Constraint, Definition

#: Multipliers smaller than this (relative to the gradient's scale) count as zero.
_MULTIPLIER_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ActiveSetFit:
    """The fit on the boundary of the active inequalities.

    Attributes
    ----------
    core
        The ML fit with ``active`` imposed as equalities.
    active
        The inequalities on their boundary, in syntax order (empty when none is active).
    bound
        Indices of the free parameters that the active inequalities fix (no standard error).
    """

    core: CoreFit
    active: tuple[Constraint, ...]
    bound: tuple[int, ...]


def as_equality(constraint: Constraint) -> Constraint:
    """``a > b`` on its boundary: ``a == b``."""
    return Constraint(constraint.lhs, "==", constraint.rhs, constraint.line)


def fit_active_set(fit_with: Callable[[tuple[Constraint, ...]], CoreFit],
                   constraints: Sequence[Constraint], definitions: Sequence[Definition], *,
                   names: Sequence[str], data: Callable[[CoreFit], Data],
                   source: str) -> ActiveSetFit:
    """Fit with every ``<`` / ``>`` constraint satisfied, as lavaan's constrained optimum.

    Parameters
    ----------
    fit_with
        Fits the model with extra ``==`` constraints (the active inequalities).
    constraints, definitions
        The model's constraints and ``:=`` definitions.
    names
        The free parameters' names (labels where given).
    data
        The data a fit used, for the gradient at its estimate (called only when a
        constraint is active).
    source
        The spec, for messages.

    Raises
    ------
    FitError
        When the active set does not settle (semwb cannot give lavaan's answer then).
    SpecError
        When an inequality the estimate breaks is not linear in the labels.
    """
    inequalities = [c for c in constraints if c.op in ("<", ">")]
    active: list[Constraint] = []
    for _ in range(4 * len(inequalities) + 1):
        core = fit_with(tuple(as_equality(c) for c in active))
        broken = violated([c for c in inequalities if c not in active], definitions,
                          names=names, theta=core.mm.estimate, source=source)
        if broken:
            active = sorted([*active, *broken], key=lambda c: c.line)
            continue
        if not active:
            return ActiveSetFit(core, (), ())
        released = _not_holding(core, active, constraints, definitions, names, data(core),
                                source)
        if released is None:
            return ActiveSetFit(core, tuple(active), _bound(core, active, definitions, names,
                                                              source))
        active.remove(released)
    raise FitError(f"{source}: the '<' / '>' constraints did not settle on one set of active "
                   "constraints, so semwb cannot give lavaan's answer; fit them one at a time "
                   "or fix a parameter.")


def _bound(core: CoreFit, active: Sequence[Constraint], definitions: Sequence[Definition],
           names: Sequence[str], source: str) -> tuple[int, ...]:
    """The free parameters whose value the active boundaries fix (no sampling variance)."""
    rows = linear_rows([as_equality(c) for c in active], definitions, names=names,
                       source=source)[0]
    touched = np.flatnonzero(np.abs(rows).sum(axis=0) > 0)
    variance = np.diag(core.vcov)
    return tuple(int(i) for i in touched
                 if not variance[i] > 1e-10 * max(1.0, core.mm.estimate[i] ** 2))


def _not_holding(core: CoreFit, active: Sequence[Constraint],
                 constraints: Sequence[Constraint], definitions: Sequence[Definition],
                 names: Sequence[str], data: Data, source: str) -> Constraint | None:
    """The active constraint whose Lagrange multiplier says it does not hold the estimate
    back (the most wrong one), or None when every one does."""
    equalities = [c for c in constraints if c.op == "=="]
    rows, _ = linear_rows([*equalities, *(as_equality(c) for c in active)], definitions,
                          names=names, source=source)
    ev = evaluate(core.mm, core.mm.estimate[None], data)
    grad: Array = gradient(core.mm, ev, data)[0]
    multipliers, *_ = np.linalg.lstsq(rows.T, grad, rcond=None)
    scale = _MULTIPLIER_TOLERANCE * max(1.0, float(np.abs(grad).max(initial=0.0)))
    # On the boundary grad F = multiplier * grad(lhs - rhs): for 'lhs > rhs' the boundary
    # holds the estimate back only if F grows with lhs - rhs (multiplier >= 0), for '<' only
    # if it falls. ``pull`` is how far each multiplier has the wrong sign.
    pull = [(-value if c.op == ">" else value, c)
            for c, value in zip(active, multipliers[len(equalities):], strict=True)]
    worst, constraint = max(pull, key=lambda p: p[0])
    return constraint if worst > scale else None


def active_notes(active: Sequence[Constraint]) -> list[str]:
    """One sentence per active inequality, for the fit's notes."""
    return [f"the constraint '{c.lhs} {c.op} {c.rhs}' (syntax line {c.line}) is active: the "
            "estimate lies on its boundary and is fitted there as an equality, which, as in "
            "lavaan, does not count in the degrees of freedom" for c in active]


def blank_bound_errors(table: pd.DataFrame, bound: Sequence[int]) -> pd.DataFrame:
    """A parameter table with no standard error, test or interval where a boundary fixes the
    parameter (lavaan's NA)."""
    if not bound:
        return table
    out = table.copy()
    rows = out["free"].astype(bool) & out["param"].isin(bound)
    out.loc[rows, ["se", "z", "pvalue", "ci_lower", "ci_upper"]] = np.nan
    return out
