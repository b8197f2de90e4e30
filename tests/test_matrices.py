"""The batched matrix engine: derivatives against finite differences, ML and std_all vs lavaan."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from boot_reference import BOOT_CASES, REFERENCE, Case, load_case, reference_row
from boot_reference import lavaan_draws_as_theta as lavaan_theta
from semwb.sem import matrices as mx
from semwb.sem.bootstrap import complete_cases, refine_estimate
from semwb.sem.estimate import fit_model
from semwb.sem.intervals import _percentile_ci
from semwb.sem.spec import spec_from_syntax

CaseMM = tuple[Case, mx.ModelMatrices]


@pytest.fixture(scope="module", params=BOOT_CASES)
def case_mm(request: pytest.FixtureRequest) -> CaseMM:
    case = load_case(request.param)
    mm = mx.model_matrices(case.model)
    return case, refine_estimate(mm, complete_cases(mm, case.data))


def _sample_cov(case: Case, mm: mx.ModelMatrices) -> tuple[np.ndarray, np.ndarray]:
    X = complete_cases(mm, case.data)
    Xc = X - X.mean(axis=0)
    S = (Xc.T @ Xc / X.shape[0])[None]
    return S, np.linalg.slogdet(S)[1]


def test_implied_covariance_matches_semopy(case_mm: CaseMM) -> None:
    case, _mm = case_mm
    raw = mx.model_matrices(case.model)
    sigma, _ = case.model.calc_sigma()
    np.testing.assert_allclose(mx.implied(raw, raw.estimate[None]).sigma[0], sigma, atol=1e-12)


def test_jacobian_matches_finite_differences(case_mm: CaseMM) -> None:
    _, mm = case_mm
    theta = mm.estimate[None] * 1.05  # away from the optimum on purpose
    jac = mx.sigma_jacobian(mm, theta)[0]
    eps = 1e-6
    for k in range(mm.n_params):
        up, down = theta.copy(), theta.copy()
        up[0, k] += eps
        down[0, k] -= eps
        fd = (mx.implied(mm, up).sigma[0] - mx.implied(mm, down).sigma[0]) / (2 * eps)
        np.testing.assert_allclose(jac[k], fd, atol=1e-7, err_msg=mm.names[k])


def test_gradient_matches_finite_differences(case_mm: CaseMM) -> None:
    case, mm = case_mm
    S, logdet = _sample_cov(case, mm)
    theta = mm.estimate[None] * 1.05
    grad = mx.ml_gradient(mm, mx.ml_discrepancy(mm, theta, S, logdet), S)[0]
    assert np.abs(grad).max() > 1e-3  # a real test point, not the optimum
    eps = 1e-6
    for k in range(mm.n_params):
        up, down = theta.copy(), theta.copy()
        up[0, k] += eps
        down[0, k] -= eps
        fd = (mx.ml_discrepancy(mm, up, S, logdet).value[0]
              - mx.ml_discrepancy(mm, down, S, logdet).value[0]) / (2 * eps)
        assert grad[k] == pytest.approx(fd, abs=1e-7), mm.names[k]


def test_information_equals_trace_formula_on_jacobian(case_mm: CaseMM) -> None:
    _, mm = case_mm
    theta = mm.estimate[None] * 0.97
    jac = mx.sigma_jacobian(mm, theta)[0]
    inv = np.linalg.inv(mx.implied(mm, theta).sigma[0])
    X = inv[None] @ jac
    expected = np.einsum("kij,lji->kl", X, X)
    np.testing.assert_allclose(mx.fisher_information(mm, theta)[0], expected, rtol=1e-10,
                               atol=1e-12)


def test_ml_estimate_and_std_all_match_lavaan(case_mm: CaseMM) -> None:
    case, mm = case_mm
    values = mx.row_values(mm, mm.estimate[None])[0]
    std = mx.standardized_rows(mm, mm.estimate[None])[0]
    found = set()
    for j, row in enumerate(mm.rows):
        ref = reference_row(case, row.lhs, row.op, row.rhs)
        found.add((ref["lhs"], ref["op"], ref["rhs"]))
        assert values[j] == pytest.approx(ref["est"], abs=2e-5), (row.lhs, row.op, row.rhs)
        assert std[j] == pytest.approx(ref["std_all"], abs=2e-5), (row.lhs, row.op, row.rhs)
    # every lavaan model row (not the := ones) must have been produced
    model_rows = {(r["lhs"], r["op"], r["rhs"]) for r in case.boot["parameters"] if r["op"] != ":="}
    assert model_rows == found


def test_std_all_of_lavaan_draws_reproduces_lavaan(case_mm: CaseMM) -> None:
    """lavaan's own draws through our std_all and percentile rule give lavaan's numbers."""
    case, mm = case_mm
    theta = lavaan_theta(case, mm)
    std = mx.standardized_rows(mm, theta)
    ci = _percentile_ci(std, 0.95)
    checked = 0
    for j, row in enumerate(mm.rows):
        ref = reference_row(case, row.lhs, row.op, row.rhs)
        if ref.get("std_all_se") is None:
            continue
        checked += 1
        assert std[:, j].std(ddof=1) == pytest.approx(ref["std_all_se"], rel=1e-9)
        assert ci[j, 0] == pytest.approx(ref["std_all_perc_lower"], rel=1e-9)
        assert ci[j, 1] == pytest.approx(ref["std_all_perc_upper"], rel=1e-9)
    assert checked == sum(r.op == "~" for r in mm.rows)


def test_batched_fit_reaches_lavaan_on_full_sample(case_mm: CaseMM) -> None:
    case, mm = case_mm
    S, _ = _sample_cov(case, mm)
    start = mx.model_matrices(case.model).estimate  # semopy's, slightly off the optimum
    fit = mx.fit_ml_batch(mm, S, start=start)
    assert fit.converged[0]
    values = mx.row_values(mm, fit.theta)[0]
    for j, row in enumerate(mm.rows):
        assert values[j] == pytest.approx(reference_row(case, row.lhs, row.op, row.rhs)["est"],
                                          abs=2e-5)


def test_a_draw_fits_the_same_alone_or_in_a_stack(case_mm: CaseMM) -> None:
    case, mm = case_mm
    X = complete_cases(mm, case.data)
    rng = np.random.default_rng(5)
    idx = rng.integers(0, X.shape[0], size=(9, X.shape[0]))
    Xc = X - X.mean(axis=0)
    S = np.stack([np.cov(Xc[i], rowvar=False, bias=True) for i in idx])
    stacked = mx.fit_ml_batch(mm, S, start=mm.estimate)
    assert stacked.converged.all()
    for b in (0, 4, 8):
        alone = mx.fit_ml_batch(mm, S[b:b + 1], start=mm.estimate)
        np.testing.assert_array_equal(alone.theta[0], stacked.theta[b])


def test_non_positive_definite_sample_is_not_converged() -> None:
    case = load_case("mediation_single")
    mm = mx.model_matrices(case.model)
    p = len(mm.observed)
    singular = np.ones((1, p, p))
    fit = mx.fit_ml_batch(mm, singular, start=mm.estimate)
    assert not fit.converged[0]
    assert fit.iterations[0] == 0


@pytest.mark.parametrize("name", ["regression_observed", "political_democracy"])
def test_rows_are_named_as_lavaan_for_observed_regressions_and_covariances(name: str) -> None:
    """Observed-on-observed regressions sit in semopy's Λ; they must still read ``y ~ x``."""
    folder = REFERENCE / name
    data = pd.read_csv(folder / "data.csv")
    fit = fit_model(spec_from_syntax((folder / "model.lav").read_text(), name=name), data)
    ref = json.loads((folder / "lavaan.json").read_text())["parameters"]
    mm = refine_estimate(mx.model_matrices(fit.engine), complete_cases(
        mx.model_matrices(fit.engine), data))
    values = mx.row_values(mm, mm.estimate[None])[0]
    std = mx.standardized_rows(mm, mm.estimate[None])[0]
    for j, row in enumerate(mm.rows):
        match = [r for r in ref if (r["lhs"], r["op"], r["rhs"]) in {
            (row.lhs, row.op, row.rhs), (row.rhs, row.op, row.lhs)}]
        assert len(match) == 1, (row.lhs, row.op, row.rhs)
        assert values[j] == pytest.approx(match[0]["est"], abs=1e-4)
        assert std[j] == pytest.approx(match[0]["std_all"], abs=1e-4)
