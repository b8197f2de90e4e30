"""Standardized solutions (lavaan's ``std.lv``, ``std.all``, ``std.nox``) and R², for stacks.

With model-implied variances ``var(η) = diag(C Ψ Cᵀ)`` for inner variables and ``diag Σ`` for
observed ones: a loading is ``λ sd(η)/sd(y)``, a regression ``b sd(x)/sd(y)``, a variance
``ψ_ii / sd_i²``, a covariance ``ψ_ij / sqrt(ψ_ii ψ_jj)`` (a residual correlation), an intercept
or mean ``α_i / sd_i``, as lavaan 0.6. ``std.lv`` uses the latents' SDs only (observed variables
count as 1); ``std.nox`` is ``std.all`` leaving exogenous covariates unstandardized.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from semwb.sem.model.algebra import fill_matrices, implied
from semwb.sem.model.structure import BETA, LAMBDA, NU, PSI, THETA, Array, ModelMatrices


def row_values(mm: ModelMatrices, theta: Array) -> Array:
    """Unstandardized value of every row (fixed rows repeat their value), ``(n, rows)``."""
    mats = fill_matrices(mm, np.atleast_2d(theta))
    return np.stack([mats[r.kind][:, r.row, r.col] for r in mm.rows], axis=1)


def standardized_rows(mm: ModelMatrices, theta: Array, *, kind: str = "std.all",
                      covariates: Collection[str] = ()) -> Array:
    """Standardized value of every row, ``(n, rows)``.

    Parameters
    ----------
    mm
        The model structure.
    theta
        ``(n, q)`` parameter vectors.
    kind
        ``"std.all"``, ``"std.lv"`` or ``"std.nox"``.
    covariates
        Exogenous observed covariates (left unstandardized by ``std.nox``).
    """
    theta = np.atleast_2d(theta)
    imp = implied(mm, theta)
    mats = fill_matrices(mm, theta)
    psi, th = mats[PSI], mats[THETA]
    sd_inner = np.sqrt(np.einsum("nij,njk,nik->ni", imp.c, psi, imp.c).clip(min=0))
    sd_obs = np.sqrt(np.diagonal(imp.sigma, axis1=1, axis2=2).clip(min=0))
    latent = np.array([v not in mm.observed for v in mm.inner])
    ones_i, ones_o = np.ones_like(sd_inner), np.ones_like(sd_obs)
    raw = np.zeros(len(mm.inner), dtype=bool)  # inner variables left unstandardized
    if kind == "std.lv":
        raw = ~latent
        sd_i = np.where(latent[None], sd_inner, ones_i)
        sd_o = ones_o
    elif kind == "std.nox":
        raw = np.array([v in covariates for v in mm.inner])
        sd_i = np.where(raw[None], ones_i, sd_inner)
        sd_o = sd_obs
    else:
        sd_i, sd_o = sd_inner, sd_obs
    values = row_values(mm, theta)
    out = np.empty_like(values)
    for j, row in enumerate(mm.rows):
        r, c = row.row, row.col
        if row.kind == LAMBDA:
            scale = sd_i[:, c] / sd_o[:, r]
        elif row.kind == BETA:
            scale = sd_i[:, c] / sd_i[:, r]
        elif row.kind == PSI:
            scale = _cov_scale(psi, sd_i, r, c, ~raw)
        elif row.kind == THETA:
            scale = _cov_scale(th, sd_o, r, c, np.full(len(mm.observed), kind != "std.lv"))
        elif row.kind == NU:
            scale = 1.0 / sd_o[:, r]
        else:  # ALPHA
            scale = 1.0 / sd_i[:, r]
        out[:, j] = values[:, j] * scale
    return out


def _cov_scale(mat: Array, sd: Array, r: int, c: int, standardized: Array) -> Array:
    """Scale of a (co)variance cell: ``1/sd²`` on the diagonal; off it, each standardized side
    divides by the square root of its own (residual) variance parameter and a side left
    unstandardized by nothing, as lavaan (a residual correlation when both sides are
    standardized; ``abs`` keeps a Heywood case finite, as lavaan does)."""
    if r == c:
        return np.asarray(1.0 / sd[:, r] ** 2)
    scale = np.ones(mat.shape[0])
    for i in (r, c):
        if standardized[i]:
            scale = scale / np.sqrt(np.abs(mat[:, i, i]))
    return scale


def r_squared(mm: ModelMatrices, theta: Array, endogenous: Collection[str]) -> dict[str, float]:
    """R² = 1 - residual variance / implied variance of each endogenous variable."""
    theta = np.atleast_2d(theta)
    imp = implied(mm, theta)
    mats = fill_matrices(mm, theta)
    var_inner = np.einsum("ij,jk,ik->i", imp.c[0], mats[PSI][0], imp.c[0])
    var_obs = np.diagonal(imp.sigma[0])
    out: dict[str, float] = {}
    for v in endogenous:
        if v in mm.inner:
            i = mm.inner.index(v)
            resid, total = mats[PSI][0][i, i], var_inner[i]
        else:
            i = mm.observed.index(v)
            resid, total = mats[THETA][0][i, i], var_obs[i]
        if total > 0:
            out[v] = float(1 - resid / total)
    return out
