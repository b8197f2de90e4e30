"""Auxiliary variables under FIML: Graham's (2003) saturated correlates, as semTools'
``sem.auxiliary()``.

An auxiliary variable (``auxiliary: [age, rdint]`` in a spec) is not part of the model's
meaning but tells FIML about the missing values (a cause or correlate of missingness makes
missing at random plausible). As semTools 0.5-6 ``auxiliary()``:

- the auxiliaries covary with each other, have free means, and covary with every observed
  variable of the model (``aux ~~ v``: with an indicator's or an observed outcome's residual,
  with an exogenous covariate itself); covariates are random (``fixed.x = FALSE``). The
  additions are saturated: the model's degrees of freedom do not change;
- chi-square, RMSEA, SRMR, the log-likelihood and AIC/BIC are those of the model with these
  rows (npar counts them), as ``fitMeasures()`` reports them;
- the baseline of CFI and TLI is semTools' ``baseline.model``: the model's observed variables
  uncorrelated with each other (free variances and means), the auxiliaries saturated with
  everything, fitted by FIML (:func:`auxiliary_baseline`).

Only ``missing: fiml`` with ML: with listwise deletion the auxiliaries would only drop rows,
and semwb's scaled (MLR) baseline does not handle them yet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from semwb.results import FitIndices
from semwb.sem.estimators.ml import CoreFit
from semwb.sem.fitindices import Moments, incremental, loglik
from semwb.sem.model.fitting import fit_batch
from semwb.sem.model.missing import pattern_rows
from semwb.sem.model.structure import NU, THETA, build_matrices
from semwb.sem.partable import ParRow


def correlates_syntax(observed: Sequence[str], auxiliary: Sequence[str]) -> str:
    """The saturated-correlates lines semTools adds: ``aux ~~ aux``, ``aux ~ 1``, ``aux ~~ v``."""
    lines = [f"{a} ~~ {b}" for i, a in enumerate(auxiliary) for b in auxiliary[i:]]
    lines += [f"{a} ~ 1" for a in auxiliary]
    lines += [f"{a} ~~ {v}" for a in auxiliary for v in observed]
    return "\n".join(lines)


def auxiliary_problems(auxiliary: Sequence[str], *, model_variables: Sequence[str],
                       latents: Sequence[str], missing: str, estimator: str, group: str | None,
                       ordinal: bool, source: str) -> list[str]:
    """What stops ``auxiliary:`` in a spec, one message each (empty when none)."""
    problems = []
    named = ", ".join(auxiliary)
    if missing != "fiml":
        problems.append(f"{source}: 'auxiliary' ({named}) needs 'missing: fiml': auxiliary "
                        "variables inform full-information ML about missing values; with "
                        "listwise deletion they would only drop rows. Add 'missing: fiml'.")
    if estimator != "ML" or ordinal:
        problems.append(f"{source}: 'auxiliary' works with 'estimator: ML' (FIML) only; semwb "
                        f"has no auxiliary-variable baseline for {estimator} yet. Use ML, or "
                        "drop 'auxiliary'.")
    if group is not None:
        problems.append(f"{source}: 'auxiliary' is not available with 'group:' yet; fit the "
                        "groups one at a time, or drop 'auxiliary'.")
    for a in auxiliary:
        if not re.fullmatch(r"[^\s~=+*:<>|()#,;\"']+", a):
            problems.append(f"{source}: 'auxiliary' entry {a!r} is not a variable name (a data "
                            "column without spaces or lavaan operators).")
    duplicates = sorted({a for a in auxiliary if list(auxiliary).count(a) > 1})
    if duplicates:
        problems.append(f"{source}: 'auxiliary' names {', '.join(duplicates)} more than once.")
    for a in dict.fromkeys(auxiliary):
        if a in model_variables or a in latents:
            problems.append(f"{source}: '{a}' is in the model's syntax, so it cannot be an "
                            "auxiliary variable (an auxiliary is a variable the model does not "
                            "use); drop it from 'auxiliary' or from the syntax.")
    return problems


@dataclass(frozen=True)
class Baseline:
    """semTools' baseline fit: its chi-square against H1, degrees of freedom and parameters."""

    chisq: float
    df: int
    npar: int


def auxiliary_baseline(core: CoreFit, moments: Moments, auxiliary: Sequence[str]) -> Baseline:
    """The baseline of CFI/TLI with auxiliaries, fitted by FIML on the fit's data.

    Notes
    -----
    Free parameters: every variance and mean, and every covariance that involves an
    auxiliary (semTools' ``baseline.model``: its saturated-correlates lines, fitted by
    ``lavaan()`` with ``missing = "fiml"``). Started at the independence model (H1's variances
    and means), fitted by scoring on the fit's missing-data patterns; chi-square is
    ``2 (logL_H1 - logL_0)``.
    """
    observed = core.mm.observed
    aux = set(auxiliary)
    rows = [ParRow(v, "~~", v, free=True) for v in observed]
    rows += [ParRow(a, "~~", b, free=True) for i, a in enumerate(observed)
             for b in observed[i + 1:] if a in aux or b in aux]
    rows += [ParRow(v, "~1", "", free=True, value=0.0) for v in observed]
    mm = build_matrices(rows, latents=(), observed=observed, meanstructure=True)
    start = np.zeros(mm.n_params)
    theta_cells, nu_cells = mm.free[THETA], mm.free[NU]
    diagonal = theta_cells.rows == theta_cells.cols
    start[theta_cells.params[diagonal]] = np.diag(moments.h1_sigma)[theta_cells.rows[diagonal]]
    start[nu_cells.params] = moments.h1_mu[nu_cells.rows]
    data = pattern_rows(core.patterns, len(observed))
    fit = fit_batch(mm, data, start=start, tol=1e-10, max_iter=500, refresh_every=1)
    theta = fit.theta[0]
    sigma = np.zeros((len(observed), len(observed)))
    sigma[theta_cells.rows, theta_cells.cols] = theta[theta_cells.params]
    mu = np.zeros(len(observed))
    mu[nu_cells.rows] = theta[nu_cells.params]
    ll0 = loglik(core.patterns, sigma, mu, core.n_obs)
    ll1 = loglik(core.patterns, moments.h1_sigma, moments.h1_mu, core.n_obs)
    p = len(observed)
    return Baseline(2 * (ll1 - ll0), p * (p + 1) // 2 + p - mm.n_params, mm.n_params)


def with_auxiliary_baseline(indices: FitIndices, core: CoreFit, moments: Moments,
                            auxiliary: Sequence[str]) -> FitIndices:
    """``indices`` with semTools' baseline chi-square and df, and the CFI and TLI from it."""
    if indices.chisq is None or indices.df is None:
        return indices
    base = auxiliary_baseline(core, moments, auxiliary)
    cfi, tli = incremental(indices.chisq, indices.df, base.chisq, base.df)
    return indices.model_copy(update={"baseline_chisq": base.chisq, "baseline_df": base.df,
                                      "cfi": cfi, "tli": tli})
