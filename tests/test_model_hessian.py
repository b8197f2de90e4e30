"""The analytic FIML Hessian (semwb.sem.model.hessian) against central differences."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from semwb.sem.estimate import fit_model
from semwb.sem.estimators.ml import data_patterns, observed_information
from semwb.sem.model.algebra import gradient
from semwb.sem.model.fitting import Data, evaluate
from semwb.sem.model.groups import block_data
from semwb.sem.model.hessian import fiml_hessian
from semwb.sem.model.missing import MissingRows, missing_rows
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.multigroup import split_groups
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
_ARGS = {"std.lv": "std_lv", "meanstructure": "meanstructure", "fixed.x": "fixed_x"}
#: Loadings, latent and observed regressions, labels, ``==``, latent means, fixed.x covariates,
#: random covariates, second-order factors: every kind of second derivative.
CASES = ["mediation_missing_fiml", "growth_covariates", "hs_equality_constraints",
         "hs_intercepts", "hs_second_order", "latent_and_observed_outcome",
         "path_fixed_x_false", "path_meanstructure_covariates"]
#: Columns left complete (lavaan drops rows missing a fixed.x covariate).
_COVARIATES = {"x1", "x2", "ageyr", "sex"}


def numeric_hessian(mm: ModelMatrices, data: Data, theta: np.ndarray) -> np.ndarray:
    """Central differences (step 1e-5) of the analytic gradient, symmetrised."""
    q = mm.n_params
    h = 1e-5 * np.maximum(1.0, np.abs(theta))
    points = theta[None] + np.concatenate([np.diag(h), -np.diag(h)])
    stacked = data.repeat(2 * q) if isinstance(data, MissingRows) else [
        type(p)(p.columns, p.weight, np.repeat(p.S, 2 * q, axis=0),
                np.repeat(p.mean, 2 * q, axis=0)) for p in data]
    grads = gradient(mm, evaluate(mm, points, stacked), stacked)
    hess = (grads[:q] - grads[q:]) / (2 * h[:, None])
    return np.asarray((hess + hess.T) / 2)


def _incomplete(case: str) -> tuple[ModelMatrices, np.ndarray]:
    """The case's model fitted by FIML to its data with 8 % of the values removed."""
    folder = REFERENCE / case
    meta_file = folder / "case.json"
    meta: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file.exists() else \
        {"function": "sem", "args": {}, "data": "data.csv"}
    options: dict[str, Any] = {"defaults": meta["function"], "missing": "fiml"}
    options |= {_ARGS[k]: v for k, v in meta["args"].items() if k in _ARGS}
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"), name=case,
                            **options)
    data = pd.read_csv(folder / meta["data"])
    rng = np.random.default_rng(3)
    for column in data.select_dtypes("number").columns.difference(list(_COVARIATES)):
        data.loc[rng.random(len(data)) < 0.08, column] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_model(spec, data)
    X = fit.data.to_numpy(dtype=float)
    return fit.model, X[np.isfinite(X).any(axis=1)]


@pytest.mark.parametrize("case", CASES)
def test_analytic_hessian_equals_the_numeric_one(case: str) -> None:
    mm, X = _incomplete(case)
    rows = missing_rows(X)
    assert rows.sets, "the data must have missing values"
    rng = np.random.default_rng(11)
    away = mm.estimate * (1 + 0.05 * rng.standard_normal(mm.n_params))
    for theta in (mm.estimate, away):  # at the estimate and where the gradient is not zero
        numeric = numeric_hessian(mm, rows, theta)
        analytic = fiml_hessian(mm, rows, theta)
        scale = max(1.0, float(np.abs(numeric).max()))
        np.testing.assert_allclose(analytic, numeric, rtol=0, atol=1e-6 * scale)


def test_patterns_and_rows_give_the_same_hessian() -> None:
    """Per-pattern moments (MLR's bread, the score test) as pseudo-rows: the same Hessian."""
    mm, X = _incomplete("mediation_missing_fiml")
    by_rows = observed_information(mm, missing_rows(X), mm.estimate)
    by_patterns = observed_information(mm, data_patterns(X), mm.estimate)
    np.testing.assert_allclose(by_patterns, by_rows, rtol=1e-9, atol=1e-9)


def test_complete_data_without_means_is_the_ml_hessian() -> None:
    """No mean structure (complete-data MLR's bread): patterns centred at the model's means."""
    spec = spec_from_syntax((REFERENCE / "holzinger_swineford" / "model.lav").read_text(),
                            name="hs")
    fit = fit_model(spec, pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv"))
    mm, X = fit.model, fit.data.to_numpy(dtype=float)
    assert not mm.meanstructure
    patterns = data_patterns(X)
    theta = mm.estimate * 1.03  # off the estimate: the second-derivative terms count
    np.testing.assert_allclose(observed_information(mm, patterns, theta),
                               numeric_hessian(mm, patterns, theta), rtol=0, atol=1e-6)


def test_multiple_groups_as_one_block_model() -> None:
    """Groups are one block-diagonal model whose rows miss the other groups' columns."""
    folder = REFERENCE / "mediation_groups"
    case = json.loads((folder / "lavaan.json").read_text())["cases"]["fiml"]
    spec = spec_from_syntax(case["model"], name="groups", group="own",
                            group_equal=["loadings"], missing="fiml")
    data = pd.read_csv(folder / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_model(spec, data)
    _, frames, _ = split_groups(spec, data)
    X, _ = block_data([f.to_numpy(dtype=float) for f in frames])
    rows = missing_rows(X)
    theta = fit.model.estimate * 1.02
    numeric = numeric_hessian(fit.model, rows, theta)
    np.testing.assert_allclose(fiml_hessian(fit.model, rows, theta), numeric, rtol=0,
                               atol=1e-6 * float(np.abs(numeric).max()))
