"""Defined effects (``:=``) read back as paths: ``a*b`` -> ``AR → IOL → AI``.

Reviewers think in chains of constructs, the syntax in labels. A product of labelled regressions
that link up (each path starts where the previous one ended) is a chain; a sum of such products
is shown term by term. Anything else (a difference, a constant) gets no description.
"""

from __future__ import annotations

import re

from semwb.report.labels import Labels
from semwb.report.parts import ModelParts
from semwb.results import ParameterRow

_TERM = re.compile(r"^[A-Za-z_.][\w.]*(\s*\*\s*[A-Za-z_.][\w.]*)*$")


def _chain(factors: list[str], by_label: dict[str, ParameterRow]) -> list[str] | None:
    """The variables along the paths named by ``factors``, or None if they do not link up."""
    rows = [by_label.get(f) for f in factors]
    if any(row is None for row in rows):
        return None
    remaining = [row for row in rows if row is not None]
    starts = [r for r in remaining if all(o.lhs != r.rhs for o in remaining)]
    if len(starts) != 1:
        return None
    chain = [starts[0].rhs, starts[0].lhs]
    remaining.remove(starts[0])
    while remaining:
        step = next((r for r in remaining if r.rhs == chain[-1]), None)
        if step is None:
            return None
        chain.append(step.lhs)
        remaining.remove(step)
    return chain


def describe_effect(row: ParameterRow, parts: ModelParts, labels: Labels) -> str:
    """Describe a defined effect as the chains it sums, in display names; ``""`` when it is not.

    With ``a`` labelling ``IOL ~ AR`` and ``b`` labelling ``AI ~ IOL``, ``a*b`` reads
    ``AR → IOL → AI`` and ``cp + a*b`` reads ``AR → AI + AR → IOL → AI``.
    """
    by_label = {r.label: r for r in parts.paths if r.label}
    terms = [t.strip() for t in row.rhs.split("+")]
    chains = []
    for term in terms:
        if not _TERM.match(term):
            return ""
        chain = _chain([f.strip() for f in term.split("*")], by_label)
        if chain is None:
            return ""
        chains.append(" → ".join(labels.name(v) for v in chain))
    return " + ".join(chains)
