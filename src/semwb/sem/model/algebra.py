"""Model algebra for a stack of parameter vectors: implied moments, Jacobians, ML kernels.

Every function takes parameter vectors ``θ`` of shape ``(n, q)`` and works on all ``n`` at once
(one fit is ``n = 1``; a bootstrap chunk is hundreds). The fitting function ``F`` is
``-2 log L / N`` up to a constant, over one or more missing-data patterns (:class:`Moments`):

``F = Σ_g w_g [log|Σ_g| + tr(Σ_g⁻¹ (S_g + d_g d_gᵀ))]``, with ``d_g = ȳ_g - μ_g`` and ``w_g`` the
pattern's share of the rows; complete data are one pattern and ``F`` is then lavaan's ML
discrepancy plus ``log|S| + p``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.cells import cell_forms, inner_gram, to_params, trace_pairs
from semwb.sem.model.factor import cholesky_factor, cholesky_inverse, logdet_of_factor
from semwb.sem.model.structure import (
    ALPHA,
    BETA,
    LAMBDA,
    NU,
    PSI,
    Array,
    Index,
    ModelMatrices,
)
from semwb.sem.model.woodbury import logdet_inverse

if TYPE_CHECKING:
    from semwb.sem.model.missing import MissingRows


def fill_matrices(mm: ModelMatrices, theta: Array, S: Array | None = None,
                  mean: Array | None = None) -> list[Array]:
    """Stacks of the six matrices ``(B, Λ, Ψ, Θ, ν, α)``, each ``(n, ., .)``.

    ``S`` ``(n, p, p)`` and ``mean`` ``(n, p)`` are the sample moments that fixed.x cells take
    (the stored estimate's when None: the cells then keep the fitted data's values).
    """
    theta = np.atleast_2d(theta)
    n = theta.shape[0]
    out = []
    for kind in range(6):
        mat = np.repeat(mm.fixed[kind][None], n, axis=0)
        loc = mm.free[kind]
        if loc.params.size:
            mat[:, loc.rows, loc.cols] = theta[:, loc.params]
        out.append(mat)
    x = mm.xcells
    if x.kind.size and S is not None:
        for kind, r, c, a, b in zip(x.kind, x.row, x.col, x.var_a, x.var_b, strict=True):
            if kind == PSI:
                out[kind][:, r, c] = S[:, a, b]
            elif mean is not None:
                out[kind][:, r, 0] = mean[:, a]
    return out


def with_sample_moments(mm: ModelMatrices, S: Array, mean: Array | None) -> ModelMatrices:
    """``mm`` whose fixed.x cells hold the moments of one data set (``S (p, p)``, ``mean (p,)``)."""
    x = mm.xcells
    if not x.kind.size:
        return mm
    fixed = [f.copy() for f in mm.fixed]
    for kind, r, c, a, b in zip(x.kind, x.row, x.col, x.var_a, x.var_b, strict=True):
        if kind == PSI:
            fixed[kind][r, c] = S[a, b]
        elif mean is not None:
            fixed[kind][r, 0] = mean[a]
    return replace(mm, fixed=(fixed[0], fixed[1], fixed[2], fixed[3], fixed[4], fixed[5]))


@dataclass(frozen=True)
class Implied:
    """Implied moments of a stack and the pieces they are made of.

    ``sigma (n, p, p)``, ``mu (n, p)``, ``a = ΛC (n, p, m)``, ``c = (I - B)⁻¹``, ``psi``,
    ``eta_mean = C α (n, m)``.
    """

    sigma: Array
    mu: Array
    a: Array
    c: Array
    psi: Array
    eta_mean: Array


def implied(mm: ModelMatrices, theta: Array, S: Array | None = None,
            mean: Array | None = None) -> Implied:
    """``Σ(θ) = ΛC Ψ CᵀΛᵀ + Θ`` and ``μ(θ) = ν + ΛCα`` for each row of ``theta (n, q)``."""
    B, L, P, T, nu, alpha = fill_matrices(mm, theta, S, mean)
    C = _inverse_of_i_minus(mm, B)
    A = L @ C
    eta_mean = (C @ alpha)[:, :, 0]
    mu = nu[:, :, 0] + (A @ alpha)[:, :, 0]
    sigma = A @ P @ A.transpose(0, 2, 1)
    sigma += T
    return Implied(sigma, mu, A, C, P, eta_mean)


def _inverse_of_i_minus(mm: ModelMatrices, B: Array) -> Array:
    """``(I - B)⁻¹`` for a stack: ``I + B + … + B^(k-1)`` when the regressions are recursive
    (``B^k = 0`` by structure), else by inversion."""
    beta = mm.free[BETA]
    pattern = mm.fixed[BETA] != 0
    pattern[beta.rows, beta.cols] = True
    k = _nilpotency(pattern.shape[0], pattern.tobytes())
    eye = np.eye(B.shape[1])[None]
    if k is None:
        return np.asarray(np.linalg.inv(eye - B), dtype=np.float64)
    C = np.broadcast_to(eye, B.shape)
    for _ in range(k - 1):  # Horner: I + B (I + B (…))
        C = eye + B @ C
    return np.array(C, dtype=np.float64)


@lru_cache(maxsize=64)
def _nilpotency(m: int, pattern: bytes) -> int | None:
    """The least ``k`` with ``B^k = 0`` for every ``B`` with this nonzero pattern (None: cyclic)."""
    mask = np.frombuffer(pattern, dtype=bool).reshape(m, m).astype(np.int64)
    power = np.eye(m, dtype=np.int64)
    for k in range(1, m + 1):
        power = np.minimum(power @ mask, 1)
        if not power.any():
            return k
    return None


def sigma_jacobian(mm: ModelMatrices, imp: Implied) -> Array:
    """Analytic Jacobian ``∂Σ/∂θ_k`` of shape ``(n, q, p, p)`` (for tests and small models).

    Notes
    -----
    With ``H = C Ψ Aᵀ``: a loading at ``(r, c)`` gives ``e_r H[c]ᵀ + H[c] e_rᵀ``; a regression at
    ``(r, c)`` gives ``A[:, r] H[c]ᵀ + H[c] A[:, r]ᵀ``; a ``Ψ`` cell gives ``A[:, r] A[:, c]ᵀ``;
    a ``Θ`` cell gives ``e_r e_cᵀ`` (symmetric cells are listed in both triangles).
    """
    X, Y = piece_vectors(mm, imp)
    n, _, p = X.shape
    jac = np.zeros((n, mm.n_params, p, p))
    outer = X[:, :, :, None] * Y[:, :, None, :]
    for i, k in enumerate(mm.pieces.param):
        jac[:, k] += outer[:, i]
    return jac


def mean_jacobian(mm: ModelMatrices, imp: Implied) -> Array:
    """Analytic Jacobian ``∂μ/∂θ_k`` of shape ``(n, q, p)``.

    Notes
    -----
    ``ν_r`` gives ``e_r``; ``α_c`` gives ``A[:, c]``; a loading at ``(r, c)`` gives
    ``e_r (Cα)_c``; a regression at ``(r, c)`` gives ``A[:, r] (Cα)_c``.
    """
    n, p = imp.mu.shape
    jac = np.zeros((n, mm.n_params, p))
    if not mm.meanstructure:
        return jac
    for kind in (NU, ALPHA, LAMBDA, BETA):
        loc = mm.free[kind]
        for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
            if kind == NU:
                jac[:, k, r] += 1.0
            elif kind == ALPHA:
                jac[:, k] += imp.a[:, :, r]
            elif kind == LAMBDA:
                jac[:, k, r] += imp.eta_mean[:, c]
            else:
                jac[:, k] += imp.a[:, :, r] * imp.eta_mean[:, c, None]
    return jac


def _z(imp: Implied) -> Array:
    """``Z = [I_p; H; Aᵀ]`` ``(n, p + 2m, p)``, whose rows are the pieces' vectors."""
    n, p = imp.sigma.shape[:2]
    At = imp.a.transpose(0, 2, 1)
    H = imp.c @ imp.psi @ At
    return np.concatenate([np.broadcast_to(np.eye(p), (n, p, p)), H, At], axis=1)


