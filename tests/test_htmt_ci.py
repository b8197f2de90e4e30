"""Bootstrap intervals of HTMT, HTMT2 and the Fornell-Larcker comparison."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.errors import OptionError
from semwb.measurement.htmt_ci import discriminant_validity, fornell_larcker_draws, htmt_draws
from semwb.measurement.validity import htmt
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.resampling import resample_indices
from semwb.sem.spec import load_spec
from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

REFERENCE = REPO / "tests" / "reference"
HS = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
RQ = json.loads((REFERENCE / "reviewer_questions" / "reference.json").read_text("utf-8"))
CONSTRUCTS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
              "speed": ["x7", "x8", "x9"]}
ITEMS = [i for c in CONSTRUCTS.values() for i in c]
GROUPS = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


@pytest.fixture(scope="module")
def cfa() -> FitResult:
    return fit_model(load_spec(REFERENCE / "holzinger_swineford" / "model.lav"), HS)


def test_point_values_are_semtools_htmt() -> None:
    table = discriminant_validity(HS, CONSTRUCTS, draws=100)
    names = RQ["htmt"]["names"]
    for row in table.itertuples():
        a, b = names.index(row.a), names.index(row.b)
        assert row.htmt == pytest.approx(RQ["htmt"]["htmt"][a][b], abs=1e-10)
        assert row.htmt2 == pytest.approx(RQ["htmt"]["htmt2"][a][b], abs=1e-10)


@pytest.mark.parametrize("geometric", [False, True])
def test_each_resample_is_the_htmt_of_its_rows(geometric: bool) -> None:
    X = HS[ITEMS].to_numpy(float)
    indices = resample_indices(len(X), 3, rng=7)
    stacked = htmt_draws(X, GROUPS, indices, geometric=geometric)
    for b in range(3):
        one = htmt(HS.iloc[indices[b]].reset_index(drop=True), CONSTRUCTS, geometric=geometric)
        expected = [one[a][c] for a, c in combinations(CONSTRUCTS, 2)]
        np.testing.assert_allclose(stacked[b], expected, rtol=1e-10)


def test_fornell_larcker_draws_are_refits_of_the_resamples(cfa: FitResult) -> None:
    """The batched bootstrap fit of a resample gives what fit_model gives on those rows."""
    from semwb.sem.bootstrap_draws import bootstrap_draws

    X = cfa.data[list(cfa.observed)].to_numpy(float)
    boot = bootstrap_draws(cfa.model, X, draws=2, rng=11, start=cfa.model.estimate)
    stacked = fornell_larcker_draws(cfa, list(CONSTRUCTS), boot.theta)
    indices = resample_indices(len(X), 2, rng=11)
    for b in range(2):
        refit = fit_model(cfa.spec, cfa.data.iloc[indices[b]].reset_index(drop=True))
        p = refit.parameters
        ave = {c: float((p[(p["op"] == "=~") & (p["lhs"] == c)]["std_all"] ** 2).mean())
               for c in CONSTRUCTS}
        for k, (a, c) in enumerate(combinations(CONSTRUCTS, 2)):
            r = p[(p["op"] == "~~") & (p["lhs"] == a) & (p["rhs"] == c)]["std_all"].iloc[0]
            expected = min(np.sqrt(ave[a]), np.sqrt(ave[c])) - abs(r)
            assert stacked[b, k] == pytest.approx(expected, abs=1e-5)


def test_fornell_larcker_interval_from_the_cfa(cfa: FitResult) -> None:
    table = discriminant_validity(HS, CONSTRUCTS, fit=cfa, draws=200, seed=5)
    p = cfa.parameters
    ave = (p[(p["op"] == "=~") & (p["lhs"] == "textual")]["std_all"] ** 2).mean()
    r = p[(p["op"] == "~~") & (p["lhs"] == "textual") & (p["rhs"] == "speed")]["std_all"]
    row = table[(table["a"] == "textual") & (table["b"] == "speed")].iloc[0]
    ave_speed = (p[(p["op"] == "=~") & (p["lhs"] == "speed")]["std_all"] ** 2).mean()
    assert row.fl == pytest.approx(min(np.sqrt(ave), np.sqrt(ave_speed)) - abs(r.iloc[0]))
    assert row.fl_lower < row.fl < row.fl_upper
    assert bool(row.fl_holds) == (row.fl_lower_one_sided > 0)
    assert (table["draws"] > 190).all()


def _population(phi: float, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Two factors correlated ``phi``, three items each with loading 0.7: HTMT = HTMT2 = phi."""
    factors = rng.multivariate_normal([0, 0], [[1, phi], [phi, 1]], size=n)
    loadings = np.sqrt(0.49)
    items = np.repeat(factors, 3, axis=1) * loadings + rng.standard_normal((n, 6)) * np.sqrt(
        1 - 0.49)
    return pd.DataFrame(items, columns=["a1", "a2", "a3", "b1", "b2", "b3"])


