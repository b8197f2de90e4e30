"""WLSMV with ``group_equal: [loadings, thresholds]`` for a CFA of ordinal items, as lavaan 0.6.14.

lavaan's identification in the delta parameterization: loadings and thresholds equal across
groups, the first group's scales ``Δ`` fixed at 1 and latent means at 0, every later group's
scales (``~*~``) and latent means free. Group ``g``'s statistics are its thresholds
``Δ_i (τ_k - (Λα_g)_i)`` and correlations ``Δ_i Δ_j (ΛΨ_gΛᵀ)_ij``; its residual variances
``1/Δ_i² - (ΛΨ_gΛᵀ)_ii`` follow. The estimate minimises ``Σ_g n_g/N · F_g`` (each group's
``W_g = diag(Γ_g)⁻¹``) by Gauss-Newton with a central-difference Jacobian; the covariance is
``A⁻¹ B A⁻¹ / (N - G)`` with ``A = Σ_g n_g/N Δ_gᵀW_gΔ_g``, ``B = Σ_g n_g/N Δ_gᵀW_gΓ_gW_gΔ_g``
(lavaan's divisor, as :mod:`.groups`); ``T = Σ_g (n_g - 1) F_g`` and its scaled-shifted
version over the stacked groups (``W = ⊕ n_g/N W_g``, ``Γ = ⊕ Γ_g N/n_g``). The baseline is the
configural fit's. The rows are the configural fit's table filled with these estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.linalg import block_diag

from semwb.errors import FitError, SpecError
from semwb.results import FitIndices
from semwb.sem.estimators.dwls import scaled_shifted
from semwb.sem.ordinal.polychoric import pairs
from semwb.sem.ordinal.weights import OrdinalStats
from semwb.sem.solution import wald
from semwb.sem.spec import ModelSpec

Array = NDArray[np.float64]


class GroupStatistics(Protocol):
    """A joint model of the groups' statistics (:class:`Layout`, the invariance ladder's
    :class:`semwb.sem.ordinal.group_model.StepModel`)."""

    @property
    def items(self) -> tuple[str, ...]: ...

    @property
    def thresholds(self) -> list[tuple[int, str]]: ...

    @property
    def n_groups(self) -> int: ...

    def statistics(self, phi: Array, g: int) -> Array: ...

    def jacobian(self, phi: Array, g: int) -> Array: ...


@dataclass(frozen=True)
class Layout:
    """Where each free parameter sits: shared loadings and thresholds, then per group ``Ψ``
    entries and (groups 2..) latent means and scales."""

    items: tuple[str, ...]
    latents: tuple[str, ...]
    loadings: Array  # Λ with the fixed values (markers)
    free_loadings: list[tuple[int, int]]
    thresholds: list[tuple[int, str]]  # (item index, "t1") in the statistics' order
    psi: list[Array]  # each group's Ψ with fixed values
    free_psi: list[tuple[int, int]]
    n_groups: int

    @property
    def n_shared(self) -> int:
        return len(self.free_loadings) + len(self.thresholds)

    def group_size(self, g: int) -> int:
        return len(self.free_psi) + (len(self.latents) + len(self.items) if g else 0)

    def offset(self, g: int) -> int:
        return self.n_shared + sum(self.group_size(k) for k in range(g))

    def parts(self, phi: Array, g: int) -> tuple[Array, Array, Array, Array, Array]:
        """``Λ``, thresholds, ``Ψ_g``, ``α_g``, ``Δ_g`` at ``φ``."""
        lam = self.loadings.copy()
        for k, (i, f) in enumerate(self.free_loadings):
            lam[i, f] = phi[k]
        tau = phi[len(self.free_loadings):self.n_shared]
        psi = self.psi[g].copy()
        at = self.offset(g)
        for k, (a, b) in enumerate(self.free_psi):
            psi[a, b] = psi[b, a] = phi[at + k]
        alpha, delta = np.zeros(len(self.latents)), np.ones(len(self.items))
        if g:
            at += len(self.free_psi)
            alpha = phi[at:at + len(self.latents)]
            delta = phi[at + len(self.latents):at + len(self.latents) + len(self.items)]
        return lam, tau, psi, alpha, delta

    def statistics(self, phi: Array, g: int) -> Array:
        """Group ``g``'s thresholds and correlations at ``φ``."""
        lam, tau, psi, alpha, delta = self.parts(phi, g)
        shift = lam @ alpha
        item = np.array([i for i, _ in self.thresholds], dtype=np.intp)
        m = lam @ psi @ lam.T
        i, j = np.array(pairs(len(self.items))).T
        return np.concatenate([delta[item] * (tau - shift[item]), delta[i] * delta[j] * m[i, j]])

    def jacobian(self, phi: Array, g: int) -> Array:
        out = np.empty((self.statistics(phi, g).size, phi.size))
        for k in range(phi.size):
            h = 1e-6 * max(1.0, abs(phi[k]))
            up, down = phi.copy(), phi.copy()
            up[k] += h
            down[k] -= h
            out[:, k] = (self.statistics(up, g) - self.statistics(down, g)) / (2 * h)
        return out


