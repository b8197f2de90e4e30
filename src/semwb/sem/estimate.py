"""One ML (or FIML) fit of a spec: lavaan's answer, from semwb's own model core.

The chain: spec -> parameter table with lavaan's defaults (:mod:`semwb.sem.partable`) -> model
matrices (:mod:`semwb.sem.model.structure`) -> estimate (:mod:`semwb.sem.estimators.ml`, or
semopy for ``engine: semopy``) -> parameter table, standardized solutions, R² and fit indices,
each as lavaan 0.6 computes them for ``estimator = "ML"``, ``likelihood = "normal"``; with
``estimator: MLR`` / ``MLM`` the robust SEs and scaled / robust fit measures of
:mod:`semwb.sem.scaled_test` replace or join them.
Every warning lavaan gives on such a fit (non-convergence, negative variances, non-positive
definite matrices, random covariates) is given here too; a model is refused only where lavaan
refuses it, or where semwb cannot give lavaan's answer (and says so).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from semwb.errors import ConvergenceWarning, FitError, HeywoodCaseWarning, SemwbWarning
from semwb.results import FitIndices
from semwb.sem.blas import one_blas_thread
from semwb.sem.data_checks import check_data
from semwb.sem.effects import DefinedEffect
from semwb.sem.estimators.active_set import active_notes, blank_bound_errors, fit_active_set
from semwb.sem.estimators.ml import CoreFit, data_patterns, fit_ml
from semwb.sem.estimators.start import covariate_starts, start_values
from semwb.sem.fitindices import Moments, em_saturated, fit_indices
from semwb.sem.model.algebra import Implied, implied, with_sample_moments
from semwb.sem.model.constraints import equality_reparam
from semwb.sem.model.missing import missing_rows
from semwb.sem.model.standardized import r_squared
from semwb.sem.model.structure import ModelMatrices, build_matrices, parameter_names
from semwb.sem.partable import ParRow, classify, covariate_terms
from semwb.sem.solution import COLUMNS, parameter_table
from semwb.sem.spec import ModelSpec
from semwb.sem.syntax import Constraint

__all__ = ["COLUMNS", "FitResult", "fit_model"]


@dataclass(frozen=True, eq=False)
class FitResult:
    """One fitted model.

    Attributes
    ----------
    spec
        The spec that was fitted.
    parameters
        lavaan ``parameterEstimates()`` columns ``lhs op rhs label group free est se z pvalue
        ci_lower ci_upper std_lv std_all std_nox`` plus ``param`` (the index of a free row's
        parameter in ``model.estimate``, -1 otherwise); fixed rows have ``se = 0``; ``:=`` rows
        last.
    fit
        Global fit indices.
    r2
        R² per endogenous variable.
    n_obs, n_excluded, excluded_rows
        Rows used, the number of rows dropped for missing values, and which (1-based rows).
    converged
        Whether the optimiser reached a vanishing gradient.
    warnings
        Messages of non-convergence, Heywood cases, non-positive-definite matrices, options
        changed as lavaan changes them.
    observed
        The data columns in model order.
    data
        The numeric model columns the fit used, in ``observed`` order.
    vcov
        Sampling covariance of the free parameters (``model.names`` index and columns).
    effects
        The compiled ``:=`` definitions.
    model
        The model structure at its estimate (for the bootstrap; not part of equality or repr).
    groups
        The groups of a multiple-group model (``spec.group``'s values, the ``group`` column of
        ``parameters``); empty for one group.
    """

    spec: ModelSpec
    parameters: pd.DataFrame
    fit: FitIndices
    r2: dict[str, float]
    n_obs: int
    n_excluded: int
    excluded_rows: tuple[int, ...]
    converged: bool
    warnings: tuple[str, ...]
    observed: tuple[str, ...]
    data: pd.DataFrame = field(repr=False)
    vcov: pd.DataFrame = field(repr=False)
    effects: tuple[DefinedEffect, ...] = field(repr=False)
    model: ModelMatrices = field(repr=False)
    groups: tuple[str, ...] = ()
    #: The rows fitted in each group, in the order of ``groups``.
    group_n: tuple[int, ...] = ()

    def estimates_by_label(self) -> dict[str, float]:
        """Label -> estimate of every labelled parameter."""
        rows = self.parameters[(self.parameters["label"] != "") & (self.parameters["op"] != ":=")]
        return dict(zip(rows["label"], rows["est"], strict=True))


def _fit_semopy(spec: ModelSpec, rows: tuple[ParRow, ...], mm: ModelMatrices,
                frame: pd.DataFrame) -> CoreFit:
    """The semopy engine's estimate and SEs on the core's structure (complete data, no means)."""
    if spec.has_means or spec.missing == "fiml" or mm.reparam is not None:
        raise FitError(f"{spec.source}: engine: semopy fits complete-data models without a mean "
                       "structure or constraints ('==', or a '<' / '>' held on its boundary); "
                       "remove 'engine: semopy' to fit this model with semwb's own engine.")
    from semwb.sem.semopy_engine import EngineError, fit_semopy

    try:
        theta, vcov, converged, _ = fit_semopy(
            rows, frame, [r.param for r in mm.rows])
    except EngineError as exc:
        raise FitError(f"{spec.source}: semopy could not fit the model ({exc}).") from exc
    X = frame.to_numpy(dtype=float)
    c = X - X.mean(axis=0)
    mm = with_sample_moments(mm, c.T @ c / len(X), X.mean(axis=0))
    return CoreFit(mm=_with_estimate(mm, theta), vcov=vcov, singular=(),
                   patterns=data_patterns(X), n_obs=len(X), converged=converged, iterations=0,
                   max_gradient=0.0 if converged else float("inf"), observed_information=False)


def _with_estimate(mm: ModelMatrices, theta: np.ndarray) -> ModelMatrices:
    return replace(mm, estimate=np.asarray(theta, dtype=float))


def _moments(core: CoreFit, covariates: np.ndarray, baseline_x: np.ndarray,
             fixed_x: bool) -> tuple[Moments, list[str]]:
    """H1 moments (sample, or EM under FIML) for the fit indices, and EM's warning if any."""
    patterns = core.patterns
    p = len(core.mm.observed)
    notes: list[str] = []
    if len(patterns) == 1 and len(patterns[0].columns) == p:
        sigma1, mu1 = patterns[0].S[0], patterns[0].mean[0]
    else:
        mu1, sigma1, done = em_saturated(patterns, p)
        if not done:
            notes.append("the EM algorithm for the unrestricted (H1) model did not converge; "
                         "chi-square and the fit indices under FIML may be inaccurate.")
    return Moments(patterns, core.n_obs, sigma1, mu1, covariates, fixed_x,
                   core.mm.meanstructure, baseline_x), notes


