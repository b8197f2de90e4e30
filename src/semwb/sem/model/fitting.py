"""Fisher scoring for a stack of data sets at once (one fit, or a chunk of bootstrap draws).

``θ ← θ - t · P ∇F(θ)`` with ``P = K (Kᵀ I K)⁻¹ Kᵀ`` (``K`` the identity without ``==``
constraints), the expected information ``I`` and the analytic gradient of
:mod:`semwb.sem.model.algebra`; ``t = 1``, halved per stack member until ``F`` does not increase.
The fixed point is where the (projected) gradient vanishes, the exact ML estimate, whatever
information steers the steps; a member is updated only until it converges, so its result does
not depend on the others in the stack.

:class:`Steering` changes only how the steps are made (the bootstrap's draws: a shared first
metric, the chord Hessian one iteration later, Anderson acceleration and a last step taken
without evaluating it); the fixed point and the step tolerance are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.algebra import (
    Evaluation,
    Implied,
    Pattern,
    _complete,
    gradient,
    information,
    objective,
)
from semwb.sem.model.anderson import Anderson
from semwb.sem.model.factor import cholesky_factor, cholesky_inverse, cholesky_logdet
from semwb.sem.model.hessian import complete_hessian
from semwb.sem.model.missing import MissingRows
from semwb.sem.model.missing import objective as fiml_objective
from semwb.sem.model.structure import Array, ModelMatrices

#: Stack members whose step metric is made at once (see :func:`fit_batch`): the ``(members, q,
#: q)`` temporaries stay in cache and cause no page faults.
_BLOCK = 128

#: The finish step is taken only where the last two chord steps shrank at least this much (its
#: error is then about this share of the step).
_CONTRACTION = 0.1

#: The data of a stack: complete-data (or per-pattern) moments, or weighted incomplete rows.
Data = list[Pattern] | MissingRows


@dataclass(frozen=True)
class BatchFit:
    """Estimates, per-member convergence, iteration counts and final ``F`` (``F`` at the last
    evaluated point: before the unevaluated last step of :attr:`Steering.finish`)."""

    theta: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.intp]
    objective: Array


@dataclass(frozen=True)
class Steering:
    """How :func:`fit_batch` makes its steps (the default: the plain chord method).

    Attributes
    ----------
    first
        ``(q, q)`` step metric of the iterations before the chord metric, shared by all members
        (None: the expected information at the first member's start).
    chord_at
        The iteration at which each member's own step metric is made (:func:`chord_metric`).
    accelerate
        Anderson acceleration (:mod:`semwb.sem.model.anderson`) from the chord iteration on.
    finish
        From the chord iteration on, a member whose step's largest element is below this (but
        not below the tolerance) takes that step and stops without evaluating it: its next
        step would be smaller than the tolerance by the chord's contraction (0 = never).
    """

    first: Array | None = None
    chord_at: int = 1
    accelerate: bool = False
    finish: float = 0.0


#: The plain chord method: expected information, then the Hessian at the first iterate.
PLAIN = Steering()


def project(mm: ModelMatrices, theta: Array) -> Array:
    """Parameter vectors moved onto the ``==`` constraints (unchanged without constraints)."""
    if mm.reparam is None:
        return theta
    return mm.reparam.to_theta(mm.reparam.to_x(theta))


def metric(mm: ModelMatrices, info: Array) -> Array:
    """``P = K (Kᵀ I K)⁻¹ Kᵀ`` per stack member (pseudo-inverse where ``I`` is singular)."""
    if mm.reparam is not None:
        K = mm.reparam.K
        return np.asarray(K @ _inverse(K.T @ info @ K) @ K.T)
    return _inverse(info)


def _inverse(info: Array) -> Array:
    try:
        return np.asarray(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(info))


def chord_metric(mm: ModelMatrices, ev: Evaluation, patterns: Data) -> Array:
    """The step metric of the chord iterations: from the Hessian where ``F`` is complete-data ML
    without a mean structure (one pattern, one group) and the Hessian is positive definite,
    else from the expected information.

    Notes
    -----
    Scoring steps with the expected information converge linearly, at a rate set by the misfit
    (about ten iterations from a bootstrap warm start); the Hessian at the first iterate makes
    the later steps nearly Newton steps (about 7 iterations instead of 10). The fixed point is the
    same: where the gradient vanishes.
    """
    pat = patterns[0] if isinstance(patterns, list) and len(patterns) == 1 else None
    if (pat is None or mm.meanstructure or mm.blocks is not None
            or not _complete(pat.columns, ev.sigma_inv.shape[1])):
        return metric(mm, information(mm, ev.imp, ev.sigma_inv))
    P = ev.sigma_inv
    hess = pat.weight * complete_hessian(mm, ev.imp, P, P - P @ pat.S @ P)
    K = None if mm.reparam is None else mm.reparam.K
    reduced = hess if K is None else K.T @ hess @ K
    L, definite = cholesky_factor(reduced)  # the factor also gives the inverse
    if not definite.all():
        out = np.empty_like(hess)
        out[definite] = _from_factor(L[definite], K)
        out[~definite] = metric(mm, information(mm, _take(ev, ~definite).imp, P[~definite]))
        return out
    return _from_factor(L, K)


def _from_factor(L: Array, K: Array | None) -> Array:
    """``P`` from the Cholesky factors of ``I`` (or of ``Kᵀ I K``)."""
    inverse = cholesky_inverse(L)
    return inverse if K is None else np.asarray(K @ inverse @ K.T)


def evaluate(mm: ModelMatrices, theta: Array, data: Data, S_full: Array | None = None,
             mean_full: Array | None = None) -> Evaluation:
    """``F`` at each row of ``theta`` over patterns (:func:`objective`) or FIML rows."""
    if isinstance(data, MissingRows):
        return fiml_objective(mm, theta, data, S_full, mean_full)
    return objective(mm, theta, data, S_full, mean_full)


def _size(patterns: Data) -> int:
    """Number of stack members of the data."""
    return patterns.weights.shape[0] if isinstance(patterns, MissingRows) else len(patterns[0].S)


def _subset(patterns: Data, idx: NDArray[np.intp]) -> Data:
    """The stack members ``idx`` of the data (the data themselves, not a copy, for all of them)."""
    if np.array_equal(idx, np.arange(_size(patterns))):
        return patterns
    if isinstance(patterns, MissingRows):
        return patterns.take(idx)
    return [Pattern(p.columns, p.weight, p.S[idx], p.mean[idx]) for p in patterns]


def _take(ev: Evaluation, idx: NDArray[np.intp] | NDArray[np.bool_]) -> Evaluation:
    """The members ``idx`` of an evaluation (``ev`` itself for an all-true mask)."""
    if idx.dtype == np.bool_ and idx.all():
        return ev
    imp = ev.imp
    return Evaluation(ev.value[idx], ev.ok[idx],
                      Implied(imp.sigma[idx], imp.mu[idx], imp.a[idx], imp.c[idx], imp.psi[idx],
                              imp.eta_mean[idx]), ev.sigma_inv[idx],
                      None if ev.moment_gradient is None
                      else (ev.moment_gradient[0][idx], ev.moment_gradient[1][idx]))


def _put(base: Evaluation, where: NDArray[np.intp], new: Evaluation) -> None:
    """Write ``new`` (all its members) into ``base`` at positions ``where``, in place."""
    for a, b in ((base.value, new.value), (base.ok, new.ok), (base.sigma_inv, new.sigma_inv),
                 (base.imp.sigma, new.imp.sigma), (base.imp.mu, new.imp.mu),
                 (base.imp.a, new.imp.a), (base.imp.c, new.imp.c), (base.imp.psi, new.imp.psi),
                 (base.imp.eta_mean, new.imp.eta_mean)):
        a[where] = b
    if base.moment_gradient is not None and new.moment_gradient is not None:
        for a, b in zip(base.moment_gradient, new.moment_gradient, strict=True):
            a[where] = b


def _steps(P: Array, todo: NDArray[np.intp], grad: Array) -> Array:
    """``P[todo] @ grad`` per member; while most members are active, over the whole stack
    (copying ``P[todo]`` would cost more than the products of the finished members)."""
    if 2 * todo.size <= P.shape[0]:
        return np.asarray((P[todo] @ grad[:, :, None])[:, :, 0])
    full = np.zeros((P.shape[0], P.shape[1], 1))
    full[todo, :, 0] = grad
    return np.asarray((P @ full)[todo, :, 0])


def fit_batch(mm: ModelMatrices, patterns: Data, *, start: Array,
              S_full: Array | None = None, mean_full: Array | None = None, tol: float = 1e-7,
              max_iter: int = 200, refresh_every: int | None = None,
              steering: Steering = PLAIN) -> BatchFit:
    """Minimise ``F`` for a stack of data sets.

    Parameters
    ----------
    mm
        The model structure.
    patterns
        The data, as missing-data patterns whose moments are stacks ``(n, ., .)``, or as
        weighted incomplete rows (FIML, :mod:`semwb.sem.model.missing`).
    start
        ``(q,)`` warm start (or ``(n, q)``).
    S_full, mean_full
        ``(n, p, p)`` / ``(n, p)`` moments for fixed.x cells (None: the structure's own).
    tol
        A member has converged when its largest step is below ``tol``.
    max_iter
        Iterations before a member is declared not converged.
    refresh_every
        Recompute the information every this many iterations (and after a rejected step);
        None: only at the start and at ``steering.chord_at`` (a chord method, cheap for stacks).
    steering
        How the steps are made (:class:`Steering`); never where they converge.

    Returns
    -------
    BatchFit
    """
    n = _size(patterns)
    theta = project(mm, np.array(np.broadcast_to(start, (n, mm.n_params)), dtype=float))
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.intp)
    todo = np.arange(n)
    if not mm.xcells.kind.size:  # the moments fill fixed.x cells only: not copied per evaluation
        S_full = mean_full = None

    def evaluate_at(th: Array, idx: NDArray[np.intp], data: Data | None = None) -> Evaluation:
        return evaluate(mm, th, _subset(patterns, idx) if data is None else data,
                        None if S_full is None else S_full[idx],
                        None if mean_full is None else mean_full[idx])

    ev = evaluate_at(theta, todo)
    objective_value = ev.value.copy()
    usable = ev.ok.copy()
    for pat in patterns if isinstance(patterns, list) else ():
        usable &= cholesky_logdet(pat.S)[1]  # a singular sample has no ML estimate: not fitted
    todo = todo[usable]
    ev = _take(ev, usable)
    first = steering.first
    if first is None and todo.size:
        first = metric(mm, information(mm, _take(ev, np.arange(1)).imp, ev.sigma_inv[:1]))[0]
    history = Anderson(n, mm.n_params) if steering.accelerate else None
    previous = np.full(n, np.inf)  # each member's last chord step size (the finish test)
    P = np.repeat(first[None], n, axis=0) if first is not None else np.zeros((n, 0, 0))
    active = _subset(patterns, todo)  # the data of the members ``todo``, kept in step with it
    for it in range(max_iter):
        if not todo.size:
            break
        grad = gradient(mm, ev, active)
        if it == steering.chord_at:  # in blocks: (members, q, q) temporaries stay small
            for lo in range(0, todo.size, _BLOCK):
                block = np.arange(lo, min(lo + _BLOCK, todo.size))
                P[todo[block]] = chord_metric(mm, _take(ev, block), _subset(active, block))
        elif refresh_every and it % refresh_every == 0 and it > 0:
            P[todo] = metric(mm, information(mm, ev.imp, ev.sigma_inv))
            previous[todo] = np.inf
            if history is not None:
                history.reset(todo)
        step = _steps(P, todo, grad)
        small = np.abs(step).max(axis=1, initial=0.0) < tol
        converged[todo[small]] = True
        keep = ~small
        todo, step, ev = todo[keep], step[keep], _take(ev, keep)
        active = _subset(active, np.flatnonzero(keep))
        iterations[todo] += 1
        raw = step  # the chord step: its size decides convergence, with or without acceleration
        if history is not None and it >= steering.chord_at:
            step = history.step(todo, theta[todo], raw)
        if steering.finish and it >= steering.chord_at:
            size = np.abs(raw).max(axis=1, initial=0.0)
            last = (size < steering.finish) & (size <= _CONTRACTION * previous[todo])
            previous[todo] = size
            theta[todo[last]] -= step[last]
            converged[todo[last]] = True
            keep = ~last
            todo, step, raw, ev = todo[keep], step[keep], raw[keep], _take(ev, keep)
            active = _subset(active, np.flatnonzero(keep))
        if not todo.size:
            break
        trial = theta[todo] - step
        tev = evaluate_at(trial, todo, active)
        slack = 1e-12 * np.abs(objective_value[todo])
        bad = ~(tev.value <= objective_value[todo] + slack)
        scale = 1.0
        previous[todo[bad]] = np.inf  # the metric changes below
        if history is not None and bad.any():  # the secant step failed: the chord step, halved
            step[bad] = raw[bad]
            history.reset(todo[bad])
            scale = 2.0
        while bad.any() and scale > 1e-6:
            scale *= 0.5
            idx = np.flatnonzero(bad)
            retry = theta[todo[idx]] - scale * step[idx]
            rev = evaluate_at(retry, todo[idx])
            fine = rev.value <= objective_value[todo[idx]] + slack[idx]
            trial[idx[fine]] = retry[fine]
            _put(tev, idx[fine], _take(rev, fine))
            bad[idx[fine]] = False
            P[todo[idx]] = metric(mm, information(mm, _take(ev, idx).imp, ev.sigma_inv[idx]))
            if history is not None:
                history.reset(todo[idx])
        good = ~bad
        theta[todo[good]] = trial[good]
        objective_value[todo[good]] = tev.value[good]
        todo = todo[good]
        active = _subset(active, np.flatnonzero(good))
        ev = _take(tev, good)
    return BatchFit(theta, converged, iterations, objective_value)
