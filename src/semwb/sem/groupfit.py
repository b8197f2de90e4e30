"""Global fit indices of a multiple-group model, as lavaan 0.6.14's ``fitMeasures()``.

Each group's log-likelihoods (model, H1, baseline) and moments come from the single-group
:func:`semwb.sem.fitindices.fit_indices` on that group's data and implied moments; lavaan then:

- sums chi-square, degrees of freedom (moments of all groups minus ``npar``), the baseline
  chi-square and its df, and the log-likelihoods (AIC, BIC with the total N);
- multiplies RMSEA and its interval by ``sqrt(G)`` (``lav_fit_rmsea``: the noncentrality is
  per group);
- averages SRMR over the groups weighted by ``n_g / N`` (``lav_fit_srmr``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from semwb.distributions import chi2_sf
from semwb.results import FitIndices
from semwb.sem.fitindices import (
    Moments,
    em_saturated,
    fit_indices,
    incremental,
    rmsea,
    rmsea_interval,
)
from semwb.sem.model.algebra import Pattern, implied
from semwb.sem.model.groups import Blocks, group_patterns
from semwb.sem.model.structure import ModelMatrices


def group_moments(patterns: Sequence[Pattern], blocks: Blocks, n: int, covariates: np.ndarray,
                  baseline_x: np.ndarray, fixed_x: bool) -> tuple[list[Moments], list[str]]:
    """Each group's H1 moments (sample, or EM under FIML) and EM's warnings (``covariates`` and
    ``baseline_x`` as :class:`~semwb.sem.fitindices.Moments`, per group's variables)."""
    out = []
    notes = []
    for g, (cols, weight) in enumerate(blocks):
        pats = group_patterns(patterns, cols, weight)
        if len(pats) == 1 and len(pats[0].columns) == len(cols):
            sigma1, mu1 = pats[0].S[0], pats[0].mean[0]
        else:
            mu1, sigma1, done = em_saturated(pats, len(cols))
            if not done:
                notes.append(f"the EM algorithm for the unrestricted (H1) model of group {g + 1} "
                             "did not converge; chi-square and the fit indices may be "
                             "inaccurate.")
        out.append(Moments(pats, round(weight * n), sigma1, mu1, covariates, fixed_x, True,
                           baseline_x))
    return out, notes


def group_fit_indices(mm: ModelMatrices, moments: Sequence[Moments], *,
                      npar: int) -> tuple[FitIndices, list[FitIndices]]:
    """The fit indices of all groups together, and each group's own (with ``npar = 0``).

    Parameters
    ----------
    mm
        The block model at its estimate (``mm.blocks`` set).
    moments
        Each group's data moments (:func:`group_moments`).
    npar
        Free parameters of the whole model (lavaan's ``npar``).
    """
    if mm.blocks is None:
        raise ValueError("group_fit_indices needs a multiple-group model (mm.blocks)")
    imp = implied(mm, mm.estimate[None])
    per = []
    for m, (cols, _) in zip(moments, mm.blocks, strict=True):
        sigma = imp.sigma[0][np.ix_(cols, cols)]
        per.append(fit_indices(m, sigma, imp.mu[0][cols], npar=0))
    n = sum(m.n for m in moments)
    n_groups = len(moments)
    chisq = sum(f.chisq or 0.0 for f in per)
    df = sum(f.df or 0 for f in per) - npar
    chisq0 = sum(f.baseline_chisq or 0.0 for f in per)
    df0 = sum(f.baseline_df or 0 for f in per)
    cfi, tli = incremental(chisq, df, chisq0, df0)
    lower, upper = rmsea_interval(chisq, df, n)
    scale = np.sqrt(n_groups)
    ll = sum(f.loglik or 0.0 for f in per)
    return FitIndices(
        chisq=chisq, df=df, pvalue=float(chi2_sf(chisq, df)) if df > 0 else None,
        cfi=cfi, tli=tli,
        rmsea=rmsea(chisq, df, n, groups=n_groups),
        rmsea_ci_lower=lower * scale, rmsea_ci_upper=upper * scale,
        srmr=sum(m.n / n * (f.srmr or 0.0) for m, f in zip(moments, per, strict=True)),
        aic=-2 * ll + 2 * npar, bic=-2 * ll + npar * np.log(n),
        bic2=-2 * ll + npar * np.log((n + 2) / 24), loglik=ll,
        unrestricted_loglik=sum(f.unrestricted_loglik or 0.0 for f in per),
        baseline_chisq=chisq0, baseline_df=df0, npar=npar,
    ), per
