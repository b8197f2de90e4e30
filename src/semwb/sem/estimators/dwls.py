"""Diagonally weighted least squares on thresholds and polychoric correlations (lavaan's WLSMV).

The model's statistics ``σ(θ) = (τ(θ), ρ(θ))`` are its thresholds and the correlations of the
latent responses ``Σ* = ΛCΨCᵀΛᵀ + Θ`` below the diagonal (delta parameterization: the residual
variances of the items make ``diag Σ* = 1`` and do not enter ``ρ``). As lavaan 0.6 with
``estimator = "WLSMV"``:

- the estimate minimises ``F = (s - σ)ᵀ W (s - σ)`` with ``W = diag(Γ)⁻¹`` (Gauss-Newton,
  damped as Levenberg-Marquardt where a full step would increase ``F``);
- standard errors are the sandwich ``(ΔᵀWΔ)⁻¹ ΔᵀWΓWΔ (ΔᵀWΔ)⁻¹`` with the full ``Γ``
  (``se = "robust.sem"``), ``Δ = ∂σ/∂θ``, over ``N - 1`` as lavaan 0.6.14;
- the test is ``T = (N - 1) F`` (lavaan: ``fmin = (N-1)/N · F/2``, ``T = 2N fmin``) and its
  mean-and-variance adjusted ``scaled.shifted`` version
  ``a T + (df - a tr(UΓ))`` with ``a = √(df / tr((UΓ)²))``, ``U = W - WΔ(ΔᵀWΔ)⁻¹ΔᵀW``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from semwb.errors import SpecError
from semwb.sem.model.algebra import implied, mean_jacobian, sigma_jacobian
from semwb.sem.model.structure import (
    PSI,
    THETA,
    Array,
    ModelMatrices,
    build_matrices,
    parameter_names,
)
from semwb.sem.ordinal.polychoric import pairs
from semwb.sem.partable import ParRow

Index = NDArray[np.intp]
#: Largest (undamped) Gauss-Newton step accepted as converged.
STEP_TOLERANCE = 1e-9


#: The operators of the rows that live in the model matrices.
MATRIX_OPS = ("=~", "~", "~~", "~1")


@dataclass(frozen=True)
class DwlsModel:
    """The structure of an ordinal model: the matrices, then the thresholds.

    The free-parameter vector is ``θ = (θ_matrices, θ_thresholds)``. The statistics start with
    one slot per threshold (``th_pos``; ``th_param`` its index in ``θ`` or -1 when fixed at
    ``th_value``; ``th_item`` its item) or per continuous column (``mean_pos``, holding minus
    its mean, of column ``mean_item``), then the variances of the continuous columns
    (``var_item``), then the covariances. With ``theta_scaled`` (lavaan's theta
    parameterization) the items' residual variances are parameters (fixed at 1 by default) and
    the items' statistics are scaled by ``Δ = diag(Σ*)^(-1/2)``. With observed ``covariates``
    (lavaan's ``conditional.x``) the statistics are conditional on them: ``Σ*`` is the residual
    covariance ``Σ_yy - Σ_yx Σ_xx⁻¹ Σ_xy`` and the slopes ``Π = Σ_yx Σ_xx⁻¹`` (scaled by ``Δ``)
    follow the thresholds; ``Σ_xx`` is fixed (the covariates' fixed.x cells).
    """

    mm: ModelMatrices
    names: tuple[str, ...]
    th_pos: Index
    th_param: Index
    th_value: Array
    th_item: Index
    mean_pos: Index
    mean_item: Index
    pair_i: Index
    pair_j: Index
    theta_scaled: bool = False
    covariates: Index = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def n_params(self) -> int:
        """Free parameters ``q``."""
        return len(self.names)

    @property
    def var_item(self) -> Index:
        """The continuous columns (their variances are statistics)."""
        return self.mean_item

    def split(self, theta: Array) -> Array:
        """The matrices' part of ``θ``."""
        return theta[: self.mm.n_params]

    def _scaled(self) -> NDArray[np.bool_]:
        """Columns whose statistics are scaled by ``Δ`` (the items, under theta)."""
        out = np.full(len(self.mm.observed), self.theta_scaled)
        out[self.mean_item] = False
        out[self.covariates] = False
        return out

    def _parts(self, theta: Array) -> tuple[Array, Array, Array, Array, Array]:
        """Thresholds, ``Σ*`` (conditional on the covariates), ``μ``, the scales ``Δ`` (ones where
        not scaled) and the slopes ``Π`` (``(p, q)``, rows of the covariates unused)."""
        tau = np.where(self.th_param >= 0, theta[np.maximum(self.th_param, 0)], self.th_value)
        imp = implied(self.mm, self.split(theta)[None])
        sigma, slopes = self._conditional(imp.sigma[0])
        scale = np.ones(len(sigma))
        scaled = self._scaled()
        scale[scaled] = 1.0 / np.sqrt(np.abs(np.diag(sigma)[scaled]))
        return tau, sigma, imp.mu[0], scale, slopes

    def _conditional(self, sigma: Array) -> tuple[Array, Array]:
        """``Σ`` with its ``yy`` block replaced by ``Σ_yy - Π Σ_xy``, and ``Π = Σ_·x Σ_xx⁻¹``."""
        x = self.covariates
        if not x.size:
            return sigma, np.zeros((len(sigma), 0))
        slopes = np.asarray(np.linalg.solve(sigma[np.ix_(x, x)], sigma[x, :]).T, dtype=float)
        return sigma - slopes @ sigma[x, :], slopes

    def scales(self, theta: Array) -> Array:
        """``Δ``: the columns' scale factors (lavaan's ``~*~`` rows)."""
        return self._parts(theta)[3]

    @property
    def n_first(self) -> int:
        """Statistics before the slopes: thresholds and minus means."""
        return int(self.th_pos.size + self.mean_pos.size)

    @property
    def items(self) -> Index:
        """The columns whose slopes are statistics (all but the covariates; in order)."""
        return np.setdiff1d(np.arange(len(self.mm.observed)), self.covariates)

    def statistics(self, theta: Array) -> Array:
        """``σ(θ)``: thresholds and minus means, slopes, variances, covariances."""
        tau, sigma, mu, d, slopes = self._parts(theta)
        i, j = self.pair_i, self.pair_j
        first = np.zeros(self.n_first)
        first[self.th_pos] = tau * d[self.th_item]
        first[self.mean_pos] = -mu[self.mean_item]
        v = self.var_item
        y = self.items if self.covariates.size else np.zeros(0, dtype=np.intp)
        pi = (slopes[y] * d[y, None]).T.ravel()
        return np.concatenate([first, pi, sigma[v, v], sigma[i, j] * d[i] * d[j]])

    def jacobian(self, theta: Array) -> Array:
        """``Δ = ∂σ/∂θ``, ``(statistics, q)``.

        Notes
        -----
        Theta parameterization, with ``J = ∂Σ*/∂θ`` and ``d = diag(Σ*)^(-1/2)``:
        ``∂(d_i d_j Σ_ij) = d_i d_j (J_ij - Σ_ij (J_ii/Σ_ii + J_jj/Σ_jj) / 2)`` and
        ``∂(d_j τ) = d_j ∂τ - τ d_j J_jj / (2 Σ_jj)`` (the terms of unscaled columns are 0); the
        slopes as the thresholds. Covariates: ``∂Π = J_·x Σ_xx⁻¹`` and
        ``∂Σ* = J - ∂Π Σ_x· - (∂Π Σ_x·)ᵀ`` (``Σ_xx`` fixed).
        """
        tau, sigma, _, d, slopes = self._parts(theta)
        q1 = self.mm.n_params
        n_first, x = self.n_first, self.covariates
        y = self.items if x.size else np.zeros(0, dtype=np.intp)
        n_slopes = y.size * x.size
        i, j, item, v = self.pair_i, self.pair_j, self.th_item, self.var_item
        out = np.zeros((n_first + n_slopes + v.size + i.size, self.n_params))
        free = self.th_param >= 0
        out[self.th_pos[free], self.th_param[free]] = d[item][free]
        imp = implied(self.mm, self.split(theta)[None])
        jac = sigma_jacobian(self.mm, imp)[0]
        out[self.mean_pos, :q1] = -mean_jacobian(self.mm, imp)[0][:, self.mean_item].T
        d_slopes = np.zeros((q1, len(sigma), 0))
        if x.size:
            joint = imp.sigma[0]
            d_slopes = np.linalg.solve(joint[np.ix_(x, x)], jac[:, x, :]).transpose(0, 2, 1)
            cross = d_slopes @ joint[x, :]
            jac = jac - cross - cross.transpose(0, 2, 1)
        rest = n_first + n_slopes
        out[rest:rest + v.size, :q1] = jac[:, v, v].T
        corr = jac[:, i, j]
        pi = d_slopes[:, y, :] * d[None, y, None]  # (q1, y, x)
        if self.theta_scaled:
            scaled = self._scaled()  # J_jj / Σ_jj, (q1, p); 0 for unscaled columns
            rel = np.where(scaled, np.diagonal(jac, axis1=1, axis2=2)
                           / np.where(scaled, np.diag(sigma), 1.0), 0.0)
            corr = corr - 0.5 * sigma[i, j] * (rel[:, i] + rel[:, j])
            out[self.th_pos, :q1] = (-0.5 * tau * d[item] * rel[:, item]).T
            pi = pi - 0.5 * (slopes[y] * d[y, None])[None] * rel[:, y, None]
        out[n_first:rest, :q1] = pi.transpose(0, 2, 1).reshape(q1, -1).T
        out[rest + v.size:, :q1] = (corr * (d[i] * d[j])).T
        return out


def dwls_model(rows: Sequence[ParRow], *, latents: Sequence[str], observed: Sequence[str],
               slots: Sequence[tuple[str, str]], source: str,
               theta_scaled: bool = False, covariates: Sequence[str] = ()) -> DwlsModel:
    """The model of the full ordinal parameter table ``rows``.

    ``slots`` lists the first block of the statistics: ``(item, "tk")`` for a threshold,
    ``(column, "~1")`` for a continuous column; ``theta_scaled`` selects lavaan's theta
    parameterization; ``covariates`` are the observed covariates the statistics are conditional
    on (their fixed.x cells must hold the sample moments, :func:`with_sample_moments`).
    """
    matrix_rows = [r for r in rows if r.op in MATRIX_OPS]
    th_rows = {(r.lhs, r.rhs): r for r in rows if r.op == "|"}
    shared = ({r.label for r in matrix_rows if r.label}
              & {r.label for r in th_rows.values() if r.label})
    if shared:
        raise SpecError(f"{source}: label '{sorted(shared)[0]}' is shared by a threshold and "
                        "another parameter; thresholds can only be equal to thresholds.")
    mm = build_matrices(matrix_rows, latents=latents, observed=observed, meanstructure=True)
    at = {v: k for k, v in enumerate(observed)}
    th_slots = [(k, key) for k, key in enumerate(slots) if key[1] != "~1"]
    mean_slots = [(k, key) for k, key in enumerate(slots) if key[1] == "~1"]
    ordered = [th_rows[key] for _, key in th_slots]
    index, names = parameter_names(ordered)
    columns = [k for k, v in enumerate(observed) if v not in set(covariates)]
    pair_list = [(columns[a], columns[b]) for a, b in pairs(len(columns))]

    def ints(values: Sequence[int]) -> Index:
        return np.array(values, dtype=np.intp)

    return DwlsModel(
        mm, mm.names + tuple(names), th_pos=ints([k for k, _ in th_slots]),
        th_param=ints([mm.n_params + k if k >= 0 else -1 for k in index]),
        th_value=np.array([r.value if r.value is not None else 0.0 for r in ordered]),
        th_item=ints([at[item] for _, (item, _) in th_slots]),
        mean_pos=ints([k for k, _ in mean_slots]), mean_item=ints([at[v] for _, (v, _) in
                                                                   mean_slots]),
        pair_i=ints([i for i, _ in pair_list]), pair_j=ints([j for _, j in pair_list]),
        theta_scaled=theta_scaled, covariates=ints([at[v] for v in covariates]))


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
    converged, it, damping = False, 0, 1e-3
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        D = model.jacobian(theta)
        A, g = D.T @ (w[:, None] * D), D.T @ (w * resid)
        if np.max(np.abs(np.linalg.lstsq(A, g, rcond=None)[0])) < STEP_TOLERANCE:
            converged = True  # the Gauss-Newton step vanishes: F is at its minimum
            break
        while True:  # Levenberg-Marquardt: damp until F does not increase
            step = np.linalg.solve(A + damping * np.diag(np.diag(A)), g)
            trial = theta + step
            t_resid = s - model.statistics(trial)
            t_value = float(t_resid @ (w * t_resid))
            if t_value <= value * (1 + 1e-12) or damping > 1e12:
                break
            damping *= 10
        theta, resid, value = trial, t_resid, t_value
        damping = max(damping / 10, 1e-12)
    D = model.jacobian(theta)
    WD = w[:, None] * D
    bread = np.linalg.inv(D.T @ WD)
    vcov = bread @ (WD.T @ gamma @ WD) @ bread / (n_obs - 1)  # lavaan 0.6.14 divides by N - 1
    df = s.size - model.n_params
    U = np.diag(w) - WD @ bread @ WD.T
    chisq = (n_obs - 1) * value  # lavaan: fmin = (N - 1)/N · F/2 for (D)WLS, T = 2N fmin
    scaled, factor, shift = scaled_shifted(chisq, df, U, gamma)
    return DwlsFit(theta, vcov, converged, it, chisq, df, scaled, factor, shift, resid)


def delta_residual_variances(mm: ModelMatrices, theta: Array, items: Sequence[str],
                             covariates: Index | None = None) -> ModelMatrices:
    """``mm`` at ``theta`` with the residual variance of each ordinal item in ``items`` set to
    ``1 -`` its explained variance (the delta parameterization's ``diag Σ* = 1``): a ``Θ`` cell
    for an indicator, a ``Ψ`` cell for an item regressed on latents (a pure outcome, so the cell
    changes no other moment). With ``covariates`` (their positions) the variance explained is
    the one conditional on them (lavaan's ``conditional.x``: ``Var(x* | covariates) = 1``)."""
    mm = replace(mm, estimate=np.asarray(theta, dtype=float))
    sigma = implied(mm, mm.estimate[None]).sigma[0]
    if covariates is not None and covariates.size:
        x = covariates
        sigma = sigma - sigma[:, x] @ np.linalg.solve(sigma[np.ix_(x, x)], sigma[x, :])
    explained = np.diagonal(sigma)
    fixed = [f.copy() for f in mm.fixed]
    for item in items:
        j = mm.observed.index(item)
        kind, k = (PSI, mm.inner.index(item)) if item in mm.inner else (THETA, j)
        fixed[kind][k, k] = 1.0 - (explained[j] - fixed[kind][k, k])
    return replace(mm, fixed=(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5]))