def _diagnose(table: pd.DataFrame, core: CoreFit, latents: tuple[str, ...],
              imp: Implied | None = None) -> list[tuple[type[SemwbWarning], str]]:
    """Non-convergence, negative variances and non-positive-definite matrices, as lavaan warns
    (``imp``: the implied moments at the estimate, when the caller has them)."""
    found: list[tuple[type[SemwbWarning], str]] = []
    if not core.converged:
        found.append((ConvergenceWarning,
                      f"the optimiser did not converge (largest gradient {core.max_gradient:.2g}); "
                      "estimates may be wrong."))
    op, lhs, rhs = (table[c].to_numpy() for c in ("op", "lhs", "rhs"))
    est, std = (table[c].to_numpy(dtype=float) for c in ("est", "std_all"))
    for i in np.flatnonzero((op == "~~") & (lhs == rhs) & (est < 0)):
        kind = "latent" if lhs[i] in latents else "observed"
        found.append((HeywoodCaseWarning, f"negative variance of {kind} variable {lhs[i]} "
                      f"({est[i]:.3f}): a Heywood case; the model may be misspecified or the "
                      "sample too small."))
    for i in np.flatnonzero((op == "=~") & (np.abs(std) > 1)):
        found.append((HeywoodCaseWarning, f"standardized loading of {rhs[i]} on {lhs[i]} is "
                      f"{std[i]:.3f} (beyond 1 in absolute value): a Heywood case."))
    if imp is None:
        imp = implied(core.mm, core.mm.estimate[None])
    if np.linalg.eigvalsh(imp.sigma[0])[0] <= 0:
        found.append((HeywoodCaseWarning, "the model-implied covariance matrix is not positive "
                      "definite."))
    lv = [i for i, v in enumerate(core.mm.inner) if v in latents]
    if lv:
        inner = imp.c[0] @ imp.psi[0] @ imp.c[0].T
        if np.linalg.eigvalsh(inner[np.ix_(lv, lv)])[0] <= 0:
            found.append((HeywoodCaseWarning, "the covariance matrix of the latent variables is "
                          "not positive definite."))
    return found


