"""PLSpredict-style cross-validated prediction through the model-implied covariance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.errors import OptionError
from semwb.explore.prediction import (
    _metrics,
    compare_predictions,
    implied_covariance,
    indicator_roles,
    predict_cv,
)
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax

CASE = Path(__file__).parent / "reference" / "mediation_single"
DATA = pd.read_csv(CASE / "data.csv")
SPEC = spec_from_syntax((CASE / "model.lav").read_text(encoding="utf-8"), name="mediation")


def test_implied_covariance_reproduces_the_model_chisquare() -> None:
    fit = fit_model(SPEC, DATA)
    observed = list(fit.observed)
    sigma = implied_covariance(fit.parameters, observed)
    sample = np.cov(fit.data[observed].to_numpy(dtype=float), rowvar=False, ddof=0)
    _, logdet_sigma = np.linalg.slogdet(sigma)
    _, logdet_sample = np.linalg.slogdet(sample)
    discrepancy = (logdet_sigma + np.trace(sample @ np.linalg.inv(sigma)) - logdet_sample
                   - len(observed))
    assert fit.n_obs * discrepancy == pytest.approx(fit.fit.chisq, rel=1e-8)


def test_indicator_roles() -> None:
    exogenous, endogenous = indicator_roles(SPEC)
    assert exogenous == ["ar1", "ar2", "ar3", "ar4"]
    assert endogenous == ["iol1", "iol2", "iol3", "iol4", "ai1", "ai2", "ai3", "ai4", "ai5",
                          "ai6"]


def test_metrics_by_hand() -> None:
    actual = np.array([[1.0], [2.0], [3.0], [4.0]])
    predicted = np.array([[1.5], [2.0], [2.0], [4.0]])
    got = _metrics(actual, predicted, np.full((4, 1), 2.0))
    assert got["rmse"][0] == pytest.approx(np.sqrt((0.25 + 0 + 1 + 0) / 4))
    assert got["mae"][0] == pytest.approx(1.5 / 4)
    assert got["q2"][0] == pytest.approx(1 - 1.25 / (1 + 0 + 1 + 4))


def test_model_predicts_about_as_well_as_the_regression_when_it_is_true() -> None:
    rng = np.random.default_rng(8)
    n = 600
    x = rng.standard_normal(n)
    y = 0.6 * x + 0.8 * rng.standard_normal(n)
    items = {f"x{i}": 0.8 * x + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    items |= {f"y{i}": 0.8 * y + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    spec = spec_from_syntax("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X\n", name="true")
    got = predict_cv(spec, pd.DataFrame(items), folds=5, repeats=2, rng=3)
    table = got.table
    assert list(table.index) == ["y1", "y2", "y3"]
    assert (table["q2_predict"] > 0.1).all()
    # the true model is more parsimonious than the regression: never clearly worse
    assert (table["rmse"] <= table["lm_rmse"] * 1.01).all()
    again = predict_cv(spec, pd.DataFrame(items), folds=5, repeats=2, rng=3)
    pd.testing.assert_frame_equal(table, again.table)
    assert got.to_dict()["indicators"]["y1"]["q2_predict"] == pytest.approx(
        table.loc["y1", "q2_predict"])


def test_model_without_regression_is_refused() -> None:
    spec = spec_from_syntax("AR =~ ar1 + ar2 + ar3 + ar4\n", name="cfa")
    with pytest.raises(OptionError, match="prediction needs a regression"):
        predict_cv(spec, DATA, folds=2, repeats=1)


def _two_predictors(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(21)
    x, z = rng.standard_normal(n), rng.standard_normal(n)
    y = 0.7 * x + 0.7 * rng.standard_normal(n)
    columns = {f"x{i}": 0.8 * x + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    columns |= {f"z{i}": 0.8 * z + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    columns |= {f"y{i}": 0.8 * y + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    return pd.DataFrame(columns)


def test_cvpat_prefers_the_model_with_the_real_predictor() -> None:
    data = _two_predictors()
    right = spec_from_syntax("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X\n", name="right")
    wrong = spec_from_syntax("Z =~ z1 + z2 + z3\nY =~ y1 + y2 + y3\nY ~ Z\n", name="wrong")
    got = compare_predictions(right, wrong, data, folds=5, repeats=1, rng=4)
    assert got["indicators"] == ["y1", "y2", "y3"]
    assert got["difference"] > 0
    assert got["loss_first"] < got["loss_second"]
    assert got["pvalue"] < 0.001
    assert got["df"] == len(data) - 1
    same = compare_predictions(right, right, data, folds=5, repeats=1, rng=4)
    assert (same["difference"], same["t"], same["pvalue"]) == (0.0, 0.0, 1.0)


def test_cvpat_needs_shared_endogenous_indicators() -> None:
    one = spec_from_syntax("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X\n", name="one")
    other = spec_from_syntax("Y =~ y1 + y2 + y3\nZ =~ z1 + z2 + z3\nZ ~ Y\n", name="other")
    with pytest.raises(OptionError, match="share no endogenous indicator"):
        compare_predictions(one, other, _two_predictors(60), folds=2, repeats=1)
