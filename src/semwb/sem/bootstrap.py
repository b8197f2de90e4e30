"""Nonparametric bootstrap (and Monte Carlo) intervals for parameters, defined effects, std_all.

The bootstrap is built from small parts, each tested alone:

1. :func:`resample_indices` draws every resample's case indices up front from one generator, so
   the same seed gives the same draws whatever the number of workers or chunks;
2. :func:`resampled_covariances` turns indices into covariance matrices (divisor ``N``, as
   lavaan) for a whole chunk at once;
3. :func:`semwb.sem.matrices.fit_ml_batch` fits all draws of a chunk together, warm-started at
   the full-sample estimate; a draw that does not converge gets a fresh semopy fit
   (:func:`_refit_semopy`), and is dropped and listed if that fails too;
4. :func:`_percentile_ci`, :func:`_bc_ci` and :func:`_bca_ci` turn draws into intervals;
   :func:`monte_carlo_draws` gives the Selig & Preacher alternative.

:func:`bootstrap_draws` runs 1-3 for a model structure and a data matrix;
:func:`summarize_draws` runs 4 and builds the :class:`BootstrapResult`;
:func:`bootstrap_model` wires both to a fitted model (the semopy adapter lives here and in
:mod:`semwb.sem.matrices`; nothing else in semwb needs to know how draws are fitted).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from scipy.special import ndtr, ndtri
from threadpoolctl import threadpool_limits

from semwb.errors import OptionError
from semwb.results import BootstrapInfo
from semwb.sem import matrices as mx

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Array = NDArray[np.float64]
Quantile = Callable[[Array, Array], Array]
Define = Callable[[Mapping[str, Array]], Mapping[str, Array]]
Progress = Callable[[int, int], None]

CI_TYPES = ("percentile", "bc", "bca", "montecarlo")
MIN_DRAWS = 100
HISTOGRAM_BINS = 40

#: The rule for draws, stated in results.json and the report.
RULE = (
    "Draws whose ML fit does not converge (batched Fisher scoring, then a fresh semopy fit) are "
    "dropped and listed with the reason; intervals use the remaining draws. Converged draws with "
    "an inadmissible solution (a negative variance, or a standardized value beyond 1 in absolute "
    "value) are kept, as lavaan keeps them, and listed: dropping them would cut the tail of the "
    "sampling distribution and make intervals too narrow."
)


# --------------------------------------------------------------------------- options and rng


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng`` (a seed, a generator, or ``None``)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise OptionError(
        f"The 'seed' option of bootstrap must be an integer, a numpy Generator or None; "
        f"got {rng!r}."
    )


def check_options(draws: Any, ci: Any, level: Any) -> tuple[int, str, float]:
    """Validate the bootstrap options and return them cleaned; raise :class:`OptionError`."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < MIN_DRAWS:
        raise OptionError(
            f"The 'draws' option of bootstrap must be an integer of at least {MIN_DRAWS}; "
            f"got {draws!r}."
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


# --------------------------------------------------------------------------- interval formulas


def _norm_inter_quantile(sorted_draws: Array, probs: Array) -> Array:
    """Quantiles of one sorted column by the rule of lavaan's ``perc`` (``boot::norm.inter``).

    Notes
    -----
    With ``R`` draws and ``k = floor((R + 1) α)``: the order statistic ``t_(k)`` when
    ``(R + 1) α`` is a whole number (``t_(1)`` or ``t_(R)`` at the ends), otherwise
    ``t_(k) + (Φ⁻¹(α) - Φ⁻¹(k/(R+1))) / (Φ⁻¹((k+1)/(R+1)) - Φ⁻¹(k/(R+1))) (t_(k+1) - t_(k))``
    (Davison & Hinkley 1997, eq. 5.8).
    """
    t = sorted_draws
    R = t.size
    out = np.empty(len(probs))
    for i, alpha in enumerate(probs):
        rk = (R + 1) * alpha
        k = math.floor(rk)
        if k <= 0:
            out[i] = t[0]
        elif k >= R:
            out[i] = t[-1]
        elif k == rk:
            out[i] = t[k - 1]
        else:
            lo, hi = ndtri(k / (R + 1)), ndtri((k + 1) / (R + 1))
            out[i] = t[k - 1] + (ndtri(alpha) - lo) / (hi - lo) * (t[k] - t[k - 1])
    return out


def _columns(draws: Array, probs: Array, quantile: Quantile) -> Array:
    """Apply ``quantile`` per column; ``probs`` is ``(k, 2)``; non-finite draws are ignored."""
    out = np.full((draws.shape[1], 2), np.nan)
    for j in range(draws.shape[1]):
        col = draws[:, j]
        col = np.sort(col[np.isfinite(col)])
        if col.size and np.all(np.isfinite(probs[j])):
            out[j] = quantile(col, probs[j])
    return out


def _percentile_ci(draws: Array, level: float, *,
                   quantile: Quantile = _norm_inter_quantile) -> Array:
    """Percentile intervals ``(k, 2)`` of each column of ``draws (R, k)``.

    Notes
    -----
    The ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the draws (Efron & Tibshirani 1993,
    ch. 13); by default with lavaan's quantile rule, :func:`_norm_inter_quantile`.
    """
    alpha = (1.0 - level) / 2.0
    probs = np.tile([alpha, 1.0 - alpha], (draws.shape[1], 1))
    return _columns(draws, probs, quantile)


def _bias(draws: Array, estimate: Array) -> Array:
    """Bias-correction ``z0 = Φ⁻¹(#{t* < t̂} / R)`` per column (finite draws only)."""
    finite = np.isfinite(draws)
    below = ((draws < estimate[None]) & finite).sum(axis=0)
    return np.asarray(ndtri(below / np.maximum(finite.sum(axis=0), 1)))


def _bc_ci(draws: Array, estimate: Array, level: float, *,
           quantile: Quantile = _norm_inter_quantile) -> Array:
    """Bias-corrected percentile intervals (lavaan's ``bca.simple``).

    Notes
    -----
    ``z0 = Φ⁻¹(#{t* < t̂}/R)``; the endpoints are the quantiles at ``Φ(2 z0 + z_α)`` and
    ``Φ(2 z0 + z_{1-α})`` (Efron & Tibshirani 1993, sec. 14.3 with ``a = 0``).
    """
    return _bca_ci(draws, estimate, np.zeros(draws.shape[1]), level, quantile=quantile,
                   acceleration=True)


def _acceleration(jackknife: Array) -> Array:
    """Acceleration ``a = Σ(t̄ - t_(i))³ / (6 (Σ(t̄ - t_(i))²)^{3/2})`` per column.

    ``jackknife`` is ``(N, k)``, the leave-one-out estimates (Efron & Tibshirani 1993, eq. 14.15).
    """
    d = np.nanmean(jackknife, axis=0)[None] - jackknife
    num = np.nansum(d**3, axis=0)
    den = 6.0 * np.nansum(d**2, axis=0) ** 1.5
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)