def fit_model(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data",
              rmsea_ci: bool = True) -> FitResult:
    """Fit ``spec`` to ``data`` by ML (or FIML with ``missing: fiml``), as lavaan's ``sem()``.

    Parameters
    ----------
    spec
        The model spec.
    data
        The data; columns the model does not use are ignored.
    data_name
        What to call the data in messages (its file name).
    rmsea_ci
        False leaves out the RMSEA interval of a single-group ML (MLR, MLM) fit
        (``rmsea_ci_lower``/``upper`` None): a caller that reports no interval, such as the
        measurement CFAs, skips its search (1-3 ms). Other fits always give it.

    Returns
    -------
    FitResult

    Raises
    ------
    SpecError
        When the spec does not fit the data (all problems at once).
    FitError
        When estimation fails, the model is empirically not identified, or semwb cannot give
        lavaan's answer (an active inequality constraint).

    Notes
    -----
    Matches lavaan 0.6 ``sem()`` / ``cfa()`` / ``growth()`` on the cases in ``tests/reference``
    within the tolerances of ``tests/test_parity_lavaan.py`` (see docs/models.md).
    """
    if spec.group is not None:
        from semwb.sem.multigroup import fit_groups

        with one_blas_thread():
            return fit_groups(spec, data, data_name=data_name)
    frame, excluded = check_data(spec, data, data_name=data_name)
    deleted = _exogenous_deletions(spec, data)
    with one_blas_thread():  # small matrices: threads only add overhead and noise
        if spec.estimator == "WLSMV":
            from semwb.sem.ordinal.fit import fit_ordinal

            return fit_ordinal(spec, data, frame, excluded, data_name)
        return _fit(spec, frame, excluded, data_name, deleted, rmsea_ci=rmsea_ci)


def _exogenous_deletions(spec: ModelSpec, data: pd.DataFrame) -> str:
    """lavaan's warning when FIML drops rows missing a fixed.x covariate ('' if none)."""
    covariates = list(classify(spec.parsed).covariates)
    if spec.missing != "fiml" or not covariates or not spec.lavaan_options()[0].fixed_x:
        return ""
    dropped = int(data[covariates].apply(pd.to_numeric).isna().any(axis=1).sum())
    return (f"{dropped} cases were deleted due to missing values in exogenous variable(s) "
            f"({', '.join(covariates)}), while fixed.x = TRUE (as lavaan); set fixed_x: false "
            "to model the covariates and keep these rows.") if dropped else ""


