"""The bootstrap of multiple-group models: rows redrawn within each group (lavaan's stratified
bootstrap), each draw the multi-group fit of its resample, and lavaan's bootstrap SEs and
percentile intervals (tests/reference/groups_bootstrap) matched within Monte Carlo error."""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from group_reference import lavaan_row
from semwb.errors import OptionError
from semwb.pipeline import run_analysis
from semwb.sem.bootstrap import bootstrap_model
from semwb.sem.bootstrap_draws import bootstrap_draws
from semwb.sem.bootstrap_groups import group_rows
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.resampling import stratified_indices
from semwb.sem.spec import BootstrapOptions, spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
LAVAAN = json.loads((REFERENCE / "groups_bootstrap" / "lavaan_bootstrap.json")
                    .read_text(encoding="utf-8"))
HS = ("visual =~ x1 + c(l1, l2)*x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
      "dl := l1 - l2\n")


def _quiet_fit(syntax: str, data: pd.DataFrame, **options: Any) -> FitResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_model(spec_from_syntax(syntax, name="g", **options), data)


@cache
def _hs() -> tuple[pd.DataFrame, FitResult]:
    data = pd.read_csv(REFERENCE / "hs_multigroup" / "data.csv")
    return data, _quiet_fit(HS, data, group="school")


def test_stratified_draws_keep_each_groups_rows_and_size() -> None:
    strata = np.array([0, 1, 0, 2, 1, 1, 0, 2, 2, 2, 0, 1])
    indices = stratified_indices(strata, 300, rng=3)
    assert indices.shape == (300, strata.size)
    for g in range(3):
        rows = np.flatnonzero(strata == g)
        # every draw keeps group g's n and redraws its rows from group g only
        assert np.isin(indices[:, rows], rows).all()
        assert set(np.unique(indices[:, rows])) == set(rows)  # all rows get drawn somewhere
    assert (strata[indices] == strata[None]).all()
    assert np.array_equal(indices, stratified_indices(strata, 300, rng=3))
    assert not np.array_equal(indices[0], indices[1])


COVARIATE = ("AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n"
             "IOL ~ AR + size\n")


@pytest.mark.parametrize(("syntax", "data", "column"), [
    (HS, "hs_multigroup/data.csv", "school"),
    (COVARIATE, "groups_robust/mediation.csv", "own"),  # fixed.x: each group's own moments
])
def test_each_draw_is_the_multigroup_fit_of_its_stratified_resample(syntax: str, data: str,
                                                                    column: str) -> None:
    fit = _quiet_fit(syntax, pd.read_csv(REFERENCE / data), group=column)
    X = group_rows(fit).to_numpy()
    drawn = bootstrap_draws(fit.model, X, draws=6, rng=11)
    sizes = [round(w * len(fit.data)) for _, w in fit.model.blocks or ()]
    strata = np.repeat(np.arange(len(sizes)), sizes)
    indices = stratified_indices(strata, 6, rng=11)
    for b in (0, 3, 5):
        resample = fit.data.iloc[indices[b]].assign(**{column: [fit.groups[g] for g in strata]})
        refit = _quiet_fit(syntax, resample.reset_index(drop=True), group=column)
        assert drawn.theta[b] == pytest.approx(refit.model.estimate, abs=2e-5)


def test_group_rows_refuse_data_of_other_groups() -> None:
    data, fit = _hs()
    assert np.array_equal(group_rows(fit, data).to_numpy(), group_rows(fit).to_numpy(),
                          equal_nan=True)
    other = data.assign(school=data["school"].replace({"Pasteur": "Lincoln"}))
    with pytest.raises(OptionError, match="the model was fitted to Pasteur, Grant-White"):
        group_rows(fit, other)


