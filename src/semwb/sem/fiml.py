"""Full-information ML (``missing: fiml``), as lavaan's ``missing = "ml"``.

semopy's ``ModelMeans`` minimises ``-2 log L`` over the missing-data patterns (its ``FIML``
objective, without the ``2 pi`` constants). semwb polishes its solution with Newton steps,
takes standard errors from the observed information (the numerical Hessian of ``-log L``, as
lavaan does by default under FIML), and computes the fit against the unrestricted model (H1),
whose means and covariance are estimated by EM (hand-written: ~30 lines, no maintained library
offers multivariate-normal EM with arbitrary missing patterns).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import semopy
from scipy import stats
from threadpoolctl import threadpool_limits

from semwb.results import FitIndices
from semwb.sem.engine import (
    GRADIENT_TOLERANCE,
    EngineFit,
    check_finite,
    describe,
    fisher_scoring,
    loading_starts,
    quiet,
    semopy_errors,
)
from semwb.sem.fitindices import rmsea_interval
from semwb.sem.partable import ParRow

_NEWTON_STEPS = 50


def _hessian(model: semopy.ModelMeans, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of semopy's analytic FIML gradient, symmetrised.

    semopy's FIML gradient loops in Python (about 0.1 s for 45 parameters), so one difference
    per parameter is used rather than two.
    """
    k = len(x)
    hess = np.empty((k, k))
    for i in range(k):
        h = 1e-6 * max(1.0, abs(x[i]))
        up = x.copy()
        up[i] += h
        hess[:, i] = (model.grad_fiml(up) - grad) / h
    return (hess + hess.T) / 2


def _intercept_names(model: semopy.ModelMeans) -> dict[str, str]:
    names: dict[str, str] = {}
    mx = model.inspect(mode="mx", what="name")
    for key in ("Gamma1", "Gamma2"):
        if key in mx and "1" in mx[key].columns:
            for var, name in mx[key]["1"].items():
                if isinstance(name, str):
                    names[str(var)] = name
    return names


def fit_engine_means(
    rows: Sequence[ParRow], data: pd.DataFrame, *, observed_information: bool
) -> tuple[EngineFit, np.ndarray]:
    """Fit a model with a mean structure by (FI)ML through semopy's ``ModelMeans``.

    Returns the engine fit and the information matrix of the free estimates: the observed
    information (numerical Hessian of -log L, lavaan's default under FIML) when
    ``observed_information``, else the expected information (lavaan's default for complete
    data).
    """
    description, names = describe(rows)
    with threadpool_limits(limits=1), quiet(), semopy_errors():
        model = semopy.ModelMeans(description)
        for i, start in loading_starts(rows, data).items():
            if names[i] is not None:
                model.parameters[names[i]].start = start
        result = model.fit(data, obj="ML", solver="SLSQP")
        # -2 log L scored with twice semopy's expected information (cheap; it only steers)
        max_gradient = fisher_scoring(
            model, model.obj_fiml, model.grad_fiml, lambda: 2 * model.calc_fim(),
            tolerance=GRADIENT_TOLERANCE * 1e-2, max_steps=_NEWTON_STEPS, slack=1e-10)
        x = np.asarray(model.param_vals, dtype=float)
        info = (_hessian(model, x, np.asarray(model.grad_fiml(x))) / 2 if observed_information
                else model.calc_fim())
    check_finite(model)
    intercepts = _intercept_names(model)
    row_names = tuple(intercepts.get(r.lhs) if r.op == "~1" and r.free else n
                      for r, n in zip(rows, names, strict=True))
    free_names = tuple(n for n, p in model.parameters.items() if p.active)
    converged = bool(np.isfinite(max_gradient) and max_gradient < GRADIENT_TOLERANCE)
    engine = EngineFit(model=model, names=row_names, free_names=free_names,
                       observed=tuple(model.vars["observed"]), converged=converged,
                       message=str(result.message), max_gradient=max_gradient)
    return engine, info


def implied_means(engine: EngineFit) -> np.ndarray:
    """Model-implied means of the observed variables, in ``engine.observed`` order."""
    _, (m, _) = engine.model.calc_sigma()
    return np.asarray(engine.model.calc_mean(m))[:, 0]


