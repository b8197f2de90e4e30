"""Sample statistics of ordinal items and their asymptotic covariance (lavaan's NACOV, Γ).

The statistics are ``s = (τ, ρ)``: every item's thresholds, then the polychoric correlations in
lavaan's order. Their asymptotic covariance follows Muthén (1984) as lavaan's ``muthen1984``
computes it: with the stacked casewise scores ``G = [∂ℓ/∂τ (univariate), ∂ℓ/∂ρ (bivariate)]``,
``INNER = GᵀG``, the bread ``B = [[A11, 0], [A21, A22]]`` with ``A11`` the per-item blocks of
``INNER``, ``A21`` the cross-products of each correlation's scores with the bivariate threshold
scores of its two items, and ``A22`` the diagonal of the correlation scores' cross-products;
``Γ = N · B⁻¹ INNER B⁻ᵀ``. The DWLS weight is ``diag(Γ)⁻¹``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal.polychoric import cell_scores, fit_polychoric, pair_cells, pairs
from semwb.sem.ordinal.thresholds import OrdinalData, threshold_scores

Array = NDArray[np.float64]


@dataclass(frozen=True)
class OrdinalStats:
    """Sample thresholds, polychoric correlations and ``Γ`` of one data set.

    Attributes
    ----------
    data
        The coded items and their thresholds.
    correlation
        ``(p, p)`` polychoric correlation matrix.
    gamma
        ``N`` times the asymptotic covariance of :attr:`vector`.
    """

    data: OrdinalData
    correlation: Array
    gamma: Array

    @property
    def n_thresholds(self) -> int:
        """Number of thresholds (the first entries of :attr:`vector`)."""
        return sum(len(t) for t in self.data.thresholds)

    @property
    def vector(self) -> Array:
        """``s``: the thresholds, then the correlations below the diagonal, column by column."""
        p = len(self.data.names)
        rho = [self.correlation[i, j] for i, j in pairs(p)]
        return np.concatenate([*self.data.thresholds, np.asarray(rho)])

    @property
    def weight(self) -> Array:
        """The DWLS weights ``1 / diag(Γ)``."""
        return np.asarray(1.0 / np.diag(self.gamma))


def ordinal_stats(data: OrdinalData) -> OrdinalStats:
    """Polychoric correlations and ``Γ`` of the coded items ``data``."""
    p = len(data.names)
    index = pairs(p)
    cells = pair_cells(data)
    rho = fit_polychoric(cells)
    R = np.eye(p)
    for k, (i, j) in enumerate(index):
        R[i, j] = R[j, i] = rho[k]
    starts = np.cumsum([0] + [len(t) for t in data.thresholds])
    sc_th = threshold_scores(data)
    per_cell = cell_scores(cells, rho)
    sc_cor = np.empty((data.n_obs, len(index)))
    a21 = np.zeros((len(index), starts[-1]))
    for k, (i, j) in enumerate(index):
        sc_cor[:, k] = per_cell.rho[k, data.codes[:, i], data.codes[:, j]]
        a21[k, starts[i]:starts[i + 1]] = per_cell.a21_i[k, :starts[i + 1] - starts[i]]
        a21[k, starts[j]:starts[j + 1]] = per_cell.a21_j[k, :starts[j + 1] - starts[j]]
    scores_all = np.concatenate([sc_th, sc_cor], axis=1)
    inner = scores_all.T @ scores_all
    a11 = np.zeros((starts[-1], starts[-1]))
    for j in range(p):
        block = slice(starts[j], starts[j + 1])
        a11[block, block] = inner[block, block]
    a11_inv = np.linalg.inv(a11)
    a22_inv = 1.0 / np.einsum("nk,nk->k", sc_cor, sc_cor)
    b_inv = np.zeros_like(inner)
    n_th = starts[-1]
    b_inv[:n_th, :n_th] = a11_inv
    b_inv[n_th:, n_th:] = np.diag(a22_inv)
    b_inv[n_th:, :n_th] = -a22_inv[:, None] * (a21 @ a11_inv)
    gamma = data.n_obs * (b_inv @ inner @ b_inv.T)
    return OrdinalStats(data, R, gamma)