def layout(tables: Sequence[pd.DataFrame], samples: Sequence[OrdinalStats],
           latents: Sequence[str]) -> tuple[Layout, Array]:
    """The layout and start values (configural estimates) from the groups' configural tables."""
    items = tuple(samples[0].data.names)
    lat = tuple(latents)
    first = tables[0]
    lam = np.zeros((len(items), len(lat)))
    free_loadings, start = [], []
    for r in first[first["op"] == "=~"].itertuples():
        i, f = items.index(str(r.rhs)), lat.index(str(r.lhs))
        lam[i, f] = float(r.est)
        if r.free:
            free_loadings.append((i, f))
            start.append(float(r.est))
    thresholds = [(items.index(v), t) for v, t in samples[0].data.threshold_names]
    by_key = {(str(r.lhs), str(r.rhs)): float(r.est)
              for r in first[first["op"] == "|"].itertuples()}
    start += [by_key[(items[i], t)] for i, t in thresholds]
    psis, free_psi = [], []
    for g, table in enumerate(tables):
        psi = np.zeros((len(lat), len(lat)))
        rows = table[(table["op"] == "~~") & table["lhs"].isin(lat) & table["rhs"].isin(lat)]
        for r in rows.itertuples():
            a, b = lat.index(str(r.lhs)), lat.index(str(r.rhs))
            psi[a, b] = psi[b, a] = float(r.est)
            if r.free:
                if g == 0:
                    free_psi.append((a, b))
                start.append(float(r.est))
        if g:
            start += [0.0] * len(lat) + [1.0] * len(items)
        psis.append(psi)
    return (Layout(items, lat, lam, free_loadings, thresholds, psis, free_psi, len(tables)),
            np.array(start))


@dataclass(frozen=True)
class EqualFit:
    """The joint estimate, its covariance and test."""

    phi: Array
    vcov: Array
    chisq: float
    df: int
    chisq_scaled: float
    scaling_factor: float
    shift: float
    residuals: list[Array]


def fit_equal(lay: GroupStatistics, samples: Sequence[OrdinalStats], start: Array) -> EqualFit:
    """Gauss-Newton (Levenberg-Marquardt damped) on ``Σ_g n_g/N F_g``; see the module notes.

    Raises
    ------
    FitError
        When the iterations do not converge.
    """
    n = np.array([s.data.n_obs for s in samples], dtype=float)
    weight = (n - 1) / (n.sum() - len(n))

    def objective(phi: Array) -> float:
        return float(sum(w * np.sum(s.weight * (s.vector - lay.statistics(phi, g)) ** 2)
                         for g, (w, s) in enumerate(zip(weight, samples, strict=True))))

    phi, damping, value = start.copy(), 0.0, objective(start)
    for _ in range(500):
        jac = [lay.jacobian(phi, g) for g in range(lay.n_groups)]
        a = sum(w * (j.T * s.weight) @ j for w, j, s in zip(weight, jac, samples, strict=True))
        grad = sum(w * (j.T * s.weight) @ (s.vector - lay.statistics(phi, g))
                   for g, (w, j, s) in enumerate(zip(weight, jac, samples, strict=True)))
        step = np.linalg.solve(a + damping * np.diag(np.diag(a)), grad)
        trial = objective(phi + step)
        if trial <= value:
            phi, value, damping = phi + step, trial, damping / 10
            if np.max(np.abs(step)) < 1e-9:
                break
        else:
            damping = max(damping * 10, 1e-4)
    else:
        raise FitError("WLSMV with equal loadings and thresholds across groups did not converge.")
    jac = [lay.jacobian(phi, g) for g in range(lay.n_groups)]
    weight = n / n.sum()  # the sandwich and the test weigh the groups by n_g / N
    a = sum(w * (j.T * s.weight) @ j for w, j, s in zip(weight, jac, samples, strict=True))
    b = sum(w * (j.T * s.weight) @ (s.gamma * s.weight) @ j
            for w, j, s in zip(weight, jac, samples, strict=True))
    a_inv = np.linalg.inv(a)
    vcov = a_inv @ b @ a_inv / (n.sum() - lay.n_groups)
    residuals = [s.vector - lay.statistics(phi, g) for g, s in enumerate(samples)]
    chisq = float(sum((k - 1) * np.sum(s.weight * r * r)
                      for k, s, r in zip(n, samples, residuals, strict=True)))
    df = sum(s.vector.size for s in samples) - phi.size
    stacked = np.vstack(jac)
    w_all = np.concatenate([w * s.weight for w, s in zip(weight, samples, strict=True)])
    gamma = block_diag(*[s.gamma / w for w, s in zip(weight, samples, strict=True)])
    wd = stacked * w_all[:, None]
    u = np.diag(w_all) - wd @ a_inv @ wd.T
    scaled, factor, shift = scaled_shifted(chisq, df, u, gamma)
    return EqualFit(phi, vcov, chisq, df, scaled, factor, shift, residuals)


