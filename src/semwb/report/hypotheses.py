"""Hypotheses of a spec checked against the estimates: supported or not, and why.

A hypothesis is a mapping such as ``{"id": "H1", "path": "AR -> IOL", "expected": "positive"}``.
``path`` is ``"X -> Y"`` (the regression ``Y ~ X``), a chain ``"X -> M -> Y"`` (the defined effect
whose product is the chain's labelled paths), or a label: of a defined effect (``"ind"``) or of a
regression (``"a"``); ``effect`` is accepted in its place. ``expected`` is ``positive``,
``negative`` or ``nonzero`` (also ``+``, ``-``; ``nonzero``, a two-sided test, when not given).
An optional ``text`` (a string or ``{"en": ..., "zh": ...}``) states it in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from semwb.report.parts import ModelParts, is_location, is_significant
from semwb.results import ParameterRow

Verdict = Literal["supported", "not_supported", "not_evaluated", "no_verdict"]

_EXPECTED = {"positive": "positive", "+": "positive", "negative": "negative", "-": "negative",
             "nonzero": "nonzero", "non-zero": "nonzero", "": "nonzero"}


@dataclass(frozen=True)
class HypothesisCheck:
    """One hypothesis with the estimate that tests it and the verdict."""

    id: str
    path: str
    text: str
    expected: str
    row: ParameterRow | None
    by_ci: bool
    verdict: Verdict


def _find_row(path: str, parts: ModelParts) -> tuple[ParameterRow | None, bool]:
    """Return the row testing ``path`` and whether it is a defined effect (decided by its CI)."""
    steps = [s.strip() for s in re.split(r"->|→", path) if s.strip()]
    if len(steps) == 1:
        for row in parts.defined:
            if steps[0] in (row.label, row.lhs):
                return row, True
        labelled = next((r for r in parts.paths if r.label == steps[0]), None)
        return labelled, False
    links = [
        next((r for r in parts.paths if r.rhs == a and r.lhs == b), None)
        for a, b in pairwise(steps)
    ]
    if any(link is None for link in links):
        return None, False
    if len(links) == 1:
        return links[0], False
    labels = sorted(link.label for link in links if link is not None)
    for row in parts.defined:
        factors = sorted(f.strip() for f in row.rhs.split("*"))
        if factors == labels:
            return row, True
    return None, False


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        other = "en" if lang == "zh" else "zh"
        return str(value.get(lang) or value.get(other) or "")
    return "" if value is None else str(value)


def check_hypotheses(
    hypotheses: list[dict[str, Any]], parts: ModelParts, *, lang: str
) -> list[HypothesisCheck]:
    """Decide each hypothesis: supported when significant with the expected sign.

    Parameters
    ----------
    hypotheses
        ``Results.hypotheses``.
    parts
        The model's parameter rows by role.
    lang
        Language of the hypothesis ``text`` to show.

    Returns
    -------
    list of HypothesisCheck
        In the order given; ``not_evaluated`` when the path is not in the model, ``no_verdict``
        when it names a ratio of coefficients (see :func:`~semwb.report.parts.is_location`).
    """
    checks = []
    for number, hyp in enumerate(hypotheses, start=1):
        path = str(hyp.get("path") or hyp.get("effect") or "")
        expected = _EXPECTED.get(str(hyp.get("expected", "")).strip().lower(), "nonzero")
        row, by_ci = _find_row(path, parts)
        verdict: Verdict
        if row is None or row.est is None:
            verdict = "not_evaluated"
        elif is_location(row):  # a ratio such as a turning point: no significance verdict
            verdict = "no_verdict"
        else:
            sign_ok = (expected == "nonzero" or (expected == "positive") == (row.est > 0))
            ok = sign_ok and is_significant(row, by_ci=by_ci)
            verdict = "supported" if ok else "not_supported"
        checks.append(HypothesisCheck(
            id=str(hyp.get("id") or f"H{number}"), path=path, text=_text(hyp.get("text"), lang),
            expected=expected, row=row, by_ci=by_ci, verdict=verdict,
        ))
    return checks
