"""The model algebra (semwb.sem.model) against finite differences, lavaan and itself."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from boot_reference import BOOT_CASES, REFERENCE, Case, load_case, reference_row
from boot_reference import lavaan_draws_as_theta as lavaan_theta
from semwb.sem.bootstrap import complete_cases
from semwb.sem.bootstrap_draws import refine_estimate
from semwb.sem.estimate import fit_model
from semwb.sem.estimators.ml import data_patterns
from semwb.sem.intervals import _percentile_ci
from semwb.sem.model.algebra import (
    Pattern,
    gradient,
    implied,
    information,
    mean_jacobian,
    objective,
    sigma_jacobian,
)
from semwb.sem.model.factor import cholesky_factor, cholesky_inverse
from semwb.sem.model.fitting import fit_batch
from semwb.sem.model.standardized import row_values, standardized_rows
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import load_spec, spec_from_syntax

CaseMM = tuple[Case, ModelMatrices]
FimlMM = tuple[ModelMatrices, list[Pattern]]


@pytest.fixture(scope="module", params=BOOT_CASES)
def case_mm(request: pytest.FixtureRequest) -> CaseMM:
    case = load_case(request.param)
    mm = case.model
    return case, refine_estimate(mm, complete_cases(mm, case.data))


def _complete(case: Case, mm: ModelMatrices) -> list[Pattern]:
    X = complete_cases(mm, case.data)
    return data_patterns(X)


@pytest.fixture(scope="module")
def fiml_mm() -> FimlMM:
    """A model with a mean structure, fitted by FIML to data with missing values."""
    folder = REFERENCE / "mediation_missing_fiml"
    spec = load_spec(folder / "model.lav", missing="fiml")
    fit = fit_model(spec, pd.read_csv(folder / "data.csv"))
    return fit.model, data_patterns(fit.data.to_numpy(dtype=float))


def _finite_difference(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, k: int,
                       eps: float = 1e-6) -> np.ndarray:
    up, down = theta.copy(), theta.copy()
    up[0, k] += eps
    down[0, k] -= eps
    return np.asarray((f(up) - f(down)) / (2 * eps))


def test_jacobians_match_finite_differences(fiml_mm: FimlMM) -> None:
    mm, _ = fiml_mm
    theta = mm.estimate[None] * 1.05  # away from the optimum on purpose
    imp = implied(mm, theta)
    jac, mjac = sigma_jacobian(mm, imp)[0], mean_jacobian(mm, imp)[0]
    assert np.abs(mjac).max() > 0.5  # the means do depend on parameters here
    for k in range(mm.n_params):
        fd = _finite_difference(lambda t: implied(mm, t).sigma[0], theta, k)
        np.testing.assert_allclose(jac[k], fd, atol=1e-7, err_msg=mm.names[k])
        fd_mu = _finite_difference(lambda t: implied(mm, t).mu[0], theta, k)
        np.testing.assert_allclose(mjac[k], fd_mu, atol=1e-7, err_msg=mm.names[k])


@pytest.mark.parametrize("which", ["complete", "fiml"])
def test_gradient_matches_finite_differences(which: str, case_mm: CaseMM, fiml_mm: FimlMM) -> None:
    if which == "complete":
        case, mm = case_mm
        patterns = _complete(case, mm)
    else:
        mm, patterns = fiml_mm
        assert len(patterns) > 5
    theta = mm.estimate[None] * 1.05
    grad = gradient(mm, objective(mm, theta, patterns), patterns)[0]
    assert np.abs(grad).max() > 1e-3  # a real test point, not the optimum
    for k in range(mm.n_params):
        fd = _finite_difference(lambda t: objective(mm, t, patterns).value, theta, k)[0]
        assert grad[k] == pytest.approx(fd, abs=1e-6), mm.names[k]


def test_information_equals_trace_formula_on_jacobians(fiml_mm: FimlMM) -> None:
    mm, _ = fiml_mm
    theta = mm.estimate[None] * 0.97
    imp = implied(mm, theta)
    inv = np.linalg.inv(imp.sigma[0])
    jac, mjac = sigma_jacobian(mm, imp)[0], mean_jacobian(mm, imp)[0]
    X = inv[None] @ jac
    expected = np.einsum("kij,lji->kl", X, X) + 2 * mjac @ inv @ mjac.T
    np.testing.assert_allclose(information(mm, imp, inv[None])[0], expected, rtol=1e-10,
                               atol=1e-12)


def test_ml_estimate_and_std_all_match_lavaan(case_mm: CaseMM) -> None:
    case, mm = case_mm
    values = row_values(mm, mm.estimate[None])[0]
    std = standardized_rows(mm, mm.estimate[None])[0]
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
    std = standardized_rows(mm, theta)
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


def test_batched_fit_reaches_lavaan_from_a_far_start(case_mm: CaseMM) -> None:
    case, mm = case_mm
    patterns = _complete(case, mm)
    fit = fit_batch(mm, patterns, start=mm.estimate * 0.8, refresh_every=1, tol=1e-9)
    assert fit.converged[0]
    values = row_values(mm, fit.theta)[0]
    for j, row in enumerate(mm.rows):
        assert values[j] == pytest.approx(reference_row(case, row.lhs, row.op, row.rhs)["est"],
                                          abs=2e-5)


def test_a_draw_fits_the_same_alone_or_in_a_stack(case_mm: CaseMM) -> None:
    case, mm = case_mm
    X = complete_cases(mm, case.data)
    rng = np.random.default_rng(5)
    idx = rng.integers(0, X.shape[0], size=(9, X.shape[0]))
    S = np.stack([np.cov(X[i], rowvar=False, bias=True) for i in idx])
    mean = np.stack([X[i].mean(axis=0) for i in idx])
    cols = np.arange(X.shape[1])
    stacked = fit_batch(mm, [Pattern(cols, 1.0, S, mean)], start=mm.estimate)
    assert stacked.converged.all()
    for b in (0, 4, 8):
        alone = fit_batch(mm, [Pattern(cols, 1.0, S[b:b + 1], mean[b:b + 1])],
                          start=mm.estimate)
        np.testing.assert_array_equal(alone.theta[0], stacked.theta[b])


def test_non_positive_definite_sample_is_not_converged() -> None:
    case = load_case("mediation_single")
    mm = case.model
    p = len(mm.observed)
    singular = Pattern(np.arange(p), 1.0, np.ones((1, p, p)), np.zeros((1, p)))
    fit = fit_batch(mm, [singular], start=mm.estimate)
    assert not fit.converged[0]
    assert fit.iterations[0] == 0


@pytest.mark.parametrize("name", ["regression_observed", "political_democracy"])
def test_rows_are_named_as_lavaan_for_observed_regressions_and_covariances(name: str) -> None:
    """Observed regressions sit in B among inner variables; they must still read ``y ~ x``."""
    folder = REFERENCE / name
    data = pd.read_csv(folder / "data.csv")
    fit = fit_model(spec_from_syntax((folder / "model.lav").read_text(), name=name), data)
    ref = json.loads((folder / "lavaan.json").read_text())["parameters"]
    mm = refine_estimate(fit.model, complete_cases(fit.model, data))
    values = row_values(mm, mm.estimate[None])[0]
    std = standardized_rows(mm, mm.estimate[None])[0]
    for j, row in enumerate(mm.rows):
        match = [r for r in ref if (r["lhs"], r["op"], r["rhs"]) in {
            (row.lhs, row.op, row.rhs), (row.rhs, row.op, row.lhs)}]
        assert len(match) == 1, (row.lhs, row.op, row.rhs)
        assert values[j] == pytest.approx(match[0]["est"], abs=1e-4)
        assert std[j] == pytest.approx(match[0]["std_all"], abs=1e-4)


def test_cholesky_inverse_equals_the_lu_inverse_and_flags_non_pd_members() -> None:
    rng = np.random.default_rng(7)
    A = rng.normal(size=(40, 14, 14))
    S = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(14)
    S[3] = -S[3]  # not positive definite: the identity's factor, flagged
    L, ok = cholesky_factor(S)
    assert ok.tolist() == [i != 3 for i in range(40)]
    inv = cholesky_inverse(L)
    good = np.flatnonzero(ok)
    np.testing.assert_allclose(inv[good], np.linalg.inv(S[good]), rtol=1e-9,
                               atol=1e-12 * np.abs(np.linalg.inv(S[good])).max())
    np.testing.assert_array_equal(inv[3], np.eye(14))
