"""Nonparametric bootstrap (and Monte Carlo) intervals for parameters, defined effects, std_all.

The bootstrap is built from small parts, each tested alone:

1. :func:`resample_indices` draws every resample's case indices up front from one generator, so
   the same seed gives the same draws whatever the number of workers or chunks;
2. :func:`resampled_covariances` turns indices into covariance matrices (divisor ``N``, as
   lavaan) for a whole chunk at once;
3. :func:`semwb.sem.model.fitting.fit_batch` fits all draws of a chunk together, warm-started
   at the full-sample estimate; a draw that does not converge gets a fresh fit from the start
   values (:func:`_refit`), and is dropped and listed if that fails too;
4. :mod:`semwb.sem.intervals` turns draws into percentile, BC and BCa intervals;
   :func:`monte_carlo_draws` gives the Selig & Preacher alternative.

:func:`bootstrap_draws` runs 1-3 for a model structure and a data matrix;
:func:`semwb.sem.bootstrap_table.summarize_draws` runs 4 and builds the
:class:`~semwb.sem.bootstrap_table.BootstrapResult`;
:func:`bootstrap_model` wires both to a fitted model. Draws are fitted by the same model
algebra as the full sample (:mod:`semwb.sem.model`), means and fixed.x covariates included: each
draw conditions on its own covariates' moments, as a lavaan refit does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from semwb.errors import OptionError
from semwb.rng import as_generator
from semwb.sem.bootstrap_rows import (
    case_weights,
    fiml_covariance,
    fiml_rows,
    fit_weighted,
    jackknife_weights,
    refine_fiml,
)
from semwb.sem.bootstrap_table import (
    RULE,
    BootstrapResult,
    Define,
    Histogram,
    merge_into_parameters,
    summarize_draws,
)
from semwb.sem.estimators.ml import fit_ml
from semwb.sem.model.algebra import Pattern, information, objective
from semwb.sem.model.fitting import BatchFit, fit_batch
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.spec import CI_TYPES

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Array = NDArray[np.float64]
Progress = Callable[[int, int], None]

__all__ = ["CI_TYPES", "RULE", "BootstrapResult", "Draws", "Histogram", "bootstrap_draws",
           "bootstrap_matrices", "bootstrap_model", "merge_into_parameters", "summarize_draws"]

MIN_DRAWS = 100
MAX_DRAWS = 100_000  # about 2 kB of memory per draw of a 14-item mediation model

# --------------------------------------------------------------------------- options and rng


def check_options(draws: Any, ci: Any, level: Any) -> tuple[int, str, float]:
    """Validate the bootstrap options and return them cleaned; raise :class:`OptionError`."""
    if (isinstance(draws, bool) or not isinstance(draws, int | np.integer)
            or not MIN_DRAWS <= draws <= MAX_DRAWS):
        raise OptionError(
            f"The 'draws' option of bootstrap must be an integer from {MIN_DRAWS} to "
            f"{MAX_DRAWS:,}; got {draws!r}."
        )
    if ci not in CI_TYPES:
        raise OptionError(
            f"The 'ci' option of bootstrap must be one of {', '.join(CI_TYPES)}; got {ci!r}."
        )
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.5 <= level < 1:
        raise OptionError(
            f"The 'level' option of bootstrap must be a number from 0.5 to below 1 "
            f"(e.g. 0.95); got {level!r}."
        )
    return int(draws), str(ci), float(level)


# --------------------------------------------------------------------------- resampling


def resample_indices(n_obs: int, draws: int, *, rng: int | np.random.Generator | None
                     ) -> NDArray[np.intp]:
    """Case indices of every resample, ``(draws, n_obs)``, drawn with replacement up front."""
    return as_generator(rng).integers(0, n_obs, size=(draws, n_obs))


def resampled_covariances(X: Array, indices: NDArray[np.intp]) -> Array:
    """Covariance matrices (divisor ``N``) of the resamples ``X[indices[b]]``, ``(draws, p, p)``.

    Notes
    -----
    ``S_b = X_bᵀ X_b / N - m_b m_bᵀ`` with ``X_b = X[indices[b]]`` and ``m_b`` its column means,
    as one stacked product: each draw's matrix is computed by the same call whatever the number
    of draws in the chunk, so chunking never changes a bit. ``X`` should be centred for accuracy.
    """
    Xb = X[indices]
    n = indices.shape[1]
    mean = Xb.mean(axis=1)
    return np.asarray(Xb.transpose(0, 2, 1) @ Xb / n - mean[:, :, None] * mean[:, None, :])


def weighted_covariances(X: Array, weights: Array) -> Array:
    """Covariances ``Σ_i w_i x_i x_iᵀ / Σw - m mᵀ`` for each row of ``weights (draws, N)``."""
    n, p = X.shape
    total = weights.sum(axis=1)
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    second = (weights @ outer).reshape(-1, p, p) / total[:, None, None]
    mean = weights @ X / total[:, None]
    return np.asarray(second - mean[:, :, None] * mean[:, None, :])


def jackknife_covariances(X: Array) -> Array:
    """Leave-one-out covariance matrices (divisor ``N - 1``), ``(N, p, p)``."""
    weights = 1.0 - np.eye(X.shape[0])
    return weighted_covariances(X, weights)


def monte_carlo_draws(estimate: Array, covariance: Array, draws: int, *,
                      rng: int | np.random.Generator | None) -> Array:
    """Parameter vectors from ``N(θ̂, acov)`` for the Monte Carlo CI (Selig & Preacher 2008).

    Notes
    -----
    ``θ_b = θ̂ + L z_b`` with ``L Lᵀ = acov`` and ``z_b`` standard normal; a defined effect's
    interval is the percentile interval of its values over the ``θ_b``.
    """
    L = np.linalg.cholesky(covariance)
    z = as_generator(rng).standard_normal((draws, estimate.size))
    return np.asarray(estimate[None] + z @ L.T)


# --------------------------------------------------------------------------- fitting the draws


@dataclass(frozen=True)
class Draws:
    """Fitted bootstrap draws of one model: ``theta (draws, q)`` with NaN rows for failed draws."""

    theta: Array
    estimate: Array
    failed: list[dict[str, Any]]
    jackknife: Array | None = None
    refits: int = 0


def _fit_chunk(mm: ModelMatrices, S: Array, mean: Array) -> BatchFit:
    """Fit a stack of complete-data moments (covariances ``(n, p, p)``, means ``(n, p)``)."""
    with threadpool_limits(limits=1):
        pattern = Pattern(np.arange(S.shape[1]), 1.0, S, mean)
        return fit_batch(mm, [pattern], start=mm.estimate, S_full=S, mean_full=mean)


def resampled_means(X: Array, indices: NDArray[np.intp], centre: Array) -> Array:
    """Means of the resamples ``X[indices[b]] + centre``, ``(draws, p)``."""
    return np.asarray(X[indices].mean(axis=1) + centre)


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
        for start in starts:
            sl = indices[start:start + chunk_size]
            with threadpool_limits(limits=1):
                function, args = job(sl)
                fit = function(*args)
            store(start, fit)
            done += sl.shape[0]
            if progress is not None:
                progress(done, total)
        return theta, converged
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {}
        for s in starts:
            function, args = job(indices[s:s + chunk_size])
            futures[pool.submit(function, *args)] = s
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
                    jackknife: bool = False, workers: int = 1, chunk_size: int = 500,
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
        Worker processes and draws per batch; they change speed, never results.
    progress
        Called as ``progress(done, total)`` after each chunk.
    fiml
        Refit each resample by FIML (:mod:`semwb.sem.bootstrap_rows`), as lavaan's bootstrap
        does under ``missing = "ml"``.

    Returns
    -------
    Draws
    """
    if fiml:
        X, rows = fiml_rows(mm, X)
    n = X.shape[0]
    indices = resample_indices(n, draws, rng=rng)
    centre = X.mean(axis=0)
    Xc = X - centre
    if fiml:
        mm = refine_fiml(mm, X)

        def job(sl: NDArray[np.intp]) -> Job:
            return fit_weighted, (mm, rows, X, case_weights(n, sl))
    else:
        mm = refine_estimate(mm, X)

        def job(sl: NDArray[np.intp]) -> Job:
            return _fit_chunk, (mm, resampled_covariances(Xc, sl), resampled_means(Xc, sl, centre))
    theta, converged = _fit_resamples(mm, indices, job, chunk_size=chunk_size, workers=workers,
                                      progress=progress)
    failed: list[dict[str, Any]] = []
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
        jfit = (fit_weighted(mm, rows, X, jackknife_weights(n)) if fiml else
                _fit_chunk(mm, jackknife_covariances(Xc), (n * centre[None] - X) / (n - 1)))
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
    """ML asymptotic covariance from the expected information: ``(N/2 · I(θ̂))⁻¹``."""
    centre = X.mean(axis=0)
    Xc = X - centre
    S = (Xc.T @ Xc / X.shape[0])[None]
    pattern = Pattern(np.arange(S.shape[1]), 1.0, S, centre[None])
    ev = objective(mm, mm.estimate[None], [pattern], S, centre[None])
    info = information(mm, ev.imp, ev.sigma_inv)[0]
    return np.asarray(np.linalg.inv(0.5 * X.shape[0] * info))


