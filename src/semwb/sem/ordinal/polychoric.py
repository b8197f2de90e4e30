"""Polychoric correlations, two-step as lavaan (``lav_samplestats_step2``, ``lav_bvord``).

With the thresholds of step 1 held fixed, each pair's correlation maximises the bivariate
ordinal log-likelihood ``Σ_ab n_ab log P_ab(ρ)`` of its contingency table, where ``P_ab`` is the
bivariate normal probability of the rectangle of categories ``(a, b)``. All pairs are fitted at
once by Fisher scoring on ``ρ``. :func:`cell_scores` gives what lavaan's ``lav_bvord_cor_scores``
feeds into ``Γ``: ``∂ log P / ∂ρ`` and its cross-products with ``∂ log P / ∂τ`` of both items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal import bivariate
from semwb.sem.ordinal.thresholds import INF, OrdinalData

Array = NDArray[np.float64]

#: Correlations are kept inside ``±RHO_MAX`` while fitting (lavaan 0.6.14 stops at 0.999 too).
RHO_MAX = 0.999


def pairs(p: int) -> list[tuple[int, int]]:
    """Item pairs ``(i, j)``, ``i > j``, in lavaan's order (``vech`` without the diagonal)."""
    return [(i, j) for j in range(p) for i in range(j + 1, p)]


@dataclass(frozen=True)
class PairCells:
    """Every pair's contingency table and threshold grid, padded to a common size.

    ``counts (pairs, K, L)``; ``tau_i (pairs, K + 1)`` and ``tau_j (pairs, L + 1)`` are the
    thresholds with ``±INF`` ends (padding categories get ``+INF`` limits and no counts).
    """

    counts: Array
    tau_i: Array
    tau_j: Array


def pair_cells(data: OrdinalData) -> PairCells:
    """Contingency tables of all item pairs."""
    p = len(data.names)
    size = max(len(t) for t in data.thresholds) + 1
    grid = np.full((p, size + 1), INF)
    for j in range(p):
        grid[j, :len(data.thresholds[j]) + 2] = data.padded(j)
    index = pairs(p)
    counts = np.zeros((len(index), size, size))
    for k, (i, j) in enumerate(index):
        np.add.at(counts[k], (data.codes[:, i], data.codes[:, j]), 1.0)
    first = np.array([i for i, _ in index], dtype=np.intp)
    second = np.array([j for _, j in index], dtype=np.intp)
    return PairCells(counts, grid[first], grid[second])


def _corners(cells: PairCells, rho: Array) -> Array:
    """``Φ₂`` at every grid corner, ``(pairs, K + 1, L + 1)``."""
    return bivariate.cdf(cells.tau_i[:, :, None], cells.tau_j[:, None, :], rho[:, None, None])


def _rect(corner: Array) -> Array:
    """Rectangle masses from corner values: ``F[a+1,b+1] - F[a,b+1] - F[a+1,b] + F[a,b]``."""
    return corner[:, 1:, 1:] - corner[:, :-1, 1:] - corner[:, 1:, :-1] + corner[:, :-1, :-1]


def cell_probabilities(cells: PairCells, rho: Array) -> tuple[Array, Array]:
    """``P_ab`` and ``∂P_ab/∂ρ`` of every cell of every pair."""
    dens = bivariate.pdf(cells.tau_i[:, :, None], cells.tau_j[:, None, :], rho[:, None, None])
    return _rect(_corners(cells, rho)), _rect(dens)


def _loglik(counts: Array, prob: Array) -> Array:
    used = counts > 0
    return np.asarray(np.where(used, counts * np.log(np.where(used, prob, 1.0)), 0.0)
                      .sum(axis=(1, 2)))


def fit_polychoric(cells: PairCells, *, tol: float = 1e-10, max_iter: int = 100) -> Array:
    """The ML correlation of every pair given its thresholds (Fisher scoring from 0)."""
    n_pairs = cells.counts.shape[0]
    rho = np.zeros(n_pairs)
    total = cells.counts.sum(axis=(1, 2))
    prob, dprob = cell_probabilities(cells, rho)
    value = _loglik(cells.counts, prob)
    for _ in range(max_iter):
        safe = np.where(prob > 0, prob, 1.0)
        grad = np.where(cells.counts > 0, cells.counts * dprob / safe, 0.0).sum(axis=(1, 2))
        info = total * np.where(prob > 0, dprob * dprob / safe, 0.0).sum(axis=(1, 2))
        step = grad / np.maximum(info, 1e-300)
        if np.max(np.abs(step)) < tol:
            break
        scale = np.ones(n_pairs)
        for _ in range(40):
            trial = np.clip(rho + scale * step, -RHO_MAX, RHO_MAX)
            tprob, tdprob = cell_probabilities(cells, trial)
            tvalue = _loglik(cells.counts, tprob)
            worse = ~(tvalue >= value - 1e-12 * np.abs(value))
            if not worse.any():
                break
            scale = np.where(worse, scale / 2, scale)
        rho, prob, dprob, value = trial, tprob, tdprob, tvalue
    return rho


@dataclass(frozen=True)
class CellScores:
    """Scores of every pair at its correlation, per cell of its table.

    ``rho (pairs, K, L)`` is ``∂ log P_ab / ∂ρ``; ``a21_i (pairs, K - 1)`` and
    ``a21_j (pairs, L - 1)`` are ``Σ_cases (∂ log P/∂ρ)(∂ log P/∂τ)`` for the thresholds of the
    pair's first and second item (lavaan's ``A21`` entries; padding thresholds give 0).
    """

    rho: Array
    a21_i: Array
    a21_j: Array


def cell_scores(cells: PairCells, rho: Array) -> CellScores:
    """The casewise scores of :func:`fit_polychoric`'s model, computed once per cell.

    Notes
    -----
    ``∂P_ab/∂τ_i`` at the upper limit of category ``a`` is ``D[a+1, b]`` and at its lower limit
    ``-D[a, b]``, with ``D[a', b] = ∂Φ₂/∂h(τ_a', τ_b+1) - ∂Φ₂/∂h(τ_a', τ_b)``; so with
    ``Q = n · (∂P/∂ρ) / P²`` the cross-product for threshold ``t`` is
    ``Σ_b D[t+1, b] (Q[t, b] - Q[t+1, b])`` (and likewise for the second item).
    """
    prob, dprob = cell_probabilities(cells, rho)
    used = (cells.counts > 0) & (prob > 0)
    safe = np.where(used, prob, 1.0)
    score = np.where(used, dprob / safe, 0.0)
    Q = np.where(used, cells.counts * score / safe, 0.0)
    r = rho[:, None, None]
    ti, tj = cells.tau_i[:, :, None], cells.tau_j[:, None, :]
    G = bivariate.cdf_dh(ti, tj, r)  # ∂Φ₂/∂h on the grid (pairs, K + 1, L + 1)
    D = G[:, :, 1:] - G[:, :, :-1]
    a21_i = np.einsum("ptb,ptb->pt", D[:, 1:-1], Q[:, :-1] - Q[:, 1:])
    G2 = bivariate.cdf_dh(tj, ti, r)  # ∂Φ₂/∂k, by symmetry of Φ₂ in (h, k)
    D2 = G2[:, 1:, :] - G2[:, :-1, :]
    a21_j = np.einsum("pat,pat->pt", D2[:, :, 1:-1], Q[:, :, :-1] - Q[:, :, 1:])
    return CellScores(score, a21_i, a21_j)
