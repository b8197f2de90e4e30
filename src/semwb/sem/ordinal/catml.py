"""lavaan's ``.robust`` CFI, TLI and RMSEA of a WLSMV fit (Savalei 2021, lavaan's ``catML``).

lavaan 0.6.14 (``lav_fit_catml_dwls``) reads the polychoric correlations ``R`` as if they were
continuous and evaluates the normal-theory ML discrepancy at the DWLS estimate (no refit):

- ``XX3 = N (log|P| - log|R| + tr(R P⁻¹) - p)``, ``P`` the implied correlation matrix, on
  ``df3`` = correlations minus free parameters other than thresholds;
- its scaling ``ĉ = tr(U'ᵀ V U' Γ_ρ) / df3`` with ``U' = I - Δ_ρ (ΔᵀWΔ)⁻¹ Δ_ρᵀ W_ρ`` (``ρ``: the
  correlation rows) and ``V`` the normal-theory weight of the correlations at ``P``
  (``V_(ij),(kl) = P^ik P^jl + P^il P^jk``);
- the baseline ``XX3₀ = -N log|R|`` on ``p(p-1)/2`` with ``ĉ₀ = tr(Γ_ρ) / (p(p-1)/2)``.

Then ``cfi.robust`` and ``tli.robust`` are lavaan's CFI/TLI with ``ĉ`` and ``ĉ₀`` (on the DWLS
degrees of freedom), ``rmsea.robust = √max(XX3/(N' df3) - ĉ/N', 0)`` and its interval the
noncentral interval of ``XX3/ĉ`` scaled by ``√ĉ`` (``N' = N - 1`` as for every WLSMV RMSEA).
lavaan gives none of them (NA) with continuous columns beside the items, with covariates
(``conditional.x``), or when ``R`` is not positive definite; nor does semwb.
"""

from __future__ import annotations

import numpy as np

from semwb.sem.estimators.dwls import DwlsFit, DwlsModel
from semwb.sem.fitindices import rmsea
from semwb.sem.ordinal.weights import OrdinalStats
from semwb.sem.scaled_test import rmsea_interval_df, robust_incremental

#: lavaan's positive-definiteness cut for the polychoric matrix (``.Machine$double.eps^(1/2)``).
PD_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def _implied_correlation(model: DwlsModel, fit: DwlsFit) -> np.ndarray:
    """``P``: the latent responses' implied correlations at the estimate (the statistics' own
    correlations off the diagonal; ones on it, which the delta parameterization's residual
    variances and the theta parameterization's scales make true)."""
    P = np.eye(len(model.mm.observed))
    P[model.pair_i, model.pair_j] = P[model.pair_j, model.pair_i] = (
        model.statistics(fit.theta)[-model.pair_i.size:])
    return P


def robust_measures(model: DwlsModel, fit: DwlsFit, sample: OrdinalStats) -> dict[str, float]:
    """``cfi_robust``, ``tli_robust``, ``rmsea_robust`` and its 90 % interval (empty when lavaan
    gives none: continuous columns, a polychoric matrix that is not positive definite)."""
    R = sample.correlation
    if (sample.data.numeric.any() or sample.slopes is not None
            or np.linalg.eigvalsh(R)[0] < PD_TOLERANCE):
        return {}
    n, p = sample.data.n_obs, len(R)
    P = _implied_correlation(model, fit)
    P_inv = np.linalg.inv(P)
    log_r = np.linalg.slogdet(R)[1]
    xx3 = n * float(np.linalg.slogdet(P)[1] - log_r + np.trace(R @ P_inv) - p)
    xx3_null = -n * float(log_r)
    i, j = model.pair_i, model.pair_j
    V = P_inv[np.ix_(i, i)] * P_inv[np.ix_(j, j)] + P_inv[np.ix_(i, j)] * P_inv[np.ix_(j, i)]
    first = sample.n_univariate
    w = sample.weight
    D = model.jacobian(fit.theta)
    info_inv = np.linalg.inv(D.T @ (w[:, None] * D))
    D_rho, w_rho, gamma_rho = D[first:], w[first:], sample.gamma[first:, first:]
    U = np.eye(i.size) - D_rho @ info_inv @ D_rho.T * w_rho[None, :]
    df3 = i.size - (model.n_params - int(np.sum(model.th_param >= 0)))
    c_hat = float(np.trace(U.T @ V @ U @ gamma_rho)) / df3 if df3 > 0 else float("nan")
    c_null = float(np.trace(gamma_rho)) / i.size
    cfi, tli = robust_incremental(xx3, fit.df, xx3_null, i.size, c_hat, c_null)
    if df3 > 0:
        lower, upper = (float(np.sqrt(c_hat) * b)
                        for b in rmsea_interval_df(xx3 / c_hat, df3, n - 1))
    else:
        lower = upper = 0.0
    return {"cfi_robust": cfi, "tli_robust": tli,
            "rmsea_robust": rmsea(xx3, df3, n - 1, c=c_hat),
            "rmsea_ci_lower_robust": lower, "rmsea_ci_upper_robust": upper}
