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

from collections.abc import Sequence
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
class Pieces:
    """Each ``∂Σ/∂θ_k`` written as a sum of rank-one pieces ``x yᵀ``.

    The vectors are rows of ``Z = [I_p; H; Aᵀ]`` (``H = C Ψ Aᵀ``, ``A = ΛC``): piece ``i`` is
    ``Z[x[i]] Z[y[i]]ᵀ`` and belongs to parameter ``param[i]``; ``incidence`` is ``(pieces, q)``.
    """

    x: NDArray[np.intp]
    y: NDArray[np.intp]
    incidence: Array


def _pieces(free: Sequence[Locations], p: int, m: int, q: int) -> Pieces:
    """Rank-one pieces of the Jacobian (see :func:`sigma_jacobian` for the formulas)."""
    e, h, a = 0, p, p + m  # offsets of I_p, H and Aᵀ in Z
    xs: list[int] = []
    ys: list[int] = []
    ks: list[int] = []
    for kind, loc in enumerate(free):
        for r, c, k in zip(loc.rows, loc.cols, loc.params, strict=True):
            if kind == LAMBDA:
                pairs = [(e + r, h + c), (h + c, e + r)]
            elif kind == BETA:
                pairs = [(a + r, h + c), (h + c, a + r)]
            elif kind == PSI:
                pairs = [(a + r, a + c)]
            else:
                pairs = [(e + r, e + c)]
            for x, y in pairs:
                xs.append(x)
                ys.append(y)
                ks.append(int(k))
    incidence = np.zeros((len(ks), q))
    incidence[np.arange(len(ks)), ks] = 1.0
    return Pieces(np.array(xs, dtype=np.intp), np.array(ys, dtype=np.intp), incidence)


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
    pieces: Pieces

    @property
    def n_params(self) -> int:
        """Number of free parameters ``q``."""
        return len(self.names)


def _row_names(kind: int, r: int, c: int, observed: tuple[str, ...],
               inner: tuple[str, ...]) -> tuple[str, str, str]:
    if kind == BETA:
        return inner[r], "~", inner[c]
    if kind == LAMBDA:
        # semopy puts the regression of an observed outcome on an observed predictor in Λ
        if inner[c] in observed:
            return observed[r], "~", inner[c]
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
                         (free[0], free[1], free[2], free[3]), tuple(rows),
                         _pieces(free, len(observed), len(inner), len(active)))


def fill_matrices(mm: ModelMatrices, theta: Array) -> tuple[Array, Array, Array, Array]:
    """Return stacks ``(B, Λ, Ψ, Θ)``, each ``(n, ., .)``, for parameter vectors ``(n, q)``."""
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
    C = np.asarray(np.linalg.inv(np.eye(B.shape[1])[None] - B), dtype=np.float64)
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
        # some matrix is not positive definite: factor one by one to find which
        L = np.broadcast_to(np.eye(S.shape[1]), S.shape).copy()
        for b in range(S.shape[0]):
            try:
                L[b] = np.linalg.cholesky(S[b])
            except np.linalg.LinAlgError:
                ok[b] = False
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


def _piece_vectors(mm: ModelMatrices, imp: Implied) -> tuple[Array, Array]:
    """The ``x`` and ``y`` vectors of every Jacobian piece, each ``(n, pieces, p)``."""
    n, p = imp.sigma.shape[:2]
    At = imp.a.transpose(0, 2, 1)
    H = imp.c @ imp.psi @ At
    Z = np.concatenate([np.broadcast_to(np.eye(p), (n, p, p)), H, At], axis=1)
    return Z[:, mm.pieces.x], Z[:, mm.pieces.y]


def fisher_information(mm: ModelMatrices, theta: Array,
                       disc: Discrepancy | None = None) -> Array:
    """Expected information per unit of the ML discrepancy, ``I_kl = tr(Σ⁻¹ Δ_k Σ⁻¹ Δ_l)``.

    Returns ``(n, q, q)``. The asymptotic covariance of the ML estimate from ``N`` cases is
    ``(N/2 · I)⁻¹``.

    Notes
    -----
    With ``Δ_k = Σ_i x_i y_iᵀ`` (:class:`Pieces`),
    ``tr(Σ⁻¹ x_i y_iᵀ Σ⁻¹ x_j y_jᵀ) = (y_iᵀ Σ⁻¹ x_j)(y_jᵀ Σ⁻¹ x_i)``, so the information costs
    one small product per draw instead of ``q`` full ``p × p`` Jacobian slices.
    """
    if disc is None:
        imp = implied(mm, np.atleast_2d(theta))
        inv = np.linalg.inv(imp.sigma)
    else:
        imp, inv = disc.imp, disc.sigma_inv
    X, Y = _piece_vectors(mm, imp)
    M = Y @ inv @ X.transpose(0, 2, 1)
    W = M * M.transpose(0, 2, 1)
    inc = mm.pieces.incidence
    n, P = W.shape[:2]
    q = inc.shape[1]
    right = (W.reshape(n * P, P) @ inc).reshape(n, P, q)  # one large product, not n small ones
    left = (right.transpose(0, 2, 1).reshape(n * q, P) @ inc).reshape(n, q, q)
    return np.asarray(left.transpose(0, 2, 1))


