"""Builders shared by the report tests: the mediation fixture and a small bilingual instrument.

The instrument here is a stand-in with the shape of ``semwb.survey.instrument.Instrument`` (the
report reads it through a protocol), so the report tests do not depend on the survey side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from semwb.results import Results, results_from_json

DATA = Path(__file__).parent / "data" / "report"


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def get(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Item:
    id: str
    text: Text
    reverse: bool = False


@dataclass(frozen=True)
class Construct:
    name: Text
    items: list[Item] = field(default_factory=list)
    source: str = ""


@dataclass(frozen=True)
class Instrument:
    title: Text
    constructs: dict[str, Construct]


_NAMES = {
    "AR": Text("Alliance routines", "联盟惯例"),
    "IOL": Text("Inter-organizational learning", "组织间学习"),
    "AI": Text("Ambidextrous innovation", "双元创新"),
}


def mediation_results() -> Results:
    """The mediation example's results (realistic numbers, see data/report/make_fixture.py)."""
    return results_from_json((DATA / "mediation_results.json").read_text(encoding="utf-8"))


def mediation_measurement() -> dict[str, Any]:
    """The matching ``measurement.json``."""
    data: dict[str, Any] = json.loads(
        (DATA / "mediation_measurement.json").read_text(encoding="utf-8"))
    return data


def instrument(names: dict[str, Text] | None = None, ar1: Text | None = None) -> Instrument:
    """A bilingual instrument for AR, IOL, AI; ``names`` and ``ar1`` replace texts for a test."""
    results = mediation_results()
    items: dict[str, list[str]] = {}
    for row in results.parameters:
        if row.op == "=~":
            items.setdefault(row.lhs, []).append(row.rhs)
    names = {**_NAMES, **(names or {})}
    constructs = {
        cid: Construct(names[cid], [
            Item(i, Text(f"Statement {i} about {names[cid].en.lower()}.",
                         f"关于{names[cid].zh}的陈述 {i}。"), reverse=(i == "ar4"))
            for i in ids], source=f"Adapted from Source {cid} (2002).")
        for cid, ids in items.items()
    }
    if ar1 is not None:
        first = constructs["AR"]
        constructs["AR"] = replace(first, items=[Item("ar1", ar1), *first.items[1:]])
    return Instrument(Text("Alliance portfolios and innovation", "联盟组合与创新能力"), constructs)