def equal_tables(lay: Layout, fit: EqualFit, tables: Sequence[pd.DataFrame], *, group: int = 0
                 ) -> tuple[list[pd.DataFrame], dict[str, float]]:
    """The configural ``tables`` of groups ``group``, ``group + 1``, ... filled with the joint
    estimates, and the items' R²."""
    se_all = np.sqrt(np.diag(fit.vcov))
    out, r2 = [], {}
    n_load = len(lay.free_loadings)
    for g, table in enumerate(tables, start=group):
        lam, _, psi, alpha, delta = lay.parts(fit.phi, g)
        m = lam @ psi @ lam.T
        at = lay.offset(g)
        free_psi = {pair: at + k for k, pair in enumerate(lay.free_psi)}
        th = {(lay.items[i], t): k for k, (i, t) in enumerate(lay.thresholds)}
        est, se, std, std_lv, free, param = [], [], [], [], [], []
        for r in table.itertuples():
            lhs, op, rhs = str(r.lhs), str(r.op), str(r.rhs)
            k, value, s_all, s_lv = -1, float(r.est), float(r.std_all), float(r.std_lv)
            if op == "=~":
                i, f = lay.items.index(rhs), lay.latents.index(lhs)
                k = (lay.free_loadings.index((i, f)) if (i, f) in lay.free_loadings
                     else -1)
                value = lam[i, f]
                s_lv = value * np.sqrt(psi[f, f])
                s_all = s_lv * delta[i]
            elif op == "|":
                i = lay.items.index(lhs)
                k = n_load + th[(lhs, rhs)]
                value = fit.phi[k]
                s_all = s_lv = value * delta[i]
            elif op == "~~" and lhs in lay.latents:
                a, b = lay.latents.index(lhs), lay.latents.index(rhs)
                k = free_psi.get((a, b), free_psi.get((b, a), -1))
                value = psi[a, b]
                s_all = s_lv = value / np.sqrt(psi[a, a] * psi[b, b])
            elif op == "~~" and lhs == rhs:
                i = lay.items.index(lhs)
                value = 1.0 / delta[i] ** 2 - m[i, i]
                s_all = s_lv = value * delta[i] ** 2
                r2[lhs] = float(1.0 - s_all)
            elif op == "~*~" and g:
                i = lay.items.index(lhs)
                k = at + len(lay.free_psi) + len(lay.latents) + i
                value, s_all, s_lv = delta[i], 1.0, delta[i]
            elif op == "~1" and lhs in lay.latents and g:
                f = lay.latents.index(lhs)
                k = at + len(lay.free_psi) + f
                value = alpha[f]
                s_all = s_lv = value / np.sqrt(psi[f, f])
            est.append(float(value))
            se.append(float(se_all[k]) if k >= 0 else 0.0)
            std.append(float(s_all))
            std_lv.append(float(s_lv))
            free.append(k >= 0)
            param.append(int(k))
        filled = table.copy()
        filled["est"], filled["se"], filled["free"], filled["param"] = est, se, free, param
        filled["std_all"] = filled["std_nox"] = std
        filled["std_lv"] = std_lv
        for column, values in wald(np.array(est), np.array(se)).items():
            filled[column] = values
        out.append(filled)
    return out, r2


