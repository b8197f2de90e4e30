"""Monte Carlo power: the population, closed-form power of a slope, effects, the command."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import FitError, OptionError
from semwb.sem.estimate import fit_model
from semwb.sem.power import population_covariance, simulate_power
from semwb.sem.spec import spec_from_syntax
from survey_helpers import REPO

MEDIATION = ("M =~ 0.8*m1 + 0.7*m2 + 0.7*m3\nX =~ 0.8*x1 + 0.7*x2 + 0.7*x3\n"
             "Y =~ 0.8*y1 + 0.7*y2 + 0.7*y3\nM ~ {a}*X\nY ~ {b}*M + 0.1*X")
ANALYSIS = ("M =~ m1 + m2 + m3\nX =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nM ~ a*X\n"
            "Y ~ b*M + c*X\nind := a*b")


def _population(text: str) -> pd.DataFrame:
    return population_covariance(spec_from_syntax(text, name="population"))


def test_population_values_are_standardized() -> None:
    sigma = _population(MEDIATION.format(a=0.3, b=0.3))
    np.testing.assert_allclose(np.diag(sigma), 1.0)
    assert sigma.loc["m1", "x1"] == pytest.approx(0.8 * 0.3 * 0.8)
    assert sigma.loc["y2", "x3"] == pytest.approx(0.7 * (0.1 + 0.3 * 0.3) * 0.7)


def _ml_wald_power(b: float, n: int, alpha: float = 0.05) -> float:
    """Power of the ML Wald z of a standardized slope: z = t sqrt(N/(N-2)), t noncentral."""
    delta = b * np.sqrt(n) / np.sqrt(1 - b ** 2)
    crit = stats.norm.ppf(1 - alpha / 2) * np.sqrt((n - 2) / n)
    return float(stats.nct.sf(crit, n - 2, delta) + stats.nct.cdf(-crit, n - 2, delta))


def test_power_of_a_slope_is_the_closed_form() -> None:
    """400 replications per N: within 3.5 Monte Carlo SEs of the closed-form power."""
    sizes = [50, 100, 200]
    result = simulate_power(spec_from_syntax("y ~ x", name="a"), _population("y ~ 0.2*x"),
                            sizes, reps=400, seed=3)
    for row in result.table.itertuples():
        expected = _ml_wald_power(0.2, row.n)
        se = np.sqrt(expected * (1 - expected) / 400)
        assert abs(row.power - expected) < 3.5 * se, (row.n, row.power, expected)
    assert (result.rates["converged"] == 1).all()


def test_indirect_effect_power_and_its_null() -> None:
    ana = spec_from_syntax(ANALYSIS, name="a")
    strong = simulate_power(ana, _population(MEDIATION.format(a=0.4, b=0.4)), [300], reps=100,
                            seed=1).table.set_index("target")
    assert strong.loc["ind", "population"] == pytest.approx(0.16, rel=1e-6)
    assert strong.loc["ind", "power"] > 0.95
    assert strong.loc["ind", "mean_estimate"] == pytest.approx(0.16, abs=0.02)
    null = simulate_power(ana, _population(MEDIATION.format(a=0.0, b=0.0)), [100], reps=100,
                          seed=2).table.set_index("target")
    assert null.loc["ind", "power"] <= 0.06  # the CI of a*b rarely excludes 0 under H0
    assert null.loc["M~X", "power"] <= 0.12  # about alpha


def test_bad_populations_are_refused() -> None:
    with pytest.raises(OptionError, match="negative residual variance"):
        _population("y ~ 1.2*x")
    with pytest.raises(OptionError, match="no variable"):
        simulate_power(spec_from_syntax("y ~ x + z", name="a"), _population("y ~ 0.2*x"),
                       [100], reps=20)


def test_cli_writes_table_rates_and_plot(tmp_path: Path) -> None:
    (tmp_path / "pop.lav").write_text("y ~ 0.3*x\n", encoding="utf-8")
    (tmp_path / "ana.lav").write_text("y ~ x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["power", str(tmp_path / "ana.lav"), "--population",
                                      str(tmp_path / "pop.lav"), "--n", "60,120", "--reps",
                                      "50", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "power.csv")
    assert list(table["n"]) == [60, 120]
    assert table["power"].iloc[1] >= table["power"].iloc[0]
    assert "<polyline" in (tmp_path / "out" / "power.svg").read_text("utf-8")
    bad = CliRunner().invoke(app, ["power", str(tmp_path / "ana.lav"), "--population",
                                   str(tmp_path / "pop.lav"), "--n", "a,b"])
    assert bad.exit_code != 0
    assert "comma-separated whole numbers" in str(bad.exception)


def test_effect_null_with_one_path_present_rejects_about_alpha() -> None:
    """a = 0.5, b = 0: the indirect effect is 0 and the 95 % Monte Carlo CI excludes 0 in about
    5 % of 300 replications (binomial SD 1.3 %; 6.0 % here, a 90 % CI gives 11.3 %)."""
    table = simulate_power(spec_from_syntax(ANALYSIS, name="a"),
                           _population(MEDIATION.format(a=0.5, b=0.0)), [200], reps=300,
                           seed=4).table.set_index("target")
    assert 0.01 <= table.loc["ind", "power"] <= 0.065


def test_a_dask_cluster_gives_the_same_numbers() -> None:
    """Each N draws from its own seed stream: the same table on a (local) Dask cluster."""
    from distributed import Client, LocalCluster

    analysis = spec_from_syntax("y ~ x", name="a")
    sigma = _population("y ~ 0.25*x")
    here = simulate_power(analysis, sigma, [40, 80], reps=60, seed=5)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        there = simulate_power(analysis, sigma, [40, 80], reps=60, seed=5,
                               scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here.table, there.table)
    pd.testing.assert_frame_equal(here.rates, there.rates)


def test_progress_is_reported_after_each_sample_size() -> None:
    """The command's progress bar is fed by this callback: one call per N, done out of total."""
    calls: list[tuple[int, int]] = []
    simulate_power(spec_from_syntax("y ~ x", name="a"), _population("y ~ 0.2*x"), [40, 60, 80],
                   reps=10, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_cli_refuses_a_group_spec_in_one_line_before_fitting_it() -> None:
    """Without --population the spec is fitted for its population; a group spec is refused
    first (its fit's implied covariance is one per group: it used to crash in pandas)."""
    spec = REPO / "models" / "routines_learning_ownership_groups.yaml"
    result = CliRunner().invoke(app, ["power", str(spec), "--n", "100", "--reps", "20"])
    assert result.exit_code != 0
    assert isinstance(result.exception, OptionError)
    assert "remove 'group:'" in str(result.exception)


def test_admissibility_is_that_of_single_fits_of_the_same_samples() -> None:
    """N = 25 with a weak third indicator: many Heywood cases. Each N's samples come from its
    own seed stream, so they can be redrawn here and fitted one by one: the admissible share
    (converged, no negative variance) is the same count; replications the batched (chord) fit
    does not converge are refitted by full Fisher scoring first (two would otherwise be lost)."""
    population = _population("F =~ 0.95*x1 + 0.9*x2 + 0.25*x3\ny ~ 0.3*F")
    analysis = spec_from_syntax("F =~ x1 + x2 + x3\ny ~ F", name="a")
    rates = simulate_power(analysis, population, [25], reps=60, seed=11).rates.iloc[0]
    rng = np.random.default_rng(np.random.SeedSequence(11).spawn(1)[0])
    samples = rng.multivariate_normal(np.zeros(4), population.to_numpy(), size=(60, 25))
    admissible = 0
    for sample in samples:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fit_model(analysis, pd.DataFrame(sample, columns=population.columns))
        except FitError:  # not identified at this sample: not admissible
            continue
        p = fit.parameters
        variances = p[(p["op"] == "~~") & (p["lhs"] == p["rhs"]) & p["free"]]["est"]
        admissible += bool(fit.converged and (variances >= 0).all())
    assert 0.2 < rates["admissible"] < rates["converged"] <= 1
    assert rates["admissible"] == pytest.approx(admissible / 60)


def test_a_latent_product_term_is_refused_by_name() -> None:
    """The shipped H9 spec (XPR:RC, product indicators built from the data): refused before
    fitting, naming the term (it said the population had no variable XPR:RC)."""
    spec = REPO / "models" / "commitment_learning_collaborative_innovation.yaml"
    result = CliRunner().invoke(app, ["power", str(spec), "--n", "100", "--reps", "20"])
    assert result.exit_code != 0
    assert isinstance(result.exception, OptionError)
    assert "remove latent product terms (XPR:RC" in str(result.exception)
