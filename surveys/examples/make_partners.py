"""Simulate the example partner list (partners.csv) and partner ties (partner_ties.csv).

The firms are the respondents of ``alliance.csv`` (its ``rid`` column is the firm id: one
respondent per firm). Each firm's partners active in 2018-2020 are drawn so that the Blau index of
their partner types is as close as its size allows to 0.8 x the firm's ``pdiv`` (six partner
types give at most 5/6, and ``pdiv`` reaches 0.95), so the diversity computed from the list
carries the inverted U the survey was simulated with. Alliances that ended before 2018 (some with
the same partners: repeated partnerships) are added, four survey firms have no partner data and
three firms of the list did not answer the survey, so that joining names firms on both sides.

Run from the repository root (same seed, same bytes; a test checks it)::

    python surveys/examples/make_partners.py surveys/examples
"""

from __future__ import annotations

import csv
import io
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261201
TYPES = ("university", "research_institute", "supplier", "customer", "competitor", "government")
PREFIX = dict(zip(TYPES, ("U", "R", "S", "C", "K", "G"), strict=True))
SECTORS = ("semiconductors", "software", "communication equipment", "internet and cloud",
           "manufacturing")
FIXED_SECTOR = {"university": "higher education", "research_institute": "public research",
                "government": "government"}
COUNTRIES = ("CN", "US", "DE", "JP", "KR", "SG")
IPC = ("G06F", "G06N", "G06Q", "G06T", "H04L", "H04W", "H04N", "H01L", "G01S", "H02J")
FIRM_IPC = {1: ("H01L", "H02J"), 2: ("G06F", "G06Q"), 3: ("H04W", "H04L"), 4: ("H04L", "G06F")}
POOL = 60
NO_PARTNER_DATA = 4
NOT_IN_SURVEY = 3


def partitions(n: int, parts: int, largest: int | None = None) -> list[tuple[int, ...]]:
    """Every way of writing ``n`` as at most ``parts`` positive parts, largest first."""
    largest = n if largest is None else largest
    if n == 0:
        return [()]
    if parts == 0:
        return []
    return [(first, *rest) for first in range(min(n, largest), 0, -1)
            for rest in partitions(n - first, parts - 1, first)]


def type_counts(n: int, target: float, rng: np.random.Generator) -> dict[str, int]:
    """Partner-type counts of ``n`` partners whose Blau index is nearest ``target``."""
    best = min(partitions(n, len(TYPES)),
               key=lambda p: abs(1 - sum(c * c for c in p) / n**2 - target))
    order = rng.permutation(len(TYPES))
    return {TYPES[i]: c for i, c in zip(order, best, strict=False)}


def partner_pool(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for kind in TYPES:
        for k in range(1, POOL + 1):
            classes = rng.choice(IPC, size=int(rng.integers(1, 4)), replace=False)
            rows.append({"partner_id": f"{PREFIX[kind]}{k:03d}", "partner_type": kind,
                         "industry": FIXED_SECTOR.get(kind, str(rng.choice(SECTORS))),
                         "country": "CN" if rng.random() < 0.7 else str(rng.choice(COUNTRIES[1:])),
                         "ipc": ";".join(sorted(str(c) for c in classes))})
    return pd.DataFrame(rows).set_index("partner_id")


def firm_rows(firm: str, pdiv: float, ind: int, pool: pd.DataFrame,
              rng: np.random.Generator) -> list[dict[str, object]]:
    own = set(FIRM_IPC[ind]) | ({str(rng.choice(IPC))} if rng.random() < 0.5 else set())
    firm_ipc = ";".join(sorted(own))
    chosen: list[str] = []
    for kind, count in type_counts(int(rng.integers(5, 17)), 0.8 * pdiv, rng).items():
        ids = pool.index[pool["partner_type"] == kind]
        chosen += [str(p) for p in rng.choice(ids, size=count, replace=False)]
    rows = []
    for partner in chosen:
        start = int(rng.integers(2014, 2021))
        end = "" if rng.random() < 0.5 else int(rng.integers(max(start, 2018), 2025))
        rows.append({"partner_id": partner, "start_year": start, "end_year": end})
    past = [str(p) for p in rng.choice(chosen, size=int(rng.integers(0, 3)), replace=False)]
    past += [str(p) for p in rng.choice(pool.index, size=int(rng.integers(0, 3)), replace=False)
             if p not in chosen]
    for partner in past:
        start = int(rng.integers(2008, 2014))
        rows.append({"partner_id": partner, "start_year": start,
                     "end_year": int(rng.integers(start, 2018))})
    rows.sort(key=lambda r: (int(str(r["start_year"])), str(r["partner_id"])))
    return [{"firm_id": firm, **r, **pool.loc[str(r["partner_id"])].to_dict(),
             "firm_ipc": firm_ipc} for r in rows]


def ties(pool: pd.DataFrame, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Partner-partner ties: 12 % within a partner type, 4 % across types."""
    kinds = pool["partner_type"].to_dict()
    return [(a, b) for a, b in combinations(sorted(pool.index), 2)
            if rng.random() < (0.12 if kinds[a] == kinds[b] else 0.04)]


def to_csv(rows: list[dict[str, object]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(folder: Path) -> None:
    rng = np.random.default_rng(SEED)
    survey = pd.read_csv(Path(__file__).with_name("alliance.csv"), usecols=["rid", "pdiv", "ind"])
    pool = partner_pool(rng)
    skipped = set(rng.choice(survey["rid"], size=NO_PARTNER_DATA, replace=False))
    firms = [(r.rid, r.pdiv, int(r.ind)) for r in survey.itertuples() if r.rid not in skipped]
    firms += [(f"X{k:03d}", float(rng.uniform(0.1, 0.9)), int(rng.integers(1, 5)))
              for k in range(1, NOT_IN_SURVEY + 1)]
    rows = [row for firm, pdiv, ind in firms for row in firm_rows(firm, pdiv, ind, pool, rng)]
    columns = ["firm_id", "partner_id", "partner_type", "industry", "country", "start_year",
               "end_year", "ipc", "firm_ipc"]
    (folder / "partners.csv").write_text(to_csv(rows, columns), encoding="utf-8")
    tie_rows = [{"partner_a": a, "partner_b": b} for a, b in ties(pool, rng)]
    (folder / "partner_ties.csv").write_text(to_csv(tie_rows, ["partner_a", "partner_b"]),
                                             encoding="utf-8")
    print(f"wrote {len(rows)} alliances of {len(firms)} firms and {len(tie_rows)} partner ties "
          f"(seed {SEED})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