# --------------------------------------------------------------------------- entry points


def _seed_of(rng: int | np.random.Generator | None) -> tuple[int | np.random.Generator, int | None]:
    """A reproducible rng and the seed to record: ``None`` becomes a fresh recorded seed."""
    if rng is None:
        entropy = np.random.SeedSequence().entropy
        seed = int(entropy) % (2**63) if isinstance(entropy, int) else 0
        return seed, seed
    if isinstance(rng, np.random.Generator):
        return rng, None
    as_generator(rng)  # validates
    return int(rng), int(rng)


def complete_cases(mm: ModelMatrices, data: pd.DataFrame, *, listwise: bool = True) -> Array:
    """The observed columns of ``data`` as a float matrix, listwise complete rows only.

    ``listwise=False``: every row (NaN for missing values), for a FIML bootstrap.
    """
    missing = [c for c in mm.observed if c not in data.columns]
    if missing:
        raise OptionError(
            f"The bootstrap data lack the model's observed variable(s) {', '.join(missing)}; "
            "pass the same data the model was fitted to."
        )
    X = data[list(mm.observed)].to_numpy(dtype=float)
    return np.asarray(X[np.all(np.isfinite(X), axis=1)]) if listwise else X


def bootstrap_matrices(mm: ModelMatrices, data: pd.DataFrame, *, draws: int = 5000,
                     ci: str = "percentile", level: float = 0.95,
                     rng: int | np.random.Generator | None = None,
                     define: Define | None = None, defined: Sequence[tuple[str, str]] = (),
                     workers: int = 1, chunk_size: int = 500,
                     progress: Progress | None = None, fiml: bool = False) -> BootstrapResult:
    """Bootstrap (or Monte Carlo) intervals for a model fitted by ML (complete data) or FIML.

    Parameters
    ----------
    mm
        The model structure at its estimate (``FitResult.model``).
    data
        The data it was fitted to; rows with a missing value in a model variable are dropped
        (listwise, as the fit), unless ``fiml``.
    draws
        Resamples (or Monte Carlo draws); 100 to 100,000.
    ci
        ``"percentile"`` (default), ``"bc"`` (lavaan's ``bca.simple``), ``"bca"`` (jackknife
        acceleration) or ``"montecarlo"`` (Selig & Preacher: draws from the ML estimate's
        asymptotic normal distribution, no refitting).
    level
        Confidence level of every interval.
    rng
        Seed or generator; ``None`` draws a fresh seed and records it.
    define
        Evaluates the defined effects from parameter label -> values, vectorised over draws
        (``semwb.sem.effects`` provides it); applied to raw and to standardized values.
    defined
        ``(name, expression)`` of each defined effect, in output order.
    workers, chunk_size
        Worker processes and draws per batch; results do not depend on them.
    progress
        Called as ``progress(done, total)`` while draws are fitted.
    fiml
        The model was fitted by FIML: every draw is refitted by FIML (lavaan's bootstrap
        under ``missing = "ml"``); ``montecarlo`` draws use the observed information.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    OptionError
        For a bad option value.
    KeyboardInterrupt
        Propagated after worker processes are stopped; nothing is returned or written.
    """
    draws, ci, level = check_options(draws, ci, level)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise OptionError(f"The 'workers' option of bootstrap must be an integer of at least 1; "
                          f"got {workers!r}.")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise OptionError(f"The 'chunk_size' option of bootstrap must be an integer of at "
                          f"least 1; got {chunk_size!r}.")
    rng, seed = _seed_of(rng)
    X = complete_cases(mm, data, listwise=not fiml)
    start = mm.estimate
    if ci == "montecarlo":
        mm = refine_fiml(mm, X) if fiml else refine_estimate(mm, X)
        covariance = fiml_covariance(mm, X) if fiml else asymptotic_covariance(mm, X)
        theta = monte_carlo_draws(mm.estimate, covariance, draws, rng=rng)
        if progress is not None:
            progress(draws, draws)
        return summarize_draws(mm, theta, ci=ci, level=level, seed=seed, failed=[],
                               define=define, defined=defined)
    with threadpool_limits(limits=1):
        fitted = bootstrap_draws(mm, X, draws=draws, rng=rng, start=start,
                                 jackknife=ci == "bca", workers=workers,
                                 chunk_size=chunk_size, progress=progress, fiml=fiml)
    return summarize_draws(dataclasses.replace(mm, estimate=fitted.estimate), fitted.theta,
                           ci=ci, level=level, seed=seed, failed=fitted.failed, define=define,
                           defined=defined, jackknife=fitted.jackknife)


