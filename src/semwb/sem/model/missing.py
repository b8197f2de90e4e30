"""The FIML kernel: ``-2 log L / N`` of incomplete rows, its gradient, and the EM step.

Rows are weighted (a stack of weight vectors: one fit, or the case counts of bootstrap draws,
which resample the same rows and so share their missing-data patterns). Nothing is inverted per
pattern: with ``P = Σ⁻¹`` and, for a row observing ``o`` and missing ``m``, ``K = (P_mm)⁻¹``
(``|m| × |m|``, small when few values are missing),

- ``Σ_oo⁻¹ = P_oo - P_om K P_mo`` and ``log|Σ_oo| = log|Σ| + log|P_mm|`` (block inverse);
- the E-step residual ``f`` (``f_o = e_o = y_o - μ_o``, ``f_m = -K P_mo e_o = E[y_m - μ_m | y_o]``)
  gives ``Σ_oo⁻¹ e_o`` embedded in ``p`` as ``P f``, so ``e_oᵀ Σ_oo⁻¹ e_o = e·Pe - aᵀ K a`` with
  ``a = (P e)_m``;
- with ``M = Σ_r w_r embed(K_r)`` and ``C = Σ_r w_r f_r f_rᵀ`` (the E-step's conditional
  covariance and residual cross-products):
  ``F = Σ_r w_r (log|Σ_oo,r| + e_rᵀ Σ_oo⁻¹ e_r)``, ``∂F/∂Σ = (Σ w) P - P (M + C) P``,
  ``∂F/∂μ = -2 P Σ_r w_r f_r``.

The cost per evaluation is ``O(p³ + N p²)`` plus the small ``K``'s, against ``O(Σ_g k_g³)`` of
inverting every pattern's ``Σ_oo``. Checked against the per-pattern formulas of
:mod:`semwb.sem.model.algebra` (``tests/test_model_missing.py``) and lavaan's FIML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.algebra import Evaluation, Pattern, implied
from semwb.sem.model.factor import cholesky_logdet
from semwb.sem.model.structure import Array, Index, ModelMatrices


@dataclass(frozen=True)
class PatternSet:
    """The patterns with ``s`` missing values and the rows that have them.

    ``missing (G, s)`` are each pattern's missing columns; ``rows (R,)`` the data rows with one of
    these patterns and ``member (R,)`` which one.
    """

    missing: Index
    rows: Index
    member: Index


@dataclass(frozen=True)
class MissingRows:
    """Incomplete data as weighted rows, for a stack of ``n`` weightings.

    ``values (N, p)`` hold the data with 0 where missing, ``observed (N, p)`` which values are
    present, ``weights (n, N)`` each stack member's row weights (``1/N`` each for one fit; case
    counts ``/N`` for a bootstrap draw), ``sets`` the incomplete patterns grouped by how many
    values they miss.
    """

    values: Array
    observed: NDArray[np.bool_]
    weights: Array
    sets: tuple[PatternSet, ...]

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> MissingRows:
        """The same rows for the stack members ``idx``."""
        return MissingRows(self.values, self.observed, self.weights[idx], self.sets)

    def repeat(self, n: int) -> MissingRows:
        """A stack of ``n`` copies of a single weighting."""
        return MissingRows(self.values, self.observed, np.repeat(self.weights, n, axis=0),
                           self.sets)


def missing_rows(X: Array, weights: Array | None = None) -> MissingRows:
    """Rows of ``X (N, p)`` (NaN = missing; no row entirely missing) as :class:`MissingRows`.

    ``weights (n, N)``: row weights of each stack member (default one member, ``1/N`` each).
    """
    observed = np.isfinite(X)
    n_rows = X.shape[0]
    keys, inverse = np.unique(~observed, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    size = keys.sum(axis=1)
    sets = []
    for s in np.unique(size[size > 0]):
        pats = np.flatnonzero(size == s)
        rows = np.flatnonzero(np.isin(inverse, pats))
        where = np.full(len(keys), -1)
        where[pats] = np.arange(len(pats))
        missing = np.array([np.flatnonzero(keys[k]) for k in pats], dtype=np.intp)
        sets.append(PatternSet(missing.reshape(len(pats), int(s)), rows,
                               where[inverse[rows]].astype(np.intp)))
    w = np.full((1, n_rows), 1.0 / n_rows) if weights is None else np.atleast_2d(weights)
    return MissingRows(np.where(observed, X, 0.0), observed, np.asarray(w, dtype=float),
                       tuple(sets))


def pattern_rows(patterns: Sequence[Pattern], p: int) -> MissingRows:
    """Pseudo-rows with the first and second moments of each pattern (one stack member).

    A pattern of weight ``w`` with mean ``ȳ`` and covariance ``S = Σ_j λ_j v_j v_jᵀ`` (rank
    ``r``) becomes the ``2r`` rows ``ȳ ± sqrt(r λ_j) v_j`` of weight ``w / 2r`` (one row ``ȳ``
    when ``r = 0``): their weighted mean and covariance are ``ȳ`` and ``S`` exactly, which is all
    the E-step's ``M``, ``C`` and ``Σ w f`` depend on (not the log-likelihood's per-row terms).
    """
    values, weights = [], []
    for pat in patterns:
        lam, vec = np.linalg.eigh(pat.S[0])
        keep = lam > 1e-12 * max(lam[-1], 1e-300)
        r = int(keep.sum())
        spread = (np.sqrt(r * lam[keep]) * vec[:, keep]).T
        block = np.concatenate([pat.mean[0] + spread, pat.mean[0] - spread]) if r else \
            pat.mean[0][None]
        row = np.full((len(block), p), np.nan)
        row[:, pat.columns] = block
        values.append(row)
        weights.append(np.full(len(block), pat.weight / len(block)))
    return missing_rows(np.concatenate(values), np.concatenate(weights)[None])


@dataclass(frozen=True)
class EStep:
    """One E-step for a stack: what the rows give, and the E-step residuals' moments.

    ``logdet (n, N)`` is ``log|P_mm|`` of each row's pattern (0 for complete rows),
    ``quad (n, N)`` the rows' ``e_oᵀ Σ_oo⁻¹ e_o``, ``second (n, p, p)`` is ``M + C`` and
    ``first (n, p)`` is ``Σ_r w_r f_r`` (``f`` the E-step residuals).
    """

    logdet: Array
    quad: Array
    second: Array
    first: Array


def e_step(data: MissingRows, P: Array, mu: Array) -> EStep:
    """The E-step at ``Σ = P⁻¹`` (``P (n, p, p)``) and ``μ (n, p)`` for every stack member."""
    n, p = mu.shape
    e = data.values[None] - mu[:, None, :]
    e *= data.observed[None]
    Pe = e @ P
    quad = np.einsum("nrp,nrp->nr", e, Pe)
    f = e  # the E-step fills in the missing entries (zero in e) in place
    logdet = np.zeros(e.shape[:2])
    M = np.zeros(n * p * p)
    w = data.weights
    for ps in data.sets:
        miss = ps.missing
        Pmm = P[:, miss[:, :, None], miss[:, None, :]]
        ld, _ = cholesky_logdet(Pmm.reshape(-1, *Pmm.shape[2:]))
        K = np.linalg.inv(Pmm)
        cols = miss[ps.member]
        a = Pe[:, ps.rows[:, None], cols]
        Ka = np.einsum("nrij,nrj->nri", K[:, ps.member], a)
        f[:, ps.rows[:, None], cols] = -Ka
        quad[:, ps.rows] -= np.einsum("nri,nri->nr", a, Ka)
        logdet[:, ps.rows] = ld.reshape(n, -1)[:, ps.member]
        per_pattern = np.zeros((n, len(miss)))
        np.add.at(per_pattern.T, ps.member, w[:, ps.rows].T)
        flat = (miss[:, :, None] * p + miss[:, None, :]).ravel()
        index = (np.arange(n)[:, None] * (p * p) + flat[None]).ravel()
        M += np.bincount(index, weights=(K * per_pattern[:, :, None, None]).ravel(),
                         minlength=n * p * p)
    root = np.sqrt(w)
    f *= root[:, :, None]  # f √w: C = (f√w)ᵀ(f√w), Σ w f = √wᵀ (f√w)
    second = M.reshape(n, p, p) + f.transpose(0, 2, 1) @ f
    first = (root[:, None, :] @ f)[:, 0, :]
    return EStep(logdet, quad, second, first)


def objective(mm: ModelMatrices, theta: Array, data: MissingRows, S_full: Array | None = None,
              mean_full: Array | None = None) -> Evaluation:
    """FIML ``F(θ)`` for each row of ``theta`` and its moment gradient (``inf`` if not PD).

    The returned :class:`~semwb.sem.model.algebra.Evaluation` carries ``∂F/∂Σ`` and ``∂F/∂μ``
    in ``moment_gradient``, so :func:`semwb.sem.model.algebra.gradient` needs no second pass.
    """
    imp = implied(mm, theta, S_full, mean_full)
    p = imp.mu.shape[1]
    logdet, ok = cholesky_logdet(imp.sigma)
    P = np.linalg.inv(np.where(ok[:, None, None], imp.sigma, np.eye(p)[None]))
    P = (P + P.transpose(0, 2, 1)) / 2
    step = e_step(data, P, imp.mu)
    total = data.weights.sum(axis=1)
    value = total * logdet + np.einsum("nr,nr->n", data.weights, step.logdet + step.quad)
    R = total[:, None, None] * P - P @ step.second @ P
    g_mu = -2.0 * (P @ step.first[:, :, None])[:, :, 0]
    return Evaluation(np.where(ok, value, np.inf), ok, imp, P, (R, g_mu))


def em_moments(data: MissingRows, mu: Array, sigma: Array, *, tol: float, max_iter: int
               ) -> tuple[Array, Array, bool]:
    """Saturated ML means and covariance by EM from ``(mu, sigma)`` (one stack member whose
    row weights sum to 1).

    Notes
    -----
    ``μ ← μ + Σ_r w_r f_r`` and ``Σ ← M + C - f̄ f̄ᵀ`` (``f̄ = Σ_r w_r f_r``): the expected
    complete-data moments given the observed values at the current ``(μ, Σ)``.
    """
    for _ in range(max_iter):
        P = np.linalg.inv(sigma)
        step = e_step(data, ((P + P.T) / 2)[None], mu[None])
        shift = step.first[0]
        new_sigma = step.second[0] - np.outer(shift, shift)
        change = max(np.max(np.abs(shift)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = mu + shift, new_sigma
        if change < tol:
            return mu, sigma, True
    return mu, sigma, False
