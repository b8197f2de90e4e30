"""One WLSMV fit of a spec with ordinal items: lavaan's answer for ``estimator = "WLSMV"``.

The chain: items coded as categories and their thresholds (:mod:`.thresholds`), polychoric
correlations and ``Γ`` (:mod:`.weights`), the delta parameterization's table (:mod:`.partable`),
the DWLS estimate (delta or theta parameterization) with robust SEs and the scaled-shifted test
(:mod:`semwb.sem.estimators.dwls`), then the parameter table (thresholds, ``~*~`` scales,
intercepts, ``:=`` rows with delta-method SEs), std_all, R² and the fit measures
(:mod:`.fitmeasures`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from semwb.errors import DataQualityWarning, SemwbWarning, SpecError
from semwb.sem.data_checks import row_label
from semwb.sem.estimate import FitResult, _diagnose
from semwb.sem.estimators.dwls import (
    MATRIX_OPS,
    DwlsFit,
    DwlsModel,
    delta_residual_variances,
    dwls_model,
    fit_dwls,
)
from semwb.sem.estimators.ml import CoreFit
from semwb.sem.estimators.start import start_values
from semwb.sem.model.algebra import implied, with_sample_moments
from semwb.sem.model.standardized import r_squared
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.ordinal.conditional import conditional_stats
from semwb.sem.ordinal.fitmeasures import wlsmv_indices
from semwb.sem.ordinal.partable import with_thresholds
from semwb.sem.ordinal.polychoric import RHO_MAX, pairs
from semwb.sem.ordinal.spec import with_instrument_items
from semwb.sem.ordinal.thresholds import OrdinalData, ordinal_data
from semwb.sem.ordinal.weights import OrdinalStats, ordinal_stats
from semwb.sem.partable import ParRow, classify
from semwb.sem.solution import defined_rows, parameter_table, wald
from semwb.sem.spec import ModelSpec


def _start(model: DwlsModel, rows: tuple[ParRow, ...], sample: OrdinalStats,
           moments: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Start values: the continuous rule on data with ``moments`` (covariance and means of all
    observed variables: the polychoric correlations for the items), and the sample thresholds
    (or the user's ``start()``)."""
    S, mean = moments
    p = S.shape[0]
    basis = np.linalg.qr(np.random.default_rng(0).standard_normal((4 * p, p)))[0]
    basis -= basis.mean(axis=0)
    basis = np.linalg.qr(basis)[0]
    eig, vec = np.linalg.eigh(S)  # a polychoric matrix need not be positive definite
    root = vec * np.sqrt(np.clip(eig, 1e-3 * eig[-1], None))
    pseudo = np.sqrt(4 * p) * basis @ root.T + mean  # moments S (smoothed if need be) and mean
    matrix_rows = [r for r in rows if r.op in MATRIX_OPS]
    theta = np.zeros(model.n_params)
    theta[: model.mm.n_params] = start_values(model.mm, matrix_rows, pseudo)
    by_key = {(r.lhs, r.rhs): r for r in rows if r.op == "|"}
    taus = np.concatenate(sample.data.thresholds)
    for key, k, tau in zip(sample.data.threshold_names, model.th_param, taus, strict=True):
        if k >= 0:
            start = by_key[key].start
            theta[k] = start if start is not None else tau
    return theta


def sample_statistics(items: OrdinalData, values: np.ndarray, covariates: np.ndarray
                      ) -> tuple[OrdinalStats, tuple[np.ndarray, np.ndarray]]:
    """The statistics, ``Γ`` and the moments of all observed variables (for the start values
    and the covariates' fixed.x cells) of ``values (N, observed)``: marginal, or conditional on
    the columns ``covariates`` (``items`` codes the other columns)."""
    if not covariates.size:
        sample = ordinal_stats(items)
        return sample, (sample.covariance, np.where(items.numeric, items.means, 0.0))
    sample = conditional_stats(items, values[:, covariates])
    assert sample.slopes is not None
    S = np.cov(values, rowvar=False)  # lavaan's cov.x: divisor N - 1
    at = np.setdiff1d(np.arange(values.shape[1]), covariates)
    cross = sample.slopes @ S[np.ix_(covariates, covariates)]
    S[np.ix_(at, at)] = sample.correlation + cross @ sample.slopes.T
    S[np.ix_(at, covariates)] = cross
    S[np.ix_(covariates, at)] = cross.T
    mean = values.mean(axis=0)
    mean[at] = 0.0
    return sample, (S, mean)


