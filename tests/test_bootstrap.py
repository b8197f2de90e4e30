"""The bootstrap: each interval formula alone, resampling, options, reproducibility, failures,
Ctrl-C, Monte Carlo, and parity with lavaan's 5000- and 2000-draw bootstraps."""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import ndtr, ndtri

from boot_reference import BOOT_CASES, REFERENCE, Case, define_for, load_case, reference_row
from boot_reference import lavaan_draws_as_theta as lavaan_theta
from semwb.cli import main
from semwb.errors import OptionError
from semwb.results import Results, results_from_json
from semwb.sem.bootstrap import (
    RULE,
    bootstrap_matrices,
    bootstrap_model,
    complete_cases,
    summarize_draws,
)
from semwb.sem.bootstrap_draws import (
    _refit,
    asymptotic_covariance,
    bootstrap_draws,
    refine_estimate,
)
from semwb.sem.bootstrap_table import BootstrapResult
from semwb.sem.estimate import fit_model
from semwb.sem.intervals import _acceleration, _bc_ci, _bca_ci, _percentile_ci
from semwb.sem.model.standardized import standardized_rows
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.resampling import jackknife_covariances, resample_indices, resampled_covariances
from semwb.sem.spec import load_spec, spec_from_syntax


def _linear(sorted_draws: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """numpy's default quantile rule (scipy.stats.bootstrap uses it)."""
    return np.asarray(np.percentile(sorted_draws, 100 * np.asarray(probs)))


# --------------------------------------------------------------------------- interval formulas


def test_percentile_takes_the_order_statistic_when_it_exists() -> None:
    draws = np.random.default_rng(0).permutation(np.arange(1.0, 100.0))[:, None]  # R = 99
    # (R + 1) * 0.05 = 5 and (R + 1) * 0.95 = 95 are whole: t_(5) and t_(95)
    np.testing.assert_array_equal(_percentile_ci(draws, 0.90), [[5.0, 95.0]])


def test_percentile_interpolates_on_the_normal_scale() -> None:
    draws = np.arange(1.0, 101.0)[:, None] ** 2  # R = 100, t_(k) = k^2
    # (R + 1) * 0.025 = 2.525: between t_(2) = 4 and t_(3) = 9 on the qnorm scale
    w = (ndtri(0.025) - ndtri(2 / 101)) / (ndtri(3 / 101) - ndtri(2 / 101))
    lower = _percentile_ci(draws, 0.95)[0, 0]
    assert lower == pytest.approx(4 + w * 5, rel=1e-14)
    assert 4 < lower < 9


def test_bc_equals_percentile_when_half_the_draws_are_below() -> None:
    half = np.random.default_rng(1).gamma(2.0, size=(500, 3))
    draws = np.vstack([half, -half])  # exactly half below the estimate 0: z0 = 0
    estimate = np.zeros(3)
    np.testing.assert_allclose(_bc_ci(draws, estimate, 0.95), _percentile_ci(draws, 0.95),
                               rtol=1e-13)


def test_bc_shifts_towards_the_side_with_fewer_draws() -> None:
    draws = np.random.default_rng(2).normal(size=(4000, 1))
    t = np.sort(draws[:, 0])
    estimate = np.array([(t[2799] + t[2800]) / 2])  # 2800 of 4000 below: z0 = qnorm(0.7)
    levels = ndtr(2 * ndtri(0.7) + ndtri(np.array([0.025, 0.975])))
    got = _bc_ci(draws, estimate, 0.95, quantile=_linear)
    np.testing.assert_allclose(got[0], np.percentile(t, 100 * levels), rtol=1e-12)
    assert got[0, 0] > _percentile_ci(draws, 0.95, quantile=_linear)[0, 0]


def test_acceleration_of_a_known_jackknife() -> None:
    # jackknife values 0, 0, 0, 3: deviations from the mean 0.75 are .75, .75, .75, -2.25
    # sum d^3 = -10.125, sum d^2 = 6.75: a = -10.125 / (6 * 6.75 ** 1.5)
    a = _acceleration(np.array([[0.0], [0.0], [0.0], [3.0]]))
    assert a[0] == pytest.approx(-10.125 / (6 * 6.75**1.5), rel=1e-14)
    assert _acceleration(np.array([[-1.0], [0.0], [1.0]]))[0] == 0.0


def test_bca_with_symmetric_jackknife_equals_bc() -> None:
    rng = np.random.default_rng(3)
    draws = rng.lognormal(size=(3000, 2))
    estimate = np.median(draws, axis=0) * 1.1
    jack = np.vstack([np.ones(2), -np.ones(2)])  # acceleration 0
    np.testing.assert_allclose(_bca_ci(draws, estimate, jack, 0.9), _bc_ci(draws, estimate, 0.9),
                               rtol=1e-13)


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_bca_of_a_mean_matches_scipy(level: float) -> None:
    rng = np.random.default_rng(4)
    x = rng.exponential(size=40)
    res = stats.bootstrap((x,), np.mean, method="BCa", n_resamples=3000, confidence_level=level,
                          random_state=np.random.default_rng(5))
    jack = np.array([np.delete(x, i).mean() for i in range(x.size)])
    got = _bca_ci(res.bootstrap_distribution[:, None], np.array([x.mean()]), jack[:, None],
                  level, quantile=_linear)
    np.testing.assert_allclose(got[0], [res.confidence_interval.low,
                                        res.confidence_interval.high], rtol=1e-12)
    # the skewed mean has a clearly non-zero acceleration: BCa differs from BC here
    assert abs(got[0, 1] - _bc_ci(res.bootstrap_distribution[:, None], np.array([x.mean()]),
                                  level, quantile=_linear)[0, 1]) > 1e-3


@pytest.mark.parametrize("case_name", BOOT_CASES)
def test_percentile_and_bc_reproduce_lavaan_on_its_own_draws(case_name: str) -> None:
    case = load_case(case_name)
    mm = case.model
    theta = lavaan_theta(case, mm)
    rows = [r for r in mm.rows if r.param >= 0]
    values = theta[:, [r.param for r in rows]]
    est = np.array([reference_row(case, r.lhs, r.op, r.rhs)["est"] for r in rows])
    define = define_for(case.fit)
    by_label = {n: theta[:, k] for k, n in enumerate(mm.names)}
    point = {n: np.array([reference_row(case, r.lhs, r.op, r.rhs)["est"]])
             for r in rows for n in [r.name]}
    defined = define(by_label)
    values = np.column_stack([values, *(defined[n] for n, _ in case.defined)])
    est = np.concatenate([est, [define(point)[n][0] for n, _ in case.defined]])
    keys = [(r.lhs, r.op, r.rhs) for r in rows] + [(n, ":=", e) for n, e in case.defined]
    perc, bc = _percentile_ci(values, 0.95), _bc_ci(values, est, 0.95)
    for j, key in enumerate(keys):
        ref = reference_row(case, *key)
        np.testing.assert_allclose(perc[j], [ref["perc_lower"], ref["perc_upper"]], rtol=1e-10,
                                   err_msg=str(key))
        np.testing.assert_allclose(bc[j], [ref["bc_lower"], ref["bc_upper"]], rtol=1e-10,
                                   err_msg=str(key))


# --------------------------------------------------------------------------- resampling


def test_resampled_covariances_match_numpy() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 4))
    idx = resample_indices(30, 5, rng=7)
    S = resampled_covariances(X - X.mean(axis=0), idx)
    for b in range(5):
        np.testing.assert_allclose(S[b], np.cov(X[idx[b]], rowvar=False, bias=True), atol=1e-12)


