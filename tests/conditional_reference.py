"""The R ``lm`` reference of tests/reference/moderation_observed (test_conditional_*)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from semwb.conditional.coefficients import Coefficients

CASE = Path(__file__).parent / "reference" / "moderation_observed"


@cache
def reference() -> dict[str, Any]:
    """The JSON written by make_reference.R."""
    return json.loads((CASE / "reference.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def data() -> pd.DataFrame:
    """The simulated data R fitted."""
    return pd.read_csv(CASE / "data.csv")


def coefficients(block: dict[str, Any]) -> Coefficients:
    """An lm fit's coefficients, covariance and residual df as :class:`Coefficients`."""
    return Coefficients(tuple(block["names"]), np.array(block["est"], dtype=float),
                        np.array(block["vcov"], dtype=float), float(block["df"]))


def stacked(*blocks: dict[str, Any]) -> Coefficients:
    """Coefficients of separately fitted equations, prefixed ``eq<i>.``: block-diagonal vcov."""
    names: list[str] = []
    est: list[float] = []
    mats = []
    for i, block in enumerate(blocks):
        names += [f"eq{i}.{n}" for n in block["names"]]
        est += block["est"]
        mats.append(np.array(block["vcov"], dtype=float))
    size = sum(len(m) for m in mats)
    vcov = np.zeros((size, size))
    at = 0
    for m in mats:
        vcov[at:at + len(m), at:at + len(m)] = m
        at += len(m)
    return Coefficients(tuple(names), np.array(est), vcov, None)
