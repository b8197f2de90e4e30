"""The one RMSEA (semwb.sem.fitindices.rmsea) against lavaan's fitMeasures, in each of its uses."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from semwb.sem.fitindices import rmsea

REFERENCE = Path(__file__).parent / "reference"


def lavaan_fit(case: str, *keys: str) -> dict[str, Any]:
    """``fitMeasures()`` of a reference case (``keys`` reach a case inside a multi-case file)."""
    found: dict[str, Any] = json.loads((REFERENCE / case / "lavaan.json").read_text("utf-8"))
    for key in keys:
        found = found[key]
    return dict(found["fit"])


def test_ml_rmsea_is_lavaans() -> None:
    fit = lavaan_fit("holzinger_swineford")
    assert rmsea(fit["chisq"], fit["df"], 301) == pytest.approx(fit["rmsea"], abs=1e-12)


def test_robust_rmsea_subtracts_the_scaling_factor() -> None:
    fit = lavaan_fit("hs_mlr")
    got = rmsea(fit["chisq"], fit["df"], fit["ntotal"], c=fit["chisq_scaling_factor"])
    assert got == pytest.approx(fit["rmsea_robust"], abs=1e-12)


def test_wlsmv_rmsea_counts_n_as_lavaan_does() -> None:
    fit = lavaan_fit("ordinal_cfa")  # chi-square below its df: RMSEA 0; the scaled one is not
    assert rmsea(fit["chisq"], fit["df"], 320 - 1) == 0.0
    assert rmsea(fit["chisq_scaled"], fit["df"], 320 - 1) == pytest.approx(
        fit["rmsea_scaled"], abs=1e-12)


def test_multigroup_rmsea_is_scaled_by_the_root_of_the_groups() -> None:
    case = json.loads((REFERENCE / "hs_multigroup" / "lavaan.json").read_text("utf-8"))
    configural = case["cases"]["configural"]
    fit = configural["fit"]
    got = rmsea(fit["chisq"], fit["df"], sum(configural["n_obs"]), groups=2)
    assert got == pytest.approx(fit["rmsea"], abs=1e-12)


def test_no_degrees_of_freedom_or_no_scaling_factor() -> None:
    assert rmsea(0.0, 0, 100) == 0.0
    assert math.isnan(rmsea(10.0, 5, 100, c=float("nan")))