def _bca_ci(draws: Array, estimate: Array, jackknife: Array, level: float, *,
            quantile: Quantile = _norm_inter_quantile, acceleration: bool = False) -> Array:
    """Bias-corrected and accelerated (BCa) intervals.

    Parameters
    ----------
    draws
        ``(R, k)`` bootstrap replicates.
    estimate
        ``(k,)`` full-sample estimates.
    jackknife
        ``(N, k)`` leave-one-out estimates, or ``(k,)`` accelerations when ``acceleration``.
    level
        Confidence level.
    quantile
        Quantile rule applied at the adjusted levels.
    acceleration
        Whether ``jackknife`` already holds the accelerations.

    Notes
    -----
    ``α' = Φ(z0 + (z0 + z_α) / (1 - a (z0 + z_α)))`` for both tails (Efron 1987;
    Efron & Tibshirani 1993, eq. 14.10), ``z0`` as in :func:`_bc_ci`, ``a`` from
    :func:`_acceleration`. Checked against ``scipy.stats.bootstrap(method='BCa')``.
    """
    a = jackknife if acceleration else _acceleration(jackknife)
    z0 = _bias(draws, estimate)
    alpha = (1.0 - level) / 2.0
    z = ndtri(np.array([alpha, 1.0 - alpha]))[None]
    zz = z0[:, None] + z
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = ndtr(z0[:, None] + zz / (1.0 - a[:, None] * zz))
    return _columns(draws, probs, quantile)


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


