"""Global fit indices, as lavaan's ``fitMeasures()`` for ML (normal likelihood, N not N - 1).

Everything is a function of the log-likelihoods of three models on the same data (the fitted
model, the unrestricted H1 and lavaan's independence baseline), plus the counts. Complete data
and FIML differ only in how those log-likelihoods are computed (:func:`loglik`, over missing-data
patterns), and in H1: the sample moments, or their EM estimate under FIML.

lavaan's conventions followed here:

- with ``fixed.x`` the covariates' moments are fixed at their sample values: they count neither
  as moments nor as parameters, and the log-likelihood is conditional on them (their saturated
  marginal log-likelihood subtracted);
- the baseline model has uncorrelated variables, except lavaan's ``ov.x``: the exogenous
  covariates (fixed.x or not) whose (co)variances and intercepts the syntax does not mention,
  whose block is saturated; covariates the syntax gives a (co)variance or intercept are as
  independent as the other variables; means are free;
- SRMR is Bentler's, over the lower triangle (and the means with a mean structure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from semwb.distributions import chi2_cdf, chi2_sf, ncx2_noncentrality
from semwb.results import FitIndices
from semwb.sem.model.algebra import Pattern
from semwb.sem.model.missing import em_moments, pattern_rows


def loglik(patterns: list[Pattern], sigma: np.ndarray, mu: np.ndarray, n: int) -> float:
    """Normal log-likelihood of the data (as patterns) at ``Σ`` and ``μ``."""
    total = 0.0
    for pat in patterns:
        cols = pat.columns
        s = sigma[np.ix_(cols, cols)]
        sign, logdet = np.linalg.slogdet(s)
        if sign <= 0:
            return float("-inf")
        inv = np.linalg.inv(s)
        d = pat.mean[0] - mu[cols]
        quad = np.trace(inv @ pat.S[0]) + d @ inv @ d
        total += -0.5 * n * pat.weight * (len(cols) * np.log(2 * np.pi) + logdet + quad)
    return float(total)


def em_saturated(patterns: list[Pattern], p: int, *, tol: float = 1e-10,
                 max_iter: int = 10000) -> tuple[np.ndarray, np.ndarray, bool]:
    """ML means and covariance of multivariate-normal data with missing values, by EM.

    Starts from the available-case means and the pairwise covariances (their diagonal when
    those are not positive definite); each step is the vectorised E-step of
    :func:`semwb.sem.model.missing.em_moments` over the patterns' moments
    (:func:`~semwb.sem.model.missing.pattern_rows`). Returns the means, the covariance and
    whether EM converged (change below ``tol``): lavaan's H1 under FIML.
    """
    rows = pattern_rows(patterns, p)
    w = rows.weights[0][:, None] * rows.observed
    mu = (w * rows.values).sum(axis=0) / w.sum(axis=0)
    centred = np.where(rows.observed, rows.values - mu, 0.0)
    sigma = (centred * w).T @ centred / np.maximum(w.T @ rows.observed, 1e-300)
    if np.linalg.eigvalsh(sigma)[0] <= 1e-8 * np.abs(sigma).max():
        sigma = np.diag(np.diag(sigma))
    return em_moments(rows, mu, sigma, tol=tol, max_iter=max_iter)


@dataclass(frozen=True)
class Moments:
    """What the fit indices need of the data: patterns, N, H1 moments and the covariates."""

    patterns: list[Pattern]
    n: int
    h1_sigma: np.ndarray
    h1_mu: np.ndarray
    covariates: np.ndarray  # boolean mask of exogenous observed covariates
    fixed_x: bool
    meanstructure: bool
    #: Covariates whose block the baseline saturates: lavaan's ``ov.x``, the covariates the
    #: syntax gives no (co)variance or intercept of its own (fixed or random alike).
    baseline_x: np.ndarray


def _independence(m: Moments) -> tuple[np.ndarray, np.ndarray]:
    """The baseline model's ML moments: independent variables, the ``ov.x`` block saturated.

    With complete data these are the sample moments; with missing data each variable's own
    mean and variance, and the covariates' EM block.
    """
    p = len(m.h1_mu)
    sigma = np.zeros((p, p))
    mu = np.zeros(p)
    for j in range(p):
        w = sum(pat.weight for pat in m.patterns if j in pat.columns)
        mean = sum(pat.weight * pat.mean[0][list(pat.columns).index(j)]
                   for pat in m.patterns if j in pat.columns) / w
        second = sum(pat.weight * (pat.S[0][k, k] + pat.mean[0][k] ** 2)
                     for pat in m.patterns if j in pat.columns
                     for k in [list(pat.columns).index(j)]) / w
        mu[j], sigma[j, j] = mean, second - mean**2
    x = np.flatnonzero(m.baseline_x)
    if x.size:
        sigma[np.ix_(x, x)] = m.h1_sigma[np.ix_(x, x)]
        mu[x] = m.h1_mu[x]
    return sigma, mu


def baseline_moments(m: Moments) -> tuple[np.ndarray, np.ndarray]:
    """The baseline (independence) model's ML covariance and means (see :func:`_independence`)."""
    return _independence(m)


def _covariate_loglik(m: Moments) -> float:
    """Saturated marginal log-likelihood of the fixed.x covariates (subtracted, as lavaan)."""
    x = np.flatnonzero(m.covariates)
    if not (m.fixed_x and x.size):
        return 0.0
    sub = [Pattern(np.arange(x.size), 1.0, m.h1_sigma[np.ix_(x, x)][None], m.h1_mu[x][None])]
    return loglik(sub, m.h1_sigma[np.ix_(x, x)], m.h1_mu[x], m.n)