def equal_indices(lay: GroupStatistics, fit: EqualFit, configural: FitIndices,
                  sizes: Sequence[int]) -> FitIndices:
    """``fitMeasures()`` of the joint fit; the baseline is the configural fit's."""
    from semwb.distributions import chi2_sf
    from semwb.sem.fitindices import incremental, rmsea_interval

    n, g = sum(sizes), len(sizes)
    chisq0, df0 = configural.baseline_chisq or 0.0, configural.baseline_df or 0
    scaled0 = configural.baseline_chisq_scaled or 0.0
    cfi, tli = incremental(fit.chisq, fit.df, chisq0, df0)
    cfi_s, tli_s = incremental(fit.chisq_scaled, fit.df, scaled0, df0)
    root = float(np.sqrt(g))
    lo, hi = rmsea_interval(fit.chisq, fit.df, n - g)
    lo_s, hi_s = rmsea_interval(fit.chisq_scaled, fit.df, n - g)
    p = len(lay.items)
    srmr = sum(k / n * float(np.sqrt(np.sum(r[len(lay.thresholds):] ** 2) / (p * (p + 1) / 2)))
               for k, r in zip(sizes, fit.residuals, strict=True))

    def rmsea(x: float) -> float:
        return float(np.sqrt(max(x - fit.df, 0.0) / (fit.df * (n - g))) * root)

    return FitIndices(
        chisq=fit.chisq, df=fit.df, pvalue=float(chi2_sf(fit.chisq, fit.df)), cfi=cfi, tli=tli,
        rmsea=rmsea(fit.chisq), rmsea_ci_lower=lo * root, rmsea_ci_upper=hi * root, srmr=srmr,
        baseline_chisq=chisq0, baseline_df=df0, npar=int(fit.phi.size),
        chisq_scaled=fit.chisq_scaled, df_scaled=fit.df,
        pvalue_scaled=float(chi2_sf(fit.chisq_scaled, fit.df)),
        chisq_scaling_factor=fit.scaling_factor, chisq_shift=fit.shift,
        baseline_chisq_scaled=scaled0,
        baseline_chisq_scaling_factor=configural.baseline_chisq_scaling_factor,
        cfi_scaled=cfi_s, tli_scaled=tli_s, rmsea_scaled=rmsea(fit.chisq_scaled),
        rmsea_ci_lower_scaled=lo_s * root, rmsea_ci_upper_scaled=hi_s * root,
    )


def _scope(spec: ModelSpec) -> None:
    """Refuse what the module does not fit (checked once the items are known)."""
    if set(spec.group_equal) != {"loadings", "thresholds"} or spec.group_partial:
        raise SpecError(f"{spec.source}: with WLSMV semwb fits the configural model and "
                        "'group_equal: [loadings, thresholds]' (no 'group_partial' yet); "
                        "change the keys, or fit ML/MLR on the items.")
    others = [v for v in spec.parsed.observed if v not in set(spec.ordered_items)]
    reason = ("continuous variable " + others[0] if others else
              "'parameterization: theta'" if spec.parameterization == "theta" else
              "'std_lv: true'" if spec.std_lv else "")
    if reason:
        raise SpecError(f"{spec.source}: {reason} is not available with WLSMV and 'group_equal: "
                        "[loadings, thresholds]' (a CFA of ordinal items in the delta "
                        "parameterization with marker loadings); remove it or the key.")


def equal_groups(spec: ModelSpec, frames: Sequence[pd.DataFrame],
                 tables: Sequence[pd.DataFrame], configural: FitIndices
                 ) -> tuple[list[pd.DataFrame], FitIndices, pd.DataFrame, list[dict[str, float]]]:
    """The groups' tables, fit measures, covariance (names ``lhs op rhs|g``) and items' R² of
    the joint fit, from the configural fit's ``tables`` and ``configural`` measures.

    Raises
    ------
    SpecError
        When the spec is beyond a CFA of ordinal items in the delta parameterization.
    FitError
        When the iterations do not converge.
    """
    from semwb.sem.groups import block_name
    from semwb.sem.ordinal.fit import prepare

    _scope(spec)
    single = spec.model_copy(update={"group": None, "group_levels": []})
    samples = [prepare(single, f).sample for f in frames]
    lay, start = layout(tables, samples, spec.parsed.latents)
    fit = fit_equal(lay, samples, start)
    names = [""] * fit.phi.size
    filled, r2 = [], []
    for g, table in enumerate(tables):
        out, items_r2 = equal_tables(lay, fit, [table], group=g)
        filled += out
        r2.append(items_r2)
        for r in out[0].itertuples():
            if int(r.param) >= 0 and not names[int(r.param)]:
                names[int(r.param)] = block_name(f"{r.lhs}{r.op}{r.rhs}", g)
    indices = equal_indices(lay, fit, configural, [s.data.n_obs for s in samples])
    return filled, indices, pd.DataFrame(fit.vcov, index=names, columns=names), r2