def _fit_chunk(mm: mx.ModelMatrices, S: Array) -> mx.BatchFit:
    with threadpool_limits(limits=1):
        return mx.fit_ml_batch(mm, S, start=mm.estimate)


def _fit_covariances(mm: mx.ModelMatrices, X: Array, indices: NDArray[np.intp], *,
                     chunk_size: int, workers: int, progress: Progress | None
                     ) -> tuple[Array, NDArray[np.bool_]]:
    """Fit every resample in chunks (serially or in worker processes); return θ and converged."""
    total = indices.shape[0]
    theta = np.full((total, mm.n_params), np.nan)
    converged = np.zeros(total, dtype=bool)
    starts = list(range(0, total, chunk_size))

    def store(start: int, fit: mx.BatchFit) -> None:
        stop = start + fit.theta.shape[0]
        theta[start:stop] = fit.theta
        converged[start:stop] = fit.converged

    done = 0
    if workers <= 1:
        for start in starts:
            sl = indices[start:start + chunk_size]
            with threadpool_limits(limits=1):
                fit = _fit_chunk(mm, resampled_covariances(X, sl))
            store(start, fit)
            done += sl.shape[0]
            if progress is not None:
                progress(done, total)
        return theta, converged
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {
            pool.submit(_fit_chunk, mm, resampled_covariances(X, indices[s:s + chunk_size])): s
            for s in starts
        }
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


def _polish(mm: mx.ModelMatrices, S: Array, start: Array) -> Array:
    """Scoring from semopy's estimate to the exact ML optimum (semopy's SLSQP stops short)."""
    fit = mx.fit_ml_batch(mm, S, start=start)
    return fit.theta[0] if fit.converged[0] else start


def _refit_semopy(description: str, columns: Sequence[str], X: Array) -> Array | None:
    """Fit one draw afresh with semopy; ``None`` when semopy fails or does not converge."""
    import semopy

    model = semopy.Model(description)
    try:
        res = model.fit(pd.DataFrame(X, columns=list(columns)))
    except Exception:  # semopy raises bare Exceptions; the draw is recorded as failed
        return None
    if not getattr(res, "success", False):
        return None
    return np.array(model.param_vals, dtype=float)


def bootstrap_draws(mm: mx.ModelMatrices, X: Array, *, draws: int,
                    rng: int | np.random.Generator | None, description: str | None = None,
                    jackknife: bool = False, workers: int = 1, chunk_size: int = 500,
                    progress: Progress | None = None) -> Draws:
    """Fit the model to ``draws`` case resamples of ``X`` (complete cases, columns ``mm.observed``).

    Parameters
    ----------
    mm
        Model structure with the full-sample estimate (:func:`semwb.sem.matrices.model_matrices`).
    X
        ``(N, p)`` data matrix.
    draws
        Number of resamples.
    rng
        Seed or generator; all indices are drawn before any fitting.
    description
        semopy model syntax for the fallback refit of draws the batched fit cannot converge;
        without it such draws are failed at once.
    jackknife
        Also fit the ``N`` leave-one-out samples (for BCa).
    workers, chunk_size
        Worker processes and draws per batch; they change speed, never results.
    progress
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    Draws
    """
    Xc = X - X.mean(axis=0)
    indices = resample_indices(X.shape[0], draws, rng=rng)
    mm = refine_estimate(mm, Xc)
    theta, converged = _fit_covariances(mm, Xc, indices, chunk_size=chunk_size,
                                        workers=workers, progress=progress)
    failed: list[dict[str, Any]] = []
    refits = 0
    for b in np.flatnonzero(~converged):
        refits += 1
        fresh = (_refit_semopy(description, mm.observed, X[indices[b]])
                 if description is not None else None)
        if fresh is None:
            theta[b] = np.nan
            failed.append({"draw": int(b) + 1, "reason": "did not converge (batched Fisher "
                           "scoring and a fresh semopy fit)"})
        else:
            theta[b] = _polish(mm, resampled_covariances(Xc, indices[b:b + 1]), fresh)
    jack = None
    if jackknife:
        jfit = _fit_chunk(mm, jackknife_covariances(Xc))
        jack = np.where(jfit.converged[:, None], jfit.theta, np.nan)
    return Draws(theta, mm.estimate, failed, jack, refits)


