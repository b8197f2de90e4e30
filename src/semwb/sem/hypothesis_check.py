"""Hypotheses of a spec checked against its syntax when the spec is read.

A hypothesis names what it tests by ``effect`` or ``path`` (see :mod:`semwb.report.hypotheses`):
a ``:=`` name or the label of a regression, a path ``X -> Y`` (the regression ``Y ~ X``) or a
chain ``X -> M -> Y`` (a ``:=`` effect that is the product of the chain's labelled paths). One
the model lacks would be reported as "not evaluated" after a whole fit; it is refused before
the fit, once the syntax is complete (a ``process:`` spec's ``:=`` lines are written with the data).
"""

from __future__ import annotations

import difflib
import re
from itertools import pairwise

from semwb.errors import SpecError, join_problems
from semwb.sem.spec import Hypothesis, ModelSpec
from semwb.sem.syntax import ParsedSyntax


def _chain_problem(steps: list[str], parsed: ParsedSyntax) -> str:
    regressions = {(t.rhs, t.lhs): t for t in parsed.terms if t.op == "~"}
    for a, b in pairwise(steps):
        if (a, b) not in regressions:
            paths = ", ".join(f"{x} -> {y}" for x, y in regressions) or "none"
            return f"the model has no regression {b} ~ {a} (its paths: {paths})"
    if len(steps) == 2:
        return ""
    links = [regressions[(a, b)] for a, b in pairwise(steps)]
    if not all(t.label for t in links):
        return ("label every path of the chain (e.g. 'M ~ a*X') and define its product with "
                ":= to test it")
    labels = sorted(t.label for t in links)
    for d in parsed.definitions:
        if sorted(f.strip() for f in d.expression.split("*")) == labels:
            return ""
    return (f"no := effect is the product {'*'.join(t.label for t in links)} of the chain's "
            "paths; define it (e.g. 'ind := " + "*".join(t.label for t in links) + "')")


def hypothesis_problems(hypotheses: list[Hypothesis], parsed: ParsedSyntax, *,
                        source: str) -> list[str]:
    """One message per hypothesis naming an effect or path that the model does not have.

    Parameters
    ----------
    hypotheses
        The spec's ``hypotheses``.
    parsed
        The spec's parsed syntax.
    source
        The spec file, named in every message.

    Returns
    -------
    list of str
        ``source, hypotheses.N.key: ...`` with the names that exist (closest first).
    """
    names = [d.name for d in parsed.definitions]
    for t in parsed.terms:  # a label, or one per group: c(a1, a2)*x
        labels = [t.label, *(m for m in t.by_group if re.fullmatch(r"[A-Za-z_.][\w.]*", m))]
        names += [m for m in labels if t.op == "~" and m and m not in names]
    problems = []
    for number, hyp in enumerate(hypotheses):
        key = "effect" if hyp.effect is not None else "path"
        target = (hyp.effect if hyp.effect is not None else hyp.path) or ""
        where = f"{source}, hypotheses.{number}.{key} ({hyp.id})"
        steps = [s.strip() for s in re.split(r"->|→", target) if s.strip()]
        if not steps:
            problems.append(f"{where}: give the effect tested ('effect: ind' or "
                            "'path: X -> Y').")
        elif len(steps) == 1 and steps[0] not in names:
            close = difflib.get_close_matches(steps[0], names, n=1, cutoff=0.3)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(names) or "none: label a path (Y ~ a*X) or define one with :="
            problems.append(f"{where}: '{steps[0]}' is neither a := effect nor a regression "
                            f"label of the model{hint}; they are: {known}.")
        elif len(steps) > 1:
            problem = _chain_problem(steps, parsed)
            if problem:
                problems.append(f"{where}: '{target}': {problem}.")
    return problems


def check_hypotheses(spec: ModelSpec, parsed: ParsedSyntax) -> None:
    """Raise SpecError when a hypothesis of ``spec`` names what ``parsed`` (its final syntax) lacks.

    Raises
    ------
    SpecError
        Every problem of :func:`hypothesis_problems` at once.
    """
    problems = hypothesis_problems(spec.hypotheses, parsed, source=spec.source)
    if problems:
        raise SpecError(join_problems(f"{spec.source} has {len(problems)} hypothesis problems",
                                      problems))