@dataclass(frozen=True)
class Prepared:
    """What a WLSMV fit of a spec to its rows is made of (reused by the bootstrap's draws)."""

    spec: ModelSpec
    rows: tuple[ParRow, ...]
    model: DwlsModel
    sample: OrdinalStats
    moments: tuple[np.ndarray, np.ndarray]
    values: np.ndarray

    def matrices(self, model: DwlsModel, theta: np.ndarray) -> ModelMatrices:
        """``model``'s matrices at ``θ`` with the parameterization's residual variances."""
        if self.spec.parameterization == "theta":
            return replace(model.mm, estimate=model.split(theta))
        return delta_residual_variances(model.mm, model.split(theta), self.spec.ordered_items,
                                        model.covariates)


def prepare(spec: ModelSpec, frame: pd.DataFrame, data_name: str = "data",
            rows: list[int] | None = None) -> Prepared:
    """Code the items of ``frame`` (complete rows; ``rows`` as a user sees them), compute their
    statistics and build the model.

    Raises
    ------
    SpecError
        As :func:`fit_ordinal`.
    """
    parsed, observed = spec.parsed, tuple(frame.columns)
    covariates = [v for v in classify(parsed).covariates if v in observed]
    names = [v for v in observed if v not in covariates]
    values = frame.to_numpy(dtype=float)
    items = ordinal_data(frame[names].to_numpy(dtype=float), names,
                         ordered=spec.ordered_items, data_name=data_name, rows=rows)
    x_at = np.array([observed.index(v) for v in covariates], dtype=np.intp)
    sample, moments = sample_statistics(items, values, x_at)
    counts = {v: len(t) + 1 for v, t, num in zip(items.names, items.thresholds, items.numeric,
                                                 strict=True) if not num}
    table_rows = with_thresholds(spec.partable(), counts, spec.source)
    model = dwls_model(table_rows, latents=parsed.latents, observed=observed,
                       slots=items.slot_names, source=spec.source,
                       theta_scaled=spec.parameterization == "theta", covariates=covariates)
    model = replace(model, mm=with_sample_moments(model.mm, *moments))
    if model.n_params > sample.vector.size:
        raise SpecError(f"{spec.source}: the model has {model.n_params} free parameters but the "
                        f"data give only {sample.vector.size} thresholds, means, variances and "
                        "correlations; fix or drop parameters.")
    return Prepared(spec, table_rows, model, sample, moments, values)


def _table(spec: ModelSpec, rows: tuple[ParRow, ...], model: DwlsModel, mm: ModelMatrices,
           fit: DwlsFit, sample: OrdinalStats) -> pd.DataFrame:
    """lavaan's ``parameterEstimates(standardized = TRUE)`` rows, in the table's order."""
    matrix_rows = [r for r in rows if r.op in MATRIX_OPS]
    q1 = model.mm.n_params
    parts = [parameter_table(mm, fit.vcov[:q1, :q1], [r.label for r in matrix_rows], ())]
    others = [r for r in rows if r.op not in MATRIX_OPS]
    th_index = {key: k for k, key in enumerate(sample.data.threshold_names)}
    scale = dict(zip(mm.observed, model.scales(fit.theta), strict=True))
    sd = dict(zip(mm.observed, np.sqrt(np.diag(implied(mm, mm.estimate[None]).sigma[0])),
                  strict=True))  # of x*, given nothing (lavaan's std.all)
    est, std, param = [], [], []
    for r in others:
        k = model.th_param[th_index[(r.lhs, r.rhs)]] if r.op == "|" else -1
        if k >= 0:
            value = float(fit.theta[k])
        elif r.op == "~*~" and r.value is None:  # theta parameterization: Δ is computed
            value = float(scale[r.lhs])
        else:
            value = float(r.value or 0.0)
        est.append(value)
        std.append(value / sd[r.lhs] if r.op == "|" else 1.0 if r.op == "~*~" else value)
        param.append(int(k))
    values, index = np.array(est), np.array(param, dtype=int)
    se = np.where(index >= 0, np.sqrt(np.diag(fit.vcov))[np.maximum(index, 0)], 0.0)
    extra = pd.DataFrame({"lhs": [r.lhs for r in others], "op": [r.op for r in others],
                          "rhs": [r.rhs for r in others], "label": [r.label for r in others],
                          "group": None, "free": index >= 0, "est": values, "se": se,
                          **wald(values, se)})
    extra.loc[~extra["free"], ["z", "pvalue"]] = np.nan
    extra["std_lv"] = values
    extra["std_all"] = extra["std_nox"] = std  # thresholds on the scale of Var(x*) = 1
    extra["param"] = index
    table = pd.concat([parts[0], extra], ignore_index=True)
    position = {r.key: k for k, r in enumerate(rows)}
    table["_order"] = [position[(a, o, b) if o != "~~" else (min(a, b), o, max(a, b))]
                       for a, o, b in zip(table["lhs"], table["op"], table["rhs"], strict=True)]
    table = table.sort_values("_order", kind="stable").drop(columns="_order")
    table = table.reset_index(drop=True)
    if spec.effects:
        table = pd.concat([table, defined_rows(table, spec.effects, fit.vcov)],
                          ignore_index=True)
    return table


