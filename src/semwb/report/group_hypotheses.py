"""Hypotheses of a multiple-group model: checked in every group, each verdict saying where.

A hypothesis such as ``AR -> IOL`` names a path every group has. It is checked in each group
(:func:`semwb.report.hypotheses.check_hypotheses` on that group's rows), and shown

- once, marked as held equal, when the path is constrained equal across all groups (a shared
  label or ``group_equal``) and so has one estimate;
- once, without a group, when it names a ``:=`` effect (one row whatever the group), with the
  group whose labels it combines when they are all one group's;
- else once per group that has the path, each row naming its group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from semwb.report.group_context import held_equal, shared_labels
from semwb.report.hypotheses import HypothesisCheck, check_hypotheses
from semwb.report.parts import group_values, split_parameters
from semwb.results import Results


@dataclass(frozen=True)
class GroupCheck:
    """A hypothesis check and the group it is about (``None``: no single group; ``equal``: the
    estimate is held equal across all groups)."""

    check: HypothesisCheck
    group: str | None
    equal: bool = False


def check_group_hypotheses(results: Results, *, lang: str) -> list[GroupCheck]:
    """Check ``results.hypotheses`` in every group of a multi-group fit (see the module)."""
    groups = [g for g in group_values(results) if g is not None]
    shared = shared_labels(results)
    parts = {g: split_parameters(results, g) for g in groups}
    out: list[GroupCheck] = []
    for number, hyp in enumerate(results.hypotheses, start=1):
        named = {**hyp, "id": hyp.get("id") or f"H{number}"}
        per = [(g, check_hypotheses([named], parts[g], lang=lang)[0]) for g in groups]
        found = [(g, c) for g, c in per if c.row is not None]
        if not found:
            out.append(GroupCheck(per[0][1], None))
            continue
        first = found[0][1]
        rows = [(g, c.row) for g, c in found if c.row is not None]
        row = rows[0][1]
        if row.op == ":=":
            out.append(GroupCheck(first, _effect_group(row.rhs, results)))
        elif len(rows) == len(groups) and all(
                held_equal(r, results, shared, parts[g].latents) and r.est == row.est
                for g, r in rows):
            out.append(GroupCheck(first, None, equal=True))
        else:
            out += [GroupCheck(c, g) for g, c in found]
    return out


def _effect_group(expression: str, results: Results) -> str | None:
    """The one group whose labelled parameters a ``:=`` expression combines, else None."""
    names = set(re.findall(r"[^\W\d]\w*", expression))
    groups = {r.group for r in results.parameters if r.op != ":=" and r.label in names}
    return next(iter(groups)) if len(groups) == 1 else None

