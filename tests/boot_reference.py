"""Helpers shared by test_matrices.py and test_bootstrap.py: lavaan mediation fixtures.

Each case in ``tests/reference/<case>/`` has data, the lavaan model, lavaan's estimates and its
bootstrap draws (``boot_draws.csv.gz``: one column per free parameter, named ``lhs op rhs`` or by
label). semopy is reached through ``semwb.sem`` only in the library; the tests build the
fitted semopy model here until the core's ``fit_model`` is merged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import semopy

from semwb.sem import matrices as mx

REFERENCE = Path(__file__).parent / "reference"
BOOT_CASES = ("mediation_single", "mediation_parallel")
_TERM = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Case:
    """One lavaan bootstrap fixture, fitted with semopy."""

    name: str
    data: pd.DataFrame
    model: Any
    description: str
    defined: tuple[tuple[str, str], ...]
    lavaan: dict[str, Any]
    boot: dict[str, Any]
    boot_draws: pd.DataFrame

    def key(self, row: dict[str, Any]) -> tuple[str, str, str]:
        return row["lhs"], row["op"], row["rhs"].replace(" ", "")


def evaluate_sum_of_products(expression: str, values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate a ``:=`` expression made of label products joined by ``+``/``-`` (test-only).

    The library's evaluator is the core's ``semwb.sem.effects``; the fixtures only use
    ``a*b``, ``cp + a*b`` and ``a2*b1 - d2*b2``, which this reads without ``eval``.
    """
    total: np.ndarray | float = 0.0
    for sign, term in re.findall(r"([+-]?)\s*([^+-]+)", expression.replace(" ", "")):
        product: np.ndarray | float = 1.0
        for factor in term.split("*"):
            if not _TERM.match(factor):
                raise ValueError(f"unsupported factor {factor!r} in {expression!r}")
            product = product * values[factor]
        total = total - product if sign == "-" else total + product
    return np.asarray(total, dtype=float)


def define_for(defined: tuple[tuple[str, str], ...]):  # type: ignore[no-untyped-def]
    def define(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {name: evaluate_sum_of_products(expr, values) for name, expr in defined}

    return define


@cache
def load_case(name: str) -> Case:
    folder = REFERENCE / name
    data = pd.read_csv(folder / "data.csv")
    syntax = (folder / "model.lav").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in syntax.splitlines()]
    defined = tuple((lhs.strip(), rhs.strip()) for lhs, rhs in
                    (line.split(":=") for line in lines if ":=" in line))
    description = "\n".join(line for line in lines if line and ":=" not in line)
    model = semopy.Model(description)
    model.fit(data)
    return Case(
        name, data, model, description, defined,
        json.loads((folder / "lavaan.json").read_text(encoding="utf-8")),
        json.loads((folder / "lavaan_bootstrap.json").read_text(encoding="utf-8")),
        pd.read_csv(folder / "boot_draws.csv.gz"),
    )


def lavaan_draws_as_theta(case: Case, mm: mx.ModelMatrices) -> np.ndarray:
    """lavaan's bootstrap draws reordered into semwb's free-parameter vector ``(R, q)``.

    Fails when a free parameter of the model has no column (a missing reference must fail).
    """
    labels = {r["label"]: case.key(r) for r in case.boot["parameters"] if r["label"]}
    columns: dict[tuple[str, str, str], str] = {}
    for col in case.boot_draws.columns:
        if col in labels:
            columns[labels[col]] = col
            continue
        op = next(o for o in ("=~", "~~", "~") if o in col)
        lhs, rhs = col.split(op)
        columns[(lhs, op, rhs)] = col
    theta = np.empty((len(case.boot_draws), mm.n_params))
    for k in range(mm.n_params):
        row = next(r for r in mm.rows if r.param == k)
        key = (row.lhs, row.op, row.rhs)
        if key not in columns:
            key = (row.rhs, row.op, row.lhs)
        theta[:, k] = case.boot_draws[columns[key]].to_numpy()
    return theta


def reference_row(case: Case, lhs: str, op: str, rhs: str) -> dict[str, Any]:
    """The lavaan bootstrap row for ``lhs op rhs`` (either order for ``~~``)."""
    rhs = rhs.replace(" ", "")
    for r in case.boot["parameters"]:
        k = case.key(r)
        if k == (lhs, op, rhs) or (op == "~~" and k == (rhs, op, lhs)):
            return dict(r)
    raise KeyError(f"{lhs} {op} {rhs} is not in {case.name}'s lavaan_bootstrap.json")
