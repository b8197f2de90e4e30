"""One ML fit: parameter table in lavaan's naming, standardized solution, R², fit indices.

The fit itself runs in :mod:`semwb.sem.engine` (semopy); everything reported is computed here
from the estimated model matrices, as lavaan 0.6 does for ``estimator = "ML"``,
``likelihood = "normal"``, ``information = "expected"``:

- standard errors from the inverse expected information ``N/2 tr(Sigma^-1 dSigma_i Sigma^-1
  dSigma_j)`` (sample covariance with divisor N), Wald z, p and 95 % intervals;
- ``std_all``: loadings and paths times sd(predictor) / sd(outcome), (co)variances divided by the
  product of the model-implied standard deviations; defined parameters evaluated at the
  standardized values;
- R² = 1 - residual variance / implied variance for every endogenous variable.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from semwb.errors import ConvergenceWarning, FitError, HeywoodCaseWarning, SemwbWarning
from semwb.results import FitIndices
from semwb.sem.effects import DefinedEffect, delta_method
from semwb.sem.engine import (
    EngineError,
    EngineFit,
    expected_information,
    fit_engine,
    invert_information,
    matrices,
)
from semwb.sem.fiml import fiml_fit_indices, fit_engine_means, implied_means
from semwb.sem.fitindices import fit_indices
from semwb.sem.partable import ParRow
from semwb.sem.spec import ModelSpec, check_data

#: lavaan ``parameterEstimates()`` columns of ``FitResult.parameters`` (before ``semopy``).
COLUMNS = ["lhs", "op", "rhs", "label", "group", "free", "est", "se", "z", "pvalue",
           "ci_lower", "ci_upper", "std_all"]


@dataclass(frozen=True, eq=False)
class FitResult:
    """One fitted model.

    Attributes
    ----------
    spec
        The spec that was fitted.
    parameters
        lavaan ``parameterEstimates()`` columns ``lhs op rhs label group free est se z pvalue
        ci_lower ci_upper std_all`` plus ``semopy`` (the semopy parameter name of a free row,
        ``None`` otherwise); fixed rows have ``se = 0``; ``:=`` rows last.
    fit
        Global fit indices.
    r2
        R² per endogenous variable.
    n_obs, n_excluded, excluded_rows
        Rows used, the number of rows dropped for missing values, and which (1-based rows).
    converged
        Whether the optimiser reached a vanishing gradient.
    warnings
        Messages of non-convergence, Heywood cases, non-positive-definite matrices.
    observed
        The data columns in the order of the engine's matrices.
    data
        The numeric model columns the fit used (complete cases), in ``observed`` order.
    vcov
        Sampling covariance of the free parameters, indexed by semopy parameter name.
    effects
        The compiled ``:=`` definitions.
    engine
        The fitted ``semopy.Model`` (for the bootstrap engine; not part of equality or repr).
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
    engine: Any = field(repr=False)

    def estimates_by_label(self) -> dict[str, float]:
        """Label -> estimate of every labelled parameter."""
        rows = self.parameters[(self.parameters["label"] != "") & (self.parameters["op"] != ":=")]
        return dict(zip(rows["label"], rows["est"], strict=True))


def _estimates(rows: tuple[ParRow, ...], engine: EngineFit, S: pd.DataFrame) -> np.ndarray:
    """Estimate per row: the free parameter's value, the fixed value, or the sample moment."""
    values = dict(zip(engine.free_names, np.asarray(engine.model.param_vals), strict=True))
    out = []
    for row, name in zip(rows, engine.names, strict=True):
        if name is not None:
            out.append(float(values[name]))
        elif row.fixed_x:
            out.append(float(S.loc[row.lhs, row.rhs]))
        else:
            out.append(float(row.value if row.value is not None else 0.0))
    return np.array(out)


