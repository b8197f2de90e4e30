"""The analytic observed information under FIML: the Hessian of ``F = -2 log L / N``.

lavaan's default for ``missing = "ml"`` is the observed information (its ``lav_model_hessian``
differentiates the analytic gradient numerically); semwb writes the second derivatives out.
``F = Σ_r w_r (log|Σ_oo,r| + e_rᵀ K_r e_r)`` over weighted rows (:mod:`semwb.sem.model.missing`),
with ``K_r = Σ_oo⁻¹`` of the row's pattern embedded in ``p × p`` and ``v_r = K_r e_r``. Its
Hessian in the parameters ``a``, ``b`` (``Σ_a = ∂Σ/∂a``, ``μ_a = ∂μ/∂a``) is

``H_ab = tr(R Σ_ab) + g·μ_ab + Σ_r w_r [-tr(K_r Σ_a K_r Σ_b) + 2 v_rᵀΣ_a K_r Σ_b v_r
+ 2 μ_aᵀ K_r μ_b + 2 v_rᵀ Σ_a K_r μ_b + 2 v_rᵀ Σ_b K_r μ_a]``

with ``R = ∂F/∂Σ`` and ``g = ∂F/∂μ`` (the moment gradient the kernel returns) and ``Σ_ab``,
``μ_ab`` the model's second derivatives (:func:`curvature`). Nothing is inverted per pattern:
``K_r = P - U Uᵀ`` with ``P = Σ⁻¹``, ``U = P_{·m} L`` and ``L Lᵀ = (P_mm)⁻¹`` for the pattern's
missing columns ``m``, and ``Uᵀ v_r = 0``. The sum then splits into terms at ``P`` (computed once,
over the Jacobian's pieces as the expected information is) and two Gram matrices of small
per-pattern and per-row vectors:

- ``tr((W P - 2R) Σ_a P Σ_b) + 2W μ_aᵀ P μ_b + 2 (Σ_a P f̄)ᵀ P μ_b + 2 (Σ_b P f̄)ᵀ P μ_a``
  (``W = Σ w_r``, ``P f̄ = Σ_r w_r v_r = -g / 2``);
- ``- Σ_g w_g ⟨UᵀΣ_a U, UᵀΣ_b U⟩`` over patterns and ``- 2 Σ_r w_r γ_r[a]ᵀ γ_r[b]`` over rows,
  ``γ_r[a] = Uᵀ (Σ_a v_r + μ_a)``.

A multiple-group model (one block-diagonal model whose rows miss the other groups' columns) is
summed group by group with its block of ``P`` (:func:`_blocks`), so only the values missing
inside a group count as missing.

Checked against central differences of the analytic gradient (``tests/test_model_hessian.py``)
and lavaan's FIML standard errors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.algebra import (
    Implied,
    _sum_pieces,
    _z,
    mean_jacobian,
)
from semwb.sem.model.cells import inner_gram, trace_pairs
from semwb.sem.model.missing import MissingRows, PatternSet, missing_rows
from semwb.sem.model.missing import objective as fiml_objective
from semwb.sem.model.structure import ALPHA, BETA, LAMBDA, PSI, Array, ModelMatrices

#: Elements of a per-chunk piece array (bounds the memory of the per-pattern terms).
_CHUNK_ELEMENTS = 4_000_000


def fiml_hessian(mm: ModelMatrices, data: MissingRows, theta: Array) -> Array:
    """Analytic Hessian ``∂²F/∂θ∂θᵀ`` ``(q, q)`` of the FIML objective at ``theta (q,)``.

    Parameters
    ----------
    mm
        The model structure (fixed.x cells hold the fitted data's moments).
    data
        The weighted rows, one stack member (:func:`semwb.sem.model.missing.missing_rows`).
    theta
        The free parameters.

    Returns
    -------
    numpy.ndarray
        The Hessian of ``F`` (``N/2`` times it is the observed information).
    """
    ev = fiml_objective(mm, theta[None], data)
    if not ev.ok[0] or ev.moment_gradient is None:
        return np.full((mm.n_params, mm.n_params), np.nan)
    imp = ev.imp
    P = ev.sigma_inv[0]
    R, g = ev.moment_gradient[0][0], ev.moment_gradient[1][0]
    Z = _z(imp)[0]
    J = mean_jacobian(mm, imp)[0]
    hess = curvature(mm, imp, R[None], g[None])[0]
    for inside, rows in _blocks(mm, data, imp.mu[0]):
        mask = np.outer(inside, inside)
        Pb = P * mask
        total = float(rows.weights[0].sum())
        hess += _at_sigma_inverse(mm, Z, Pb, total * Pb - 2.0 * R * mask, -0.5 * g * inside, J,
                                  total)
        e = (rows.values - imp.mu[0][None]) * rows.observed
        ZP = Z @ Pb
        for ps in rows.sets:
            hess -= _pattern_terms(mm, ps, rows.weights[0], Pb, ZP, Z, J, e)
    return np.asarray((hess + hess.T) / 2)


def _blocks(mm: ModelMatrices, data: MissingRows, mu: Array
            ) -> list[tuple[NDArray[np.bool_], MissingRows]]:
    """Each group's columns and its rows (one block for one group).

    A multiple-group model is one block-diagonal model whose rows miss every other group's
    columns; ``Σ⁻¹`` is block-diagonal, so a row's ``K`` is zero outside its group's block and
    the terms are summed group by group, each with its own block of ``P`` and the values
    missing inside it (the other groups' columns are set to their means, residual 0).
    """
    p = len(mu)
    if mm.blocks is None:
        return [(np.ones(p, dtype=bool), data)]
    out = []
    for cols, _ in mm.blocks:
        inside = np.zeros(p, dtype=bool)
        inside[cols] = True
        mine = data.observed[:, inside].any(axis=1)
        X = np.where(inside, np.where(data.observed, data.values, np.nan), mu)[mine]
        out.append((inside, missing_rows(X, data.weights[:, mine])))
    return out


def _at_sigma_inverse(mm: ModelMatrices, Z: Array, P: Array, X: Array, pf: Array, J: Array,
                      total: float) -> Array:
    """The terms at ``P``: ``tr(X Σ_a P Σ_b)``, the means' ``2W JPJᵀ`` and the cross terms."""
    x, y = mm.pieces.x, mm.pieces.y
    FP = Z @ P @ Z.T
    FX = Z @ X @ Z.T
    pairs = FP[np.ix_(y, x)] * FX[np.ix_(y, x)].T
    hess = _sum_pieces(mm, _sum_pieces(mm, pairs, axis=0), axis=1)
    if mm.meanstructure:
        hess += 2.0 * total * J @ P @ J.T
        spf = _sum_pieces(mm, Z[x] * (Z @ pf)[y][:, None], axis=0)  # Σ_a P f̄, (q, p)
        cross = 2.0 * spf @ P @ J.T
        hess += cross + cross.T
    return hess


def _pattern_terms(mm: ModelMatrices, ps: PatternSet, w: Array, P: Array, ZP: Array, Z: Array,
                   J: Array, e: Array) -> Array:
    """``Σ_g w_g ⟨UᵀΣ_aU, UᵀΣ_bU⟩ + 2 Σ_r w_r γ_r[a]ᵀγ_r[b]`` for the patterns missing ``s``."""
    x, y = mm.pieces.x, mm.pieces.y
    miss = ps.missing
    s = miss.shape[1]
    Pmm = P[miss[:, :, None], miss[:, None, :]]
    L = np.linalg.cholesky(np.linalg.inv(Pmm))  # L Lᵀ = (P_mm)⁻¹, (G, s, s)
    U = P[:, miss].transpose(1, 0, 2) @ L  # (G, p, s)
    ZU = ZP[:, miss].transpose(1, 0, 2) @ L  # Z U, (G, n_z, s)
    w_rows = w[ps.rows]
    w_pat = np.bincount(ps.member, weights=w_rows, minlength=len(miss))
    iu = np.triu_indices(s)
    scale = np.where(iu[0] == iu[1], 1.0, np.sqrt(2.0))
    q = mm.n_params
    gram = np.zeros((q, q))
    step = max(1, _CHUNK_ELEMENTS // max(1, len(x) * len(scale)))
    for lo in range(0, len(miss), step):
        zu = ZU[lo:lo + step]
        # vech of UᵀΣ_aU (symmetric as a sum over a's pieces): (G, q, s(s+1)/2)
        vech = _sum_pieces(mm, zu[:, x][:, :, iu[0]] * zu[:, y][:, :, iu[1]], axis=1)
        vech *= scale * np.sqrt(w_pat[lo:lo + step])[:, None, None]
        flat = vech.transpose(1, 0, 2).reshape(q, -1)
        gram += flat @ flat.T
    # rows: v_r = P e_r - U Uᵀ e_r, γ_r[a] = Uᵀ(Σ_a v_r + μ_a)
    e_rows = e[ps.rows]
    Ur = U[ps.member]
    v = e_rows @ P - np.einsum("rps,rs->rp", Ur, np.einsum("rps,rp->rs", Ur, e_rows))
    Zv = v @ Z.T  # (R, n_z)
    JU = J @ U if mm.meanstructure else np.zeros((len(miss), q, s))  # (G, q, s)
    step = max(1, _CHUNK_ELEMENTS // max(1, len(x) * s))
    for lo in range(0, len(ps.rows), step):
        member = ps.member[lo:lo + step]
        zu = ZU[member]
        gamma = _sum_pieces(mm, zu[:, x, :] * Zv[lo:lo + step, y][:, :, None], axis=1)
        gamma += JU[member]
        gamma *= np.sqrt(2.0 * w_rows[lo:lo + step])[:, None, None]
        flat = gamma.transpose(1, 0, 2).reshape(q, -1)
        gram += flat @ flat.T
    return gram


def complete_hessian(mm: ModelMatrices, imp: Implied, sigma_inv: Array, R: Array) -> Array:
    """Hessian ``∂²F/∂θ∂θᵀ`` ``(n, q, q)`` of complete-data ML without a mean structure, for a
    stack.

    ``R = Σ⁻¹ - Σ⁻¹ S Σ⁻¹`` is ``∂F/∂Σ`` (one pattern of weight 1): the Hessian is
    ``tr((Σ⁻¹ - 2R) Σ_a Σ⁻¹ Σ_b) + tr(R Σ_ab)``, the complete-data case of the FIML formula
    above (every ``K_r = Σ⁻¹``, ``Σ_r w_r v_r v_rᵀ = Σ⁻¹ - R``).
    """
    hess = trace_pairs(mm, inner_gram(imp, sigma_inv), inner_gram(imp, sigma_inv - 2.0 * R))
    hess = hess + curvature(mm, imp, R, np.zeros(imp.mu.shape))
    return np.asarray(0.5 * (hess + hess.transpose(0, 2, 1)))


def _add_block(out: Array, rows: NDArray[np.intp], cols: NDArray[np.intp], values: Array) -> None:
    """``out[:, rows[i], cols[j]] += values[:, i, j]`` for a stack, repeated indices summed."""
    if len(np.unique(rows)) == len(rows) and len(np.unique(cols)) == len(cols):
        out[:, rows[:, None], cols[None, :]] += values
    else:  # the stack axis last: a view of ``out``, indexed by arrays only
        np.add.at(out.transpose(1, 2, 0), (rows[:, None], cols[None, :]),
                  values.transpose(1, 2, 0))


def curvature(mm: ModelMatrices, imp: Implied, R: Array, g: Array) -> Array:
    """``tr(R ∂²Σ/∂a∂b) + gᵀ ∂²μ/∂a∂b`` ``(n, q, q)`` for symmetric ``R (n, p, p)`` and
    ``g (n, p)``, a stack.

    Notes
    -----
    ``Σ = AΨAᵀ + Θ``, ``μ = ν + Aα``, ``A = ΛC``, ``C = (I - B)⁻¹``. A loading ``(r, c)`` or a
    regression ``(r, c)`` moves ``A`` by ``u cᵀ`` with ``c = C[c, :]`` and ``u = e_r`` or
    ``A[:, r]``; only these, and their pairs with ``Ψ`` and ``α`` cells, have second
    derivatives: ``2 (u_bᵀ R u_a)(c_aᵀ Ψ c_b)`` for two of them; for a regression ``(s, t)``
    ``b``, ``C[c_a, s] (2 (H R u_a)[t] + (gᵀu_a) η[t])`` (``H = CΨAᵀ``, ``η = Cα``) and its
    mirror; ``2 C[c_a, s] (Aᵀ R u_a)[t]`` with a ``Ψ`` cell ``(s, t)``; ``(gᵀ u_a) C[c_a, s]``
    with an ``α`` cell ``s``.
    """
    A, C, psi, eta = imp.a, imp.c, imp.psi, imp.eta_mean
    n, p = A.shape[:2]
    lam, beta = mm.free[LAMBDA], mm.free[BETA]
    rows = np.concatenate([lam.rows, beta.rows])
    cols = np.concatenate([lam.cols, beta.cols])
    params = np.concatenate([lam.params, beta.params])
    is_beta = np.r_[np.zeros(len(lam.rows), dtype=bool), np.ones(len(beta.rows), dtype=bool)]
    q = mm.n_params
    out = np.zeros((n, q, q))
    if not len(rows):
        return out
    u = np.zeros((n, p, len(rows)))  # e_r for a loading, A[:, r] for a regression
    u[:, lam.rows, np.arange(len(lam.rows))] = 1.0
    u[:, :, len(lam.rows):] = A[:, :, beta.rows]
    c = C[:, cols]  # (n, cells, m): row c of C per cell
    Ru = R @ u
    gu = (g[:, None, :] @ u)[:, 0]
    pairs = 2.0 * (u.transpose(0, 2, 1) @ Ru) * (c @ psi @ c.transpose(0, 2, 1))
    H = C @ psi @ A.transpose(0, 2, 1)
    # regression partner j = (s, t): C[c_i, s] (2 (H R u_i)[t] + (gᵀu_i) η[t])
    inner = 2.0 * (H @ Ru)[:, cols] + eta[:, cols][:, :, None] * gu[:, None, :]  # [t_j, i]
    s = np.where(is_beta, rows, 0)  # a loading's row is no inner index: masked out
    mirror = np.where(is_beta[None, None, :], c[:, :, s] * inner.transpose(0, 2, 1), 0.0)
    _add_block(out, params, params, pairs + mirror + mirror.transpose(0, 2, 1))
    ps = mm.free[PSI]
    al = mm.free[ALPHA]
    for cross, at in (
            (2.0 * c[:, :, ps.rows] * (A.transpose(0, 2, 1) @ Ru)[:, ps.cols].transpose(0, 2, 1),
             ps.params),
            (c[:, :, al.rows] * gu[:, :, None] if mm.meanstructure else None, al.params)):
        if cross is not None and len(at):
            _add_block(out, params, at, cross)
            _add_block(out, at, params, cross.transpose(0, 2, 1))
    return out