def _fit(spec: ModelSpec, frame: pd.DataFrame, excluded: tuple[int, ...],
         data_name: str, deleted: str = "", *, rmsea_ci: bool = True) -> FitResult:
    """:func:`fit_model` after the data checks."""
    parsed = spec.parsed
    options, note = spec.lavaan_options()
    rows = spec.partable()
    observed = tuple(frame.columns)
    covariates = classify(parsed).covariates
    _, names = parameter_names(rows)
    X = frame.to_numpy(dtype=float)

    def fit_with(active: tuple[Constraint, ...]) -> CoreFit:
        reparam = equality_reparam([*parsed.constraints, *active], parsed.definitions,
                                   names=names, source=spec.source)
        mm = build_matrices(rows, latents=parsed.latents, observed=observed,
                            meanstructure=options.meanstructure, reparam=reparam)
        start = start_values(mm, rows, X)
        if not options.fixed_x:
            start = covariate_starts(mm, rows, X, start, covariates)
        if spec.engine == "semopy":
            core = _fit_semopy(spec, rows, mm, frame)
        else:
            core = fit_ml(mm, X, start, fiml=spec.missing == "fiml")
        if core.singular:
            raise FitError(f"{spec.source}: the model is not identified on {data_name}: the "
                           "information matrix is singular (parameters involved: "
                           f"{', '.join(names[i] for i in core.singular)}); fix or drop "
                           "parameters.")
        return core

    solved = fit_active_set(fit_with, parsed.constraints, parsed.definitions, names=names,
                            data=lambda c: c.patterns if np.isfinite(X).all() else missing_rows(X),
                            source=spec.source)
    core = solved.core
    reparam = equality_reparam(parsed.constraints, parsed.definitions, names=names,
                               source=spec.source)  # lavaan's npar: '==' only, not '<' / '>'
    mask = np.array([v in covariates for v in observed])
    mentioned = {v for t in covariate_terms(parsed) for v in (t.lhs, t.rhs)}
    ov_x = np.array([v in covariates and v not in mentioned for v in observed])
    moments, notes = _moments(core, mask, ov_x, options.fixed_x)
    robust = None
    if spec.estimator != "ML":  # MLR / MLM: robust SEs and the scaled test
        from semwb.sem.scaled_test import robust_fit

        vcov, robust = robust_fit(spec.estimator, core, moments, X)
        core = replace(core, vcov=vcov)
    labels = [r.label for r in rows]
    table = blank_bound_errors(parameter_table(core.mm, core.vcov, labels, spec.effects,
                                               covariates=covariates if options.fixed_x else ()),
                               solved.bound)
    imp = implied(core.mm, core.mm.estimate[None])
    mu = imp.mu[0] if options.meanstructure else moments.h1_mu
    npar = core.mm.n_params - (reparam.count if reparam is not None else 0)
    indices = fit_indices(moments, imp.sigma[0], mu, npar=npar, rmsea_ci=rmsea_ci)
    if spec.auxiliary:  # semTools' baseline for CFI/TLI (sem/auxiliary_fit.py)
        from semwb.sem.auxiliary_fit import with_auxiliary_baseline

        indices = with_auxiliary_baseline(indices, core, moments, spec.auxiliary)
    if robust is not None:
        from semwb.sem.scaled_test import scaled_indices

        indices = scaled_indices(indices, robust, core.n_obs)
    found = _diagnose(table, core, parsed.latents, imp)
    messages = [m for m in (note, deleted, *notes, *active_notes(solved.active)) if m]
    for message in messages:
        warnings.warn(f"{spec.name}: {message}", SemwbWarning, stacklevel=2)
    for category, message in found:
        warnings.warn(f"{spec.name}: {message}", category, stacklevel=2)
    endogenous = ({r.rhs for r in rows if r.op == "=~"} | {r.lhs for r in rows if r.op == "~"})
    return FitResult(
        spec=spec, parameters=table, fit=indices,
        r2=r_squared(core.mm, core.mm.estimate[None], [v for v in _order(rows) if v in
                                                       endogenous]),
        n_obs=core.n_obs, n_excluded=len(excluded), excluded_rows=excluded,
        converged=core.converged, warnings=tuple(messages) + tuple(m for _, m in found),
        observed=observed, data=frame, vcov=pd.DataFrame(core.vcov, index=list(names),
                                                        columns=list(names)),
        effects=spec.effects, model=core.mm,
    )


def _order(rows: tuple[ParRow, ...]) -> list[str]:
    """Variables in the order they first appear in the table."""
    return list(dict.fromkeys(v for r in rows for v in (r.lhs, r.rhs) if v))

