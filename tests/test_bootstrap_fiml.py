"""The FIML bootstrap (semwb.sem.bootstrap_rows, semwb.sem.bootstrap with ``fiml``)."""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semwb.sem.bootstrap import bootstrap_model
from semwb.sem.bootstrap_draws import bootstrap_draws
from semwb.sem.bootstrap_rows import case_weights, covariate_moments, fiml_rows, refine_fiml
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.estimators.ml import fit_ml
from semwb.sem.resampling import resample_indices
from semwb.sem.spec import load_spec

REFERENCE = Path(__file__).parent / "reference"


@cache
def _fit(case: str) -> FitResult:
    folder = REFERENCE / case
    spec = load_spec(folder / "model.lav", missing="fiml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fiml_covariate: lavaan's rows-deleted warning
        return fit_model(spec, pd.read_csv(folder / "data.csv"))


@pytest.mark.parametrize("case", ["mediation_missing_fiml", "fiml_covariate"])
def test_each_draw_is_the_fiml_fit_of_its_resample(case: str) -> None:
    fit = _fit(case)
    X = fit.data.to_numpy(dtype=float)
    got = bootstrap_draws(fit.model, X, draws=3, rng=11, start=fit.model.estimate, fiml=True)
    assert np.isfinite(got.theta).all()
    indices = resample_indices(len(X), 3, rng=11)
    for b in range(3):
        alone = fit_ml(fit.model, X[indices[b]], fit.model.estimate, fiml=True)
        assert alone.converged
        np.testing.assert_allclose(got.theta[b], alone.mm.estimate, atol=2e-6)
    assert not np.allclose(got.theta[0], got.theta[1])


def test_covariate_moments_are_each_resamples_own() -> None:
    fit = _fit("fiml_covariate")
    X = fit.data.to_numpy(dtype=float)
    size = list(fit.model.observed).index("size")
    indices = resample_indices(len(X), 2, rng=5)
    S, mean = covariate_moments(fit.model, X, case_weights(len(X), indices))
    assert S is not None
    assert mean is not None
    for b in range(2):
        column = X[indices[b], size]
        assert S[b, size, size] == pytest.approx(np.var(column), rel=1e-12)
        assert mean[b, size] == pytest.approx(np.mean(column), rel=1e-12)


def test_refine_reaches_the_fiml_estimate() -> None:
    fit = _fit("mediation_missing_fiml")
    X = fit.data.to_numpy(dtype=float)
    far = fit.model.__class__(**{**fit.model.__dict__, "estimate": fit.model.estimate * 0.97})
    np.testing.assert_allclose(refine_fiml(far, X).estimate, fit.model.estimate, atol=1e-6)
    assert fiml_rows(fit.model, X)[0].shape == X.shape


def test_same_seed_same_draws_whatever_the_chunks_and_workers() -> None:
    fit = _fit("mediation_missing_fiml")
    calls: list[tuple[int, int]] = []
    one = bootstrap_model(fit, draws=120, rng=3, chunk_size=50,
                          progress=lambda d, t: calls.append((d, t)))
    two = bootstrap_model(fit, draws=120, rng=3, chunk_size=120, workers=2)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=False, rtol=1e-9)
    assert calls == [(50, 120), (100, 120), (120, 120)]
    assert one.info.succeeded == 120


def test_monte_carlo_uses_the_observed_information() -> None:
    fit = _fit("mediation_missing_fiml")
    res = bootstrap_model(fit, draws=4000, rng=8, ci="montecarlo")
    table = res.table.set_index(["lhs", "op", "rhs"])
    wald = fit.parameters.set_index(["lhs", "op", "rhs"])["se"]
    for key in [("IOL", "~", "AR"), ("AI", "~", "IOL"), ("AI", "~", "AR")]:
        # 4000 normal draws: the SE of an SE estimate is about 1.1 %; 4 % is over 3.5 of them
        assert table.loc[key, "se"] == pytest.approx(wald[key], rel=0.04)


@pytest.mark.slow
def test_fiml_bootstrap_matches_lavaans_within_monte_carlo_error() -> None:
    """2000 semwb draws against lavaan's 2000 (``make_bootstrap.R``): different random draws of
    the same bootstrap distribution, so each figure is compared with its Monte Carlo error.

    - SE: two independent SD estimates from ``R₁``, ``R₂`` draws; each has variance about
      ``σ² (κ - 1) / (4R)`` (``κ`` the kurtosis of the draws, 3 for normal ones), so the
      difference has SD ``σ sqrt((κ - 1)/4 · (1/R₁ + 1/R₂))``;
    - percentile endpoints: the share of semwb's draws below lavaan's ``α`` endpoint is ``α``
      up to ``sqrt(α(1-α)(1/R₁ + 1/R₂))`` (both endpoints estimate the same quantile);
    - every |z| must stay below 4 (about 6e-5 each for normal errors; 20 comparisons).
    """
    fit = _fit("mediation_missing_fiml")
    ref = json.loads((REFERENCE / "mediation_missing_fiml" / "lavaan_bootstrap.json")
                     .read_text(encoding="utf-8"))
    assert ref["call"]["missing"] == "ml"
    res = bootstrap_model(fit, draws=2000, rng=2026)
    assert res.draws is not None
    r1, r2 = ref["draws_succeeded"], res.info.succeeded
    assert r2 == 2000
    table = res.table.set_index(["lhs", "op", "rhs"])
    spelled = {(k[0], k[1], k[2].replace(" ", "")): k for k in table.index}
    columns = {c.replace(" ", ""): c for c in res.draws.columns}
    rows = [r for r in ref["parameters"] if r["op"] in ("~", ":=")]
    assert len(rows) == 5  # the three paths, ind and total
    worst = 0.0
    for row in rows:
        key = spelled[(row["lhs"], row["op"], row["rhs"].replace(" ", ""))]
        draws = res.draws[columns["".join(key).replace(" ", "")]].to_numpy()
        assert table.loc[key, "est"] == pytest.approx(row["est"], abs=1e-5)
        kurtosis = np.mean((draws - draws.mean()) ** 4) / np.var(draws) ** 2
        se_sd = row["se"] * np.sqrt((kurtosis - 1) / 4 * (1 / r1 + 1 / r2))
        worst = max(worst, abs(table.loc[key, "se"] - row["se"]) / se_sd)
        for alpha, end in ((0.025, row["perc_lower"]), (0.975, row["perc_upper"])):
            share = np.mean(draws < end)
            worst = max(worst, abs(share - alpha) / np.sqrt(alpha * (1 - alpha) * (1/r1 + 1/r2)))
    assert worst < 4.0, worst


def test_on_complete_data_the_fiml_draws_are_the_ml_draws() -> None:
    folder = REFERENCE / "mediation_single"
    data = pd.read_csv(folder / "data.csv")
    ml = fit_model(load_spec(folder / "model.lav"), data)
    fiml = fit_model(load_spec(folder / "model.lav", missing="fiml"), data)
    a = bootstrap_model(ml, draws=100, rng=12)
    b = bootstrap_model(fiml, draws=100, rng=12)
    assert a.draws is not None
    assert b.draws is not None
    shared = [c for c in a.draws.columns if " ~ " in c or " =~ " in c or " := " in c]
    assert len(shared) > 10
    # the same resamples, fitted once as moments (no means) and once as weighted rows (FIML)
    np.testing.assert_allclose(b.draws[shared], a.draws[shared], atol=2e-6)