def _pattern_loglik(data: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> float:
    """Normal log-likelihood of rows with missing values (each row on its observed part)."""
    total = 0.0
    mask = np.isfinite(data)
    patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        rows = data[inverse.ravel() == k][:, pattern]
        if not pattern.any():
            continue
        s = sigma[np.ix_(pattern, pattern)]
        centered = rows - mu[pattern]
        _, logdet = np.linalg.slogdet(s)
        quad = np.einsum("ij,ij->", centered @ np.linalg.inv(s), centered)
        total += -0.5 * (len(rows) * (pattern.sum() * np.log(2 * np.pi) + logdet) + quad)
    return total


def em_saturated(data: np.ndarray, *, tol: float = 1e-10,
                 max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """ML means and covariance of multivariate-normal data with missing values, by EM."""
    mask = np.isfinite(data)
    patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
    groups = [(pattern, np.nan_to_num(data[inverse.ravel() == k]))
              for k, pattern in enumerate(patterns)]
    mu = np.nanmean(data, axis=0)
    sigma = np.diag(np.nanvar(data, axis=0))
    n = len(data)
    for _ in range(max_iter):
        sum_x = np.zeros_like(mu)
        sum_xx = np.zeros_like(sigma)
        for o, rows in groups:
            m = ~o
            x = rows.copy()
            if m.any():
                beta = sigma[np.ix_(m, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])
                x[:, m] = mu[m] + (rows[:, o] - mu[o]) @ beta.T
                conditional = sigma[np.ix_(m, m)] - beta @ sigma[np.ix_(o, m)]
                sum_xx[np.ix_(m, m)] += len(rows) * conditional
            sum_x += x.sum(axis=0)
            sum_xx += x.T @ x
        new_mu = sum_x / n
        new_sigma = sum_xx / n - np.outer(new_mu, new_mu)
        done = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma))) < tol
        mu, sigma = new_mu, new_sigma
        if done:
            break
    return mu, sigma


def fiml_fit_indices(data: np.ndarray, mu: np.ndarray, sigma: np.ndarray, *,
                     npar: int) -> FitIndices:
    """Fit indices under FIML: chi-square against H1 (EM), baseline with free means/variances.

    Notes
    -----
    chisq = 2 (log L_H1 - log L_model); the baseline model has independent variables whose means
    and variances are each estimated from their observed values; SRMR compares the model's
    covariance and means with H1's (Bentler's form, means included, as lavaan).
    """
    n, p = data.shape
    ll = _pattern_loglik(data, mu, sigma)
    mu1, sigma1 = em_saturated(data)
    ll1 = _pattern_loglik(data, mu1, sigma1)
    mu0, var0 = np.nanmean(data, axis=0), np.nanvar(data, axis=0)
    ll0 = _pattern_loglik(data, mu0, np.diag(var0))
    moments = p * (p + 1) // 2 + p
    df, df0 = moments - npar, moments - 2 * p
    chisq, chisq0 = max(2 * (ll1 - ll), 0.0), 2 * (ll1 - ll0)
    d_model = max(chisq - df, 0.0)
    d_base = max(chisq0 - df0, d_model)
    sd = np.sqrt(np.diag(sigma1))
    resid_cov = ((sigma1 - sigma) / np.outer(sd, sd))[np.tril_indices(p)]
    resid_mean = (mu1 - mu) / sd
    lower, upper = rmsea_interval(chisq, df, n)
    return FitIndices(
        chisq=chisq, df=df,
        pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else None,
        cfi=1.0 if d_base == 0 else 1 - d_model / d_base,
        tli=(chisq0 / df0 - chisq / df) / (chisq0 / df0 - 1) if df > 0 else 1.0,
        rmsea=float(np.sqrt(d_model / (df * n))) if df > 0 else 0.0,
        rmsea_ci_lower=lower, rmsea_ci_upper=upper,
        srmr=float(np.sqrt((np.sum(resid_cov**2) + np.sum(resid_mean**2)) / moments)),
        aic=-2 * ll + 2 * npar, bic=-2 * ll + npar * np.log(n), loglik=ll,
        baseline_chisq=chisq0, baseline_df=df0, npar=npar,
    )