def refine_estimate(mm: mx.ModelMatrices, X: Array) -> mx.ModelMatrices:
    """``mm`` with its estimate polished by Fisher scoring on the full sample of ``X``.

    semopy's SLSQP stops a little early (about 1e-4 from lavaan); the bootstrap centre for
    ``bc``/``bca`` and the warm start must be the ML estimate itself.
    """
    Xc = X - X.mean(axis=0)
    fit = mx.fit_ml_batch(mm, (Xc.T @ Xc / X.shape[0])[None], start=mm.estimate)
    if not fit.converged[0]:
        return mm
    return dataclasses.replace(mm, estimate=fit.theta[0])


def asymptotic_covariance(mm: mx.ModelMatrices, n_obs: int) -> Array:
    """ML asymptotic covariance from the expected information: ``(N/2 · I(θ̂))⁻¹``."""
    info = mx.fisher_information(mm, mm.estimate[None])[0]
    return np.asarray(np.linalg.inv(0.5 * n_obs * info))


# --------------------------------------------------------------------------- summarising


@dataclass(frozen=True)
class Histogram:
    """Bin edges and counts of one defined effect's draws, for the report."""

    edges: list[float]
    counts: list[int]


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap summary per parameter-table row, the info block, histograms and the draws.

    ``table`` columns: ``lhs op rhs label free est se ci_lower ci_upper std_all std_all_se
    std_all_ci_lower std_all_ci_upper`` (one row per model row, then one per defined effect).
    ``draws`` holds the kept draws of every row (columns ``lhs op rhs`` joined by spaces).
    """

    table: pd.DataFrame
    info: BootstrapInfo
    histograms: dict[str, Histogram] = field(default_factory=dict)
    draws: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Columns:
    """Values of every output column (model rows, then defined effects) for a stack of θ."""

    raw: Array
    std: Array


def _evaluate(mm: mx.ModelMatrices, theta: Array, define: Define | None,
              names: Sequence[str]) -> _Columns:
    raw = mx.row_values(mm, theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = mx.standardized_rows(mm, theta)
    if define is None or not names:
        return _Columns(raw, std)
    by_label = {n: theta[:, i] for i, n in enumerate(mm.names)}
    std_by_label: dict[str, Array] = {}
    for j, row in enumerate(mm.rows):
        std_by_label.setdefault(row.name, std[:, j])
    raw_def = define(by_label)
    std_def = define(std_by_label)
    return _Columns(
        np.column_stack([raw, *(np.asarray(raw_def[n], dtype=float) for n in names)]),
        np.column_stack([std, *(np.asarray(std_def[n], dtype=float) for n in names)]),
    )


def _inadmissible(mm: mx.ModelMatrices, cols: _Columns, draw_numbers: NDArray[np.intp]
                  ) -> list[dict[str, Any]]:
    """Kept draws with a negative variance or a standardized value beyond 1 in absolute value."""
    out = []
    n_rows = len(mm.rows)
    for b, number in enumerate(draw_numbers):
        reasons = [f"{r.lhs} {r.op} {r.rhs} = {cols.raw[b, j]:.4g}"
                   for j, r in enumerate(mm.rows)
                   if r.op == "~~" and r.lhs == r.rhs and cols.raw[b, j] < 0]
        std = cols.std[b, :n_rows]
        reasons += [f"std_all of {r.lhs} {r.op} {r.rhs} = {std[j]:.4g}"
                    for j, r in enumerate(mm.rows)
                    if r.op in ("=~", "~~") and r.lhs != r.rhs and abs(std[j]) > 1]
        if reasons:
            out.append({"draw": int(number), "reason": "; ".join(reasons)})
    return out


def _intervals(ci: str, values: Array, estimate: Array, jack: Array | None,
               level: float) -> Array:
    """Intervals of the chosen type; a column whose draws are all equal (the standardized
    variance of an exogenous latent is 1 in every draw) gets the interval ``[value, value]``."""
    if ci == "bc":
        out = _bc_ci(values, estimate, level)
    elif ci == "bca":
        if jack is None:
            raise ValueError("BCa needs jackknife values")
        out = _bca_ci(values, estimate, jack, level)
    else:
        out = _percentile_ci(values, level)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
        constant = spread <= 1e-12 * np.maximum(1.0, np.abs(estimate))
    return np.where(constant[:, None], estimate[:, None], out)


def summarize_draws(mm: mx.ModelMatrices, theta: Array, *, ci: str, level: float,
                    seed: int | None, failed: Sequence[Mapping[str, Any]],
                    define: Define | None = None, defined: Sequence[tuple[str, str]] = (),
                    jackknife: Array | None = None) -> BootstrapResult:
    """Turn fitted draws into standard errors, intervals, histograms and the info block.

    Parameters
    ----------
    mm
        Model structure; ``mm.estimate`` is the full-sample estimate.
    theta
        ``(draws, q)`` fitted draws, NaN rows for failed ones.
    ci, level, seed
        Interval type and level; the seed is recorded.
    failed
        Failed draws with reasons.
    define
        Evaluates defined effects from label -> values (vectorised over draws).
    defined
        ``(name, expression)`` of each defined effect, in output order.
    jackknife
        ``(N, q)`` leave-one-out estimates, required for ``ci="bca"``.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    ``se`` is the standard deviation of the kept draws (divisor ``R - 1``; lavaan uses ``R`` for
    free parameters, a difference of ``1/(2R)`` relative). Fixed rows get ``se = 0`` and an
    interval equal to their value, as lavaan.
    """
    names = [n for n, _ in defined]
    ok = np.all(np.isfinite(theta), axis=1)
    cols = _evaluate(mm, theta[ok], define, names)
    point = _evaluate(mm, mm.estimate[None], define, names)
    jack_cols = _evaluate(mm, jackknife[np.all(np.isfinite(jackknife), axis=1)], define, names) \
        if jackknife is not None else None
    is_fixed = np.array([r.param < 0 for r in mm.rows] + [False] * len(names))
    table_parts = {}
    for kind, values, est, jack in (
        ("", cols.raw, point.raw[0], None if jack_cols is None else jack_cols.raw),
        ("std_all_", cols.std, point.std[0], None if jack_cols is None else jack_cols.std),
    ):
        se = np.nanstd(values, axis=0, ddof=1)
        bounds = _intervals(ci, values, est, jack, level)
        if kind == "":
            se = np.where(is_fixed, 0.0, se)
            bounds = np.where(is_fixed[:, None], est[:, None], bounds)
        table_parts[f"{kind}est" if kind else "est"] = est
        table_parts[f"{kind}se"] = se
        table_parts[f"{kind}ci_lower"] = bounds[:, 0]
        table_parts[f"{kind}ci_upper"] = bounds[:, 1]
    table = pd.DataFrame({
        "lhs": [r.lhs for r in mm.rows] + names,
        "op": [r.op for r in mm.rows] + [":="] * len(names),
        "rhs": [r.rhs for r in mm.rows] + [e for _, e in defined],
        "label": [r.name if not r.name.startswith("_") else "" for r in mm.rows] + names,
        "free": [not f for f in is_fixed[: len(mm.rows)]] + [False] * len(names),
        "est": table_parts["est"],
        "se": table_parts["se"],
        "ci_lower": table_parts["ci_lower"],
        "ci_upper": table_parts["ci_upper"],
        "std_all": table_parts["std_all_est"],
        "std_all_se": table_parts["std_all_se"],
        "std_all_ci_lower": table_parts["std_all_ci_lower"],
        "std_all_ci_upper": table_parts["std_all_ci_upper"],
    })
    histograms = {}
    for j, name in enumerate(names):
        v = cols.raw[:, len(mm.rows) + j]
        counts, edges = np.histogram(v[np.isfinite(v)], bins=HISTOGRAM_BINS)
        histograms[name] = Histogram([float(e) for e in edges], [int(c) for c in counts])
    info = BootstrapInfo(
        draws=int(theta.shape[0]), succeeded=int(ok.sum()), ci=ci, level=level, seed=seed,
        failed=[dict(f) for f in failed], rule=RULE,
        inadmissible=_inadmissible(mm, cols, np.flatnonzero(ok) + 1),
        histograms={k: {"edges": h.edges, "counts": [float(c) for c in h.counts]}
                    for k, h in histograms.items()},
    )
    labels = [f"{a} {b} {c}" for a, b, c in zip(table["lhs"], table["op"], table["rhs"],
                                                strict=True)]
    return BootstrapResult(table, info, histograms, pd.DataFrame(cols.raw, columns=labels))


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


def complete_cases(mm: mx.ModelMatrices, data: pd.DataFrame) -> Array:
    """The observed columns of ``data`` as a float matrix, listwise complete rows only."""
    missing = [c for c in mm.observed if c not in data.columns]
    if missing:
        raise OptionError(
            f"The bootstrap data lack the model's observed variable(s) {', '.join(missing)}; "
            "pass the same data the model was fitted to."
        )
    X = data[list(mm.observed)].to_numpy(dtype=float)
    return np.asarray(X[np.all(np.isfinite(X), axis=1)])


def bootstrap_semopy(model: Any, data: pd.DataFrame, *, draws: int = 5000,
                     ci: str = "percentile", level: float = 0.95,
                     rng: int | np.random.Generator | None = None,
                     define: Define | None = None, defined: Sequence[tuple[str, str]] = (),
                     workers: int = 1, chunk_size: int = 500,
                     progress: Progress | None = None) -> BootstrapResult:
    """Bootstrap (or Monte Carlo) intervals for a fitted semopy model.

    Parameters
    ----------
    model
        A fitted ``semopy.Model`` (ML, no mean structure, complete data).
    data
        The data it was fitted to; rows with a missing value in a model variable are dropped
        (listwise, as the fit).
    draws
        Resamples (or Monte Carlo draws); at least 100.
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
    mm = mx.model_matrices(model)
    X = complete_cases(mm, data)
    if ci == "montecarlo":
        mm = refine_estimate(mm, X)
        theta = monte_carlo_draws(mm.estimate, asymptotic_covariance(mm, X.shape[0]), draws,
                                  rng=rng)
        if progress is not None:
            progress(draws, draws)
        return summarize_draws(mm, theta, ci=ci, level=level, seed=seed, failed=[],
                               define=define, defined=defined)
    with threadpool_limits(limits=1):
        fitted = bootstrap_draws(mm, X, draws=draws, rng=rng, description=model.description,
                                 jackknife=ci == "bca", workers=workers,
                                 chunk_size=chunk_size, progress=progress)
    return summarize_draws(dataclasses.replace(mm, estimate=fitted.estimate), fitted.theta,
                           ci=ci, level=level, seed=seed, failed=fitted.failed, define=define,
                           defined=defined, jackknife=fitted.jackknife)


