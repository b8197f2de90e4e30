"""FIML's EM for the saturated (H1) model says so when it stops at its iteration limit."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.errors import SemwbWarning
from semwb.sem import estimate, groupfit, scaled_test
from semwb.sem.difference_test import scaled_difference_test
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.estimators.ml import data_patterns
from semwb.sem.fitindices import em_saturated
from semwb.sem.spec import load_spec, spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
MEDIATION = REFERENCE / "mediation_missing_fiml"
NOT_CONVERGED = "EM algorithm for the unrestricted .H1. model.* did not converge"
ONE_STEP = functools.partial(em_saturated, max_iter=1)


def _fit_quietly(spec_source: Path, **options: str) -> FitResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_model(load_spec(spec_source, missing="fiml", **options),
                         pd.read_csv(MEDIATION / "data.csv"))


def test_em_reports_that_it_stopped_at_its_limit() -> None:
    X = _fit_quietly(MEDIATION / "model.lav").data.to_numpy(dtype=float)
    assert not em_saturated(data_patterns(X), X.shape[1], max_iter=1)[2]
    assert em_saturated(data_patterns(X), X.shape[1])[2]


def test_a_fiml_fit_warns_when_em_stops_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pd.read_csv(MEDIATION / "data.csv")
    spec = load_spec(MEDIATION / "model.lav", missing="fiml")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SemwbWarning)  # the converged fit says nothing of EM
        assert not any("EM algorithm" in w for w in fit_model(spec, data).warnings)
    monkeypatch.setattr(estimate, "em_saturated", ONE_STEP)
    with pytest.warns(SemwbWarning, match=NOT_CONVERGED):
        fit = fit_model(spec, data)
    assert any("EM algorithm" in w for w in fit.warnings)  # and the report shows it


def test_a_multigroup_fiml_fit_warns_per_group(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
    data["school"] = np.where(data.index % 2 == 0, "a", "b")
    data.loc[data.index % 7 == 0, "x2"] = np.nan
    spec = spec_from_syntax("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", name="groups",
                            group="school", missing="fiml", defaults="cfa")
    monkeypatch.setattr(groupfit, "em_saturated", ONE_STEP)
    with pytest.warns(SemwbWarning, match=NOT_CONVERGED) as caught:
        fit = fit_model(spec, data)
    for group in (1, 2):
        assert any(f"model of group {group} did not converge" in w for w in fit.warnings)
    assert len(caught) == 2


def test_the_2010_scaled_difference_test_warns_when_em_stops(
        monkeypatch: pytest.MonkeyPatch) -> None:
    general = _fit_quietly(MEDIATION / "model.lav", estimator="MLR")
    syntax = (MEDIATION / "model.lav").read_text(encoding="utf-8").replace(" + cp*AR", "")
    syntax = syntax.replace("total := cp + a*b", "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restricted = fit_model(spec_from_syntax(syntax, name="restricted", missing="fiml",
                                                estimator="MLR"),
                               pd.read_csv(MEDIATION / "data.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SemwbWarning)
        scaled_difference_test(general, restricted, method="satorra.bentler.2010")
    monkeypatch.setattr(scaled_test, "em_saturated", ONE_STEP)
    with pytest.warns(SemwbWarning, match=NOT_CONVERGED):
        scaled_difference_test(general, restricted, method="satorra.bentler.2010")