def test_interval_coverage_in_a_simulation() -> None:
    """Monte Carlo: 120 samples of N = 250 from a population with HTMT = 0.6. The 95 %
    percentile interval covers 0.6 in about 95 % of samples (at least 0.89: 3 binomial SDs), and
    the one-sided 95 % upper bound falls below 0.6 in about 5 % (at most 0.11). Too wide an
    interval would pass here at 120 samples; test_intervals_are_percentiles_of_the_resamples
    holds the interval's level."""
    rng = np.random.default_rng(2026)
    constructs = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
    covered = {"htmt": 0, "htmt2": 0}
    below = 0
    reps = 120
    for rep in range(reps):
        row = discriminant_validity(_population(0.6, 250, rng), constructs, draws=400,
                                    seed=rep).iloc[0]
        for key in covered:
            covered[key] += int(row[f"{key}_lower"] <= 0.6 <= row[f"{key}_upper"])
        below += int(row["htmt_upper_one_sided"] < 0.6)
    for key, count in covered.items():
        assert count / reps >= 0.89, (key, count)
    assert below / reps <= 0.11


def test_high_correlation_fails_the_threshold() -> None:
    """With factors correlated 0.95 the upper bound is above 0.90: no discriminant validity."""
    data = _population(0.95, 300, np.random.default_rng(3))
    row = discriminant_validity(data, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]},
                                draws=300).iloc[0]
    assert not row["htmt_below_090"]
    assert not row["htmt2_below_085"]


def test_bad_requests_are_refused() -> None:
    with pytest.raises(OptionError, match="two constructs"):
        discriminant_validity(HS, {"visual": ["x1", "x2", "x3"]})
    with pytest.raises(OptionError, match="draws >= 100"):
        discriminant_validity(HS, CONSTRUCTS, draws=10)


def test_intervals_are_percentiles_of_the_resamples() -> None:
    """Two-sided 90 % interval: the 5th and 95th percentiles; one-sided bound: the 90th."""
    table = discriminant_validity(HS, CONSTRUCTS, draws=300, level=0.90, seed=9)
    X = HS[ITEMS].to_numpy(float)
    draws = htmt_draws(X, GROUPS, resample_indices(len(X), 300, rng=9))
    np.testing.assert_allclose(table["htmt_lower"], np.quantile(draws, 0.05, axis=0))
    np.testing.assert_allclose(table["htmt_upper"], np.quantile(draws, 0.95, axis=0))
    np.testing.assert_allclose(table["htmt_upper_one_sided"], np.quantile(draws, 0.90, axis=0))


def test_cli_on_the_example_survey(tmp_path: Path) -> None:
    from semwb.cli import app

    result = CliRunner().invoke(app, ["discriminant", str(SEED_INSTRUMENT), str(EXAMPLE_DATA),
                                      "--constructs", "AR,IOL,AI", "--draws", "100", "--out",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "discriminant.csv")
    assert list(zip(table["a"], table["b"], strict=True)) == [("AR", "IOL"), ("AR", "AI"),
                                                              ("IOL", "AI")]
    assert (table["htmt_lower"] <= table["htmt"]).all()
    assert (table["htmt"] <= table["htmt_upper"]).all()
    assert (table["fl_lower"] <= table["fl"]).all()
    assert "Fornell-Larcker criterion" in result.stdout


def test_the_example_surveys_htmt_and_resamples_are_semtools() -> None:
    """AR, IOL, AI of the example data (ar4 reverse-coded, complete rows) as `semwb
    discriminant` reads them: the point values and five resamples drawn in R (their rows
    stored) against semTools::htmt on the same rows."""
    from semwb.cli.efa import survey_items

    ref = RQ["htmt_alliance"]
    _, _, items, groups = survey_items(SEED_INSTRUMENT, EXAMPLE_DATA, "AR,IOL,AI", "")
    assert list(groups) == ref["names"]
    data = items[[i for g in groups.values() for i in g]].dropna()
    assert len(data) == ref["n"]
    table = discriminant_validity(data, groups, draws=100)
    pairs = list(combinations(range(3), 2))
    for key in ("htmt", "htmt2"):
        np.testing.assert_allclose(table[key], [ref[key][a][b] for a, b in pairs], atol=1e-10)
    X = data.to_numpy(float)
    sizes = np.cumsum([0, *(len(g) for g in groups.values())])
    positions = [list(range(sizes[k], sizes[k + 1])) for k in range(3)]
    indices = np.array([r["rows"] for r in ref["resamples"]])
    for key, geometric in (("htmt", False), ("htmt2", True)):
        draws = htmt_draws(X, positions, indices, geometric=geometric)
        expected = [[r[key][a][b] for a, b in pairs] for r in ref["resamples"]]
        np.testing.assert_allclose(draws, expected, atol=1e-10)


def test_an_80_column_terminal_cuts_no_interval(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "discriminant",
         str(SEED_INSTRUMENT), str(EXAMPLE_DATA), "--constructs", "AR,IOL,AI", "--draws", "100",
         "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "80"},
    ).stdout
    assert "…" not in shown
    table = pd.read_csv(tmp_path / "discriminant.csv")
    for r in table.itertuples():
        assert f"{r.a} – {r.b}" in shown
        for low, high in ((r.htmt_lower, r.htmt_upper), (r.fl_lower, r.fl_upper)):
            assert f"[{low:.3f}, {high:.3f}]" in shown