def _boundary_correlations(sample: OrdinalStats) -> list[tuple[type[SemwbWarning], str]]:
    """lavaan's warning for a correlation at its bound (an empty cell, or a copied item)."""
    R, names = sample.correlation, sample.data.names
    return [(DataQualityWarning,
             f"the correlation of {names[i]} and {names[j]} is {R[i, j]:.3f}, at its bound "
             "(an empty cell in their table, or one item a copy of the other); the two items "
             "are (nearly) redundant: consider dropping one.")
            for i, j in pairs(len(names)) if abs(R[i, j]) >= RHO_MAX - 1e-9]


def fit_ordinal(spec: ModelSpec, data: pd.DataFrame, frame: pd.DataFrame,
                excluded: tuple[int, ...], data_name: str) -> FitResult:
    """Fit ``spec`` by WLSMV to the checked complete rows ``frame`` of ``data`` (see the module
    notes); ``excluded`` are the rows :func:`semwb.sem.data_checks.check_data` dropped.

    Raises
    ------
    SpecError
        When an item cannot be treated as ordinal (names the item), a threshold line names a
        threshold the data do not have, or the model has more parameters than statistics.
    """
    spec = with_instrument_items(spec, (), instrument=None)  # raises when no item is ordinal
    parsed = spec.parsed
    observed = tuple(frame.columns)
    dropped = set(excluded)
    shown = [r for r in (row_label(data, k) for k in range(len(data))) if r not in dropped]
    prepared = prepare(spec, frame, data_name, shown)
    rows, model, sample = prepared.rows, prepared.model, prepared.sample
    items = sample.data
    fit = fit_dwls(model, sample.vector, sample.gamma, items.n_obs,
                   _start(model, rows, sample, prepared.moments))
    mm = prepared.matrices(model, fit.theta)
    table = _table(spec, rows, model, mm, fit, sample)
    core = CoreFit(mm=mm, vcov=fit.vcov, singular=(), patterns=[], n_obs=items.n_obs,
                   converged=fit.converged, iterations=fit.iterations,
                   max_gradient=0.0 if fit.converged else float("inf"),
                   observed_information=False)
    found = [*_boundary_correlations(sample), *_diagnose(table, core, parsed.latents)]
    for category, message in found:
        warnings.warn(f"{spec.name}: {message}", category, stacklevel=3)
    endogenous = {r.rhs for r in rows if r.op == "=~"} | {r.lhs for r in rows if r.op == "~"}
    order = list(dict.fromkeys(v for r in rows for v in (r.lhs, r.rhs) if v in endogenous))
    names = list(model.names)
    return FitResult(
        spec=spec, parameters=table, fit=wlsmv_indices(fit, sample, model),
        r2=r_squared(mm, mm.estimate[None], order), n_obs=items.n_obs, n_excluded=len(excluded),
        excluded_rows=excluded, converged=fit.converged,
        warnings=tuple(m for _, m in found), observed=observed, data=frame,
        vcov=pd.DataFrame(fit.vcov, index=names, columns=names), effects=spec.effects,
        model=mm,
    )