def test_bca_and_monte_carlo_run_on_groups() -> None:
    _, fit = _hs()
    free = fit.parameters["free"].astype(bool).to_numpy()
    mc = bootstrap_model(fit, draws=4000, ci="montecarlo", rng=5).table
    # Monte Carlo draws come from the fit's own (expected-information) covariance
    ratio = mc["se"].to_numpy()[free] / fit.parameters["se"].to_numpy()[free]
    assert ratio == pytest.approx(1.0, abs=0.08)
    mediation = _quiet_fit(LAVAAN["model"], pd.read_csv(REFERENCE / "groups_robust" /
                                                        "mediation.csv"), group="own")
    bca = bootstrap_model(mediation, draws=100, ci="bca", rng=5).table
    row = bca[bca["op"] == ":="].iloc[0]
    assert row["ci_lower"] < row["est"] < row["ci_upper"]


def test_run_analysis_bootstraps_group_specific_effects() -> None:
    data = pd.read_csv(REFERENCE / "groups_robust" / "mediation.csv")
    spec = spec_from_syntax(LAVAAN["model"], name="g", group="own")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = BootstrapOptions(draws=100, seed=2, level=0.95)
        results = run_analysis(spec, data, bootstrap=options)
    assert results.bootstrap is not None
    assert results.bootstrap.draws == 100
    defined = {p.lhs: p for p in results.parameters if p.op == ":="}
    assert sorted(defined) == ["diff", "ind1", "ind2"]
    for row in defined.values():  # bootstrap intervals of group-specific indirect effects
        assert row.ci_lower is not None
        assert row.ci_upper is not None
        assert row.est is not None
        assert row.ci_lower < row.est < row.ci_upper
    assert {p.group for p in results.parameters if p.op == "=~"} == {"1", "2"}
    assert results.group == "own"


@pytest.mark.slow
def test_bootstrap_matches_lavaans_within_monte_carlo_error() -> None:
    """Same draws are impossible; lavaan's and semwb's bootstrap SEs (R = 1000 each) differ by
    about ``se / sqrt(R)`` (each SE's Monte Carlo error is ``se / sqrt(2R)``): allowed 4.5 of
    those, and the percentile bounds of the ``:=`` effects half an SE."""
    data = pd.read_csv(REFERENCE / "groups_robust" / "mediation.csv")
    fit = _quiet_fit(LAVAAN["model"], data, group=LAVAAN["group"],
                     group_equal=[LAVAAN["group_equal"]])
    draws = LAVAAN["draws"]
    table = bootstrap_model(fit, draws=draws, rng=2026).table
    allowed = 4.5 / np.sqrt(draws)
    checked = 0
    for row in LAVAAN["parameters"]:
        got = lavaan_row(table, row, fit.groups)
        if not row["se"]:
            assert got["se"] == 0.0
            continue
        checked += 1
        assert abs(got["se"] - row["se"]) <= allowed * row["se"], row
        if row["op"] == ":=":
            for bound in ("ci_lower", "ci_upper"):
                assert abs(got[bound] - row[bound]) <= 0.5 * row["se"], (row, bound)
    assert checked > 60


def test_fit_command_bootstraps_groups_and_reports_them_by_label(tmp_path: Path) -> None:
    """``semwb fit --bootstrap`` on a group spec: stratified draws, bootstrap intervals of the
    groups' indirect effects, hypotheses per group, groups named by the instrument's labels."""
    from typer.testing import CliRunner

    from semwb.cli import app

    root = Path(__file__).parent.parent
    body = "".join(f"  {line}\n" for line in LAVAAN["model"].splitlines())
    (tmp_path / "spec.yaml").write_text(
        f"model: groups-boot\ninstrument: {root / 'surveys' / 'alliance_portfolio_innovation.yaml'}"
        f"\ndata: {root / 'surveys' / 'examples' / 'alliance.csv'}\ngroup: own\n"
        "group_levels: [1, 2]\nhypotheses:\n  - {id: H1, path: AR -> IOL, expected: positive}\n"
        f"syntax: |\n{body}", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["fit", str(tmp_path / "spec.yaml"), "--bootstrap", "100",
                                      "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert written["bootstrap"]["draws"] == 100
    assert written["group"] == "own"
    diff = next(r for r in written["parameters"] if r["lhs"] == "diff")
    assert diff["ci_lower"] < diff["est"] < diff["ci_upper"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Group: State-owned (own = 1)" in report
    assert "Group: Private (own = 2)" in report
    assert report.count("<strong>H1</strong>") == 2  # AR -> IOL is free in each group
