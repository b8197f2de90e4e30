"""Fit measures of a WLSMV fit, as lavaan 0.6.14's ``fitMeasures()`` reports them.

The baseline model has free thresholds and zero correlations: its DWLS statistic is
``N Σ w_k r_k²`` over the polychoric correlations, on ``p(p-1)/2`` degrees of freedom, with its
own scaled-shifted version. CFI and TLI use the standard statistics (``cfi``, ``tli``) or the
scaled ones of both models (``cfi_scaled``, ``tli_scaled``); RMSEA uses ``N - 1`` as lavaan does
for estimators other than ML. SRMR is the root mean square of the correlation residuals (lavaan's
``srmr`` for ordinal data: no threshold or mean residuals, the zero diagonal counted; with
covariates the residual correlations, over ``p(p+1)/2`` plus the number of covariates). With
continuous columns the baseline also keeps their means and variances free. WRMR is
``√(T / number of statistics)``, as lavaan.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.distributions import chi2_sf
from semwb.results import FitIndices
from semwb.sem.estimators.dwls import DwlsFit, DwlsModel, scaled_shifted
from semwb.sem.fitindices import incremental, rmsea, rmsea_interval
from semwb.sem.ordinal.catml import robust_measures
from semwb.sem.ordinal.polychoric import pairs
from semwb.sem.ordinal.weights import OrdinalStats

Array = NDArray[np.float64]


def _correlation_residuals(fit: DwlsFit, sample: OrdinalStats) -> Array:
    """Sample minus implied correlations below the diagonal (from the residual statistics)."""
    data = sample.data
    var = np.ones(len(data.names))
    var[data.numeric] = data.variances[data.numeric]
    implied_var = var.copy()
    implied_var[data.numeric] -= fit.residuals[sample.n_thresholds + sample.n_slopes:
                                                 sample.n_univariate]
    s = sample.vector[sample.n_univariate:]
    sigma = s - fit.residuals[sample.n_univariate:]
    i, j = np.array(pairs(len(data.names))).T
    return np.asarray(s / np.sqrt(var[i] * var[j]) - sigma / np.sqrt(implied_var[i]
                                                                       * implied_var[j]))


def wlsmv_indices(fit: DwlsFit, sample: OrdinalStats, model: DwlsModel) -> FitIndices:
    """``fitMeasures()`` of a WLSMV fit: standard and scaled chi-square, CFI, TLI, RMSEA, SRMR,
    and the ``.robust`` CFI, TLI and RMSEA (:mod:`.catml`)."""
    n = sample.data.n_obs
    n_th = sample.n_univariate
    r = sample.vector[n_th:]
    w = sample.weight[n_th:]
    df0 = r.size
    chisq0 = float((n - 1) * np.sum(w * r * r))
    scaled0, factor0, _ = scaled_shifted(chisq0, df0, np.diag(w), sample.gamma[n_th:, n_th:])
    cfi, tli = incremental(fit.chisq, fit.df, chisq0, df0)
    cfi_s, tli_s = incremental(fit.chisq_scaled, fit.df, scaled0, df0)
    lo, hi = rmsea_interval(fit.chisq, fit.df, n - 1)
    lo_s, hi_s = rmsea_interval(fit.chisq_scaled, fit.df, n - 1)
    p = len(sample.data.names)
    q = 0 if sample.slopes is None else sample.slopes.shape[1]  # lavaan counts covariates too
    resid = _correlation_residuals(fit, sample)
    return FitIndices(
        chisq=fit.chisq, df=fit.df, pvalue=float(chi2_sf(fit.chisq, fit.df)),
        cfi=cfi, tli=tli, rmsea=rmsea(fit.chisq, fit.df, n - 1), rmsea_ci_lower=lo,
        rmsea_ci_upper=hi, srmr=float(np.sqrt(np.sum(resid ** 2) / (p * (p + 1) / 2 + q))),
        baseline_chisq=chisq0, baseline_df=df0, npar=model.n_params,
        chisq_scaled=fit.chisq_scaled, df_scaled=fit.df,
        pvalue_scaled=float(chi2_sf(fit.chisq_scaled, fit.df)),
        chisq_scaling_factor=fit.scaling_factor, chisq_shift=fit.shift,
        baseline_chisq_scaled=scaled0, baseline_chisq_scaling_factor=factor0,
        cfi_scaled=cfi_s, tli_scaled=tli_s, rmsea_scaled=rmsea(fit.chisq_scaled, fit.df, n - 1),
        rmsea_ci_lower_scaled=lo_s, rmsea_ci_upper_scaled=hi_s,
        wrmr=float(np.sqrt(fit.chisq / fit.residuals.size)),
        **robust_measures(model, fit, sample),
    )
