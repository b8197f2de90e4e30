"""Robust (sandwich) standard errors and the traces the scaled tests need, for ML and FIML fits.

Everything is written in the parameters of the unrestricted model, ``(μ, vech Σ)`` (the
*moment model*, :func:`moment_model`: ``ν`` and the lower triangle of ``Θ`` free, the fixed.x
covariates' block fixed): a model enters through ``Δ``, the Jacobian of its moments, and the
data through casewise scores. Information matrices are per case (of ``-log L / N``), as lavaan's.

- ``se: robust.huber.white`` (lavaan's MLR): ``A⁻¹ B₀ A⁻¹ / N`` with ``A`` the observed
  information (Hessian) and ``B₀ = Δᵀ B₁ Δ`` the mean outer product of the casewise scores at the
  model-implied moments (lavaan's ``h1.information = "structured"``), complete data or FIML.
- ``se: robust.sem`` (lavaan's MLM): ``E⁻¹ Δᵀ W Γ W Δ E⁻¹ / N`` with ``W`` the expected
  unrestricted information at the implied moments, ``E = Δᵀ W Δ`` and ``Γ`` the sample
  fourth-moment matrix (divisor N), complete data.
- the Yuan-Bentler (Mplus) trace ``tr(A₁⁻¹ B₁) - tr(A⁻¹ B₀)`` with ``A₁``, ``B₁`` of the
  unrestricted model at its own estimate (sample or EM moments), and the Satorra-Bentler trace
  ``tr(U Γ)``, ``U = W - W Δ E⁻¹ Δᵀ W``.

No ``N / (N - 1)`` factor anywhere: lavaan 0.6 uses none for ML (``mimic = "lavaan"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from semwb.sem.estimators.ml import invert, observed_information
from semwb.sem.model.algebra import (
    Pattern,
    implied,
    information,
    mean_jacobian,
    sigma_jacobian,
)
from semwb.sem.model.structure import NU, THETA, Array, Index, ModelMatrices, build_matrices
from semwb.sem.partable import ParRow

Mask = NDArray[np.bool_]


def moment_model(observed: tuple[str, ...], *, fixed_x: Mask, random: Mask,
                 meanstructure: bool, diagonal: bool = False) -> ModelMatrices:
    """The unrestricted model (or, with ``diagonal``, lavaan's independence baseline) as matrices.

    Parameters
    ----------
    observed
        The data columns.
    fixed_x
        Covariates whose moments are fixed at the sample values (not parameters).
    random
        Covariates modelled as random: their block stays saturated in the baseline.
    meanstructure
        Whether the means are parameters.
    diagonal
        Only variances (and the covariates' block): the baseline model.
    """
    rows = []
    p = len(observed)
    for j in range(p):
        for i in range(j, p):
            a, b = observed[i], observed[j]
            if fixed_x[i] and fixed_x[j]:
                rows.append(ParRow(a, "~~", b, free=False, value=0.0))  # see at_moments
            elif i == j or not diagonal or (random[i] and random[j]):
                rows.append(ParRow(a, "~~", b, free=True))
    if meanstructure:
        rows += [ParRow(v, "~1", "", free=not fixed_x[i], value=0.0)
                 for i, v in enumerate(observed)]
    return build_matrices(rows, latents=(), observed=observed, meanstructure=meanstructure)


def _cells(mm: ModelMatrices) -> tuple[Index, Index, NDArray[np.bool_]]:
    """For each moment-model parameter: its row, column and whether it is a mean."""
    r = np.empty(mm.n_params, dtype=np.intp)
    c = np.empty(mm.n_params, dtype=np.intp)
    is_mean = np.zeros(mm.n_params, dtype=bool)
    for kind in (THETA, NU):
        loc = mm.free[kind]
        r[loc.params], c[loc.params] = loc.rows, loc.cols
        is_mean[loc.params] = kind == NU
    return r, c, is_mean


def at_moments(mm: ModelMatrices, sigma: Array, mu: Array, fixed_x: Mask) -> ModelMatrices:
    """The moment model with its parameters and its fixed.x cells at ``Σ`` and ``μ``."""
    r, c, is_mean = _cells(mm)
    theta = np.where(is_mean, mu[r], sigma[r, c])
    fixed = list(mm.fixed)
    fixed[THETA] = np.where(np.outer(fixed_x, fixed_x), sigma, fixed[THETA])
    fixed[NU] = np.where(fixed_x[:, None], mu[:, None], fixed[NU])
    return replace(mm, estimate=theta, fixed=(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4],
                                              fixed[5]))


def moment_jacobian(mm: ModelMatrices, theta: Array, moments: ModelMatrices,
                    cols: Index | None = None) -> Array:
    """``Δ``: the Jacobian of the moment-model parameters in the model's ``θ``, ``(q₁, q)``.

    ``cols``: the model's variables the moment model's are (one group of a multiple-group
    block model); by default the same variables.
    """
    imp = implied(mm, theta[None])
    d_sigma = sigma_jacobian(mm, imp)[0]
    d_mu = mean_jacobian(mm, imp)[0]
    r, c, is_mean = _cells(moments)
    if cols is not None:
        r, c = cols[r], cols[c]
    return np.asarray(np.where(is_mean[:, None], d_mu[:, r].T, d_sigma[:, r, c].T))


def casewise_scores(moments: ModelMatrices, X: Array, sigma: Array, mu: Array) -> Array:
    """Scores of each case's log-likelihood in the moment-model parameters, ``(N, q₁)``.

    Notes
    -----
    For the observed part ``o`` of case ``i``, with ``z = Σ_oo⁻¹ (y_o - μ_o)``: the score of a
    mean is ``z_r``, of a variance ``(z_r² - Σ⁻¹_rr) / 2``, of a covariance ``z_r z_c - Σ⁻¹_rc``
    (it moves two cells of ``Σ``); zero for variables the case lacks (lavaan's
    ``lav_mvnorm_missing_scores_mu_vech_sigma``).
    """
    n, p = X.shape
    mask = np.isfinite(X)
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    z = np.zeros((n, p))
    inv = np.zeros((n, p, p)) if len(keys) > 1 else None
    full_inv = np.zeros((p, p))
    for k, key in enumerate(keys):
        o = np.flatnonzero(key)
        rows = inverse == k
        if not o.size:
            continue
        pinv = np.linalg.inv(sigma[np.ix_(o, o)])
        z[np.ix_(rows, o)] = (X[np.ix_(rows, o)] - mu[o]) @ pinv
        if inv is None:
            full_inv[np.ix_(o, o)] = pinv
        else:
            inv[np.ix_(rows, o, o)] = pinv
    r, c, is_mean = _cells(moments)
    cross = z[:, r] * z[:, c] - (full_inv[r, c][None] if inv is None else inv[:, r, c])
    return np.where(is_mean[None], z[:, r], np.where(r == c, 0.5, 1.0)[None] * cross)


def expected_h1(moments: ModelMatrices) -> Array:
    """Expected information per case of the moment model at its parameters (complete data)."""
    imp = implied(moments, moments.estimate[None])
    sigma_inv = np.asarray(np.linalg.inv(imp.sigma), dtype=np.float64)
    return np.asarray(0.5 * information(moments, imp, sigma_inv)[0])


def observed_h1(moments: ModelMatrices, patterns: list[Pattern]) -> Array:
    """Observed information per case of the moment model over missing-data patterns.

    Notes
    -----
    Analytic (lavaan's ``lav_mvnorm_missing_information_observed_samplestats``): per pattern
    with weight ``w``, ``K = Σ_oo⁻¹``, ``δ = ȳ - μ`` and ``M = S + δδᵀ`` (embedded in ``p``
    dimensions), the Hessian of ``-log L / N`` is ``w K`` in the means, ``w K E K δ`` between a
    mean and a covariance direction ``E``, and ``w (tr(K E₁ K E₂ K M) - tr(K E₁ K E₂) / 2)``
    between two covariance directions; written with Kronecker products on ``vec Σ`` and pulled
    back to the parameters.
    """
    p = len(moments.observed)
    imp = implied(moments, moments.estimate[None])
    sigma, mu = imp.sigma[0], imp.mu[0]
    r, c, is_mean = _cells(moments)
    pull = np.zeros((p * p + p, moments.n_params))
    k = np.flatnonzero(~is_mean)
    pull[r[k] * p + c[k], k] = 1.0
    pull[c[k] * p + r[k], k] = 1.0
    k = np.flatnonzero(is_mean)
    pull[p * p + r[k], k] = 1.0
    total = np.zeros((p * p + p, p * p + p))
    for pat in patterns:
        o = pat.columns
        K = np.zeros((p, p))
        K[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        delta = np.zeros(p)
        if moments.meanstructure:
            delta[o] = pat.mean[0] - mu[o]
        M = np.zeros((p, p))
        M[np.ix_(o, o)] = pat.S[0] + np.outer(delta[o], delta[o])
        kmk = K @ M @ K
        cross = np.kron(K, (K @ delta)[:, None])
        total[:p * p, :p * p] += pat.weight * (0.5 * (np.kron(kmk, K) + np.kron(K, kmk))
                                               - 0.5 * np.kron(K, K))
        total[:p * p, p * p:] += pat.weight * cross
        total[p * p:, :p * p] += pat.weight * cross.T
        total[p * p:, p * p:] += pat.weight * K
    return np.asarray(pull.T @ total @ pull)


@dataclass(frozen=True)
class Unrestricted:
    """The unrestricted (H1) model at its estimate, with what the robust pieces need.

    Attributes
    ----------
    moments
        The moment model at the H1 estimate (sample moments, or EM under FIML).
    X
        The data ``(N, p)`` (NaN = missing).
    a1
        H1 information per case (observed; for complete data it equals the expected one).
    b1
        H1 first-order information (mean outer product of the casewise scores).
    gamma
        The sample fourth-moment matrix ``Γ`` (complete data), else None.
    fixed_x
        The covariates whose moments are fixed (not parameters).
    """

    moments: ModelMatrices
    X: Array
    a1: Array
    b1: Array
    gamma: Array | None
    fixed_x: Mask

    @property
    def trace_h1(self) -> float:
        """``tr(A₁⁻¹ B₁)``, the unrestricted model's part of the Yuan-Bentler trace."""
        return float(np.trace(np.linalg.solve(self.a1, self.b1)))


def unrestricted(moments: ModelMatrices, X: Array, patterns: list[Pattern], sigma: Array,
                 mu: Array, fixed_x: Mask) -> Unrestricted:
    """The H1 pieces at the unrestricted estimate ``Σ``, ``μ`` (``μ``: H1's means)."""
    sat = at_moments(moments, sigma, mu, fixed_x)
    n = X.shape[0]
    complete = bool(np.isfinite(X).all())
    a1 = expected_h1(sat) if complete else observed_h1(sat, patterns)
    scores = casewise_scores(sat, X, sigma, mu)
    gamma = None
    if complete:
        r, c, is_mean = _cells(sat)
        d = X - X.mean(axis=0)
        z = np.where(is_mean[None], d[:, r], d[:, r] * d[:, c] - sigma[r, c][None])
        gamma = z.T @ z / n
    return Unrestricted(sat, X, a1, scores.T @ scores / n, gamma, fixed_x)


@dataclass(frozen=True)
class Sandwich:
    """A robust sampling covariance and the per-case pieces of the scaled test's trace.

    ``vcov`` is the covariance of the estimate, ``e_inv`` the inverted information per case
    (the bread, expanded under ``==`` constraints) and ``trace`` the scaled test's
    ``tr(U Γ)``: Yuan-Bentler's ``tr(A₁⁻¹ B₁) - tr(A⁻¹ B₀)`` (MLR) or Satorra-Bentler's (MLM).
    """

    vcov: Array
    e_inv: Array
    trace: float


def huber_white(mm: ModelMatrices, theta: Array, patterns: list[Pattern],
                h1: Unrestricted, *, hessian: Array | None = None) -> Sandwich:
    """lavaan's ``robust.huber.white`` at ``theta`` (MLR), with the Yuan-Bentler (Mplus) trace.

    The bread is the observed information (Hessian of ``-log L / N``, central differences of
    the analytic gradient), the meat the casewise scores at the model-implied moments.
    ``hessian``: the observed information of ``F`` at ``theta`` when the fit computed it
    already (FIML: :attr:`semwb.sem.estimators.ml.CoreFit.hessian`).
    """
    n = h1.X.shape[0]
    a = 0.5 * (observed_information(mm, patterns, theta) if hessian is None else hessian)
    e_inv, _ = invert(mm, a)
    delta = moment_jacobian(mm, theta, h1.moments)
    imp = implied(mm, theta[None])
    mu = _h1_mean(h1, imp.mu[0], mm.meanstructure)
    scores = casewise_scores(h1.moments, h1.X, imp.sigma[0], mu) @ delta
    b0 = scores.T @ scores / n
    vcov = e_inv @ b0 @ e_inv / n
    return Sandwich(vcov, e_inv, h1.trace_h1 - float(np.sum(b0 * e_inv)))


def _h1_mean(h1: Unrestricted, mu: Array, meanstructure: bool) -> Array:
    """The means the scores are centred at: the model's, or H1's without a mean structure."""
    if meanstructure:
        return mu
    return np.asarray(np.nanmean(h1.X, axis=0))


def robust_sem(mm: ModelMatrices, theta: Array, h1: Unrestricted) -> Sandwich:
    """lavaan's ``robust.sem`` at ``theta`` (MLM), with the Satorra-Bentler trace ``tr(U Γ)``."""
    if h1.gamma is None:
        raise ValueError("robust.sem needs complete data")
    n = h1.X.shape[0]
    imp = implied(mm, theta[None])
    sat = at_moments(h1.moments, imp.sigma[0], _h1_mean(h1, imp.mu[0], mm.meanstructure),
                     h1.fixed_x)
    w = expected_h1(sat)
    delta = moment_jacobian(mm, theta, h1.moments)
    wd = w @ delta
    e_inv, _ = invert(mm, delta.T @ wd)
    vcov = e_inv @ (wd.T @ h1.gamma @ wd) @ e_inv / n
    u = w - wd @ e_inv @ wd.T
    return Sandwich(vcov, e_inv, float(np.sum(u * h1.gamma.T)))


def fiml_corrected_trace(mm: ModelMatrices, theta: Array, h1: Unrestricted) -> float:
    """Savalei's FIML-corrected trace ``k`` for the robust fit measures under FIML.

    Notes
    -----
    lavaan 0.6's ``lav_fit_fiml_corrected`` (version "V3"): with ``W_m`` the observed H1
    information of the incomplete data at the EM moments, ``W_c`` the complete-data H1
    information at the same moments, ``Γ = W_m⁻¹ B₁ W_m⁻¹``, ``E = Δᵀ W_m Δ`` and
    ``U = W_m - W_m Δ E⁻¹ Δᵀ W_m``: ``k = tr(U W_m⁻¹ W_c W_m⁻¹ U Γ)``.
    """
    wm_inv = np.linalg.inv(h1.a1)
    gamma = wm_inv @ h1.b1 @ wm_inv
    wc = expected_h1(h1.moments)
    delta = moment_jacobian(mm, theta, h1.moments)
    wd = h1.a1 @ delta
    e_inv, _ = invert(mm, delta.T @ wd)
    u = h1.a1 - wd @ e_inv @ wd.T
    return float(np.trace(u @ wm_inv @ wc @ wm_inv @ u @ gamma))
