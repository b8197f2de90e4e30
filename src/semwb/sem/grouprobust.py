"""Robust standard errors and scaled tests (MLR, MLM) of a multiple-group model, as lavaan 0.6.14.

lavaan computes every robust piece per group and combines the groups weighted by their share
``w_g = n_g / N`` (one scaling factor for the stacked groups, ``c = tr(UΓ) / df`` with the
model's total df). With ``Δ_g`` the Jacobian of group ``g``'s moments ``(μ_g, vech Σ_g)`` in
the shared parameters:

- MLR (``robust.huber.white``): ``A⁻¹ B₀ A⁻¹ / N`` with ``A`` the observed information of the
  whole model (``Σ_g w_g A_g``) and ``B₀ = Σ_i s_i s_iᵀ / N`` over every row of every group,
  ``s_i`` the row's casewise score in its group's moments times ``Δ_g``; Yuan-Bentler trace
  ``Σ_g tr(A₁,g⁻¹ B₁,g) - tr(A⁻¹ B₀)``;
- MLM (``robust.sem``): ``E⁻¹ (Σ_g w_g Δ_gᵀ W_g Γ_g W_g Δ_g) E⁻¹ / N`` with
  ``E = Σ_g w_g Δ_gᵀ W_g Δ_g``; Satorra-Bentler trace ``tr(UΓ)`` of ``U`` over the stacked
  groups (``W = ⊕ w_g W_g``, ``Γ = ⊕ Γ_g / w_g``):
  ``Σ_g [tr(W_g Γ_g) - w_g tr(W_g Δ_g E⁻¹ Δ_gᵀ W_g Γ_g)]``;
- the baseline model has no parameter shared across groups: its trace is the sum of the
  groups' single-group baseline traces.

The scaled and robust RMSEA (and intervals) are multiplied by ``sqrt(G)`` as the ML one
(lavaan's ``lav_fit_rmsea``). Under FIML (MLR) the robust CFI, TLI and RMSEA use Savalei's
FIML-corrected statistics: the groups' complete-data chi-squares against their EM moments summed,
and the corrected trace of the stacked groups (:func:`_corrected_trace`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.linalg import block_diag

from semwb.results import FitIndices
from semwb.sem.estimators.ml import CoreFit, invert, observed_information
from semwb.sem.estimators.robust import (
    Unrestricted,
    at_moments,
    casewise_scores,
    expected_h1,
    fiml_corrected_trace,
    moment_jacobian,
    moment_model,
    unrestricted,
)
from semwb.sem.fitindices import Moments
from semwb.sem.model.algebra import implied
from semwb.sem.model.structure import Array, ModelMatrices
from semwb.sem.scaled_test import (
    RobustTest,
    baseline_model,
    complete_chisq,
    covariate_masks,
    sandwich,
    scaled_indices,
)

_RMSEA = ("rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "rmsea_robust",
          "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")


def group_robust(estimator: str, core: CoreFit, moments: Sequence[Moments],
                 frames: Sequence[Array]) -> tuple[Array, RobustTest]:
    """The robust covariance of a multiple-group fit and its :class:`RobustTest`.

    Parameters
    ----------
    estimator
        ``MLR`` or ``MLM``.
    core
        The block model's ML fit (``core.mm.blocks`` set).
    moments
        Each group's H1 moments (:func:`semwb.sem.groupfit.group_moments`).
    frames
        Each group's data ``(n_g, p)`` in model order.
    """
    mm = core.mm
    blocks = mm.blocks or ()
    theta = mm.estimate
    n = core.n_obs
    imp = implied(mm, theta[None])
    h1s: list[Unrestricted] = []
    deltas = []
    bases = []
    corrected = None
    for m, (cols, _), X in zip(moments, blocks, frames, strict=True):
        fixed_x, _ = covariate_masks(m)
        names = tuple(mm.observed[c] for c in cols)
        model = moment_model(names, fixed_x=fixed_x, random=np.zeros_like(fixed_x),
                             meanstructure=True)
        h1 = unrestricted(model, X, m.patterns, m.h1_sigma, m.h1_mu, fixed_x)
        h1s.append(h1)
        deltas.append(moment_jacobian(mm, theta, h1.moments, cols))
        bases.append(baseline_model(names, m))
    baseline_trace = sum(sandwich(estimator, b, b.estimate, m.patterns, h1).trace
                         for b, m, h1 in zip(bases, moments, h1s, strict=True))
    sigmas = [imp.sigma[0][np.ix_(cols, cols)] for cols, _ in blocks]
    mus = [imp.mu[0][cols] for cols, _ in blocks]
    weights = [w for _, w in blocks]
    if estimator == "MLR":
        a = 0.5 * observed_information(mm, core.patterns, theta)
        e_inv, _ = invert(mm, a)
        scores = np.concatenate([casewise_scores(h1.moments, h1.X, s, mu) @ d for h1, s, mu, d
                                 in zip(h1s, sigmas, mus, deltas, strict=True)])
        b0 = scores.T @ scores / n
        vcov = e_inv @ b0 @ e_inv / n
        trace = sum(h1.trace_h1 for h1 in h1s) - float(np.sum(b0 * e_inv))
        if not all(np.isfinite(X).all() for X in frames):  # FIML: Savalei's corrected pieces
            corrected = (sum(complete_chisq(s, mu, m) for s, mu, m in
                             zip(sigmas, mus, moments, strict=True)),
                         _corrected_trace(mm, h1s, deltas, weights),
                         sum(_baseline_chisq(b, m) for b, m in zip(bases, moments,
                                                                    strict=True)),
                         sum(fiml_corrected_trace(b, b.estimate, h1) for b, h1 in
                             zip(bases, h1s, strict=True)))
    else:
        ws = [expected_h1(at_moments(h1.moments, s, mu, h1.fixed_x))
              for h1, s, mu in zip(h1s, sigmas, mus, strict=True)]
        wds = [w @ d for w, d in zip(ws, deltas, strict=True)]
        e_inv, _ = invert(mm, np.sum([g * d.T @ wd for g, d, wd in
                                     zip(weights, deltas, wds, strict=True)], axis=0))
        gammas = [_gamma(h1) for h1 in h1s]
        meat = np.sum([g * wd.T @ gam @ wd for g, wd, gam in
                       zip(weights, wds, gammas, strict=True)], axis=0)
        vcov = e_inv @ meat @ e_inv / n
        trace = sum(float(np.sum(w * gam.T)) - g * float(np.sum((wd @ e_inv @ wd.T) * gam.T))
                    for g, w, wd, gam in zip(weights, ws, wds, gammas, strict=True))
    return np.asarray(vcov), RobustTest(float(trace), baseline_trace, corrected)


def _baseline_chisq(base: ModelMatrices, moments: Moments) -> float:
    imp = implied(base, base.estimate[None])
    return complete_chisq(imp.sigma[0], imp.mu[0], moments)


def _corrected_trace(mm: ModelMatrices, h1s: Sequence[Unrestricted], deltas: Sequence[Array],
                     weights: Sequence[float]) -> float:
    """Savalei's FIML-corrected trace of the stacked groups (as
    :func:`semwb.sem.estimators.robust.fiml_corrected_trace` for one group), with
    ``W_m = ⊕ w_g A₁,g``, ``B₁ = ⊕ w_g B₁,g``, ``W_c = ⊕ w_g W_c,g`` and ``Δ`` stacked."""
    wm = block_diag(*(w * h1.a1 for w, h1 in zip(weights, h1s, strict=True)))
    b1 = block_diag(*(w * h1.b1 for w, h1 in zip(weights, h1s, strict=True)))
    wc = block_diag(*(w * expected_h1(h1.moments) for w, h1 in zip(weights, h1s, strict=True)))
    delta = np.vstack(deltas)
    wm_inv = np.linalg.inv(wm)
    gamma = wm_inv @ b1 @ wm_inv
    wd = wm @ delta
    e_inv, _ = invert(mm, delta.T @ wd)
    u = wm - wd @ e_inv @ wd.T
    return float(np.trace(u @ wm_inv @ wc @ wm_inv @ u @ gamma))


def _gamma(h1: Unrestricted) -> Array:
    if h1.gamma is None:
        raise ValueError("robust.sem needs complete data")
    return h1.gamma


def group_scaled_indices(indices: FitIndices, test: RobustTest, n: int, n_groups: int
                         ) -> FitIndices:
    """:func:`semwb.sem.scaled_test.scaled_indices` with the scaled and robust RMSEA (and
    intervals) times ``sqrt(G)``, as lavaan's ``lav_fit_rmsea`` for ``G`` groups."""
    out = scaled_indices(indices, test, n)
    scale = np.sqrt(n_groups)
    update = {k: getattr(out, k) * scale for k in _RMSEA if getattr(out, k) is not None}
    return out.model_copy(update=update)