def rmsea_interval(chisq: float, df: float, n: int, *, level: float = 0.90) -> tuple[float, float]:
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
        if chi2_cdf(chisq, df) < prob:
            return 0.0
        lam = ncx2_noncentrality(chisq, df, prob)
        return float(np.sqrt(lam / (n * df)))

    return bound((1 + level) / 2), bound((1 - level) / 2)


def rmsea(chisq: float, df: float, n: int, *, c: float = 1.0, groups: int = 1) -> float:
    """RMSEA as lavaan's ``lav_fit_rmsea``: ``sqrt(max(T - c df, 0) / (N df)) sqrt(G)``.

    The one RMSEA of semwb: ML and FIML (``c = 1``), scaled (``df`` the trace), robust
    (``c`` the scaling factor), WLSMV (``n`` as lavaan counts it), ``G`` groups, and the RMSEA of
    a chi-square difference. 0 without degrees of freedom; NaN when ``c`` is undefined.
    """
    if df <= 0:
        return 0.0
    if not np.isfinite(c):
        return float("nan")
    return float(np.sqrt(max(chisq - c * df, 0.0) / (df * n)) * np.sqrt(groups))


def incremental(chisq: float, df: int, chisq0: float, df0: int) -> tuple[float, float]:
    """CFI and TLI from the model's and the baseline's chi-square (lavaan's guards)."""
    d_model = max(chisq - df, 0.0)
    d_base = max(chisq0 - df0, d_model)
    cfi = 1.0 if d_base == 0 else 1.0 - d_model / d_base
    if df > 0 and df0 > 0 and chisq0 / df0 != 1:
        tli = (chisq0 / df0 - chisq / df) / (chisq0 / df0 - 1)
    else:
        tli = 1.0
    return cfi, tli


def srmr(m: Moments, sigma: np.ndarray, mu: np.ndarray) -> float:
    """Bentler's SRMR against H1: ``(s_ij - σ_ij) / sqrt(s_ii s_jj)`` (and mean residuals)."""
    sd = np.sqrt(np.diag(m.h1_sigma))
    resid = ((m.h1_sigma - sigma) / np.outer(sd, sd))[np.tril_indices(len(sd))]
    squares = list(resid**2)
    if m.meanstructure:
        squares += list(((m.h1_mu - mu) / sd) ** 2)
    return float(np.sqrt(np.mean(squares)))


def fit_indices(m: Moments, sigma: np.ndarray, mu: np.ndarray, *, npar: int,
                rmsea_ci: bool = True) -> FitIndices:
    """All global fit indices of an ML or FIML fit, as lavaan 0.6 ``fitMeasures()``.

    Parameters
    ----------
    m
        The data's moments and counts.
    sigma, mu
        Model-implied covariance and means at the estimate (``mu``: H1's means when the model
        has no mean structure).
    npar
        Free parameters (lavaan's ``npar``).
    rmsea_ci
        False: no RMSEA interval (``rmsea_ci_lower``/``upper`` None).

    Notes
    -----
    chisq = 2 (logL_H1 - logL); df = moments - npar, the covariates' moments not counted under
    fixed.x; RMSEA = sqrt(max(chisq - df, 0) / (df N)); AIC, BIC and BIC2 (sample-size adjusted,
    ``log((N + 2) / 24)``) from the log-likelihood. Matches lavaan 0.6 on the cases in
    ``tests/reference`` (docs/models.md).
    """
    p = len(m.h1_mu)
    nx = int(m.covariates.sum()) if m.fixed_x else 0
    moments = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if m.meanstructure:
        moments += p - nx
    df = moments - npar
    ll = loglik(m.patterns, sigma, mu, m.n)
    ll1 = loglik(m.patterns, m.h1_sigma, m.h1_mu, m.n)
    sigma0, mu0 = _independence(m)
    ll0 = loglik(m.patterns, sigma0, mu0 if m.meanstructure else m.h1_mu, m.n)
    nb = int(m.baseline_x.sum())
    df0 = moments - (p - nb) - (0 if m.fixed_x else nb * (nb + 1) // 2)
    if m.meanstructure:
        df0 -= p - nx
    chisq = max(2 * (ll1 - ll), 0.0)
    chisq0 = 2 * (ll1 - ll0)
    cfi, tli = incremental(chisq, df, chisq0, df0)
    lower, upper = rmsea_interval(chisq, df, m.n) if rmsea_ci else (None, None)
    ll_cond = ll - _covariate_loglik(m)
    ll1_cond = ll1 - _covariate_loglik(m)
    return FitIndices(
        chisq=chisq, df=df, pvalue=float(chi2_sf(chisq, df)) if df > 0 else None,
        cfi=cfi, tli=tli, rmsea=rmsea(chisq, df, m.n), rmsea_ci_lower=lower,
        rmsea_ci_upper=upper, srmr=srmr(m, sigma, mu),
        aic=-2 * ll_cond + 2 * npar, bic=-2 * ll_cond + npar * np.log(m.n),
        bic2=-2 * ll_cond + npar * np.log((m.n + 2) / 24), loglik=ll_cond,
        unrestricted_loglik=ll1_cond, baseline_chisq=chisq0, baseline_df=df0, npar=npar,
    )
