"""Sample statistics of ordinal items and their asymptotic covariance (lavaan's NACOV, Γ).

The statistics are ``s = (τ, σ², ρ)``, in lavaan's order: every variable's thresholds (minus the
mean for a continuous column), the variances of the continuous columns, then the correlations
below the diagonal, column by column (covariances where a continuous column takes part). Their
asymptotic covariance follows Muthén (1984) as lavaan's ``muthen1984`` computes it: with the
stacked casewise scores ``G = [univariate, ∂ℓ/∂ρ (bivariate)]``, ``INNER = GᵀG``, the bread
``B = [[A11, 0], [A21, A22]]`` with ``A11`` the per-variable blocks of ``INNER``, ``A21`` the
cross-products of each correlation's scores with the bivariate scores of its two variables'
univariate statistics, and ``A22`` the diagonal of the correlation scores' cross-products;
``Γ = N · H B⁻¹ INNER B⁻ᵀ Hᵀ``, where ``H`` takes correlations to covariances by the delta rule,
and the signs of the mean rows are flipped. The DWLS weight is ``diag(Γ)⁻¹``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.ordinal.mixed import fit_polyserial, pearson_scores, polyserial_scores
from semwb.sem.ordinal.polychoric import cell_scores, fit_polychoric, pair_cells, pairs
from semwb.sem.ordinal.thresholds import OrdinalData, threshold_scores

Array = NDArray[np.float64]


@dataclass(frozen=True)
class OrdinalStats:
    """Sample statistics ``s`` of one data set and ``Γ``.

    Attributes
    ----------
    data
        The coded items (and continuous columns).
    correlation
        ``(p, p)`` polychoric / polyserial / Pearson correlation matrix.
    gamma
        ``N`` times the asymptotic covariance of :attr:`vector`.
    slopes
        With observed covariates (:mod:`.conditional`): the items' probit slopes ``(p, q)``,
        statistics after the thresholds (covariate by covariate); the thresholds and
        correlations are then conditional on the covariates.
    """

    data: OrdinalData
    correlation: Array
    gamma: Array
    slopes: Array | None = None

    @property
    def n_thresholds(self) -> int:
        """Entries of the first block (thresholds and minus means) of :attr:`vector`."""
        return len(self.data.slot_names)

    @property
    def n_slopes(self) -> int:
        """Slopes among the statistics (0 without covariates)."""
        return 0 if self.slopes is None else int(self.slopes.size)

    @property
    def n_univariate(self) -> int:
        """Entries before the correlations (thresholds, means, slopes, variances)."""
        return self.n_thresholds + self.n_slopes + int(self.data.numeric.sum())

    @property
    def covariance(self) -> Array:
        """The correlations scaled to covariances for the continuous columns."""
        sd = np.where(self.data.numeric, np.sqrt(self.data.variances), 1.0)
        return np.asarray(self.correlation * np.outer(sd, sd))

    @property
    def vector(self) -> Array:
        """``s``: thresholds (minus the mean of a continuous column), variances, covariances."""
        data = self.data
        first = [th if not num else np.array([-mean]) for th, num, mean in
                 zip(data.thresholds, data.numeric, data.means, strict=True)]
        cov = self.covariance
        lower = [cov[i, j] for i, j in pairs(len(data.names))]
        slopes = np.zeros(0) if self.slopes is None else self.slopes.T.ravel()
        return np.concatenate([*first, slopes, data.variances[data.numeric], np.asarray(lower)])

    @property
    def weight(self) -> Array:
        """The DWLS weights ``1 / diag(Γ)``."""
        return np.asarray(1.0 / np.diag(self.gamma))


def ordinal_stats(data: OrdinalData) -> OrdinalStats:
    """Correlations and ``Γ`` of the coded data ``data``."""
    p = len(data.names)
    index = pairs(p)
    slots = [1 if num else len(th) for th, num in zip(data.thresholds, data.numeric, strict=True)]
    starts = np.cumsum([0, *slots])
    n_first = int(starts[-1])
    var_at = {int(j): n_first + k for k, j in enumerate(np.flatnonzero(data.numeric))}
    n_uni = n_first + len(var_at)

    def univariate(j: int) -> list[int]:
        return [*range(starts[j], starts[j + 1]), *([var_at[j]] if j in var_at else [])]

    R = np.eye(p)
    sc_cor = np.empty((data.n_obs, len(index)))
    a21 = np.zeros((len(index), n_uni))
    ordinal = [int(j) for j in np.flatnonzero(~data.numeric)]
    sub = {(ordinal[a], ordinal[b]): k for k, (a, b) in enumerate(pairs(len(ordinal)))}
    if len(ordinal) > 1:
        items = data.subset(ordinal)
        cells = pair_cells(items)
        rho_ord = fit_polychoric(cells)
        per_cell = cell_scores(cells, rho_ord)
    for k, (i, j) in enumerate(index):
        if (i, j) in sub:
            m = sub[(i, j)]
            R[i, j] = R[j, i] = rho_ord[m]
            sc_cor[:, k] = per_cell.rho[m, data.codes[:, i], data.codes[:, j]]
            a21[k, starts[i]:starts[i + 1]] = per_cell.a21_i[m, :slots[i]]
            a21[k, starts[j]:starts[j + 1]] = per_cell.a21_j[m, :slots[j]]
            continue
        if data.numeric[i] and data.numeric[j]:
            R[i, j] = R[j, i] = np.corrcoef(data.values[:, i], data.values[:, j])[0, 1]
            sc = pearson_scores(data, i, j, R[i, j])
        elif data.numeric[i]:
            R[i, j] = R[j, i] = fit_polyserial(data, i, j)
            sc = polyserial_scores(data, i, j, R[i, j])
        else:
            R[i, j] = R[j, i] = fit_polyserial(data, j, i)
            flipped = polyserial_scores(data, j, i, R[i, j])
            sc = type(flipped)(flipped.rho, flipped.first_j, flipped.var_j, flipped.first_i,
                               flipped.var_i)
        sc_cor[:, k] = sc.rho
        for v, first, var in ((i, sc.first_i, sc.var_i), (j, sc.first_j, sc.var_j)):
            a21[k, starts[v]:starts[v + 1]] = sc.rho @ first
            if var is not None:
                a21[k, var_at[v]] = sc.rho @ var
    sc_first, sc_var = threshold_scores(data)
    middle = muthen_sandwich(np.concatenate([sc_first, sc_var], axis=1), sc_cor, a21,
                             [univariate(j) for j in range(p)])
    H = _delta_rule(data, R, index, n_uni, var_at)
    gamma = data.n_obs * (H @ middle @ H.T)
    flip = np.ones(len(gamma))
    flip[starts[:-1][data.numeric]] = -1.0  # the statistics hold minus the means
    return OrdinalStats(data, R, gamma * np.outer(flip, flip))


def muthen_sandwich(uni_scores: Array, cor_scores: Array, a21: Array,
                    blocks: Sequence[Sequence[int]]) -> Array:
    """``B⁻¹ GᵀG B⁻ᵀ`` (Muthén 1984, lavaan's ``muthen1984``) from the casewise scores of the
    univariate statistics ``(N, u)`` and of the correlations ``(N, r)``, the cross-products
    ``a21 (r, u)`` and the univariate statistics of each variable (``blocks``, into ``A11``)."""
    n_uni = uni_scores.shape[1]
    scores_all = np.concatenate([uni_scores, cor_scores], axis=1)
    inner = scores_all.T @ scores_all
    a11 = np.zeros((n_uni, n_uni))
    for columns in blocks:
        block = np.ix_(columns, columns)
        a11[block] = inner[block]
    a11_inv = np.linalg.inv(a11)
    a22_inv = 1.0 / np.einsum("nk,nk->k", cor_scores, cor_scores)
    b_inv = np.zeros_like(inner)
    b_inv[:n_uni, :n_uni] = a11_inv
    b_inv[n_uni:, n_uni:] = np.diag(a22_inv)
    b_inv[n_uni:, :n_uni] = -a22_inv[:, None] * (a21 @ a11_inv)
    return np.asarray(b_inv @ inner @ b_inv.T)


def _delta_rule(data: OrdinalData, R: Array, index: list[tuple[int, int]], n_uni: int,
                var_at: dict[int, int]) -> Array:
    """``H = ∂(thresholds, variances, covariances)/∂(thresholds, variances, correlations)``."""
    H = np.eye(n_uni + len(index))
    sd = np.sqrt(data.variances)
    for k, (i, j) in enumerate(index):
        row = n_uni + k
        scale_i = sd[i] if data.numeric[i] else 1.0
        scale_j = sd[j] if data.numeric[j] else 1.0
        H[row, row] = scale_i * scale_j
        if data.numeric[i]:
            H[row, var_at[i]] = R[i, j] * scale_j / (2 * sd[i])
        if data.numeric[j]:
            H[row, var_at[j]] = R[i, j] * scale_i / (2 * sd[j])
    return H