def test_jackknife_covariances_leave_one_case_out() -> None:
    X = np.random.default_rng(8).normal(size=(12, 3))
    S = jackknife_covariances(X)
    for i in (0, 5, 11):
        np.testing.assert_allclose(S[i], np.cov(np.delete(X, i, axis=0), rowvar=False, bias=True),
                                   atol=1e-12)


def test_indices_depend_on_the_seed_only() -> None:
    a = resample_indices(50, 20, rng=11)
    np.testing.assert_array_equal(a, resample_indices(50, 20, rng=np.random.default_rng(11)))
    assert not np.array_equal(a, resample_indices(50, 20, rng=12))
    assert a.min() >= 0
    assert a.max() < 50


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(("options", "match"), [
    ({"draws": 0}, r"The 'draws' option of bootstrap must be an integer from 100 to 100,000; "
                   r"got 0\."),
    ({"draws": 3_000_000}, r"from 100 to 100,000; got 3000000\."),
    ({"draws": 99.5}, r"'draws' option .* got 99\.5\."),
    ({"draws": True}, r"'draws' option"),
    ({"ci": "bca.simple"}, r"The 'ci' option of bootstrap must be one of percentile, bc, bca, "
                           r"montecarlo; got 'bca.simple'\."),
    ({"level": 95}, r"The 'level' option of bootstrap must be a number from 0\.5 to below 1"),
    ({"level": 1.0}, r"'level' option"),
    ({"rng": "one"}, r"The seed must be an integer, a numpy Generator or None; got 'one'"),
    ({"workers": 0}, r"The 'workers' option of bootstrap must be an integer of at least 1"),
    ({"chunk_size": -5}, r"The 'chunk_size' option"),
])
def test_bad_options_are_named(options: dict[str, object], match: str) -> None:
    case = load_case("mediation_single")
    with pytest.raises(OptionError, match=match):
        bootstrap_matrices(case.model, case.data, **options)  # type: ignore[arg-type]