BOOTSTRAP_COLUMNS = ("se", "ci_lower", "ci_upper", "std_all_se", "std_all_ci_lower",
                     "std_all_ci_upper")


def merge_into_parameters(parameters: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with its ``se``, ``z``, ``pvalue`` and intervals from the bootstrap.

    Parameters
    ----------
    parameters
        ``FitResult.parameters`` (lavaan ``parameterEstimates()`` columns).
    table
        :attr:`BootstrapResult.table`.

    Returns
    -------
    pandas.DataFrame
        ``parameters`` in its own row order with ``se``, ``ci_lower``, ``ci_upper`` replaced,
        ``z = est/se`` and its normal ``pvalue`` (as lavaan after ``se = "bootstrap"``), and
        ``std_all_se``, ``std_all_ci_lower``, ``std_all_ci_upper`` added. Fixed rows keep
        ``se = 0`` and an interval equal to their value; rows the bootstrap has no values for
        (fixed.x rows) get NaN standardized columns.

    Raises
    ------
    RuntimeError
        When a free or ``:=`` row of ``parameters`` has no bootstrap row: the two tables
        describe different models (a bug, not a user error).
    """
    where: dict[tuple[str, str, str], int] = {}
    for i, (lhs, op, rhs) in enumerate(zip(table["lhs"], table["op"], table["rhs"],
                                           strict=True)):
        key = (lhs, op, "" if op == ":=" else rhs)
        where[key] = i
        if op == "~~":
            where.setdefault((rhs, op, lhs), i)
    out = parameters.copy()
    for col in BOOTSTRAP_COLUMNS:
        out[col] = np.nan
    for j, row in enumerate(parameters.itertuples(index=False)):
        found = where.get((row.lhs, row.op, "" if row.op == ":=" else row.rhs))
        boot = row.op == ":=" or bool(row.free)
        if found is None:
            if boot:
                raise RuntimeError(f"The bootstrap has no row for {row.lhs} {row.op} {row.rhs}.")
            out.iloc[j, out.columns.get_loc("se")] = 0.0
            continue
        for col in BOOTSTRAP_COLUMNS:
            out.iloc[j, out.columns.get_loc(col)] = table[col].iloc[found]
        if not boot:
            for col, value in (("se", 0.0), ("ci_lower", row.est), ("ci_upper", row.est)):
                out.iloc[j, out.columns.get_loc(col)] = value
    se = out["se"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, out["est"].to_numpy(dtype=float) / se, np.nan)
    out["z"] = z
    out["pvalue"] = np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)
    return out


def bootstrap_model(fit: FitResult, data: pd.DataFrame | None = None, *, draws: int = 5000,
                    ci: str = "percentile", level: float = 0.95,
                    rng: int | np.random.Generator | None = None,
                    progress: Progress | None = None, workers: int = 1,
                    chunk_size: int = 500) -> BootstrapResult:
    """Bootstrap every free parameter, ``:=`` effect and std_all of a fitted model.

    Parameters
    ----------
    fit
        From :func:`semwb.sem.estimate.fit_model` (ML, complete data).
    data
        The data to resample; by default ``fit.data``, the complete cases the fit used.
    draws, ci, level, rng, workers, chunk_size, progress
        As :func:`bootstrap_semopy`.

    Returns
    -------
    BootstrapResult
        Whose ``table`` is ``fit.parameters`` with bootstrap columns
        (:func:`merge_into_parameters`).

    Raises
    ------
    OptionError
        For a bad option, or a FIML fit (not supported by the bootstrap yet).
    """
    if fit.spec.missing != "listwise":
        raise OptionError(
            f"{fit.spec.source}: the bootstrap supports 'missing: listwise' only for now; got "
            f"'missing: {fit.spec.missing}'. Use listwise deletion or remove the bootstrap block."
        )
    effects = fit.effects

    def define(values: Mapping[str, Array]) -> dict[str, Array]:
        return {e.name: e.evaluate(values) for e in effects}

    result = bootstrap_semopy(
        fit.engine, fit.data if data is None else data, draws=draws, ci=ci, level=level, rng=rng,
        define=define, defined=[(e.name, e.expression) for e in effects], workers=workers,
        chunk_size=chunk_size, progress=progress,
    )
    return dataclasses.replace(result, table=merge_into_parameters(fit.parameters, result.table))
