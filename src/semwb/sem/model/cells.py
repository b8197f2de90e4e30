"""Pulling matrices back to parameters through the cells of ``∂Σ/∂θ``, for a stack.

Every ``∂Σ/∂θ_k`` is a sum of symmetric cells ``s (x yᵀ + y xᵀ)`` whose vectors are rows of
``Z = [I_p; H; Aᵀ]`` (:class:`~semwb.sem.model.structure.Cells`). The gradient needs
``tr(R ∂Σ/∂θ_k)`` and the information and Hessian ``tr(X Δ_a Y Δ_b)``; both are entries of
``Z M Zᵀ`` for ``M = R, X, Y``, a ``(p + 2m)²`` matrix per stack member made from one
``p × p`` by ``p × 2m`` product (:func:`inner_gram`), so no ``q × p × p`` Jacobian is formed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from semwb.sem.model.structure import Array, Index, ModelMatrices

if TYPE_CHECKING:
    from semwb.sem.model.algebra import Implied


def _columns(imp: Implied) -> Array:
    """``W = [Hᵀ, A]`` ``(n, p, 2m)``: the columns of ``Zᵀ`` after the identity."""
    return np.concatenate([imp.a @ imp.psi @ imp.c.transpose(0, 2, 1), imp.a], axis=2)


def cell_forms(mm: ModelMatrices, imp: Implied, M: Array) -> Array:
    """``x_cᵀ M y_c + y_cᵀ M x_c`` ``(n, cells)`` for ``M (n, p, p)``, without forming ``Z M Zᵀ``.

    A cell's vectors lie in the identity block (``x < p``) or in ``W`` (:func:`_columns`), so
    its form is an entry of ``M``, of ``V = M W`` or of ``Wᵀ V``.
    """
    cells = mm.pieces.cells
    n, p = M.shape[:2]
    W = _columns(imp)
    w = W.shape[2]
    V = M @ W
    T = W.transpose(0, 2, 1) @ V
    x, y = cells.x, cells.y  # x <= y
    out = np.empty((n, len(x)))
    both = y < p
    out[:, both] = (M.reshape(n, -1)[:, x[both] * p + y[both]]
                    + M.reshape(n, -1)[:, y[both] * p + x[both]])
    mixed = (x < p) & (y >= p)
    out[:, mixed] = 2.0 * V.reshape(n, -1)[:, x[mixed] * w + y[mixed] - p]  # M symmetric
    inner = x >= p
    out[:, inner] = (T.reshape(n, -1)[:, (x[inner] - p) * w + y[inner] - p]
                     + T.reshape(n, -1)[:, (y[inner] - p) * w + x[inner] - p])
    return out


def inner_gram(imp: Implied, M: Array) -> Array:
    """``G = Z M Zᵀ`` ``(n, p + 2m, p + 2m)`` for symmetric ``M (n, p, p)``: ``y_iᵀ M x_j`` of
    every pair of piece vectors.

    Notes
    -----
    ``Z = [I_p; H; Aᵀ]``: with ``W = [Hᵀ, A]`` ``(p, 2m)`` and ``V = M W``, ``G`` is
    ``[[M, V], [Vᵀ, Wᵀ V]]``, one ``p × p`` by ``p × 2m`` product instead of two with ``Z``.
    """
    n, p = imp.sigma.shape[:2]
    W = _columns(imp)
    V = M @ W
    T = W.transpose(0, 2, 1) @ V
    G = np.empty((n, p + W.shape[2], p + W.shape[2]))
    G[:, :p, :p] = M
    G[:, :p, p:] = V
    G[:, p:, :p] = V.transpose(0, 2, 1)
    G[:, p:, p:] = 0.5 * (T + T.transpose(0, 2, 1))
    return G


def to_params(mm: ModelMatrices, values: Array, axes: tuple[int, ...] = (1,)) -> Array:
    """Sum per-cell values (:class:`~semwb.sem.model.structure.Cells`) into parameters along
    ``axes``; the cells are sorted by parameter, so this is one ``reduceat`` per axis (nothing
    when every parameter is one cell, in order)."""
    k = mm.pieces.cells.param
    q = mm.n_params
    if k.size == q and np.array_equal(k, np.arange(q)):
        return values
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if k.size else k
    for axis in axes:
        shape = list(values.shape)
        shape[axis] = q
        out = np.zeros(shape)
        if k.size:
            index: list[slice | Index] = [slice(None)] * values.ndim
            index[axis] = k[starts]
            out[tuple(index)] = np.add.reduceat(values, starts, axis=axis)
        values = out
    return values


def trace_pairs(mm: ModelMatrices, G: Array, F: Array) -> Array:
    """``tr(X Δ_a Y Δ_b)`` ``(n, q, q)`` from ``G = Z X Zᵀ`` and ``F = Z Y Zᵀ``
    (:func:`inner_gram`; ``X``, ``Y`` symmetric).

    Notes
    -----
    With ``Δ_a = Σ_c s_c (x_c y_cᵀ + y_c x_cᵀ)`` (cells), a pair of cells gives
    ``s_a s_b (G[y_a, x_b] F[y_b, x_a] + G[y_a, y_b] F[x_b, x_a] + G[x_a, x_b] F[y_b, y_a]
    + G[x_a, y_b] F[x_b, y_a])``: gathers from two ``(p + 2m)²`` matrices per stack member
    instead of products of ``q`` full ``p × p`` Jacobian slices.
    """
    cells = mm.pieces.cells
    n, d = G.shape[:2]
    x, y = cells.x, cells.y
    g_flat, f_flat = G.reshape(n, d * d), F.reshape(n, d * d)
    c = len(x)
    pairs = np.zeros((n, c * c))
    left, right = np.empty_like(pairs), np.empty_like(pairs)  # reused: few large temporaries
    # G and F are symmetric: G[y_b, x_a] is G[x_a, y_b], so no transposed copies are needed
    # (mode "clip": an ``out`` is then written directly, not through a buffer; indices are valid)
    for gr, gc, fr, fc in ((y, x, x, y), (x, y, y, x), (y, y, x, x), (x, x, y, y)):
        np.take(g_flat, (gr[:, None] * d + gc[None, :]).ravel(), axis=1, out=left, mode="clip")
        np.take(f_flat, (fr[:, None] * d + fc[None, :]).ravel(), axis=1, out=right, mode="clip")
        left *= right
        pairs += left
    pairs *= (cells.scale[:, None] * cells.scale[None, :]).ravel()
    c = len(x)
    return to_params(mm, pairs.reshape(n, c, c), axes=(1, 2))


