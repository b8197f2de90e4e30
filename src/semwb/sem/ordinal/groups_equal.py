"""WLSMV with ``group_equal`` (and ``group_partial``) for a CFA of ordinal items, as lavaan 0.6.14.

lavaan's identification in the delta parameterization
(:func:`semwb.sem.ordinal.group_model.lavaan_model`): the first group's scales ``Δ`` fixed at
1 and latent means at 0; with thresholds equal every later group's scales (``~*~``) and, unless
``means`` are equal, latent means free; ``loadings``, ``thresholds``, ``lv.variances``,
``lv.covariances`` and ``means`` equal but for the ``group_partial`` rows. The estimate
minimises ``Σ_g (n_g - 1)/(N - G) · F_g`` (each group's ``W_g = diag(Γ_g)⁻¹``) by Gauss-Newton
with the analytic Jacobian; the covariance is ``A⁻¹ B A⁻¹ / (N - G)`` with
``A = Σ_g n_g/N Δ_gᵀW_gΔ_g``, ``B = Σ_g n_g/N Δ_gᵀW_gΓ_gW_gΔ_g`` (lavaan's divisor, as
:mod:`.groups`); ``T = Σ_g (n_g - 1) F_g`` and its scaled-shifted version over the stacked
groups (``W = ⊕ n_g/N W_g``, ``Γ = ⊕ Γ_g N/n_g``). The baseline is the configural fit's. The
rows are the configural fit's table filled with these estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.linalg import block_diag

from semwb.errors import FitError, SpecError
from semwb.results import FitIndices
from semwb.sem.estimators.dwls import scaled_shifted
from semwb.sem.ordinal.group_model import Row, StepModel, lavaan_model, start_values
from semwb.sem.ordinal.weights import OrdinalStats
from semwb.sem.solution import wald
from semwb.sem.spec import ModelSpec

Array = NDArray[np.float64]


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


def fit_equal(lay: StepModel, samples: Sequence[OrdinalStats], start: Array) -> EqualFit:
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


def equal_indices(lay: StepModel, fit: EqualFit, configural: FitIndices,
                  sizes: Sequence[int]) -> FitIndices:
    """``fitMeasures()`` of the joint fit; the baseline is the configural fit's."""
    from semwb.distributions import chi2_sf
    from semwb.sem.fitindices import incremental, rmsea, rmsea_interval

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

    return FitIndices(
        chisq=fit.chisq, df=fit.df, pvalue=float(chi2_sf(fit.chisq, fit.df)), cfi=cfi, tli=tli,
        rmsea=rmsea(fit.chisq, fit.df, n - g, groups=g), rmsea_ci_lower=lo * root,
        rmsea_ci_upper=hi * root, srmr=srmr,
        baseline_chisq=chisq0, baseline_df=df0, npar=int(fit.phi.size),
        chisq_scaled=fit.chisq_scaled, df_scaled=fit.df,
        pvalue_scaled=float(chi2_sf(fit.chisq_scaled, fit.df)),
        chisq_scaling_factor=fit.scaling_factor, chisq_shift=fit.shift,
        baseline_chisq_scaled=scaled0,
        baseline_chisq_scaling_factor=configural.baseline_chisq_scaling_factor,
        cfi_scaled=cfi_s, tli_scaled=tli_s,
        rmsea_scaled=rmsea(fit.chisq_scaled, fit.df, n - g, groups=g),
        rmsea_ci_lower_scaled=lo_s * root, rmsea_ci_upper_scaled=hi_s * root,
    )


#: The ``group_equal`` kinds lavaan accepts; in a CFA of ordinal items (delta) ``intercepts``,
#: ``residuals``, ``residual.covariances`` and ``regressions`` constrain nothing.
KINDS = frozenset({"loadings", "thresholds", "intercepts", "residuals", "residual.covariances",
                   "means", "lv.variances", "lv.covariances", "regressions"})


def _scope(spec: ModelSpec) -> None:
    """Refuse what the module does not fit (checked once the items are known)."""
    others = [v for v in spec.parsed.observed if v not in set(spec.ordered_items)]
    reason = ("continuous variable " + others[0] if others else
              "'parameterization: theta'" if spec.parameterization == "theta" else
              "'std_lv: true'" if spec.std_lv else "")
    if reason:
        raise SpecError(f"{spec.source}: {reason} is not available with WLSMV and "
                        "'group_equal' (a CFA of ordinal items in the delta parameterization "
                        "with marker loadings); remove it or the key.")
    unknown = sorted(set(spec.group_equal) - KINDS)
    if unknown:
        raise SpecError(f"{spec.source}: 'group_equal' kind {unknown[0]} is not one of "
                        f"{', '.join(sorted(KINDS))}.")


def _partial_rows(spec: ModelSpec, table: pd.DataFrame) -> list[Row]:
    """The ``group_partial`` entries as rows of ``table`` (an unknown one is an error)."""
    from semwb.sem.groups import row_key

    rows = {row_key(str(r.lhs), str(r.op), str(r.rhs)): (str(r.lhs), str(r.op), str(r.rhs))
            for r in table.itertuples()}
    wanted = ["".join(p.split()) for p in spec.group_partial]
    unknown = [p for p in wanted if p not in rows]
    if unknown:
        raise SpecError(f"{spec.source}: group_partial names {', '.join(unknown)}, which the "
                        "model does not have; write rows as lavaan does ('ar1|t1', "
                        "'AR=~ar2', 'AR~1', 'AR~~AR').")
    return [rows[p] for p in wanted]


