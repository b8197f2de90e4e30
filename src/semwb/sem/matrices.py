"""A batched LISREL-style model-matrix engine: many parameter vectors at once.

semopy writes every model as four matrices (its "RAM-like" form): ``B`` (``beta``, regressions
among the inner variables: latents and observed variables that appear in regressions), ``Λ``
(``lambda``, observed on inner), ``Ψ`` (``psi``, covariances of the inner variables) and ``Θ``
(``theta``, residual covariances of the observed ones). With ``C = (I - B)^-1`` and ``A = Λ C``
the implied covariance is ``Σ(θ) = A Ψ Aᵀ + Θ``.

This module reads that structure once from a fitted semopy model (:func:`model_matrices`) and
then works on a *stack* of free-parameter vectors ``θ`` of shape ``(n, q)``: implied covariances,
their analytic Jacobian, the ML discrepancy with its analytic gradient, the expected
information, a batched ML fit (:func:`fit_ml_batch`) and the completely standardized solution
(:func:`standardized_rows`). Every draw's computation is independent of the other draws in the
stack, so results do not depend on how draws are chunked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import semopy

Array = NDArray[np.float64]

#: semopy's matrix order; a location's ``kind`` indexes it.
KINDS = ("beta", "lambda", "psi", "theta")
BETA, LAMBDA, PSI, THETA = range(4)


@dataclass(frozen=True)
class Locations:
    """Where free parameters sit in one matrix (symmetric matrices list both triangles)."""

    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    params: NDArray[np.intp]


@dataclass(frozen=True)
class MatrixRow:
    """One row of the parameter table as a matrix cell: lavaan's ``lhs op rhs`` and its place.

    ``param`` is the index into the free-parameter vector, or ``-1`` for a fixed value.
    """

    lhs: str
    op: str
    rhs: str
    kind: int
    row: int
    col: int
    param: int
    name: str


@dataclass(frozen=True)
class ModelMatrices:
    """The fixed structure of a model: names, fixed values and where the free parameters go.

    Attributes
    ----------
    observed, inner
        Variable names of the rows of ``Λ`` and of the rows of ``B``/``Ψ``.
    names
        semopy's names of the free parameters (labels such as ``"a"``, or ``"_b2"``), in the
        order of the parameter vector.
    estimate
        The free-parameter vector of the fitted model.
    fixed
        The four matrices with their fixed values and zeros at free positions.
    free
        Free-parameter locations per matrix (both triangles for ``Ψ`` and ``Θ``).
    rows
        Every parameter-table row (free and fixed, one triangle), in semopy's order.
    """

    observed: tuple[str, ...]
    inner: tuple[str, ...]
    names: tuple[str, ...]
    estimate: Array
    fixed: tuple[Array, Array, Array, Array]
    free: tuple[Locations, Locations, Locations, Locations]
    rows: tuple[MatrixRow, ...]

    @property
    def n_params(self) -> int:
        """Number of free parameters ``q``."""
        return len(self.names)


def _row_names(kind: int, r: int, c: int, observed: tuple[str, ...],
               inner: tuple[str, ...]) -> tuple[str, str, str]:
    if kind == BETA:
        return inner[r], "~", inner[c]
    if kind == LAMBDA:
        return inner[c], "=~", observed[r]
    if kind == PSI:
        return inner[r], "~~", inner[c]
    return observed[r], "~~", observed[c]


def model_matrices(model: semopy.Model) -> ModelMatrices:
    """Read the matrix structure and the estimate of a fitted (non-mean-structure) semopy model.

    Parameters
    ----------
    model
        A ``semopy.Model`` after ``fit``.

    Returns
    -------
    ModelMatrices
    """
    observed = tuple(model.vars["observed"])
    inner = tuple(model.vars["inner"])
    mats = list(model.matrices[:4])
    fixed = [np.array(m, dtype=float) for m in mats]
    active = [name for name, p in model.parameters.items() if p.active]
    index = {name: i for i, name in enumerate(active)}
    per_kind: list[list[tuple[int, int, int]]] = [[], [], [], []]
    rows: list[MatrixRow] = []
    for name, p in model.parameters.items():
        for loc in p.locations:
            kind = next(k for k, m in enumerate(mats) if m is loc.matrix)
            r, c = (int(i) for i in loc.indices)
            k = index.get(name, -1)
            lhs, op, rhs = _row_names(kind, r, c, observed, inner)
            rows.append(MatrixRow(lhs, op, rhs, kind, r, c, k, name))
            cells = [(r, c), (c, r)] if loc.symmetric and r != c else [(r, c)]
            for rr, cc in cells:
                if k >= 0:
                    per_kind[kind].append((rr, cc, k))
                    fixed[kind][rr, cc] = 0.0
                else:
                    fixed[kind][rr, cc] = p.start
    free = tuple(
        Locations(*(np.array(col, dtype=np.intp) for col in zip(*cells, strict=True)))
        if cells else Locations(*(np.zeros(0, dtype=np.intp) for _ in range(3)))
        for cells in per_kind
    )
    estimate = np.array(model.param_vals, dtype=float)
    return ModelMatrices(observed, inner, tuple(active), estimate,
                         (fixed[0], fixed[1], fixed[2], fixed[3]),
                         (free[0], free[1], free[2], free[3]), tuple(rows))


def fill_matrices(mm: ModelMatrices, theta: Array) -> tuple[Array, Array, Array, Array]:
    """Return stacks ``(B, Λ, Ψ, Θ)``, each ``(n, ., .)``, for parameter vectors ``theta (n, q)``."""
    n = theta.shape[0]
    out = []
    for kind in range(4):
        mat = np.repeat(mm.fixed[kind][None], n, axis=0)
        loc = mm.free[kind]
        if loc.params.size:
            mat[:, loc.rows, loc.cols] = theta[:, loc.params]
        out.append(mat)
    return out[0], out[1], out[2], out[3]


@dataclass(frozen=True)
class Implied:
    """Implied moments of a stack: ``Σ``, ``A = ΛC``, ``C = (I - B)^-1`` and the filled matrices."""

    sigma: Array
    a: Array
    c: Array
    lam: Array
    psi: Array


def implied(mm: ModelMatrices, theta: Array) -> Implied:
    """Implied covariance ``Σ(θ) = ΛC Ψ CᵀΛᵀ + Θ`` for each row of ``theta (n, q)``."""
    B, L, P, T = fill_matrices(mm, np.atleast_2d(theta))
    C = np.linalg.inv(np.eye(B.shape[1])[None] - B)
    A = L @ C
    return Implied(A @ P @ A.transpose(0, 2, 1) + T, A, C, L, P)


def sigma_jacobian(mm: ModelMatrices, theta: Array) -> Array:
    """Analytic Jacobian ``∂Σ/∂θ_k`` of shape ``(n, q, p, p)``.

    Notes
    -----
    With ``H = C Ψ Aᵀ``: a loading at ``(r, c)`` gives ``e_r H[c]ᵀ + H[c] e_rᵀ``; a regression at
    ``(r, c)`` gives ``A[:, r] H[c]ᵀ + H[c] A[:, r]ᵀ``; a ``Ψ`` cell gives ``A[:, r] A[:, c]ᵀ``;
    a ``Θ`` cell gives ``e_r e_cᵀ`` (symmetric cells are listed in both triangles).
    """
    imp = implied(mm, theta)
    n, p = imp.sigma.shape[:2]
    H = imp.c @ imp.psi @ imp.a.transpose(0, 2, 1)
    half = np.zeros((n, mm.n_params, p, p))
    loc = mm.free[LAMBDA]
    for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
        half[:, k, r, :] += H[:, c, :]
    loc = mm.free[BETA]
    for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
        half[:, k] += imp.a[:, :, r, None] * H[:, c, None, :]
    jac = half + half.transpose(0, 1, 3, 2)
    loc = mm.free[PSI]
    for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
        jac[:, k] += imp.a[:, :, r, None] * imp.a[:, None, :, c]
    loc = mm.free[THETA]
    for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
        jac[:, k, r, c] += 1.0
    return jac


def fisher_information(mm: ModelMatrices, theta: Array) -> Array:
    """Expected information per unit of the ML discrepancy, ``I_kl = tr(Σ⁻¹ Δ_k Σ⁻¹ Δ_l)``.

    Returns ``(n, q, q)``. The asymptotic covariance of the ML estimate from ``N`` cases is
    ``(N/2 · I)⁻¹``.
    """
    sig = implied(mm, theta).sigma
    X = np.linalg.inv(sig)[:, None] @ sigma_jacobian(mm, theta)
    return np.einsum("nkij,nlji->nkl", X, X)


@dataclass(frozen=True)
class Discrepancy:
    """ML discrepancy values (``inf`` where ``Σ`` is not positive definite) and aux terms."""

    value: Array
    ok: NDArray[np.bool_]
    sigma_inv: Array
    imp: Implied


def _logdet_pd(S: Array) -> tuple[Array, NDArray[np.bool_]]:
    """log-determinant of each matrix of a stack and whether it is positive definite."""
    ok = np.ones(S.shape[0], dtype=bool)
    try:
        L = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        eig = np.linalg.eigvalsh(S)
        ok = eig.min(axis=1) > 0
        L = np.linalg.cholesky(np.where(ok[:, None, None], S, np.eye(S.shape[1])[None]))
    diag = np.diagonal(L, axis1=1, axis2=2)
    return 2.0 * np.log(diag).sum(axis=1), ok


def ml_discrepancy(mm: ModelMatrices, theta: Array, S: Array, logdet_s: Array) -> Discrepancy:
    """ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) - log|S| - p`` for each draw.

    ``S`` is ``(n, p, p)`` (biased covariances, divisor ``N`` as lavaan), ``logdet_s`` ``(n,)``.
    """
    imp = implied(mm, theta)
    sig = imp.sigma
    logdet, ok = _logdet_pd(sig)
    safe = np.where(ok[:, None, None], sig, np.eye(sig.shape[1])[None])
    inv = np.linalg.inv(safe)
    tr = np.einsum("nij,nji->n", S, inv)
    value = np.where(ok, logdet + tr - logdet_s - sig.shape[1], np.inf)
    return Discrepancy(value, ok, inv, imp)


def ml_gradient(mm: ModelMatrices, disc: Discrepancy, S: Array) -> Array:
    """Analytic gradient ``∂F/∂θ_k = tr(R Δ_k)`` with ``R = Σ⁻¹(Σ - S)Σ⁻¹``; returns ``(n, q)``.

    Notes
    -----
    With ``H = C Ψ Aᵀ`` the cell contributions are ``2 (R Hᵀ)[r, c]`` for loadings,
    ``2 (Aᵀ R Hᵀ)[r, c]`` for regressions, ``(Aᵀ R A)[r, c]`` for ``Ψ`` and ``R[r, c]`` for ``Θ``.
    """
    inv, imp = disc.sigma_inv, disc.imp
    R = inv - inv @ S @ inv
    Ht = imp.a @ imp.psi.transpose(0, 2, 1) @ imp.c.transpose(0, 2, 1)  # (n, p, m) = Hᵀ
    RHt = R @ Ht
    At = imp.a.transpose(0, 2, 1)
    parts = (
        (BETA, 2.0 * (At @ RHt)),
        (LAMBDA, 2.0 * RHt),
        (PSI, At @ R @ imp.a),
        (THETA, R),
    )
    grad = np.zeros((disc.value.shape[0], mm.n_params))
    for kind, mat in parts:
        loc = mm.free[kind]
        if loc.params.size:
            incidence = np.zeros((loc.params.size, mm.n_params))
            incidence[np.arange(loc.params.size), loc.params] = 1.0
            grad += mat[:, loc.rows, loc.cols] @ incidence
    return grad


@dataclass(frozen=True)
class BatchFit:
    """Result of :func:`fit_ml_batch`: estimates, per-draw convergence and iteration counts."""

    theta: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.intp]
    objective: Array


def fit_ml_batch(mm: ModelMatrices, S: Array, *, start: Array, metric: Array,
                 tol: float = 1e-9, max_iter: int = 100) -> BatchFit:
    """Minimise the ML discrepancy for a stack of covariance matrices at once.

    Parameters
    ----------
    mm
        The model structure.
    S
        ``(n, p, p)`` sample covariances (divisor ``N``).
    start
        ``(q,)`` warm start, normally the full-sample estimate.
    metric
        ``(q, q)`` inverse of the expected information at ``start`` (:func:`fisher_information`).
    tol
        A draw has converged when its largest parameter step is below ``tol``.
    max_iter
        Iterations before a draw is declared not converged.

    Returns
    -------
    BatchFit

    Notes
    -----
    Fisher scoring with the information held at the warm start:
    ``θ ← θ - t · I(θ̂)⁻¹ ∇F(θ)``, with ``t`` halved (per draw) until ``F`` does not increase.
    The fixed point is the exact ML estimate (the gradient is exact); for bootstrap samples,
    whose ``S`` differs from the full sample's by ``O(N^-1/2)``, the iteration contracts by about
    that factor per step. A draw is updated only until it converges, so its result does not
    depend on the other draws in the stack.
    """
    n = S.shape[0]
    theta = np.repeat(np.asarray(start, dtype=float)[None], n, axis=0)
    logdet_s, s_ok = _logdet_pd(S)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.intp)
    objective = np.full(n, np.inf)
    todo = np.flatnonzero(s_ok)
    if todo.size:
        objective[todo] = ml_discrepancy(mm, theta[todo], S[todo], logdet_s[todo]).value
    for _ in range(max_iter):
        if not todo.size:
            break
        disc = ml_discrepancy(mm, theta[todo], S[todo], logdet_s[todo])
        step = ml_gradient(mm, disc, S[todo]) @ metric
        small = np.abs(step).max(axis=1) < tol
        converged[todo[small]] = True
        todo, step = todo[~small], step[~small]
        iterations[todo] += 1
        scale = np.ones(todo.size)
        pending = np.arange(todo.size)
        for _halving in range(30):
            trial = theta[todo[pending]] - scale[pending, None] * step[pending]
            f = ml_discrepancy(mm, trial, S[todo[pending]], logdet_s[todo[pending]]).value
            better = f <= objective[todo[pending]] + 1e-12 * np.abs(objective[todo[pending]])
            done = pending[better]
            theta[todo[done]] = trial[better]
            objective[todo[done]] = f[better]
            pending = pending[~better]
            if not pending.size:
                break
            scale[pending] *= 0.5
        # a draw that cannot decrease F any further is stuck: stop updating it, not converged
        todo = np.setdiff1d(todo, todo[pending], assume_unique=True)
    return BatchFit(theta, converged, iterations, objective)


def standardized_rows(mm: ModelMatrices, theta: Array) -> Array:
    """Completely standardized value (lavaan's ``std.all``) of every row, ``(n, len(mm.rows))``.

    Notes
    -----
    With model-implied standard deviations ``sd(η) = sqrt(diag(C Ψ Cᵀ))`` for inner variables
    and ``sd(y) = sqrt(diag Σ)`` for observed ones: a loading is ``λ sd(η)/sd(y)``, a regression
    ``b sd(x)/sd(y)``, a covariance ``σ_ij / (sd_i sd_j)`` (total, not residual, standard
    deviations, as lavaan). Checked against ``lavaan:::lav_standardize_all_x`` on lavaan's own
    bootstrap draws (tests/test_matrices.py).
    """
    imp = implied(mm, theta)
    v_inner = np.einsum("nij,njk,nik->ni", imp.c, imp.psi, imp.c)
    sd_inner = np.sqrt(v_inner)
    sd_obs = np.sqrt(np.diagonal(imp.sigma, axis1=1, axis2=2))
    values = row_values(mm, theta)
    out = np.empty_like(values)
    for j, row in enumerate(mm.rows):
        r, c = row.row, row.col
        if row.kind == LAMBDA:
            scale = sd_inner[:, c] / sd_obs[:, r]
        elif row.kind == BETA:
            scale = sd_inner[:, c] / sd_inner[:, r]
        elif row.kind == PSI:
            scale = 1.0 / (sd_inner[:, r] * sd_inner[:, c])
        else:
            scale = 1.0 / (sd_obs[:, r] * sd_obs[:, c])
        out[:, j] = values[:, j] * scale
    return out


def row_values(mm: ModelMatrices, theta: Array) -> Array:
    """Unstandardized value of every row (fixed rows repeat their fixed value), ``(n, rows)``."""
    theta = np.atleast_2d(theta)
    out = np.empty((theta.shape[0], len(mm.rows)))
    for j, row in enumerate(mm.rows):
        out[:, j] = theta[:, row.param] if row.param >= 0 else mm.fixed[row.kind][row.row, row.col]
    return out
