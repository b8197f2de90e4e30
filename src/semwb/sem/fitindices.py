"""Global fit indices computed by semwb, as lavaan's ``fitMeasures()`` (ML, normal likelihood).

semopy's own ``calc_stats`` is not used: its AIC, BIC and log-likelihood are on another scale,
its RMSEA divides by N - 1, and it has no SRMR and no RMSEA interval. Everything here is a plain
function of the sample covariance ``S`` (divisor N), the implied ``Sigma``, N and the counts.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from semwb.results import FitIndices


def ml_discrepancy(S: np.ndarray, Sigma: np.ndarray) -> float:
    """``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p`` (chi-square is ``N F``)."""
    sign, logdet_sigma = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return float("inf")
    logdet_s = np.linalg.slogdet(S)[1]
    return float(logdet_sigma + np.trace(np.linalg.solve(Sigma, S)) - logdet_s - S.shape[0])


def loglik(S: np.ndarray, Sigma: np.ndarray, n: int, fixed_x: np.ndarray | None = None) -> float:
    """Normal log-likelihood at ``Sigma`` (means saturated), as lavaan's ``logl``.

    With fixed.x covariates (mask ``fixed_x``) it is the likelihood of the other variables given
    the covariates: the covariates' own marginal log-likelihood is subtracted, as lavaan does.
    """
    if fixed_x is not None and fixed_x.any():
        idx = np.flatnonzero(fixed_x)
        block = S[np.ix_(idx, idx)]
        return loglik(S, Sigma, n) - loglik(block, block, n)
    p = S.shape[0]
    logdet_sigma = np.linalg.slogdet(Sigma)[1]
    return float(-n / 2 * (p * np.log(2 * np.pi) + logdet_sigma
                           + np.trace(np.linalg.solve(Sigma, S))))


def srmr(S: np.ndarray, Sigma: np.ndarray) -> float:
    """Bentler's SRMR: root mean square of ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)``, i <= j."""
    sd = np.sqrt(np.diag(S))
    resid = (S - Sigma) / np.outer(sd, sd)
    rows, cols = np.tril_indices(S.shape[0])
    return float(np.sqrt(np.mean(resid[rows, cols] ** 2)))


def rmsea_interval(chisq: float, df: int, n: int, *, level: float = 0.90) -> tuple[float, float]:
    """RMSEA confidence interval by inverting the noncentral chi-square in its noncentrality.

    Notes
    -----
    ``lower = sqrt(lambda_L / (N df))`` with ``P(chi2_df(lambda_L) <= X2) = (1 + level) / 2``,
    ``upper`` likewise with ``(1 - level) / 2``; a bound is 0 when even lambda = 0 does not reach
    its probability (lavaan's ``lav_fit_rmsea_ci``).
    """
    if df <= 0:
        return 0.0, 0.0

    def bound(prob: float) -> float:
        def f(lam: float) -> float:
            cdf = stats.ncx2.cdf(chisq, df, lam) if lam > 0 else stats.chi2.cdf(chisq, df)
            return float(cdf) - prob
        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        lam = optimize.brentq(f, 0.0, hi, xtol=1e-12)
        return float(np.sqrt(lam / (n * df)))

    return bound((1 + level) / 2), bound((1 - level) / 2)


def baseline_sigma(S: np.ndarray, fixed_x: np.ndarray) -> np.ndarray:
    """The independence model's implied covariance: ``diag(S)``, the fixed.x block kept."""
    Sigma0 = np.diag(np.diag(S))
    idx = np.flatnonzero(fixed_x)
    Sigma0[np.ix_(idx, idx)] = S[np.ix_(idx, idx)]
    return Sigma0


def fit_indices(
    S: np.ndarray, Sigma: np.ndarray, *, n: int, npar: int, fixed_x: np.ndarray
) -> FitIndices:
    """All global fit indices of an ML fit, as lavaan 0.6 ``fitMeasures()``.

    Parameters
    ----------
    S
        Sample covariance of the observed variables, divisor N.
    Sigma
        Model-implied covariance at the estimates (same order).
    n
        Number of observations.
    npar
        Number of free parameters.
    fixed_x
        Boolean mask of the observed variables that are fixed.x covariates.

    Returns
    -------
    FitIndices
        chisq = N F, df = moments - npar (the covariates' moments not counted), CFI, TLI,
        RMSEA with its 90 % interval, Bentler's SRMR, AIC / BIC from the normal
        log-likelihood (conditional on fixed.x covariates, as lavaan), and the baseline model.

    Notes
    -----
    Matches lavaan 0.6.14 on the reference cases in ``tests/reference`` (see docs/models.md).
    """
    p = S.shape[0]
    nx = int(np.sum(fixed_x))
    moments = p * (p + 1) // 2 - nx * (nx + 1) // 2
    df = moments - npar
    chisq = max(n * ml_discrepancy(S, Sigma), 0.0)
    Sigma0 = baseline_sigma(S, fixed_x)
    chisq0 = n * ml_discrepancy(S, Sigma0)
    df0 = moments - (p - nx)
    d_model = max(chisq - df, 0.0)
    d_base = max(chisq0 - df0, d_model)
    cfi = 1.0 if d_base == 0 else 1.0 - d_model / d_base
    if df > 0 and df0 > 0 and chisq0 / df0 != 1:
        tli = (chisq0 / df0 - chisq / df) / (chisq0 / df0 - 1)
    else:
        tli = 1.0
    rmsea = float(np.sqrt(d_model / (df * n))) if df > 0 else 0.0
    lower, upper = rmsea_interval(chisq, df, n)
    ll = loglik(S, Sigma, n, fixed_x)
    return FitIndices(
        chisq=chisq, df=df, pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else None,
        cfi=cfi, tli=tli, rmsea=rmsea, rmsea_ci_lower=lower, rmsea_ci_upper=upper,
        srmr=srmr(S, Sigma), aic=-2 * ll + 2 * npar, bic=-2 * ll + npar * np.log(n),
        loglik=ll, baseline_chisq=chisq0, baseline_df=df0, npar=npar,
    )
