"""Helpers shared by test_matrices.py and test_bootstrap.py: lavaan mediation fixtures.

Each case in ``tests/reference/<case>/`` has data, the lavaan model, lavaan's estimates and its
bootstrap draws (``boot_draws.csv.gz``: one column per free parameter, named ``lhs op rhs`` or by
label). Cases are fitted with the core's ``fit_model``; ``FitResult.model`` is the model
structure at its estimate, which the bootstrap reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
BOOT_CASES = ("mediation_single", "mediation_parallel")


@dataclass(frozen=True)
class Case:
    """One lavaan bootstrap fixture, fitted by the core."""

    name: str
    data: pd.DataFrame
    fit: FitResult
    defined: tuple[tuple[str, str], ...]
    lavaan: dict[str, Any]
    boot: dict[str, Any]
    boot_draws: pd.DataFrame

    @property
    def model(self) -> ModelMatrices:
        """The model structure at its estimate."""
        return self.fit.model

    def key(self, row: dict[str, Any]) -> tuple[str, str, str]:
        return row["lhs"], row["op"], row["rhs"].replace(" ", "")


def define_for(fit: FitResult) -> Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]:
    """The ``define`` callable of the bootstrap from the core's compiled ``:=`` effects."""
    def define(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {e.name: e.evaluate(values) for e in fit.effects}

    return define


@cache
def load_case(name: str) -> Case:
    folder = REFERENCE / name
    data = pd.read_csv(folder / "data.csv")
    syntax = (folder / "model.lav").read_text(encoding="utf-8")
    fit = fit_model(spec_from_syntax(syntax, name=name), data)
    defined = tuple((e.name, e.expression) for e in fit.effects)
    return Case(
        name, data, fit, defined,
        json.loads((folder / "lavaan.json").read_text(encoding="utf-8")),
        json.loads((folder / "lavaan_bootstrap.json").read_text(encoding="utf-8")),
        pd.read_csv(folder / "boot_draws.csv.gz"),
    )


def lavaan_draws_as_theta(case: Case, mm: ModelMatrices) -> np.ndarray:
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
