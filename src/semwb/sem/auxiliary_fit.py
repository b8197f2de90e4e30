"""The fit side of auxiliary variables (:mod:`semwb.sem.auxiliary`): semTools' baseline model.

semTools 0.5-6 ``auxiliary()`` stores a ``baseline.model`` beside the fit, and
``fitMeasures()`` takes CFI and TLI (and the baseline chi-square) from it: the model's observed
variables uncorrelated with each other, the auxiliaries saturated with everything, fitted by
FIML on the same data.
"""

from __future__ import annotations

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
