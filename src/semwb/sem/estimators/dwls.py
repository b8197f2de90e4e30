"""Diagonally weighted least squares on thresholds and polychoric correlations (lavaan's WLSMV).

The model's statistics ``σ(θ) = (τ(θ), ρ(θ))`` are its thresholds and the correlations of the
latent responses ``Σ* = ΛCΨCᵀΛᵀ + Θ`` below the diagonal (delta parameterization: the residual
variances of the items make ``diag Σ* = 1`` and do not enter ``ρ``). As lavaan 0.6 with
``estimator = "WLSMV"``:

- the estimate minimises ``F = (s - σ)ᵀ W (s - σ)`` with ``W = diag(Γ)⁻¹`` (Gauss-Newton);
- standard errors are the sandwich ``(ΔᵀWΔ)⁻¹ ΔᵀWΓWΔ (ΔᵀWΔ)⁻¹`` with the full ``Γ``
  (``se = "robust.sem"``), ``Δ = ∂σ/∂θ``, over ``N - 1`` as lavaan 0.6.14;
- the test is ``T = (N - 1) F`` (lavaan: ``fmin = (N-1)/N · F/2``, ``T = 2N fmin``) and its
  mean-and-variance adjusted ``scaled.shifted`` version
  ``a T + (df - a tr(UΓ))`` with ``a = √(df / tr((UΓ)²))``, ``U = W - WΔ(ΔᵀWΔ)⁻¹ΔᵀW``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from semwb.errors import SpecError
from semwb.sem.model.algebra import implied, sigma_jacobian
from semwb.sem.model.structure import THETA, Array, ModelMatrices, build_matrices, parameter_names
from semwb.sem.ordinal.polychoric import pairs
from semwb.sem.partable import ParRow

Index = NDArray[np.intp]
#: Largest Gauss-Newton step accepted as converged.
STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DwlsModel:
    """The structure of an ordinal model: the matrices, then the thresholds.

    The free-parameter vector is ``θ = (θ_matrices, θ_thresholds)``; ``th_param`` gives, for
    each sample threshold, its index in ``θ`` (-1 when fixed at ``th_value``) and ``th_item``
    its item. With ``theta_scaled`` (lavaan's theta parameterization) the items' residual
    variances are parameters (fixed at 1 by default) and the statistics are scaled by
    ``Δ = diag(Σ*)^(-1/2)``: correlations ``Δ Σ* Δ`` and thresholds ``Δ τ``.
    """

    mm: ModelMatrices
    names: tuple[str, ...]
    th_param: Index
    th_value: Array
    th_item: Index
    pair_i: Index
    pair_j: Index
    theta_scaled: bool = False

    @property
    def n_params(self) -> int:
        """Free parameters ``q``."""
        return len(self.names)

    def split(self, theta: Array) -> Array:
        """The matrices' part of ``θ``."""
        return theta[: self.mm.n_params]

    def _parts(self, theta: Array) -> tuple[Array, Array, Array]:
        """Thresholds, ``Σ*`` and the scales ``Δ`` (ones in the delta parameterization)."""
        tau = np.where(self.th_param >= 0, theta[np.maximum(self.th_param, 0)], self.th_value)
        sigma = implied(self.mm, self.split(theta)[None]).sigma[0]
        scale = 1.0 / np.sqrt(np.diag(sigma)) if self.theta_scaled else np.ones(len(sigma))
        return tau, sigma, scale

    def scales(self, theta: Array) -> Array:
        """``Δ``: the items' scale factors (lavaan's ``~*~`` rows)."""
        return self._parts(theta)[2]

    def statistics(self, theta: Array) -> Array:
        """``σ(θ)``: thresholds, then correlations."""
        tau, sigma, d = self._parts(theta)
        i, j = self.pair_i, self.pair_j
        return np.concatenate([tau * d[self.th_item], sigma[i, j] * d[i] * d[j]])

    def jacobian(self, theta: Array) -> Array:
        """``Δ = ∂σ/∂θ``, ``(statistics, q)``.

        Notes
        -----
        Theta parameterization, with ``J = ∂Σ*/∂θ`` and ``d = diag(Σ*)^(-1/2)``:
        ``∂(d_i d_j Σ_ij) = d_i d_j (J_ij - Σ_ij (J_ii/Σ_ii + J_jj/Σ_jj) / 2)`` and
        ``∂(d_j τ) = d_j ∂τ - τ d_j J_jj / (2 Σ_jj)``.
        """
        tau, sigma, d = self._parts(theta)
        n_th, q1 = self.th_param.size, self.mm.n_params
        i, j, item = self.pair_i, self.pair_j, self.th_item
        out = np.zeros((n_th + i.size, self.n_params))
        free = self.th_param >= 0
        out[np.flatnonzero(free), self.th_param[free]] = d[item][free]
        jac = sigma_jacobian(self.mm, implied(self.mm, self.split(theta)[None]))[0]
        corr = jac[:, i, j]
        if self.theta_scaled:
            rel = np.diagonal(jac, axis1=1, axis2=2) / np.diag(sigma)  # J_jj / Σ_jj, (q1, p)
            corr = corr - 0.5 * sigma[i, j] * (rel[:, i] + rel[:, j])
            out[:n_th, :q1] = (-0.5 * tau * d[item] * rel[:, item]).T
        out[n_th:, :q1] = (corr * (d[i] * d[j])).T
        return out


def dwls_model(rows: Sequence[ParRow], *, latents: Sequence[str], observed: Sequence[str],
               thresholds: Sequence[tuple[str, str]], source: str,
               theta_scaled: bool = False) -> DwlsModel:
    """The model of the full ordinal parameter table ``rows``.

    ``thresholds`` lists the sample thresholds ``(item, "tk")`` in the statistics' order;
    ``theta_scaled`` selects lavaan's theta parameterization.
    """
    matrix_rows = [r for r in rows if r.op in ("=~", "~", "~~")]
    th_rows = {(r.lhs, r.rhs): r for r in rows if r.op == "|"}
    shared = ({r.label for r in matrix_rows if r.label}
              & {r.label for r in th_rows.values() if r.label})
    if shared:
        raise SpecError(f"{source}: label '{sorted(shared)[0]}' is shared by a threshold and "
                        "another parameter; thresholds can only be equal to thresholds.")
    mm = build_matrices(matrix_rows, latents=latents, observed=observed, meanstructure=False)
    ordered = [th_rows[key] for key in thresholds]
    index, names = parameter_names(ordered)
    th_param = np.array([mm.n_params + k if k >= 0 else -1 for k in index], dtype=np.intp)
    th_value = np.array([r.value if r.value is not None else 0.0 for r in ordered])
    pair_list = pairs(len(observed))
    th_item = np.array([list(observed).index(item) for item, _ in thresholds], dtype=np.intp)
    return DwlsModel(mm, mm.names + tuple(names), th_param, th_value, th_item,
                     np.array([i for i, _ in pair_list], dtype=np.intp),
                     np.array([j for _, j in pair_list], dtype=np.intp), theta_scaled)


@dataclass(frozen=True)
class DwlsFit:
    """A DWLS estimate with its robust covariance and the scaled-shifted test.

    ``chisq`` is ``(N - 1) F``; ``chisq_scaled = a · chisq + shift`` with ``scaling_factor = 1/a``.
    """

    theta: Array
    vcov: Array
    converged: bool
    iterations: int
    chisq: float
    df: int
    chisq_scaled: float
    scaling_factor: float
    shift: float
    residuals: Array


def scaled_shifted(chisq: float, df: int, U: Array, gamma: Array) -> tuple[float, float, float]:
    """Mean-and-variance adjusted statistic (lavaan's ``scaled.shifted``, Asparouhov & Muthén
    2010): ``(a·T + shift, 1/a, shift)``."""
    UG = U @ gamma
    trace, trace2 = float(np.trace(UG)), float(np.sum(UG * UG.T))
    a = np.sqrt(df / trace2) if df > 0 and trace2 > 0 else np.nan
    shift = df - a * trace
    return float(a * chisq + shift), float(1.0 / a), float(shift)


def fit_dwls(model: DwlsModel, s: Array, gamma: Array, n_obs: int, start: Array,
             *, max_iter: int = 500) -> DwlsFit:
    """Fit ``model`` to statistics ``s`` with ``Γ = gamma`` from ``n_obs`` rows."""
    w = 1.0 / np.diag(gamma)
    theta = np.asarray(start, dtype=float).copy()
    resid = s - model.statistics(theta)
    value = float(resid @ (w * resid))
    converged, it = False, 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        D = model.jacobian(theta)
        step = np.linalg.lstsq(D.T @ (w[:, None] * D), D.T @ (w * resid), rcond=None)[0]
        scale = 1.0
        while True:
            trial = theta + scale * step
            t_resid = s - model.statistics(trial)
            t_value = float(t_resid @ (w * t_resid))
            if t_value <= value * (1 + 1e-12) or scale < 1e-8:
                break
            scale /= 2
        theta, resid, value = trial, t_resid, t_value
        if np.max(np.abs(scale * step)) < STEP_TOLERANCE:
            converged = True
            break
    D = model.jacobian(theta)
    WD = w[:, None] * D
    bread = np.linalg.inv(D.T @ WD)
    vcov = bread @ (WD.T @ gamma @ WD) @ bread / (n_obs - 1)  # lavaan 0.6.14 divides by N - 1
    df = s.size - model.n_params
    U = np.diag(w) - WD @ bread @ WD.T
    chisq = (n_obs - 1) * value  # lavaan: fmin = (N - 1)/N · F/2 for (D)WLS, T = 2N fmin
    scaled, factor, shift = scaled_shifted(chisq, df, U, gamma)
    return DwlsFit(theta, vcov, converged, it, chisq, df, scaled, factor, shift, resid)


def delta_residual_variances(mm: ModelMatrices, theta: Array) -> ModelMatrices:
    """``mm`` at ``theta`` with each fixed item residual variance set to ``1 -`` its explained
    variance (the delta parameterization's ``diag Σ* = 1``)."""
    mm = replace(mm, estimate=np.asarray(theta, dtype=float))
    explained = np.diagonal(implied(mm, mm.estimate[None]).sigma[0]).copy()
    theta_fixed = mm.fixed[THETA].copy()
    free_diag = {int(r) for r, c in zip(mm.free[THETA].rows, mm.free[THETA].cols, strict=True)
                 if r == c}
    for j in range(len(mm.observed)):
        if j not in free_diag:
            theta_fixed[j, j] = 1.0 - (explained[j] - theta_fixed[j, j])
    fixed = list(mm.fixed)
    fixed[THETA] = theta_fixed
    return replace(mm, fixed=(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5]))
