"""The multiple-group bootstrap with small groups (30 respondents each), where some draws have
no ML fit: the batched quasi-Newton draws give the answers of the one-by-one refit they
replaced (each resample fitted alone from the estimate: scoring, then L-BFGS), drop draws that
scoring cannot fit either, and report how many were dropped and why."""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.sem.bootstrap import bootstrap_model
from semwb.sem.bootstrap_draws import bootstrap_draws
from semwb.sem.bootstrap_groups import group_rows
from semwb.sem.bootstrap_rows import fiml_rows, refine_fiml
from semwb.sem.bootstrap_table import summarize_draws
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.estimators.ml import data_patterns, fit_ml
from semwb.sem.model.algebra import gradient
from semwb.sem.model.fitting import evaluate, fit_batch
from semwb.sem.model.groups import row_groups
from semwb.sem.resampling import stratified_indices
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
DRAWS = 20
SEED = 1


@cache
def _small() -> FitResult:
    """Holzinger-Swineford by school, 30 pupils drawn from each school."""
    data = pd.read_csv(REFERENCE / "hs_multigroup" / "data.csv")
    small = pd.concat([data[data["school"] == s].sample(30, random_state=1)
                       for s in data["school"].unique()]).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_model(spec_from_syntax(HS, name="small", group="school"), small)


@pytest.mark.slow
def test_small_group_draws_give_the_one_by_one_refits_answers() -> None:
    fit = _small()
    X = group_rows(fit).to_numpy()
    drawn = bootstrap_draws(fit.model, X, draws=DRAWS, rng=SEED, start=fit.model.estimate)
    rows, _ = fiml_rows(fit.model, X)
    mm = refine_fiml(fit.model, rows)
    indices = stratified_indices(row_groups(rows, mm.blocks or ()), DRAWS, rng=SEED)
    dropped = [int(f["draw"]) - 1 for f in drawn.failed]
    assert dropped  # the case has draws with no ML fit
    assert np.isnan(drawn.theta[dropped]).all()
    # each kept draw is the refit the draws took before: the resample fitted alone from the
    # estimate (Fisher scoring to 1e-10, quasi-Newton if that stalls)
    reference = np.full_like(drawn.theta, np.nan)
    elsewhere = []
    for b in sorted(set(range(DRAWS)) - set(dropped)):
        alone = fit_ml(mm, rows[indices[b]], fit.model.estimate, fiml=True)
        if alone.converged:
            reference[b] = alone.mm.estimate
            continue
        # the refit wandered off towards an improper solution (a loading of 22, F lower, no
        # convergence); the draw's own fit stopped at the local minimum next to the estimate,
        # where lavaan's refit from the estimate stops: a true stationary point of its F
        data = data_patterns(rows[indices[b]])
        ev = evaluate(mm, drawn.theta[b][None], data)
        assert np.abs(gradient(mm, ev, data)).max() < 1e-6, b
        elsewhere.append(b)
        reference[b] = drawn.theta[b]
    assert elsewhere == [17]
    assert drawn.theta == pytest.approx(reference, abs=1e-6, nan_ok=True)
    # a dropped draw: scoring from the estimate, the refit's first stage, does not converge
    # either (the refit's L-BFGS stage, 20 s a draw, found nothing more on this case)
    for b in dropped:
        data = data_patterns(rows[indices[b]])
        assert not fit_batch(mm, data, start=fit.model.estimate, tol=1e-10,
                             max_iter=300).converged[0]
    ours, theirs = (summarize_draws(mm, theta, ci="percentile", level=0.95, seed=SEED,
                                    failed=drawn.failed) for theta in (drawn.theta, reference))
    for column in ("se", "ci_lower", "ci_upper", "std_all_ci_lower", "std_all_ci_upper"):
        assert ours.table[column].to_numpy() == pytest.approx(
            theirs.table[column].to_numpy(), abs=1e-6, nan_ok=True), column
    assert ours.info.succeeded == DRAWS - len(dropped)


def test_small_group_bootstrap_reports_the_dropped_draws() -> None:
    fit = _small()
    result = bootstrap_model(fit, draws=100, rng=SEED)
    failed = result.info.failed
    assert failed  # small groups: some draws have no ML fit
    assert result.info.succeeded == 100 - len(failed)
    assert all("did not converge" in str(f["reason"]) for f in failed)
    assert all("|" not in str(f["reason"]) for f in failed)  # named as the data name them
    dropped = [int(f["draw"]) for f in failed]
    assert result.draws is not None
    assert len(result.draws) == 100 - len(dropped)  # the kept draws only


def test_small_group_draws_do_not_depend_on_the_chunking() -> None:
    fit = _small()
    X = group_rows(fit).to_numpy()
    whole, chunked = (bootstrap_draws(fit.model, X, draws=DRAWS, rng=SEED, chunk_size=size)
                      for size in (DRAWS, 7))
    assert np.array_equal(whole.theta, chunked.theta, equal_nan=True)
    assert whole.failed == chunked.failed


def test_fit_command_reports_the_dropped_draws(tmp_path: Path) -> None:
    """``semwb fit --group --bootstrap`` on small groups: the terminal line, results.json and
    the report all say how many draws failed."""
    import json

    from typer.testing import CliRunner

    from semwb.cli import app

    data = pd.read_csv(REFERENCE / "hs_multigroup" / "data.csv")
    small = pd.concat([data[data["school"] == s].sample(30, random_state=1)
                       for s in data["school"].unique()])
    small.to_csv(tmp_path / "small.csv", index=False)
    (tmp_path / "hs.lav").write_text(HS, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["fit", str(tmp_path / "hs.lav"), "--data",
                                      str(tmp_path / "small.csv"), "--group", "school",
                                      "--bootstrap", "100", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    boot = json.loads((out / "results.json").read_text(encoding="utf-8"))["bootstrap"]
    failed = len(boot["failed"])
    assert failed
    assert boot["succeeded"] == 100 - failed
    assert f"({100 - failed} of 100 draws; {failed} failed, listed in results.json)" in \
        " ".join(result.output.split())
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"{failed} of 100 bootstrap draws failed and were dropped." in report


def test_incomplete_groups_are_refitted_by_fiml() -> None:
    """A group with missing values enters its draws as FIML rows: each draw is still the
    multi-group FIML fit of its stratified resample."""
    data = pd.read_csv(REFERENCE / "hs_multigroup" / "data.csv")
    items = [f"x{i}" for i in range(1, 10)]
    values = data[items].to_numpy()
    values[np.random.default_rng(3).random(values.shape) < 0.08] = np.nan
    data[items] = values

    def fitted(frame: pd.DataFrame) -> FitResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_model(spec_from_syntax(HS, name="fiml", group="school", missing="fiml"),
                             frame)

    fit = fitted(data)
    drawn = bootstrap_draws(fit.model, group_rows(fit).to_numpy(), draws=6, rng=11, fiml=True)
    sizes = [round(w * len(fit.data)) for _, w in fit.model.blocks or ()]
    strata = np.repeat(np.arange(len(sizes)), sizes)
    indices = stratified_indices(strata, 6, rng=11)
    assert not drawn.failed
    for b in (0, 5):
        resample = fit.data.iloc[indices[b]].assign(school=[fit.groups[g] for g in strata])
        refit = fitted(resample.reset_index(drop=True))
        assert drawn.theta[b] == pytest.approx(refit.model.estimate, abs=1e-6)
