"""``==``, ``<`` and ``>`` constraints between labels, as lavaan writes them.

A linear equality (``a == b``, ``c == 2*d``, ``a + b == 1``) becomes a row of ``A θ = b``, and
all of them one reparameterisation ``θ = θ₀ + K x`` (``K`` an orthonormal basis of the null space
of ``A``): the estimate is the constrained ML estimate and its covariance
``K (Kᵀ I K)⁻¹ Kᵀ``, as lavaan's. A nonlinear equality is refused with a message saying so.
An inequality is checked after the fit; one the estimate breaks is fitted on its boundary as an
equality (``sem/estimators/active_set.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from semwb.errors import FitError, SpecError, join_problems
from semwb.sem.effects import _FUNCTIONS, DefinedEffect, compile_definitions
from semwb.sem.model.structure import Array, Reparam
from semwb.sem.syntax import Constraint, Definition


def _compile(constraints: Sequence[Constraint], definitions: Sequence[Definition],
             labels: Sequence[str], source: str) -> list[tuple[Constraint, DefinedEffect]]:
    names = [f"_constraint_{i}" for i in range(len(constraints))]
    own = [Definition(name, f"({c.lhs}) - ({c.rhs})", c.line)
           for name, c in zip(names, constraints, strict=True)]
    compiled = compile_definitions([*definitions, *own], labels=labels, source=source)
    by_name = {e.name: e for e in compiled}
    return [(c, by_name[name]) for c, name in zip(constraints, names, strict=True)]


def constraint_problems(constraints: Sequence[Constraint], *, labels: Sequence[str],
                        definitions: Sequence[Definition], source: str) -> list[str]:
    """Constraints that name something other than a label or a ``:=`` definition."""
    known = set(labels) | {d.name for d in definitions}
    problems = []
    for c in constraints:
        names = re.findall(r"[^\W\d][\w.]*", f"{c.lhs} {c.rhs}")
        unknown = sorted({n for n in names if n not in known and n not in _FUNCTIONS})
        if unknown:
            problems.append(f"{source}, syntax line {c.line}: the constraint '{c.lhs} {c.op} "
                            f"{c.rhs}' uses {', '.join(repr(u) for u in unknown)}, not a label of "
                            "the model; label the parameters first, as in 'F =~ a*x1 + b*x2'.")
    return problems


def _value(effect: DefinedEffect, names: Sequence[str], theta: Array) -> float:
    values = {label: float(theta[names.index(label)]) for label in effect.labels}
    return float(effect.evaluate(values))


def linear_rows(constraints: Sequence[Constraint], definitions: Sequence[Definition], *,
                names: Sequence[str], source: str) -> tuple[Array, Array]:
    """``A`` and ``b`` with ``A θ - b`` the value of each ``lhs - rhs`` over the free
    parameters ``names``.

    Raises
    ------
    SpecError
        For a constraint that is not linear in the labels (every one, with its syntax line).
    """
    q = len(names)
    rows: list[Array] = []
    rhs: list[float] = []
    problems: list[str] = []
    rng = np.random.default_rng(0)
    for c, effect in _compile(constraints, definitions, names, source):
        zero = _value(effect, names, np.zeros(q))
        coef = np.array([_value(effect, names, np.eye(q)[i]) - zero for i in range(q)])
        probe = rng.normal(size=q)
        if abs(_value(effect, names, probe) - (zero + coef @ probe)) > 1e-9 * (1 + abs(zero)):
            problems.append(f"{source}, syntax line {c.line}: '{c.lhs} {c.op} {c.rhs}' is not "
                            "linear in the labels; semwb fits linear constraints only (as "
                            "'a == b', 'a == 2*b' or 'a > 0.5', and an inequality only when "
                            "it holds or is linear), so it cannot give lavaan's answer here.")
            continue
        rows.append(coef)
        rhs.append(-zero)
    if problems:
        raise SpecError(join_problems(f"{source} has {len(problems)} constraint problems",
                                      problems))
    return np.array(rows).reshape(len(rows), q), np.array(rhs)


def equality_reparam(constraints: Sequence[Constraint], definitions: Sequence[Definition], *,
                     names: Sequence[str], source: str) -> Reparam | None:
    """The reparameterisation of the ``==`` constraints over the free parameters ``names``.

    Raises
    ------
    SpecError
        For a constraint on a label that is not a free parameter, a nonlinear constraint, or
        contradictory constraints; every problem with its syntax line.
    """
    equalities = [c for c in constraints if c.op == "=="]
    if not equalities:
        return None
    A, b = linear_rows(equalities, definitions, names=names, source=source)
    rank = np.linalg.matrix_rank(A)
    theta0, *_ = np.linalg.lstsq(A, b, rcond=None)
    if not np.allclose(A @ theta0, b, atol=1e-9):
        lines = ", ".join(str(c.line) for c in equalities)
        raise SpecError(f"{source}, syntax lines {lines}: the constraints contradict each other "
                        "(no parameter values satisfy all of them; a '<' or '>' the estimate "
                        "breaks counts as held on its boundary); remove one.")
    from scipy import linalg  # only with '==': scipy.linalg costs a tenth of a second to import

    return Reparam(theta0=np.asarray(theta0), K=np.asarray(linalg.null_space(A)), count=rank)


def violated(inequalities: Sequence[Constraint], definitions: Sequence[Definition], *,
             names: Sequence[str], theta: Array, source: str) -> list[Constraint]:
    """The ``<`` / ``>`` constraints that the free-parameter vector ``theta`` breaks."""
    if not inequalities:
        return []
    broken = []
    for c, effect in _compile(inequalities, definitions, names, source):
        difference = _value(effect, names, theta)
        if (c.op == ">" and difference < 0) or (c.op == "<" and difference > 0):
            broken.append(c)
    return broken


def check_inequalities(constraints: Sequence[Constraint], definitions: Sequence[Definition], *,
                       names: Sequence[str], theta: Array, source: str) -> None:
    """Raise FitError when the estimate breaks a ``<`` / ``>`` constraint (multi-group fits,
    which have no active-set fit yet)."""
    inequalities = [c for c in constraints if c.op in ("<", ">")]
    for c in violated(inequalities, definitions, names=names, theta=theta, source=source)[:1]:
        raise FitError(f"{source}, syntax line {c.line}: the constraint '{c.lhs} {c.op} "
                       f"{c.rhs}' is active at the estimate; semwb fits active inequality "
                       "constraints in single-group models only, so it cannot give lavaan's "
                       "answer here. Fix the parameter, or drop the constraint.")