def piece_vectors(mm: ModelMatrices, imp: Implied) -> tuple[Array, Array]:
    """The ``x`` and ``y`` vectors of every Jacobian piece, each ``(n, pieces, p)``."""
    Z = _z(imp)
    return Z[:, mm.pieces.x], Z[:, mm.pieces.y]


def _sum_pieces(mm: ModelMatrices, values: Array, axis: int = 1) -> Array:
    """Sum per-piece values along ``axis`` into per-parameter values (``q`` long there).

    Sorted segments and ``np.add.reduceat``: ``np.add.at`` (unbuffered scatter) took a third of
    a 92-item CFA's fit.
    """
    k = mm.pieces.param
    shape = list(values.shape)
    shape[axis] = mm.n_params
    out = np.zeros(shape)
    if not k.size:
        return out
    order = np.argsort(k, kind="stable")
    ks = k[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    index: list[slice | Index] = [slice(None)] * values.ndim
    index[axis] = ks[starts]
    out[tuple(index)] = np.add.reduceat(np.take(values, order, axis=axis), starts, axis=axis)
    return out


@dataclass(frozen=True)
class Pattern:
    """Rows sharing one pattern of observed variables: their weight, moments and columns.

    ``S (n, k, k)`` and ``mean (n, k)`` are biased moments of the pattern's rows over its
    ``columns`` (one per stack member); ``weight`` is the pattern's share of all rows.
    """

    columns: NDArray[np.intp]
    weight: float
    S: Array
    mean: Array


@dataclass(frozen=True)
class Evaluation:
    """``F``, its gradient pieces and what the information needs, for a stack.

    ``moment_gradient`` is ``(∂F/∂Σ (n, p, p), ∂F/∂μ (n, p))`` when the objective computed it on
    the way (the FIML kernel, :mod:`semwb.sem.model.missing`), else None.
    """

    value: Array
    ok: NDArray[np.bool_]
    imp: Implied
    sigma_inv: Array
    moment_gradient: tuple[Array, Array] | None = None


def objective(mm: ModelMatrices, theta: Array, patterns: list[Pattern],
              S_full: Array | None = None, mean_full: Array | None = None) -> Evaluation:
    """``F(θ)`` over the patterns for each row of ``theta`` (``inf`` where ``Σ`` is not PD).

    ``S_full`` / ``mean_full`` are the moments fixed.x cells take (see :func:`fill_matrices`).
    When every row of ``theta`` is one point (a stack's warm start) and no fixed.x moments are
    given, the model's side (``Σ``, ``Σ⁻¹``, ``log|Σ|``) is made once and repeated for the
    rows (the same bits); only the data's side is per row.
    """
    theta = np.atleast_2d(theta)
    n = theta.shape[0]
    one = (n > 1 and S_full is None and mean_full is None
           and bool((theta == theta[:1]).all()))
    point = theta[:1] if one else theta
    imp = _spread(implied(mm, point, S_full, mean_full), n)
    p = imp.sigma.shape[1]
    value = np.zeros(n)
    ok = np.ones(n, dtype=bool)
    full_inv: Array | None = None
    for pat in patterns:
        cols = pat.columns
        if _complete(cols, p):  # the same matrix as Σ⁻¹ below: computed once
            logdet, inv, good = logdet_inverse(mm, point, imp.a[:len(point)],
                                               imp.psi[:len(point)], imp.sigma[:len(point)])
            full_inv = inv = _spread_array(inv, n)
        else:
            chol, good = cholesky_factor(imp.sigma[:len(point), cols[:, None], cols[None, :]])
            logdet, inv = logdet_of_factor(chol), _spread_array(cholesky_inverse(chol), n)
        ok &= good
        tr = np.einsum("nij,nji->n", pat.S, inv)
        if mm.meanstructure:
            d = pat.mean - imp.mu[:, cols]
            tr += np.einsum("ni,nij,nj->n", d, inv, d)
        value += pat.weight * (logdet + tr)
    if full_inv is None or len(patterns) > 1:
        full_inv = np.linalg.inv(np.where(ok[:, None, None], imp.sigma, np.eye(p)[None]))
    return Evaluation(np.where(ok, value, np.inf), ok, imp, full_inv)


def _spread(imp: Implied, n: int) -> Implied:
    """``imp`` as a stack of ``n`` members (its one member repeated when it has one)."""
    if imp.sigma.shape[0] == n:
        return imp
    return Implied(*(_spread_array(x, n) for x in (
        imp.sigma, imp.mu, imp.a, imp.c, imp.psi, imp.eta_mean)))


def _spread_array(x: Array, n: int) -> Array:
    """A stack ``x`` of one member repeated ``n`` times (copies: callers write into evaluations
    in place); ``x`` itself when it has ``n``."""
    return x if x.shape[0] == n else np.repeat(x, n, axis=0)


def _complete(cols: NDArray[np.intp], p: int) -> bool:
    """Whether a pattern's columns are all ``p`` variables in order (complete data)."""
    return len(cols) == p and bool(np.all(cols == np.arange(p)))


def gradient(mm: ModelMatrices, ev: Evaluation, patterns: list[Pattern] | MissingRows) -> Array:
    """Analytic gradient ``∂F/∂θ`` ``(n, q)``.

    Notes
    -----
    When ``ev`` carries its moment gradient (FIML rows), only the pull-back remains. Otherwise,
    per pattern, ``∂F/∂Σ_oo = w (Σ⁻¹ - Σ⁻¹(S + d dᵀ)Σ⁻¹)`` and ``∂F/∂μ_o = -2 w Σ⁻¹ d``; they
    are embedded in ``p × p`` / ``p`` arrays ``R`` and ``g`` and pulled back through the pieces
    (``tr(R x yᵀ) = yᵀ R x``) and the mean Jacobian.
    """
    if ev.moment_gradient is not None:
        return pull_back(mm, ev.imp, *ev.moment_gradient)
    assert isinstance(patterns, list), "FIML rows give their moment gradient with F"
    imp = ev.imp
    n, p = imp.mu.shape
    g_mu = np.zeros((n, p))
    if len(patterns) == 1 and _complete(patterns[0].columns, p) and not mm.meanstructure:
        pat, inv = patterns[0], ev.sigma_inv  # complete data: R without embedding
        R = inv @ pat.S @ inv
        np.subtract(inv, R, out=R)
        if pat.weight != 1.0:
            R *= pat.weight
        return pull_back(mm, imp, R, g_mu)
    R = np.zeros((n, p, p))
    for pat in patterns:
        cols = pat.columns
        if len(patterns) == 1 and _complete(cols, p):  # Σ⁻¹ of the objective, as computed there
            inv = ev.sigma_inv
        else:
            sig = imp.sigma[:, cols[:, None], cols[None, :]]
            inv = np.linalg.inv(np.where(ev.ok[:, None, None], sig, np.eye(len(cols))[None]))
        d = pat.mean - imp.mu[:, cols] if mm.meanstructure else np.zeros_like(pat.mean)
        outer = pat.S + d[:, :, None] * d[:, None, :]
        R[:, cols[:, None], cols[None, :]] += pat.weight * (inv - inv @ outer @ inv)
        if mm.meanstructure:
            g_mu[:, cols] += -2.0 * pat.weight * (inv @ d[:, :, None])[:, :, 0]
    return pull_back(mm, imp, R, g_mu)


def pull_back(mm: ModelMatrices, imp: Implied, R: Array, g_mu: Array) -> Array:
    """``∂F/∂θ`` ``(n, q)`` from ``∂F/∂Σ = R (n, p, p)`` (symmetric) and ``∂F/∂μ = g_mu (n, p)``.

    Notes
    -----
    ``tr(R s (x yᵀ + y xᵀ)) = s (xᵀ R y + yᵀ R x)`` per cell, summed into its parameter; plus
    ``J_μᵀ g_mu``.
    """
    grad = to_params(mm, mm.pieces.cells.scale * cell_forms(mm, imp, R))
    if mm.meanstructure:
        grad += np.einsum("nkp,np->nk", mean_jacobian(mm, imp), g_mu)
    return grad


def information(mm: ModelMatrices, imp: Implied, sigma_inv: Array) -> Array:
    """Expected information per unit of ``F`` (complete data), ``(n, q, q)``.

    For multiple groups (``mm.blocks``) the groups' informations weighted by ``n_g / N``.
    """
    if mm.blocks is None:
        return _information(mm, imp, sigma_inv)
    total = np.zeros((sigma_inv.shape[0], mm.n_params, mm.n_params))
    for cols, weight in mm.blocks:
        block_inv = np.zeros_like(sigma_inv)  # Σ is block-diagonal: its inverse block by block
        block_inv[:, cols[:, None], cols[None, :]] = sigma_inv[:, cols[:, None], cols[None, :]]
        total += weight * _information(mm, imp, block_inv)
    return total


def _information(mm: ModelMatrices, imp: Implied, sigma_inv: Array) -> Array:
    """Expected information of one group per unit of ``F``, ``(n, q, q)``.

    ``I_kl = tr(Σ⁻¹ Δ_k Σ⁻¹ Δ_l) + 2 μ_kᵀ Σ⁻¹ μ_l``; the asymptotic covariance of the ML estimate
    from ``N`` cases is ``(N/2 · I)⁻¹``.

    The trace term is :func:`trace_pairs` of ``G = Z Σ⁻¹ Zᵀ`` with itself.
    """
    G = inner_gram(imp, sigma_inv)
    info = trace_pairs(mm, G, G)
    if mm.meanstructure:
        J = mean_jacobian(mm, imp)
        info = info + 2.0 * J @ sigma_inv @ J.transpose(0, 2, 1)
    return np.asarray(info)