def ml_gradient(mm: ModelMatrices, disc: Discrepancy, S: Array) -> Array:
    """Analytic gradient ``∂F/∂θ_k = tr(R Δ_k)`` with ``R = Σ⁻¹(Σ - S)Σ⁻¹``; returns ``(n, q)``.

    Notes
    -----
    ``tr(R x yᵀ) = yᵀ R x`` summed over the pieces of each parameter (:class:`Pieces`).
    """
    inv = disc.sigma_inv
    R = inv - inv @ S @ inv
    X, Y = _piece_vectors(mm, disc.imp)
    return np.asarray(((Y @ R) * X).sum(axis=2) @ mm.pieces.incidence)


@dataclass(frozen=True)
class BatchFit:
    """Result of :func:`fit_ml_batch`: estimates, per-draw convergence and iteration counts."""

    theta: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.intp]
    objective: Array


def fit_ml_batch(mm: ModelMatrices, S: Array, *, start: Array, tol: float = 1e-7,
                 max_iter: int = 200, refresh: tuple[int, ...] = (0, 1)) -> BatchFit:
    """Minimise the ML discrepancy for a stack of covariance matrices at once.

    Parameters
    ----------
    mm
        The model structure.
    S
        ``(n, p, p)`` sample covariances (divisor ``N``).
    start
        ``(q,)`` warm start, normally the full-sample estimate.
    tol
        A draw has converged when its largest scoring step is below ``tol`` (and ``Σ`` is
        positive definite).
    max_iter
        Iterations before a draw is declared not converged.
    refresh
        Iterations at which each draw's information matrix is recomputed (it is also recomputed
        after a rejected step); in between the last one is reused.

    Returns
    -------
    BatchFit

    Notes
    -----
    Fisher scoring, ``θ ← θ - t · I(θ)⁻¹ ∇F(θ)`` with the expected information ``I`` of
    :func:`fisher_information` and the analytic gradient of :func:`ml_gradient`; ``t = 1``,
    halved (per draw) until ``F`` does not increase. ``I(θ)`` does not depend on the data, so
    at the warm start it is one matrix for all draws; it is refreshed per draw at the
    iterations in ``refresh`` (a chord method: the fixed point is the exact ML estimate since
    the gradient is exact). A draw is updated only until it converges, so its result does not
    depend on the other draws in the stack.
    """
    n = S.shape[0]
    theta = np.repeat(np.asarray(start, dtype=float)[None], n, axis=0)
    logdet_s, s_ok = _logdet_pd(S)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.intp)
    objective = np.full(n, np.inf)
    todo = np.flatnonzero(s_ok)
    metric = np.repeat(_inverse(fisher_information(mm, theta[:1]))[0][None], n, axis=0)
    disc = ml_discrepancy(mm, theta[todo], S[todo], logdet_s[todo])
    objective[todo] = disc.value
    for it in range(max_iter):
        if not todo.size:
            break
        grad = ml_gradient(mm, disc, S[todo])
        if it in refresh[1:]:
            metric[todo] = _inverse(fisher_information(mm, theta[todo], disc))
        step = (metric[todo] @ grad[:, :, None])[:, :, 0]
        small = np.abs(step).max(axis=1) < tol
        converged[todo[small]] = True
        keep = ~small
        todo, step = todo[keep], step[keep]
        iterations[todo] += 1
        if not todo.size:
            break
        trial = theta[todo] - step
        tdisc = ml_discrepancy(mm, trial, S[todo], logdet_s[todo])
        bad = ~(tdisc.value <= objective[todo] + 1e-12 * np.abs(objective[todo]))
        scale = 1.0
        while bad.any() and scale > 1e-6:
            # rejected draws: halve their step until F does not increase
            scale *= 0.5
            idx = np.flatnonzero(bad)
            retry = theta[todo[idx]] - scale * step[idx]
            rdisc = ml_discrepancy(mm, retry, S[todo[idx]], logdet_s[todo[idx]])
            fine = rdisc.value <= objective[todo[idx]] + 1e-12 * np.abs(objective[todo[idx]])
            trial[idx[fine]] = retry[fine]
            tdisc = _merge(tdisc, idx[fine], rdisc, fine)
            bad[idx[fine]] = False
            metric[todo[idx]] = _inverse(fisher_information(mm, theta[todo[idx]]))
        # draws whose F cannot be decreased any further are stuck: not converged, stop them
        good = ~bad
        theta[todo[good]] = trial[good]
        objective[todo[good]] = tdisc.value[good]
        todo = todo[good]
        disc = _subset(tdisc, good)
    return BatchFit(theta, converged, iterations, objective)


