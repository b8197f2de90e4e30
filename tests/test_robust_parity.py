"""MLR and MLM fits against lavaan 0.6.14: robust SEs, scaled chi-square, scaled and robust fit.

Each case in ``tests/reference/<case>/case.json`` is replayed through a spec (``estimator:
MLR`` / ``MLM``) and every parameter row (est, se, std_all; ``:=`` rows included) and every
fit measure semwb reports, the ``.scaled`` and ``.robust`` ones included, is compared. A missing
reference row or measure fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from parity_rows import paired_rows, row_key
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
CASES = ["hs_mlr", "hs_mlr_means", "hs_mlm", "mediation_mlr", "mediation_mlm", "hs_equality_mlr",
         "path_fixed_x_false_mlr", "growth_covariates_mlr",
         "regression_mlr", "path_saturated_mlr", "mediation_fiml_mlr", "fiml_covariate_mlr"]
#: The measures of a robust fit; compared with rel 1e-5 (abs 1e-6 near zero).
SCALED_KEYS = ["chisq_scaled", "pvalue_scaled", "chisq_scaling_factor", "baseline_chisq_scaled",
               "baseline_chisq_scaling_factor", "cfi_scaled", "tli_scaled", "rmsea_scaled",
               "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "cfi_robust", "tli_robust",
               "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust"]
PLAIN_KEYS = ["chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr",
              "aic", "bic", "loglik", "baseline_chisq", "baseline_df", "npar"]


def replay(case: str) -> tuple[FitResult, dict[str, Any]]:
    """Fit the case as its case.json says; return the fit and lavaan's answer."""
    folder = REFERENCE / case
    meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    options: dict[str, Any] = {"defaults": meta["function"]}
    for key, value in meta["args"].items():  # lavaan's names -> the spec's keys
        options[key.replace(".", "_")] = ("fiml" if value == "ml" else value
                                          ) if key == "missing" else value
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"), name=case,
                            **options)
    data = pd.read_csv(folder / meta["data"], encoding="utf-8")
    ref = json.loads((folder / "lavaan.json").read_text(encoding="utf-8"))
    return fit_model(spec, data), ref


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> tuple[FitResult, dict[str, Any]]:
    return replay(request.param)


def test_estimates_and_robust_standard_errors_match_lavaan(
        case: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = case
    assert fit.n_obs == ref["n_obs"]
    for row, got, where in paired_rows(fit.parameters, ref["parameters"]):
        assert got["est"] == pytest.approx(row["est"], abs=1e-4 * max(1.0, abs(row["est"]))), where
        assert got["se"] == pytest.approx(row["se"], rel=1e-4, abs=1e-8), where
        if row.get("std_all") is not None:
            assert got["std_all"] == pytest.approx(row["std_all"], abs=1e-4), where


def test_scaled_and_robust_fit_measures_match_lavaan(
        case: tuple[FitResult, dict[str, Any]]) -> None:
    fit, ref = case
    for key in PLAIN_KEYS + SCALED_KEYS:
        expected = ref["fit"].get(key)  # lavaan.json leaves out NA measures: then None here
        if expected is None:
            assert getattr(fit.fit, key) is None, key
        else:
            assert getattr(fit.fit, key) == pytest.approx(expected, rel=1e-5, abs=1e-6), key


def test_robust_standard_errors_differ_from_ml_ones() -> None:
    """The check above is not vacuous: ML's SEs are off by more than its tolerance."""
    fit, ref = replay("hs_mlr")
    ml = json.loads((REFERENCE / "holzinger_swineford" / "lavaan.json").read_text())
    robust = {row_key(r["lhs"], r["op"], r["rhs"]): r["se"] for r in ref["parameters"]}
    gaps = [abs(r["se"] / robust[row_key(r["lhs"], r["op"], r["rhs"])] - 1)
            for r in ml["parameters"] if r["se"]]
    assert max(gaps) > 0.05
    assert fit.fit.chisq_scaled != pytest.approx(fit.fit.chisq, rel=1e-3)