def _implied(mx: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Implied covariance of the observed variables, of the structural (inner) variables, and
    the implied variance of every variable."""
    beta, lam, psi, theta = mx["Beta"], mx["Lambda"], mx["Psi"], mx["Theta"]
    c = np.linalg.inv(np.eye(len(beta)) - beta.to_numpy())
    inner = c @ psi.to_numpy() @ c.T
    sigma = lam.to_numpy() @ inner @ lam.to_numpy().T + theta.to_numpy()
    sigma_df = pd.DataFrame(sigma, index=lam.index, columns=lam.index)
    var = pd.concat([pd.Series(np.diag(inner), index=beta.index),
                     pd.Series(np.diag(sigma), index=lam.index)])
    inner_df = pd.DataFrame(inner, index=beta.index, columns=beta.index)
    return sigma_df, inner_df, var[~var.index.duplicated(keep="last")]


def _std_all(row: ParRow, est: float, var: pd.Series, resid: Mapping[str, float]) -> float:
    """Completely standardized value; a covariance becomes the correlation of the residuals."""
    sd = np.sqrt(var.clip(lower=0))
    if row.op == "=~":
        return float(est * sd[row.lhs] / sd[row.rhs])
    if row.op == "~":
        return float(est * sd[row.rhs] / sd[row.lhs])
    if row.op == "~~" and row.lhs == row.rhs:
        return float(est / var[row.lhs])
    if row.op == "~~":
        return float(est / np.sqrt(resid[row.lhs] * resid[row.rhs]))
    return float(est / sd[row.lhs])  # intercept or mean


def _std_column(rows: tuple[ParRow, ...], est: np.ndarray, var: pd.Series) -> list[float]:
    resid = {r.lhs: float(e) for r, e in zip(rows, est, strict=True)
             if r.op == "~~" and r.lhs == r.rhs}
    return [_std_all(r, float(e), var, resid) for r, e in zip(rows, est, strict=True)]


def _wald(est: np.ndarray, se: np.ndarray, level: float = 0.95) -> dict[str, np.ndarray]:
    q = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return {"z": z, "pvalue": np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), np.nan),
            "ci_lower": est - q * se, "ci_upper": est + q * se}


def _diagnose(
    table: pd.DataFrame, engine: EngineFit, sigma: pd.DataFrame, inner: pd.DataFrame,
    latents: tuple[str, ...],
) -> list[tuple[type[SemwbWarning], str]]:
    """Non-convergence, Heywood cases and non-positive-definite implied matrices."""
    found: list[tuple[type[SemwbWarning], str]] = []
    if not engine.converged:
        found.append((ConvergenceWarning,
                      "the optimiser did not converge (largest gradient "
                      f"{engine.max_gradient:.2g}; "
                      f"semopy: {engine.message}); estimates may be wrong."))
    variances = table[(table["op"] == "~~") & (table["lhs"] == table["rhs"])]
    for _, r in variances[variances["est"] < 0].iterrows():
        found.append((HeywoodCaseWarning, f"negative variance of {r['lhs']} ({r['est']:.3f}): a "
                      "Heywood case; the model may be misspecified or the sample too small."))
    loadings = table[table["op"] == "=~"]
    for _, r in loadings[loadings["std_all"].abs() > 1].iterrows():
        found.append((HeywoodCaseWarning, f"standardized loading of {r['rhs']} on {r['lhs']} is "
                      f"{r['std_all']:.3f} (beyond 1 in absolute value): a Heywood case."))
    if np.linalg.eigvalsh(sigma.to_numpy())[0] <= 0:
        found.append((HeywoodCaseWarning, "the model-implied covariance matrix is not positive "
                      "definite."))
    latent = [v for v in latents if v in inner.index]
    if latent and np.linalg.eigvalsh(inner.loc[latent, latent].to_numpy())[0] <= 0:
        found.append((HeywoodCaseWarning, "the latent covariance matrix is not positive definite."))
    return found


def fit_model(spec: ModelSpec, data: pd.DataFrame, *, data_name: str = "data") -> FitResult:
    """Fit ``spec`` to ``data`` by ML, as lavaan's ``sem()``.

    Parameters
    ----------
    spec
        The model spec.
    data
        The data; columns the model does not use are ignored.
    data_name
        What to call the data in messages (its file name).

    Returns
    -------
    FitResult

    Raises
    ------
    SpecError
        When the spec does not fit the data (all problems at once).
    FitError
        When estimation fails or the model is empirically not identified.

    Notes
    -----
    Matches lavaan 0.6.14 ``sem()`` on the cases in ``tests/reference`` within the tolerances of
    ``tests/test_parity_lavaan.py`` (see docs/models.md).
    """
    frame, excluded = check_data(spec, data, data_name=data_name)
    rows = spec.partable()
    effects = spec.effects
    try:
        if spec.meanstructure:
            engine, info = fit_engine_means(rows, frame,
                                            observed_information=spec.missing == "fiml")
        else:
            engine = fit_engine(rows, frame)
            info = expected_information(engine)
    except EngineError as exc:
        raise FitError(f"{spec.source}: semopy could not fit the model ({exc}).") from exc
    vcov, singular = invert_information(info, engine.free_names)
    if singular:
        raise FitError(f"{spec.source}: the model is not identified on {data_name}: the "
                       "information matrix is singular (parameters involved: "
                       f"{_describe_names(singular, rows, engine)}); fix or drop parameters.")
    sigma, inner, var = _implied(matrices(engine))
    S = np.cov(frame[list(engine.observed)].to_numpy(), rowvar=False, bias=True)
    est = _estimates(rows, engine, pd.DataFrame(S, index=engine.observed, columns=engine.observed))
    se = np.array([np.sqrt(vcov.loc[n, n]) if n is not None else 0.0 for n in engine.names])
    table = pd.DataFrame({
        "lhs": [r.lhs for r in rows], "op": [r.op for r in rows], "rhs": [r.rhs for r in rows],
        "label": [r.label for r in rows], "group": None,
        "free": [n is not None for n in engine.names], "est": est, "se": se,
        **_wald(est, se), "std_all": _std_column(rows, est, var),
        "semopy": list(engine.names),
    })
    table.loc[~table["free"], ["z", "pvalue"]] = np.nan
    if effects:
        table = pd.concat([table, _defined_rows(table, effects, vcov)], ignore_index=True)
    table["semopy"] = table["semopy"].astype(object).where(table["semopy"].notna(), None)
    fixed_x = np.array([v in {r.lhs for r in rows if r.fixed_x} for v in engine.observed])
    implied = sigma.loc[list(engine.observed), list(engine.observed)].to_numpy()
    if spec.meanstructure:
        mu = implied_means(engine)
        indices = fiml_fit_indices(frame[list(engine.observed)].to_numpy(), mu, implied,
                                   npar=len(engine.free_names))
    else:
        indices = fit_indices(S, implied, n=len(frame), npar=len(engine.free_names),
                              fixed_x=fixed_x)
    found = _diagnose(table, engine, sigma, inner, spec.parsed.latents)
    for category, message in found:
        warnings.warn(f"{spec.name}: {message}", category, stacklevel=2)
    return FitResult(
        spec=spec, parameters=table, fit=indices, r2=_r2(rows, table, var), n_obs=len(frame),
        n_excluded=len(excluded), excluded_rows=excluded, converged=engine.converged,
        warnings=tuple(m for _, m in found),
        observed=engine.observed, data=frame[list(engine.observed)], vcov=vcov,
        effects=effects, engine=engine.model,
    )


def _describe_names(names: tuple[str, ...], rows: tuple[ParRow, ...], engine: EngineFit) -> str:
    """Parameters by their lavaan rows (``F =~ x2``) rather than semopy's names."""
    lookup = {n: f"{r.lhs} {r.op} {r.rhs}" for r, n in zip(rows, engine.names, strict=True) if n}
    return ", ".join(lookup.get(n, n) for n in names)


def _defined_rows(table: pd.DataFrame, effects: tuple[DefinedEffect, ...],
                  vcov: pd.DataFrame) -> pd.DataFrame:
    labelled = table[table["label"] != ""].drop_duplicates("label")
    by_label = dict(zip(labelled["label"], labelled["est"], strict=True))
    std_by_label = dict(zip(labelled["label"], labelled["std_all"], strict=True))
    names = dict(zip(labelled["label"], labelled["semopy"], strict=True))
    # A labelled fixed parameter (e.g. a first loading) has no sampling variance.
    cov = pd.DataFrame(0.0, index=list(by_label), columns=list(by_label))
    free = [k for k in by_label if isinstance(names[k], str)]  # None or NaN when fixed
    cov.loc[free, free] = vcov.loc[[names[k] for k in free], [names[k] for k in free]].to_numpy()
    delta = delta_method(effects, by_label, cov)
    return pd.DataFrame({
        "lhs": [e.name for e in effects], "op": ":=",
        "rhs": [e.expression.replace(" ", "") for e in effects],
        "label": [e.name for e in effects], "group": None, "free": False,
        **{c: delta[c].to_numpy() for c in ["est", "se", "z", "pvalue", "ci_lower", "ci_upper"]},
        "std_all": [float(e.evaluate(std_by_label)) for e in effects], "semopy": None,
    })


def _r2(rows: tuple[ParRow, ...], table: pd.DataFrame, var: pd.Series) -> dict[str, float]:
    endogenous = {r.rhs for r in rows if r.op == "=~"} | {r.lhs for r in rows if r.op == "~"}
    out: dict[str, float] = {}
    for _, r in table[(table["op"] == "~~") & (table["lhs"] == table["rhs"])].iterrows():
        if r["lhs"] in endogenous and var[r["lhs"]] > 0:
            out[r["lhs"]] = float(1 - r["est"] / var[r["lhs"]])
    return out
