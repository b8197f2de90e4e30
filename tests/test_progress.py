"""Progress of the slow loops: predict's folds, impute's imputations and fits, EFA's draws."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from semwb.cli.app import app
from semwb.explore.beside import beside_results
from semwb.explore.imputation import fit_imputed
from semwb.explore.nfactors import parallel_analysis
from semwb.explore.prediction import compare_predictions, predict_cv
from semwb.progress import counter
from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax
from semwb.sem.spec_extras import ImputationOptions, PredictionOptions

REFERENCE = Path(__file__).parent / "reference"
MEDIATION = REFERENCE / "mediation_single"


class Calls:
    """A progress callback that records its calls."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.seen.append((done, total))

    def counts_up_to(self, total: int) -> bool:
        """One call per unit of work, 1, 2, ... ``total``, each naming ``total``."""
        return self.seen == [(k, total) for k in range(1, total + 1)]


def _data(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n)
    y = 0.6 * x + 0.8 * rng.standard_normal(n)
    columns = {f"x{i}": 0.8 * x + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    columns |= {f"y{i}": 0.8 * y + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    return pd.DataFrame(columns)


SPEC = spec_from_syntax("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X\n", name="m")


def test_counter_adds_steps_and_none_stays_none() -> None:
    calls = Calls()
    step = counter(calls, 5)
    assert step is not None
    step(2)
    step(3)
    assert calls.seen == [(2, 5), (5, 5)]
    assert counter(None, 5) is None


def test_cross_validation_reports_each_training_fold() -> None:
    calls = Calls()
    predict_cv(SPEC, _data(), folds=3, repeats=2, rng=1, progress=calls)
    assert calls.counts_up_to(6)
    both = Calls()
    compare_predictions(SPEC, SPEC, _data(), folds=3, repeats=1, rng=1, progress=both)
    assert both.counts_up_to(6)  # two models x three folds


def test_imputation_reports_each_imputation_and_each_fit() -> None:
    data = _data()
    data.loc[::7, "x1"] = np.nan
    calls = Calls()
    fit_imputed(SPEC, data, m=3, rng=2, progress=calls)
    assert calls.counts_up_to(6)


def test_parallel_analysis_reports_each_draw() -> None:
    calls = Calls()
    parallel_analysis(_data().corr().to_numpy(), 120, draws=4, rng=1, progress=calls)
    assert calls.counts_up_to(4)


def test_a_specs_imputation_and_prediction_blocks_report_progress() -> None:
    """The loops ``semwb fit`` runs for a spec's ``imputation:`` and ``prediction:`` blocks."""
    data = _data()
    data.loc[::7, "x1"] = np.nan
    spec = SPEC.model_copy(update={
        "missing": "fiml", "imputation": ImputationOptions(m=2, seed=1),
        "prediction": PredictionOptions(folds=2, repeats=1, seed=1)})
    calls = Calls()
    beside_results(spec, data, fit=fit_model(spec, data), progress=calls)
    assert calls.seen == [(1, 4), (2, 4), (3, 4), (4, 4), (1, 2), (2, 2)]


@pytest.mark.parametrize(("terminal", "shown"), [(True, True), (False, False)])
def test_predict_draws_its_bar_only_on_a_terminal(tmp_path: Path, terminal: bool, shown: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("semwb.cli.progress_bar.err_console",
                        Console(file=stream, force_terminal=terminal, width=100))
    done = CliRunner().invoke(app, ["predict", str(MEDIATION / "model.lav"), "--data",
                                    str(MEDIATION / "data.csv"), "--folds", "2", "--repeats",
                                    "1", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert ("cross-validation" in stream.getvalue()) is shown
    assert ("2/2" in stream.getvalue()) is shown
