"""Fitting bootstrap draws: every resample of a chunk fitted together on the model algebra.

:func:`bootstrap_draws` fits all draws of a model structure on a data matrix, complete data by
resampled moments (:mod:`semwb.sem.resampling`), FIML and multiple groups by case weights
(:mod:`semwb.sem.bootstrap_rows`; a group's rows are redrawn within the group), chunked over
worker processes; a draw that does not converge gets a fresh fit from the start values
(:func:`_refit`), and is dropped and listed if that fails too. :func:`refine_estimate` and
:func:`asymptotic_covariance` give the full-sample centre and its Wald covariance.
:mod:`semwb.sem.bootstrap` wires this to a fitted model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semwb.sem.blas import one_blas_thread
from semwb.sem.bootstrap_groups import failed_draws, fit_group_draws
from semwb.sem.bootstrap_rows import (
    case_weights,
    fiml_rows,
    fit_weighted,
    jackknife_weights,
    polish_weighted,
    refine_fiml,
)
from semwb.sem.estimators.ml import fit_ml
from semwb.sem.model.algebra import Pattern, information
from semwb.sem.model.fitting import PLAIN, BatchFit, Steering, chord_metric, evaluate, fit_batch
from semwb.sem.model.groups import row_groups
from semwb.sem.model.missing import missing_rows
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.resampling import (
    jackknife_covariances,
    resample_indices,
    resampled_moments,
    stratified_indices,
)

Array = NDArray[np.float64]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Draws:
    """Fitted bootstrap draws of one model: ``theta (draws, q)`` with NaN rows for failed draws."""

    theta: Array
    estimate: Array
    failed: list[dict[str, Any]]
    jackknife: Array | None = None
    refits: int = 0


#: Elements of a chunk's ``(draws, q, q)`` step matrices (128 MiB of them) and the most draws
#: in a complete-data chunk.
_CHUNK_ELEMENTS = 2**24
_MOST_DRAWS = 1000


def chunk_draws(n_params: int) -> int:
    """Draws per complete-data batch for ``n_params`` free parameters.

    Up to 1000: a batch costs a fixed number of numpy calls per iteration, and the last
    iterations of a batch fit its few slowest draws, so 500 draws of a 14-item model took 15 %
    more CPU than 1000 or 2000 (bench/README.md, issue 10 (d)); fewer where the batch's step
    matrices would pass 128 MiB (large models), at least 50.
    """
    return int(min(_MOST_DRAWS, max(50, _CHUNK_ELEMENTS // max(1, n_params) ** 2)))


#: fit_batch's step tolerance; a draw whose chord step is below ten times it takes the step and
#: stops (:attr:`semwb.sem.model.fitting.Steering.finish`).
_TOL = 1e-7


def _fit_chunk(mm: ModelMatrices, S: Array, mean: Array, steering: Steering = PLAIN) -> BatchFit:
    """Fit a stack of complete-data moments (covariances ``(n, p, p)``, means ``(n, p)``)."""
    pattern = Pattern(np.arange(S.shape[1]), 1.0, S, mean)
    return fit_batch(mm, [pattern], start=mm.estimate, S_full=S, mean_full=mean, tol=_TOL,
                     steering=steering)


def draw_steering(mm: ModelMatrices, S: Array, mean: Array) -> Steering:
    """How the draws of complete data are fitted from the full-sample estimate.

    The full sample's step metric (:func:`~semwb.sem.model.fitting.chord_metric`: its Hessian
    where it applies), made once, steers every draw's first two steps (a Newton step from the
    estimate, which each draw's gradient moves); each draw's own Hessian at its second iterate
    then steers the rest, Anderson-accelerated, and a step below ten times the tolerance is
    the last (bench/README.md, issue 10 (d), session 7: 7.6 -> 4.9 evaluations per draw).
    ``S (p, p)``, ``mean (p,)`` are the full sample's moments; the estimates are unchanged.
    """
    pattern = Pattern(np.arange(S.shape[0]), 1.0, S[None], mean[None])
    ev = evaluate(mm, mm.estimate[None], [pattern], S[None], mean[None])
    first = chord_metric(mm, ev, [pattern])[0] if ev.ok[0] else None
    return Steering(first=first, chord_at=2, accelerate=True, finish=10 * _TOL)


def _one_thread(function: Callable[..., BatchFit], *args: Any) -> BatchFit:
    """``function(*args)`` with BLAS on one thread (a worker process's chunk)."""
    with one_blas_thread():
        return function(*args)


#: What fits one chunk of resamples: a picklable function and its arguments.
Job = tuple[Callable[..., BatchFit], tuple[Any, ...]]


def _fit_resamples(mm: ModelMatrices, indices: NDArray[np.intp],
                   job: Callable[[NDArray[np.intp]], Job], *, chunk_size: int, workers: int,
                   progress: Progress | None) -> tuple[Array, NDArray[np.bool_]]:
    """Fit every resample in chunks (serially or in worker processes); return θ and converged.

    ``job(indices of a chunk)`` gives the function that fits the chunk and its arguments.
    """
    total = indices.shape[0]
    theta = np.full((total, mm.n_params), np.nan)
    converged = np.zeros(total, dtype=bool)
    starts = list(range(0, total, chunk_size))

    def store(start: int, fit: BatchFit) -> None:
        stop = start + fit.theta.shape[0]
        theta[start:stop] = fit.theta
        converged[start:stop] = fit.converged

    done = 0
    if workers <= 1:
        with one_blas_thread():  # once: each call rescans the loaded libraries
            for start in starts:
                sl = indices[start:start + chunk_size]
                function, args = job(sl)
                store(start, function(*args))
                done += sl.shape[0]
                if progress is not None:
                    progress(done, total)
        return theta, converged
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {}
        for s in starts:
            function, args = job(indices[s:s + chunk_size])
            futures[pool.submit(_one_thread, function, *args)] = s
        for fut in as_completed(futures):
            fit = fut.result()
            store(futures[fut], fit)
            done += fit.theta.shape[0]
            if progress is not None:
                progress(done, total)
    except BaseException:
        # Ctrl-C or a worker error: stop the workers before the exception propagates.
        # (ProcessPoolExecutor has no public terminate before Python 3.14.)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join()
        raise
    pool.shutdown(wait=True)
    return theta, converged


def _refit(mm: ModelMatrices, X: Array, start: Array, fiml: bool = False) -> Array | None:
    """Fit one draw afresh (scoring, then quasi-Newton); ``None`` when it does not converge."""
    fit = fit_ml(mm, X, start, fiml=fiml)
    return fit.mm.estimate if fit.converged else None


def bootstrap_draws(mm: ModelMatrices, X: Array, *, draws: int,
                    rng: int | np.random.Generator | None, start: Array | None = None,
                    jackknife: bool = False, workers: int = 1, chunk_size: int | None = None,
                    progress: Progress | None = None, fiml: bool = False) -> Draws:
    """Fit the model to ``draws`` case resamples of ``X`` (columns ``mm.observed``).

    Parameters
    ----------
    mm
        Model structure with the full-sample estimate (``FitResult.model``).
    X
        ``(N, p)`` data matrix: complete cases, or under ``fiml`` the rows FIML fits (NaN for
        missing values).
    draws
        Number of resamples.
    rng
        Seed or generator; all indices are drawn before any fitting.
    start
        Start values for a fresh fit of a draw the batched fit cannot converge; without them
        such draws are failed at once.
    jackknife
        Also fit the ``N`` leave-one-out samples (for BCa).
    workers, chunk_size
        Worker processes and draws per batch; they change speed, never results. Without a
        ``chunk_size``, 500 draws per batch under FIML or groups, else :func:`chunk_draws`.
    progress
        Called as ``progress(done, total)`` after each chunk.
    fiml
        Refit each resample by FIML (:mod:`semwb.sem.bootstrap_rows`), as lavaan's bootstrap
        does under ``missing = "ml"``.

    Returns
    -------
    Draws

    Notes
    -----
    A multiple-group model (``mm.blocks``; ``X`` its stacked rows) is refitted by case weights
    as under FIML, each group's rows redrawn within the group
    (:func:`semwb.sem.resampling.stratified_indices`), as lavaan does.
    """
    by_rows = fiml or mm.blocks is not None
    if chunk_size is None:
        chunk_size = 500 if by_rows else chunk_draws(mm.n_params)
    if by_rows:
        X, rows = fiml_rows(mm, X)
    n = X.shape[0]
    indices = (resample_indices(n, draws, rng=rng) if mm.blocks is None else
               stratified_indices(row_groups(X, mm.blocks), draws, rng=rng))
    centre = X.mean(axis=0)
    Xc = X - centre
    if by_rows:
        mm = refine_fiml(mm, X)

        fit_rows = fit_weighted if mm.blocks is None else fit_group_draws

        def job(sl: NDArray[np.intp]) -> Job:
            return fit_rows, (mm, rows, X, case_weights(n, sl))
    else:
        mm = refine_estimate(mm, X)
        steering = draw_steering(mm, Xc.T @ Xc / n, centre)

        def job(sl: NDArray[np.intp]) -> Job:
            S, mean = resampled_moments(Xc, sl)
            return _fit_chunk, (mm, S, mean + centre, steering)
    theta, converged = _fit_resamples(mm, indices, job, chunk_size=chunk_size, workers=workers,
                                      progress=progress)
    failed: list[dict[str, Any]] = []
    if mm.blocks is not None:  # groups: a draw the batched quasi-Newton cannot fit is failed
        failed = failed_draws(mm, rows, X, indices, theta, converged)
        converged[:] = True  # settled: the failed draws are NaN and listed
    if by_rows and not converged.all():
        todo = np.flatnonzero(~converged)
        polished = polish_weighted(mm, rows, X, case_weights(n, indices[todo]), theta[todo])
        theta[todo] = polished.theta
        converged[todo] = polished.converged
    refits = 0
    for b in np.flatnonzero(~converged):
        refits += 1
        fresh = _refit(mm, X[indices[b]], start, fiml) if start is not None else None
        if fresh is None:
            theta[b] = np.nan
            failed.append({"draw": int(b) + 1, "reason": "did not converge (batched Fisher "
                           "scoring and a fresh fit from the start values)"})
        else:
            theta[b] = fresh
    jack = None
    if jackknife:
        jfit = (fit_weighted(mm, rows, X, jackknife_weights(n)) if by_rows else
                _fit_chunk(mm, jackknife_covariances(Xc), (n * centre[None] - X) / (n - 1),
                           steering))
        jack = np.where(jfit.converged[:, None], jfit.theta, np.nan)
    return Draws(theta, mm.estimate, failed, jack, refits)


def refine_estimate(mm: ModelMatrices, X: Array) -> ModelMatrices:
    """``mm`` with its estimate polished by Fisher scoring on the full sample of ``X``.

    The bootstrap centre for ``bc``/``bca`` and the warm start must be the ML estimate of
    exactly these rows (the caller may pass other data than the fit used).
    """
    centre = X.mean(axis=0)
    Xc = X - centre
    fit = _fit_chunk(mm, (Xc.T @ Xc / X.shape[0])[None], centre[None])
    if not fit.converged[0]:
        return mm
    return dataclasses.replace(mm, estimate=fit.theta[0])


def asymptotic_covariance(mm: ModelMatrices, X: Array) -> Array:
    """ML asymptotic covariance from the expected information: ``(N/2 · I(θ̂))⁻¹``.

    ``X`` is complete, or a multiple-group model's stacked rows (``mm.blocks``; the expected
    information is then the groups' weighted by ``n_g / N``, as the fit's).
    """
    if mm.blocks is not None:
        ev = evaluate(mm, mm.estimate[None], missing_rows(X))
    else:
        centre = X.mean(axis=0)
        Xc = X - centre
        S = (Xc.T @ Xc / X.shape[0])[None]
        pattern = Pattern(np.arange(S.shape[1]), 1.0, S, centre[None])
        ev = evaluate(mm, mm.estimate[None], [pattern], S, centre[None])
    info = information(mm, ev.imp, ev.sigma_inv)[0]
    return np.asarray(np.linalg.inv(0.5 * X.shape[0] * info))