def _model(spec: ModelSpec, tables: Sequence[pd.DataFrame], samples: Sequence[OrdinalStats]
           ) -> StepModel:
    items, latents = tuple(samples[0].data.names), tuple(spec.parsed.latents)
    first = tables[0]
    cells = [((items.index(str(r.rhs)), latents.index(str(r.lhs))), bool(r.free))
             for r in first[first["op"] == "=~"].itertuples()]
    return lavaan_model(items, latents, [c for c, _ in cells],
                        [c for c, free in cells if not free],
                        [(items.index(v), t) for v, t in samples[0].data.threshold_names],
                        len(tables), spec.group_equal, _partial_rows(spec, first))


def fill_table(model: StepModel, fit: EqualFit, table: pd.DataFrame, g: int
               ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Group ``g``'s configural ``table`` filled with the joint estimates, and the items' R²."""
    lam, tau, _, delta, psi, alpha = model.parts(fit.phi, g)
    se_all = np.sqrt(np.diag(fit.vcov))
    cov = lam @ psi @ lam.T
    at = {key: k for k, key in enumerate(model.thresholds)}
    items, latents = model.items, model.latents
    columns: dict[str, list[float]] = {c: [] for c in ("est", "std_all", "std_lv", "param")}
    r2 = {}
    for r in table.itertuples():
        lhs, op, rhs = str(r.lhs), str(r.op), str(r.rhs)
        k, value, s_all, s_lv = -1, float(r.est), float(r.std_all), float(r.std_lv)
        if op == "=~":
            i, f = items.index(rhs), latents.index(lhs)
            k, value = int(model.lam[g][i, f]), lam[i, f]
            s_lv = value * np.sqrt(psi[f, f])
            s_all = s_lv * delta[i]
        elif op == "|":
            i, t = items.index(lhs), at[(items.index(lhs), rhs)]
            k, value = int(model.tau[g][t]), tau[t]
            s_all = s_lv = value * delta[i]
        elif op == "~~" and lhs in latents:
            a, b = latents.index(lhs), latents.index(rhs)
            k, value = int(model.psi[g][a, b]), psi[a, b]
            s_all = s_lv = value / np.sqrt(psi[a, a] * psi[b, b])
        elif op == "~~" and lhs == rhs:
            i = items.index(lhs)
            value = 1.0 / delta[i] ** 2 - cov[i, i]
            s_all = s_lv = value * delta[i] ** 2
            r2[lhs] = float(1.0 - s_all)
        elif op == "~*~" and model.delta[g][items.index(lhs)] >= 0:
            i = items.index(lhs)
            k, value, s_all, s_lv = int(model.delta[g][i]), delta[i], 1.0, delta[i]
        elif op == "~1" and lhs in latents:
            f = latents.index(lhs)
            k, value = int(model.alpha[g][f]), alpha[f]
            s_all = s_lv = value / np.sqrt(psi[f, f])
        for column, number in zip(columns, (value, s_all, s_lv, k), strict=True):
            columns[column].append(float(number))
    filled = table.copy()
    est, param = np.array(columns["est"]), np.array(columns["param"], dtype=int)
    se = np.where(param >= 0, se_all[np.maximum(param, 0)], 0.0)
    filled["est"], filled["se"], filled["free"], filled["param"] = est, se, param >= 0, param
    filled["std_all"] = filled["std_nox"] = columns["std_all"]
    filled["std_lv"] = columns["std_lv"]
    for column, values in wald(est, se).items():
        filled[column] = values
    return filled, r2


def equal_groups(spec: ModelSpec, frames: Sequence[pd.DataFrame],
                 tables: Sequence[pd.DataFrame], configural: FitIndices
                 ) -> tuple[list[pd.DataFrame], FitIndices, pd.DataFrame, list[dict[str, float]]]:
    """The groups' tables, fit measures, covariance (names ``lhs op rhs|g``) and items' R² of
    the joint fit, from the configural fit's ``tables`` and ``configural`` measures.

    Raises
    ------
    SpecError
        When the spec is beyond a CFA of ordinal items in the delta parameterization with marker
        loadings, or ``group_partial`` names a row the model does not have.
    FitError
        When the iterations do not converge.
    """
    from semwb.sem.groups import block_name
    from semwb.sem.ordinal.fit import prepare

    _scope(spec)
    single = spec.model_copy(update={"group": None, "group_levels": []})
    samples = [prepare(single, f).sample for f in frames]
    model = _model(spec, tables, samples)
    known = {(str(r.lhs), str(r.op), str(r.rhs), g): float(r.est)
             for g, table in enumerate(tables) for r in table.itertuples()}
    fit = fit_equal(model, samples, start_values(model, known))
    names = [""] * fit.phi.size
    filled, r2 = [], []
    for g, table in enumerate(tables):
        out, items_r2 = fill_table(model, fit, table, g)
        filled.append(out)
        r2.append(items_r2)
        for r in out.itertuples():
            if int(r.param) >= 0 and not names[int(r.param)]:
                names[int(r.param)] = block_name(f"{r.lhs}{r.op}{r.rhs}", g)
    indices = equal_indices(model, fit, configural, [s.data.n_obs for s in samples])
    return filled, indices, pd.DataFrame(fit.vcov, index=names, columns=names), r2
