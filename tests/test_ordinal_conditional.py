"""Ordinal items conditional on observed covariates (lavaan's ``conditional.x``): the probit
thresholds and slopes, residual polychoric correlations and their ``Γ`` against lavaan 0.6.14
(``tests/reference/ordinal_covariates/conditional.json``), and the fit through ``semwb fit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cli_support import run_semwb
from semwb.sem.ordinal.conditional import conditional_stats
from semwb.sem.ordinal.thresholds import ordinal_data
from semwb.sem.ordinal.weights import OrdinalStats

CASE = Path(__file__).parent / "reference" / "ordinal_covariates"
COVARIATES = ["size", "age"]


@pytest.fixture(scope="module", params=["ordinal_covariates", "ordinal_covariates_theta"])
def stats(request: pytest.FixtureRequest) -> tuple[OrdinalStats, dict[str, Any]]:
    """The items of the case's model (all of the data's for ordinal_covariates)."""
    folder = CASE.parent / request.param
    data = pd.read_csv(CASE / "data.csv")
    ref = json.loads((folder / "conditional.json").read_text(encoding="utf-8"))
    items = ref["res_cov"]["rows"]
    coded = ordinal_data(data[items].to_numpy(dtype=float), items)
    return conditional_stats(coded, data[COVARIATES].to_numpy(dtype=float)), ref


def test_probit_thresholds_and_slopes_match(stats: tuple[OrdinalStats, dict[str, Any]]) -> None:
    sample, ref = stats
    np.testing.assert_allclose(np.concatenate(sample.data.thresholds),
                               list(ref["res_th"].values()), atol=1e-7)
    assert ref["res_slopes"]["cols"] == COVARIATES
    assert sample.slopes is not None
    np.testing.assert_allclose(sample.slopes, ref["res_slopes"]["values"], atol=1e-7)


def test_residual_polychoric_correlations_match(
        stats: tuple[OrdinalStats, dict[str, Any]]) -> None:
    sample, ref = stats
    np.testing.assert_allclose(sample.correlation, ref["res_cov"]["values"], atol=1e-7)


def test_gamma_matches_lavaans_nacov(stats: tuple[OrdinalStats, dict[str, Any]]) -> None:
    """The diagonal, and the full block of three items' thresholds, slopes and correlations
    (the off-diagonal terms carry the slopes' cross-products with the correlations)."""
    sample, ref = stats
    names = ref["gamma_names"]
    assert len(names) == sample.vector.size == sample.gamma.shape[0]
    first = sum(len(t) for t in sample.data.thresholds)  # slopes follow, covariate by covariate
    items = sample.data.names
    assert names[first:first + 2 * len(items)] == [f"{v}~{x}" for x in COVARIATES for v in items]
    np.testing.assert_allclose(np.diag(sample.gamma), ref["gamma_diag"], rtol=1e-6)
    at = [names.index(v) for v in ref["sub_gamma_names"]]
    block = sample.gamma[np.ix_(at, at)]
    np.testing.assert_allclose(block, ref["sub_gamma"], rtol=1e-6, atol=1e-6)


def test_semwb_fit_conditions_on_the_covariates(tmp_path: Path) -> None:
    """``--ordered all`` takes the items (not the covariates); the scaled test is lavaan's and the
    report judges the scaled indices (lavaan has no robust ones with covariates)."""
    ref = json.loads((CASE / "lavaan.json").read_text(encoding="utf-8"))["fit"]
    done = run_semwb(
        "fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"), "--ordered", "all",
        "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    shown = f"χ²(100) = {ref['chisq_scaled']:.2f}, p < .001; CFI {ref['cfi_scaled']:.3f}"
    assert f"scaled (WLSMV, report these): {shown}" in done.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["fit"]["cfi_robust"] is None
    slope = next(r for r in results["parameters"] if r["lhs"] == "IOL" and r["rhs"] == "size")
    want = next(r for r in json.loads((CASE / "lavaan.json").read_text())["parameters"]
                if r["lhs"] == "IOL" and r["rhs"] == "size")
    assert slope["est"] == pytest.approx(want["est"], abs=1e-5)
    assert slope["se"] == pytest.approx(want["se"], rel=1e-5)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "values of the WLSMV estimator, the ones to report" in html