def test_data_without_the_model_variables_is_refused() -> None:
    case = load_case("mediation_single")
    with pytest.raises(OptionError, match="lack the model's observed variable"):
        bootstrap_matrices(case.model, case.data.drop(columns=["ar2"]), draws=100, rng=1)


# --------------------------------------------------------------------------- orchestration


def _run(**kwargs: Any) -> BootstrapResult:
    return bootstrap_model(load_case("mediation_single").fit, **kwargs)


def test_same_seed_same_intervals_whatever_the_workers_and_chunks() -> None:
    one = _run(draws=200, rng=2024, workers=1, chunk_size=500)
    two = _run(draws=200, rng=2024, workers=2, chunk_size=37)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    other = _run(draws=200, rng=2025)
    assert not np.allclose(one.table["ci_lower"], other.table["ci_lower"])


def test_summary_block_histograms_and_fixed_rows() -> None:
    res = _run(draws=300, rng=9, ci="bca")
    info = res.info
    summary = (info.draws, info.succeeded, info.ci, info.level, info.seed)
    assert summary == (300, 300, "bca", 0.95, 9)
    assert info.rule == RULE
    assert info.failed == []
    assert set(res.histograms) == {"ind", "total"}
    for hist in res.histograms.values():
        assert len(hist.edges) == len(hist.counts) + 1
        assert sum(hist.counts) == 300
    assert info.histograms["ind"]["counts"] == [float(c) for c in res.histograms["ind"].counts]
    fixed = res.table[~res.table["free"] & (res.table["op"] != ":=")]
    assert len(fixed) == 3  # the three marker loadings
    assert (fixed["se"] == 0).all()
    assert (fixed["ci_lower"] == fixed["est"]).all()
    assert (fixed["std_all_se"] > 0).all()  # a fixed loading's standardized value does vary
    t = res.table
    assert ((t["ci_lower"] <= t["est"]) & (t["est"] <= t["ci_upper"])).all()
    inside = (t["std_all_ci_lower"] <= t["std_all"]) & (t["std_all"] <= t["std_all_ci_upper"])
    assert inside.all()
    # the exogenous latent's standardized variance is 1 in every draw: a point interval
    ar = t[(t["lhs"] == "AR") & (t["op"] == "~~")].iloc[0]
    assert ar["std_all_ci_lower"] == pytest.approx(1.0, abs=1e-12)
    assert ar["std_all_ci_upper"] == pytest.approx(1.0, abs=1e-12)


def test_unseeded_run_records_the_seed_it_used() -> None:
    res = _run(draws=100, rng=None)
    again = _run(draws=100, rng=res.info.seed)
    pd.testing.assert_frame_equal(res.table, again.table, check_exact=True)


