"""lavaan's ``.robust`` CFI, TLI and RMSEA of a configural WLSMV fit with groups (Savalei 2021,
lavaan 0.6.14's ``lav_fit_catml_dwls`` over the groups; the one-group case is :mod:`.catml`).

Each group's polychoric matrix ``R_g`` is read as continuous and the normal-theory ML
discrepancy evaluated at the DWLS estimate: ``XX3 = Σ_g n_g (log|P_g| - log|R_g| +
tr(R_g P_g⁻¹) - p)`` on ``df3`` = the groups' correlations minus the free parameters other
than thresholds; ``ĉ = tr(U'ᵀ V U' Γ) / df3`` over the stacked groups' correlation rows with
``U' = I - Δ E⁻¹ Δᵀ W``, ``E = Σ_g f_g Δ_gᵀ W_g Δ_g`` (all rows), ``W = ⊕ f_g W_g``,
``V = ⊕ f_g V_g`` (``V_g`` the normal-theory weight at ``P_g``), ``Γ = ⊕ Γ_g / f_g``,
``f_g = n_g / N``; the baseline ``XX3₀ = -Σ_g n_g log|R_g|`` with ``ĉ₀ = tr(Γ) / df3₀``. CFI and
TLI as one group's, RMSEA ``√G · √max(XX3/((N - G) df3) - ĉ/(N - G), 0)`` and its interval
likewise. lavaan gives these for the configural model only (NA once parameters are shared), so
semwb computes them for a configural CFA of ordinal items whose ``R_g`` are positive definite.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.linalg import block_diag

from semwb.sem.fitindices import rmsea
from semwb.sem.ordinal.catml import PD_TOLERANCE
from semwb.sem.ordinal.group_model import StepModel, lavaan_model, start_values, step_model
from semwb.sem.ordinal.polychoric import pairs
from semwb.sem.ordinal.weights import OrdinalStats
from semwb.sem.scaled_test import rmsea_interval_df, robust_incremental
from semwb.sem.spec import ModelSpec

Array = NDArray[np.float64]


def group_robust_measures(model: StepModel, phi: Array, samples: Sequence[OrdinalStats],
                          df: int) -> dict[str, float]:
    """``cfi_robust``, ``tli_robust``, ``rmsea_robust`` and its 90 % interval of the joint
    ``model`` at ``phi`` (``df``: the DWLS degrees of freedom); empty when a group's
    polychoric matrix is not positive definite."""
    if any(np.linalg.eigvalsh(s.correlation)[0] < PD_TOLERANCE for s in samples):
        return {}
    sizes = np.array([s.data.n_obs for s in samples], dtype=float)
    n_total, groups = float(sizes.sum()), len(samples)
    f = sizes / n_total
    i, j = np.array(pairs(len(model.items)), dtype=np.intp).reshape(-1, 2).T
    jac = [model.jacobian(phi, g) for g in range(groups)]
    e_inv = np.linalg.inv(sum(fg * (d.T * s.weight) @ d
                              for fg, d, s in zip(f, jac, samples, strict=True)))
    xx3 = xx3_null = 0.0
    v_blocks, w_rows, gammas, d_rows = [], [], [], []
    for g, (fg, d, s) in enumerate(zip(f, jac, samples, strict=True)):
        p, first = len(s.correlation), s.n_univariate
        P = np.eye(p)
        P[i, j] = P[j, i] = model.statistics(phi, g)[first:]
        P_inv = np.linalg.inv(P)
        log_r = float(np.linalg.slogdet(s.correlation)[1])
        xx3 += s.data.n_obs * float(np.linalg.slogdet(P)[1] - log_r
                                    + np.trace(s.correlation @ P_inv) - p)
        xx3_null -= s.data.n_obs * log_r
        v_blocks.append(fg * (P_inv[np.ix_(i, i)] * P_inv[np.ix_(j, j)]
                              + P_inv[np.ix_(i, j)] * P_inv[np.ix_(j, i)]))
        w_rows.append(fg * s.weight[first:])
        gammas.append(s.gamma[first:, first:] / fg)
        d_rows.append(d[first:])
    stacked, w_all, gamma = np.vstack(d_rows), np.concatenate(w_rows), block_diag(*gammas)
    u = np.eye(stacked.shape[0]) - stacked @ e_inv @ stacked.T * w_all[None, :]
    df_null = groups * i.size
    thresholds = sum(1 for (_, op, _), _ in model.keys if op == "|")
    df3 = df_null - (model.n_params - thresholds)
    c_hat = float(np.trace(u.T @ block_diag(*v_blocks) @ u @ gamma)) / df3 \
        if df3 > 0 else float("nan")
    cfi, tli = robust_incremental(xx3, df, xx3_null, df_null, c_hat,
                                  float(np.trace(gamma)) / df_null)
    n_rmsea, root = int(n_total) - groups, float(np.sqrt(groups))
    lower = upper = 0.0
    if df3 > 0:
        lower, upper = (float(np.sqrt(c_hat) * b * root)
                        for b in rmsea_interval_df(xx3 / c_hat, df3, n_rmsea))
    return {"cfi_robust": cfi, "tli_robust": tli,
            "rmsea_robust": rmsea(xx3, df3, n_rmsea, c=c_hat, groups=groups),
            "rmsea_ci_lower_robust": lower, "rmsea_ci_upper_robust": upper}


def configural_robust(spec: ModelSpec, frames: Sequence[pd.DataFrame],
                      tables: Sequence[pd.DataFrame], df: int) -> dict[str, float]:
    """The ``.robust`` measures of a configural fit (each group's ``tables``), as lavaan, when
    the spec is a CFA of ordinal items in the delta parameterization without modifiers; else
    empty (semwb does not match lavaan there yet)."""
    from semwb.sem.ordinal.fit import prepare

    parsed = spec.parsed
    latents = set(parsed.latents)
    beyond_cfa = any(not ((t.op == "=~" and t.rhs not in latents)
                          or (t.op == "~~" and {t.lhs, t.rhs} <= latents)) for t in parsed.terms)
    if (spec.parameterization != "delta" or beyond_cfa
            or set(parsed.observed) - set(spec.ordered_items)
            or any(t.fixed is not None or t.free for t in parsed.terms)):
        return {}
    single = spec.model_copy(update={"group": None, "group_levels": []})
    samples = [prepare(single, f).sample for f in frames]
    items, factors = tuple(samples[0].data.names), tuple(parsed.latents)
    first = tables[0]
    cells = [((items.index(str(r.rhs)), factors.index(str(r.lhs))), bool(r.free))
             for r in first[first["op"] == "=~"].itertuples()]
    thresholds = [(items.index(v), t) for v, t in samples[0].data.threshold_names]
    loadings = [c for c, _ in cells]
    model = (step_model(items, factors, loadings, thresholds, len(tables), ()) if spec.std_lv
             else lavaan_model(items, factors, loadings, [c for c, free in cells if not free],
                               thresholds, len(tables), (), ()))
    if model.n_params != sum(int(t["free"].sum()) for t in tables):
        return {}
    known = {(str(r.lhs), str(r.op), str(r.rhs), g): float(r.est)
             for g, table in enumerate(tables) for r in table.itertuples()}
    return group_robust_measures(model, start_values(model, known), samples, df)