def bootstrap_model(fit: FitResult, data: pd.DataFrame | None = None, *, draws: int = 5000,
                    ci: str = "percentile", level: float = 0.95,
                    rng: int | np.random.Generator | None = None,
                    progress: Progress | None = None, workers: int = 1,
                    chunk_size: int = 500) -> BootstrapResult:
    """Bootstrap every free parameter, ``:=`` effect and std_all of a fitted model.

    Parameters
    ----------
    fit
        From :func:`semwb.sem.estimate.fit_model` (ML, or FIML with ``missing: fiml``).
    data
        The data to resample; by default ``fit.data``, the rows the fit used.
    draws, ci, level, rng, workers, chunk_size, progress
        As :func:`bootstrap_matrices`.

    Returns
    -------
    BootstrapResult
        Whose ``table`` is ``fit.parameters`` with bootstrap columns
        (:func:`merge_into_parameters`).

    Raises
    ------
    OptionError
        For a bad option.
    """
    effects = fit.effects

    def define(values: Mapping[str, Array]) -> dict[str, Array]:
        return {e.name: e.evaluate(values) for e in effects}

    result = bootstrap_matrices(
        fit.model, fit.data if data is None else data, draws=draws, ci=ci, level=level, rng=rng,
        define=define, defined=[(e.name, e.expression) for e in effects], workers=workers,
        chunk_size=chunk_size, progress=progress, fiml=fit.spec.missing == "fiml",
    )
    return dataclasses.replace(result, table=merge_into_parameters(fit.parameters, result.table))