def test_progress_reaches_the_total() -> None:
    calls: list[tuple[int, int]] = []
    _run(draws=250, rng=1, chunk_size=100, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_ctrl_c_stops_the_workers_and_propagates() -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(draws=2000, rng=1, workers=2, chunk_size=50, progress=interrupt)
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def _tiny_model_and_data() -> tuple[Any, pd.DataFrame]:
    """A one-factor model on 8 cases that are 4 distinct rows twice: resamples that miss two of
    the rows have a singular covariance and cannot be fitted."""
    rng = np.random.default_rng(10)
    base = rng.normal(size=(4, 3)) + rng.normal(size=(4, 1))
    data = pd.DataFrame(np.vstack([base, base]), columns=["x1", "x2", "x3"])
    fit = fit_model(spec_from_syntax("F =~ x1 + x2 + x3", name="tiny"), data)
    return fit.model, data


def test_failed_draws_are_dropped_listed_and_counted() -> None:
    model, data = _tiny_model_and_data()
    mm = model
    X = complete_cases(mm, data)
    got = bootstrap_draws(mm, X, draws=200, rng=3, start=None)
    idx = resample_indices(X.shape[0], 200, rng=3)
    singular = np.array([np.unique(X[i], axis=0).shape[0] <= 3 for i in idx])
    assert singular.sum() > 10  # the test has failures to look at
    failed = {f["draw"] for f in got.failed}
    assert {int(b) + 1 for b in np.flatnonzero(singular)} <= failed
    assert np.isnan(got.theta[sorted(d - 1 for d in failed)]).all()
    res = summarize_draws(mm, got.theta, ci="percentile", level=0.95, seed=3, failed=got.failed)
    assert res.info.succeeded == 200 - len(failed)
    assert all("did not converge" in f["reason"] for f in res.info.failed)
    assert res.draws is not None
    assert len(res.draws) == res.info.succeeded


def test_inadmissible_draws_are_kept_and_listed() -> None:
    case = load_case("mediation_single")
    mm = refine_estimate(case.model, complete_cases(
        case.model, case.data))
    theta = np.repeat(mm.estimate[None], 120, axis=0) * np.linspace(0.9, 1.1, 120)[:, None]
    k = next(r.param for r in mm.rows if (r.lhs, r.op, r.rhs) == ("ai1", "~~", "ai1"))
    theta[7, k] = -0.05
    res = summarize_draws(mm, theta, ci="percentile", level=0.95, seed=None, failed=[])
    assert res.info.succeeded == 120
    assert [d["draw"] for d in res.info.inadmissible] == [8]
    assert "~~" in res.info.inadmissible[0]["reason"]


def test_monte_carlo_uses_the_ml_asymptotic_covariance() -> None:
    case = load_case("mediation_single")
    mm = case.model
    X = complete_cases(mm, case.data)
    mm = refine_estimate(mm, X)
    se = np.sqrt(np.diag(asymptotic_covariance(mm, X)))
    for row in (r for r in mm.rows if r.param >= 0):
        ref = case.lavaan["parameters"]
        lav = next(p for p in ref if (p["lhs"], p["op"], p["rhs"]) in {
            (row.lhs, row.op, row.rhs), (row.rhs, row.op, row.lhs)})
        assert se[row.param] == pytest.approx(lav["se"], rel=1e-3), (row.lhs, row.op, row.rhs)
    res = bootstrap_matrices(case.model, case.data, draws=4000, rng=5, ci="montecarlo",
                           define=define_for(case.fit), defined=case.defined)
    free = res.table[res.table["free"]]
    # the SE of a Monte Carlo SD is about SE / sqrt(2 R) = 1.1 % of it: allow 4 of those
    rel = free["se"].to_numpy() / se[[r.param for r in mm.rows if r.param >= 0]]
    assert np.abs(rel - 1).max() < 4 / np.sqrt(2 * 4000)
    ind = res.table.set_index("lhs").loc["ind"]
    assert ind["ci_lower"] < ind["est"] < ind["ci_upper"]
    assert ind["ci_lower"] > 0


# --------------------------------------------------------------------------- parity with lavaan


def _se_z(mine: np.ndarray, theirs: np.ndarray) -> float:
    """z of the difference of two bootstrap SDs: Var(s)/s^2 ~ (kurtosis - 1) / (4R) each."""
    s1, s2 = mine.std(ddof=1), theirs.std(ddof=1)
    var = sum(s**2 * (stats.kurtosis(d, fisher=False) - 1) / (4 * d.size)
              for s, d in ((s1, mine), (s2, theirs)))
    return float(abs(s1 - s2) / np.sqrt(var))


def _endpoint_z(mine: np.ndarray, endpoint: float, alpha: float, n_theirs: int) -> float:
    """z of lavaan's endpoint as a quantile of our draws: the share of our draws below it
    should be ``alpha`` up to binomial error from both draw sets."""
    share = np.mean(mine <= endpoint)
    sd = np.sqrt(alpha * (1 - alpha) * (1 / mine.size + 1 / n_theirs))
    return float(abs(share - alpha) / sd)


@pytest.mark.slow
@pytest.mark.parametrize("case_name", BOOT_CASES)
def test_bootstrap_matches_lavaan_within_monte_carlo_error(case_name: str) -> None:
    """SEs and percentile/BC endpoints of every row and std_all row vs lavaan.

    Tolerance, derived from the draw counts and the draws: an SE difference is scaled by the
    SD of a bootstrap SD, ``s sqrt((kurtosis - 1)/(4R))`` per side; an endpoint by the binomial
    SD of the share of our draws below lavaan's endpoint, ``sqrt(α(1-α)(1/R1 + 1/R2))`` (for BC
    at our adjusted α, plus the error of z0 propagated). With ``m`` comparisons, every |z| must
    stay below the Bonferroni bound ``Φ⁻¹(1 - 0.001/(2m))`` (4.54 for the 180 comparisons of
    mediation_single, 4.69 for the 367 of mediation_parallel): a 0.1 % chance that Monte Carlo
    error alone fails the test. Seen max |z| over four seeds: 2.3-3.1 (single), 2.8-3.9
    (parallel).
    """
    case = load_case(case_name)
    draws = case.boot["draws_requested"]
    res = bootstrap_matrices(case.model, case.data, draws=draws, rng=20260101,
                           define=define_for(case.fit), defined=case.defined)
    merged = bootstrap_model(case.fit, draws=draws, rng=20260101).table
    # the merged table carries exactly these numbers, in the core's rows
    assert len(merged) == len(case.fit.parameters)
    for _, row in merged.iterrows():
        key = (row["lhs"], row["op"], row["rhs"])
        mine = res.table[(res.table["lhs"] == key[0]) & (res.table["op"] == key[1])
                         & ((res.table["rhs"] == key[2]) | (key[1] == ":="))]
        assert len(mine) == 1, key
        assert row["se"] == mine["se"].iloc[0]
        assert row["std_all_ci_upper"] == mine["std_all_ci_upper"].iloc[0]
    mm = refine_estimate(case.model,
                         complete_cases(case.model, case.data))
    theirs_theta = lavaan_theta(case, mm)
    theirs_std = standardized_rows(mm, theirs_theta)
    define = define_for(case.fit)
    theirs_def = define({n: theirs_theta[:, k] for k, n in enumerate(mm.names)})
    std_label: dict[str, np.ndarray] = {}
    for j, r in enumerate(mm.rows):
        std_label.setdefault(r.name, theirs_std[:, j])
    theirs_std_def = define(std_label)
    n_theirs = theirs_theta.shape[0]
    assert res.info.succeeded == draws
    worst: dict[str, Any] = {"z": 0.0}
    compared = 0
    diffs: dict[str, float] = {}
    seen = 0
    table = res.table
    assert res.draws is not None
    mine_all = res.draws.to_numpy()
    for j, row in table.iterrows():
        ref = reference_row(case, row["lhs"], row["op"], row["rhs"])
        seen += 1
        assert row["est"] == pytest.approx(ref["est"], abs=2e-5)
        assert row["std_all"] == pytest.approx(ref["std_all"], abs=2e-5)
        if row["op"] == ":=":
            theirs = theirs_def[row["lhs"]]
            theirs_s = theirs_std_def[row["lhs"]]
        elif row["free"]:
            theirs = theirs_theta[:, mm.rows[j].param]
            theirs_s = theirs_std[:, j]
        else:
            assert row["se"] == 0
            assert ref["se"] == 0
            continue
        mine = mine_all[:, j]
        zs = {"se": _se_z(mine, theirs)}
        diffs["se"] = max(diffs.get("se", 0), abs(row["se"] - ref["se"]))
        for side, alpha in (("lower", 0.025), ("upper", 0.975)):
            zs[f"perc_{side}"] = _endpoint_z(mine, ref[f"perc_{side}"], alpha, n_theirs)
            diffs[f"perc_{side}"] = max(diffs.get(f"perc_{side}", 0),
                                        abs(row[f"ci_{side}"] - ref[f"perc_{side}"]))
            p0 = np.mean(mine < row["est"])
            z0 = ndtri(p0)
            adj = ndtr(2 * z0 + ndtri(alpha))
            bc = _bc_ci(mine[:, None], np.array([row["est"]]), 0.95)[0]
            diffs[f"bc_{side}"] = max(diffs.get(f"bc_{side}", 0),
                                      abs(bc[1 if side == "upper" else 0] - ref[f"bc_{side}"]))
            share = np.mean(mine <= ref[f"bc_{side}"])
            slope = 2 * stats.norm.pdf(2 * z0 + ndtri(alpha)) / stats.norm.pdf(z0)
            var = (adj * (1 - adj) + slope**2 * p0 * (1 - p0)) * (1 / mine.size + 1 / n_theirs)
            zs[f"bc_{side}"] = float(abs(share - adj) / np.sqrt(var))
        if ref.get("std_all_se") is not None:
            mine_s = _std_draws(res, mm, case, j)
            zs["std_se"] = _se_z(mine_s, theirs_s)
            diffs["std_se"] = max(diffs.get("std_se", 0),
                                  abs(row["std_all_se"] - ref["std_all_se"]))
            for side, alpha in (("lower", 0.025), ("upper", 0.975)):
                zs[f"std_{side}"] = _endpoint_z(mine_s, ref[f"std_all_perc_{side}"], alpha,
                                                n_theirs)
                diffs[f"std_{side}"] = max(diffs.get(f"std_{side}", 0), abs(
                    row[f"std_all_ci_{side}"] - ref[f"std_all_perc_{side}"]))
        compared += len(zs)
        for name, z in zs.items():
            if z > worst["z"]:
                worst = {"z": z, "what": name, "row": (row["lhs"], row["op"], row["rhs"])}
    assert seen == len(case.boot["parameters"])  # every reference row was compared
    bound = float(ndtri(1 - 0.001 / (2 * compared)))
    print(f"\n{case_name}: {compared} comparisons, bound {bound:.2f}, max |z| {worst}; "
          "max abs diffs " + ", ".join(f"{k} {v:.4f}" for k, v in diffs.items()))
    assert worst["z"] < bound, worst


def _std_draws(res: BootstrapResult, mm: ModelMatrices, case: Case, j: int) -> np.ndarray:
    """Our std_all draws of output row ``j`` (model rows from θ; := rows by the definitions)."""
    assert res.draws is not None
    theta = res.draws[list(res.draws.columns)[: len(mm.rows)]].to_numpy()
    free_cols = {r.param: i for i, r in enumerate(mm.rows) if r.param >= 0}
    th = theta[:, [free_cols[k] for k in range(mm.n_params)]]
    std = standardized_rows(mm, th)
    if j < len(mm.rows):
        return std[:, j]
    by_label: dict[str, np.ndarray] = {}
    for i, r in enumerate(mm.rows):
        by_label.setdefault(r.name, std[:, i])
    name = res.table.iloc[j]["lhs"]
    return define_for(case.fit)(by_label)[name]


def test_fixed_x_rows_keep_zero_se_and_regressions_get_bootstrap_values() -> None:
    folder = REFERENCE / "regression_observed"
    data = pd.read_csv(folder / "data.csv")
    fit = fit_model(spec_from_syntax((folder / "model.lav").read_text(), name="reg"), data)
    table = bootstrap_model(fit, draws=200, rng=4).table
    fixed_x = table[(table["op"] == "~~") & table["lhs"].isin(["x1", "x2"])]
    assert len(fixed_x) == 3
    assert (fixed_x["se"] == 0).all()
    assert (fixed_x["ci_lower"] == fixed_x["est"]).all()
    paths = table[table["op"].isin(["~", ":="])]
    assert (paths["se"] > 0).all()
    assert paths["std_all_ci_lower"].notna().all()
    wald = fit.parameters.set_index(["lhs", "op", "rhs"])["se"]
    for _, row in paths.iterrows():  # bootstrap and Wald SEs agree roughly on normal data
        assert row["se"] == pytest.approx(wald[(row["lhs"], row["op"], row["rhs"])], rel=0.3)


def test_bootstrap_block_round_trips_through_results_json() -> None:
    res = _run(draws=100, rng=3)
    results = Results(model="m", bootstrap=res.info)
    back = results_from_json(results.to_json())
    assert back.bootstrap == res.info
    assert back.bootstrap is not None
    edges = back.bootstrap.histograms["ind"]["edges"]
    assert edges[0] < edges[-1]


def test_the_fallback_refit_reaches_the_ml_estimate_from_a_far_start() -> None:
    case = load_case("mediation_single")
    mm = case.model
    X = complete_cases(mm, case.data)
    mm = refine_estimate(mm, X)
    fresh = _refit(mm, X, mm.estimate * 0.5 + 0.1)
    assert fresh is not None
    np.testing.assert_allclose(fresh, mm.estimate, atol=1e-6)


def _semwb(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
           *args: str) -> tuple[int, str]:
    """Run the ``semwb`` entry point in this process; return its exit code and stderr."""
    monkeypatch.setattr(sys, "argv", ["semwb", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_cli_fit_with_bootstrap_writes_the_block_and_std_intervals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    case = REFERENCE / "mediation_single"
    code, err = _semwb(monkeypatch, capsys, "fit", str(case / "model.lav"), "--data",
                       str(case / "data.csv"), "--out", str(tmp_path), "--bootstrap", "200",
                       "--seed", "3", "--ci", "bc")
    assert code == 0, err
    results = results_from_json((tmp_path / "results.json").read_text())
    assert results.bootstrap is not None
    assert (results.bootstrap.draws, results.bootstrap.ci, results.bootstrap.seed) == (200, "bc", 3)
    ind = next(p for p in results.parameters if p.lhs == "ind")
    assert ind.std_all_ci_lower is not None
    assert ind.std_all_ci_upper is not None
    assert ind.ci_lower is not None
    assert ind.est is not None
    assert ind.ci_lower < ind.est


@pytest.mark.parametrize(("args", "message"), [
    (["--bootstrap", "0"], "The 'draws' option of bootstrap must be an integer from 100 to "
                           "100,000; got 0."),
    (["--bootstrap", "200", "--ci", "bca.simple"], "The 'ci' option of bootstrap must be one of"),
    (["--ci", "bca"], "--ci and --seed need --bootstrap N"),
])
def test_cli_bad_bootstrap_options_fail_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], message: str) -> None:
    case = REFERENCE / "mediation_single"
    code, err = _semwb(monkeypatch, capsys, "fit", str(case / "model.lav"), "--data",
                       str(case / "data.csv"), "--out", str(tmp_path), *args)
    assert code == 1
    assert message in " ".join(err.split())  # rich wraps long lines at 80 columns
    assert "Traceback" not in err
    assert not (tmp_path / "results.json").exists()


def test_second_order_loadings_are_bootstrapped() -> None:
    """The core keeps ``APMC =~ RGOV`` in B: the merge must still find it, with std_all."""
    root = REFERENCE.parent.parent
    spec = load_spec(root / "models" / "apmc_learning_climate_breakthrough.yaml")
    fit = fit_model(spec, pd.read_csv(root / "surveys" / "examples" / "alliance.csv"))
    table = bootstrap_model(fit, draws=200, rng=8).table
    second = table[(table["lhs"] == "APMC") & (table["op"] == "=~")]
    assert len(second) == 3
    assert (second["std_all_se"] > 0).all()
    free = second[second["free"]]
    assert len(free) == 2
    assert (free["se"] > 0).all()
    assert ((free["ci_lower"] < free["est"]) & (free["est"] < free["ci_upper"])).all()
    # the engine's own std_all of the full sample (second-order cells in B) is the core's
    own = bootstrap_matrices(fit.model, fit.data, draws=100, rng=1).table
    for _, row in second.iterrows():
        cell = own[(own["lhs"] == "APMC") & (own["op"] == "=~") & (own["rhs"] == row["rhs"])]
        assert cell["std_all"].iloc[0] == pytest.approx(row["std_all"], abs=1e-5)