def _inverse(info: Array) -> Array:
    """Inverse of each information matrix; the pseudo-inverse if one is singular."""
    try:
        return np.asarray(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(info))


def _subset(disc: Discrepancy, keep: NDArray[np.bool_] | NDArray[np.intp]) -> Discrepancy:
    imp = disc.imp
    return Discrepancy(disc.value[keep], disc.ok[keep], disc.sigma_inv[keep],
                       Implied(imp.sigma[keep], imp.a[keep], imp.c[keep], imp.lam[keep],
                               imp.psi[keep]))


def _merge(base: Discrepancy, where: NDArray[np.intp], new: Discrepancy,
           take: NDArray[np.bool_]) -> Discrepancy:
    """``base`` with entries ``where`` replaced by the ``take`` entries of ``new``."""
    out = _subset(base, np.arange(base.value.shape[0]))  # copies
    src = _subset(new, take)
    for a, b in ((out.value, src.value), (out.ok, src.ok), (out.sigma_inv, src.sigma_inv),
                 (out.imp.sigma, src.imp.sigma), (out.imp.a, src.imp.a), (out.imp.c, src.imp.c),
                 (out.imp.lam, src.imp.lam), (out.imp.psi, src.imp.psi)):
        a[where] = b
    return out


def standardized_rows(mm: ModelMatrices, theta: Array) -> Array:
    """Completely standardized value (lavaan's ``std.all``) of every row, ``(n, len(mm.rows))``.

    Notes
    -----
    With model-implied standard deviations ``sd(η) = sqrt(diag(C Ψ Cᵀ))`` for inner variables
    and ``sd(y) = sqrt(diag Σ)`` for observed ones: a loading is ``λ sd(η)/sd(y)``, a regression
    ``b sd(x)/sd(y)``, a (residual) variance ``ψ_ii / sd_i²`` (total variance), and a (residual)
    covariance ``ψ_ij / sqrt(ψ_ii ψ_jj)``, a residual correlation, as lavaan 0.6 does. Checked
    against ``lavaan:::lav_standardize_all_x`` on lavaan's own bootstrap draws, and against
    lavaan's std.all on four reference models (tests/test_matrices.py).
    """
    imp = implied(mm, theta)
    v_inner = np.einsum("nij,njk,nik->ni", imp.c, imp.psi, imp.c)
    sd_inner = np.sqrt(v_inner)
    sd_obs = np.sqrt(np.diagonal(imp.sigma, axis1=1, axis2=2))
    values = row_values(mm, theta)
    theta_mat = fill_matrices(mm, np.atleast_2d(theta))[THETA]
    out = np.empty_like(values)
    for j, row in enumerate(mm.rows):
        r, c = row.row, row.col
        if row.kind == LAMBDA:
            scale = sd_inner[:, c] / sd_obs[:, r]
        elif row.kind == BETA:
            scale = sd_inner[:, c] / sd_inner[:, r]
        elif row.kind == PSI:
            scale = 1.0 / (_sd(imp.psi, r, c) if r != c else sd_inner[:, r] ** 2)
        else:
            scale = 1.0 / (_sd(theta_mat, r, c) if r != c else sd_obs[:, r] ** 2)
        out[:, j] = values[:, j] * scale
    return out


def _sd(mat: Array, r: int, c: int) -> Array:
    """``sqrt(mat_rr · mat_cc)`` per draw: the residual SDs behind a residual covariance."""
    return np.asarray(np.sqrt(mat[:, r, r] * mat[:, c, c]))


def row_values(mm: ModelMatrices, theta: Array) -> Array:
    """Unstandardized value of every row (fixed rows repeat their fixed value), ``(n, rows)``."""
    theta = np.atleast_2d(theta)
    out = np.empty((theta.shape[0], len(mm.rows)))
    for j, row in enumerate(mm.rows):
        out[:, j] = theta[:, row.param] if row.param >= 0 else mm.fixed[row.kind][row.row, row.col]
    return out
