"""Quasi-Newton (BFGS) minimisation of ``F`` for a stack of data sets, seeded by Fisher scoring.

Fisher scoring (:func:`semwb.sem.model.fitting.fit_batch`) converges in a few steps when the
model fits the data; in small samples (a group of 30-40 respondents) the expected information
is far from the Hessian of ``F`` and scoring slows to a linear crawl of 50-200 steps.
:func:`fit_quasi_newton` starts from the same metric ``P = (Kᵀ I K)⁻¹`` and improves it by
BFGS updates ``P ← P + ((sᵀy + yᵀPy) ssᵀ)/(sᵀy)² - (P y sᵀ + s yᵀ P)/(sᵀy)`` from each
accepted step ``s`` and gradient change ``y``, per stack member, so the steps become Newton's
and converge superlinearly. ``s`` and ``P`` stay in the column space of ``K`` (``==``
constraints). A step is halved until ``F`` does not increase; when halving fails, the member's
metric is reset to Fisher's at its current point, and a member whose Fisher step fails too is
stopped (not converged). The fixed point is the one of scoring, the exact ML estimate, so the
estimates of converged members are the same as :func:`fit_batch`'s to the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from semwb.sem.model.algebra import Evaluation, gradient, information
from semwb.sem.model.factor import cholesky_logdet
from semwb.sem.model.fitting import BatchFit, Data, _put, _subset, _take, evaluate, metric, project
from semwb.sem.model.missing import MissingRows
from semwb.sem.model.structure import Array, ModelMatrices

#: Largest element of the (projected) gradient of ``F`` accepted at convergence (as
#: :data:`semwb.sem.estimators.ml.GRADIENT_TOLERANCE`).
GRADIENT_TOLERANCE = 1e-5
#: Step halvings before a member's metric is reset to Fisher's.
HALVINGS = 30


def fit_quasi_newton(mm: ModelMatrices, data: Data, *, start: Array,
                     S_full: Array | None = None, mean_full: Array | None = None,
                     tol: float = 1e-7, max_iter: int = 200, scoring: int = 1) -> BatchFit:
    """Minimise ``F`` for a stack of data sets by batched BFGS from Fisher's metric.

    Parameters
    ----------
    mm
        The model structure.
    data
        Missing-data patterns whose moments are stacks ``(n, ., .)``, or weighted rows.
    start
        ``(q,)`` warm start shared by the members (the full-sample estimate).
    S_full, mean_full
        ``(n, p, p)`` / ``(n, p)`` moments for fixed.x cells (None: the structure's own).
    tol
        A member has converged when its largest step is below ``tol`` and its largest
        projected gradient element below :data:`GRADIENT_TOLERANCE`.
    max_iter
        Iterations before a member is declared not converged.
    scoring
        Steps of Fisher scoring (the information refreshed at each member's point) before
        BFGS updates take over; the first step is always a scoring step from ``start``.

    Returns
    -------
    BatchFit
        ``iterations`` counts accepted steps; a member whose resampled covariance is singular
        (no ML estimate) is not fitted and not converged.
    """
    n = data.weights.shape[0] if isinstance(data, MissingRows) else len(data[0].S)
    theta = project(mm, np.array(np.broadcast_to(start, (n, mm.n_params)), dtype=float))
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.intp)

    def evaluate_at(th: Array, idx: NDArray[np.intp]) -> Evaluation:
        return evaluate(mm, th, _subset(data, idx), None if S_full is None else S_full[idx],
                        None if mean_full is None else mean_full[idx])

    ev = evaluate_at(theta, np.arange(n))
    value = ev.value.copy()
    usable = ev.ok.copy()
    for pat in data if isinstance(data, list) else ():
        usable &= cholesky_logdet(pat.S)[1]  # a singular sample has no ML estimate: not fitted
    todo = np.flatnonzero(usable)
    if not todo.size:
        return BatchFit(theta, converged, iterations, value)
    ev = _take(ev, usable)
    K = None if mm.reparam is None else mm.reparam.K
    fisher = metric(mm, information(mm, _take(ev, np.arange(1)).imp, ev.sigma_inv[:1]))[0]
    P = np.repeat(fisher[None], todo.size, axis=0)  # the metric of each member of ``todo``
    fresh = np.ones(todo.size, dtype=bool)  # P is Fisher's at the member's current point
    grad = np.zeros((n, mm.n_params))
    grad[todo] = gradient(mm, ev, _subset(data, todo))
    for it in range(max_iter):
        if 1 <= it <= scoring:  # Fisher scoring's first steps, then BFGS from its metric
            P = metric(mm, information(mm, ev.imp, ev.sigma_inv))
            fresh[:] = True
        g = grad[todo]
        step = (P @ g[:, :, None])[:, :, 0]
        reduced = g if K is None else (g[:, None, :] @ K)[:, 0, :]  # per member
        done = ((np.abs(step).max(axis=1, initial=0.0) < tol)
                & (np.abs(reduced).max(axis=1, initial=0.0) < GRADIENT_TOLERANCE))
        converged[todo[done]] = True
        keep = np.flatnonzero(~done)
        if keep.size < todo.size:
            todo, step, ev, P, fresh = todo[keep], step[keep], _take(ev, keep), P[keep], fresh[keep]
        if not todo.size:
            break
        trial, tev, bad = _line_search(evaluate_at, theta[todo], step, todo, value[todo])
        good = np.flatnonzero(~bad)
        if good.size:
            members = todo[good]
            new_ev = _take(tev, good)
            new_grad = gradient(mm, new_ev, _subset(data, members))
            if it >= scoring:
                _bfgs_update(P, good, trial[good] - theta[members], new_grad - grad[members])
                fresh[good] = False
            theta[members], value[members], grad[members] = trial[good], new_ev.value, new_grad
            iterations[members] += 1
            _put(ev, good, new_ev)
        failing = np.flatnonzero(bad)  # no descent along the step: Fisher's metric, or give up
        reset = failing[~fresh[failing]]
        if reset.size:
            P[reset] = metric(mm, information(mm, _take(ev, reset).imp, ev.sigma_inv[reset]))
            fresh[reset] = True
        if failing.size > reset.size:
            stay = np.ones(todo.size, dtype=bool)
            stay[failing] = False
            stay[reset] = True
            todo, ev, P, fresh = todo[stay], _take(ev, stay), P[stay], fresh[stay]
    return BatchFit(theta, converged, iterations, value)


def _line_search(evaluate_at: Callable[[Array, NDArray[np.intp]], Evaluation], theta: Array,
                 step: Array, todo: NDArray[np.intp], value: Array
                 ) -> tuple[Array, Evaluation, NDArray[np.bool_]]:
    """``θ - t step`` with ``t = 1`` halved per member until ``F`` does not increase: the
    trial points, their evaluation, and which members found no such ``t``."""
    trial = theta - step
    tev = evaluate_at(trial, todo)
    slack = 1e-12 * np.abs(value)
    bad = ~(tev.value <= value + slack)
    scale = np.ones(todo.size)
    for _ in range(HALVINGS):
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        scale[idx] *= 0.5
        retry = theta[idx] - scale[idx, None] * step[idx]
        rev = evaluate_at(retry, todo[idx])
        fine = rev.value <= value[idx] + slack[idx]
        trial[idx[fine]] = retry[fine]
        _put(tev, idx[fine], _take(rev, fine))
        bad[idx[fine]] = False
    return trial, tev, bad


def _bfgs_update(P: Array, where: NDArray[np.intp], s: Array, y: Array) -> None:
    """The inverse-Hessian BFGS update of ``P[where]`` in place (skipped unless ``sᵀy > 0``)."""
    sy = np.einsum("ni,ni->n", s, y)
    ok = sy > 1e-12 * np.linalg.norm(s, axis=1) * np.linalg.norm(y, axis=1)
    sy = np.where(ok, sy, 1.0)
    s = s * ok[:, None]  # a zero s leaves P unchanged
    block = P if where.size == P.shape[0] else P[where]
    Py = (block @ y[:, :, None])[:, :, 0]
    v = Py / sy[:, None]
    u = ((sy + np.einsum("ni,ni->n", y, Py)) / sy**2)[:, None] * s - v
    # P + c s sᵀ - (v sᵀ + s vᵀ) = P + s uᵀ - v sᵀ: one stacked product of rank 2
    block += np.stack([s, -v * ok[:, None]], axis=2) @ np.stack([u, s], axis=1)
    if block is not P:
        P[where] = block
