"""Nonparametric bootstrap (and Monte Carlo) intervals for parameters, defined effects, std_all.

The bootstrap is built from small parts, each tested alone:

1. :func:`semwb.sem.resampling.resample_indices` draws every resample's case indices up front
   from one generator, so the same seed gives the same draws whatever the number of workers or
   chunks;
2. :func:`semwb.sem.resampling.resampled_covariances` turns indices into covariance matrices
   (divisor ``N``, as lavaan) for a whole chunk at once;
3. :func:`semwb.sem.model.fitting.fit_batch` fits all draws of a chunk together, warm-started
   at the full-sample estimate; a draw that does not converge gets a fresh fit from the start
   values (:mod:`semwb.sem.bootstrap_draws`), and is dropped and listed if that fails too;
4. :mod:`semwb.sem.intervals` turns draws into percentile, BC and BCa intervals;
   :func:`semwb.sem.resampling.monte_carlo_draws` gives the Selig & Preacher alternative.

:func:`semwb.sem.bootstrap_draws.bootstrap_draws` runs 1-3 for a model structure and a data matrix;
:func:`semwb.sem.bootstrap_table.summarize_draws` runs 4 and builds the
:class:`~semwb.sem.bootstrap_table.BootstrapResult`;
:func:`bootstrap_model` wires both to a fitted model. Draws are fitted by the same model
algebra as the full sample (:mod:`semwb.sem.model`), means and fixed.x covariates included: each
draw conditions on its own covariates' moments, as a lavaan refit does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from semwb.errors import OptionError
from semwb.rng import as_generator
from semwb.sem.blas import one_blas_thread
from semwb.sem.bootstrap_draws import (
    Draws,
    Progress,
    asymptotic_covariance,
    bootstrap_draws,
    refine_estimate,
)
from semwb.sem.bootstrap_rows import (
    fiml_covariance,
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
from semwb.sem.model.structure import ModelMatrices
from semwb.sem.resampling import (
    monte_carlo_draws,
)
from semwb.sem.spec import CI_TYPES

if TYPE_CHECKING:
    from semwb.sem.estimate import FitResult

Array = NDArray[np.float64]

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
                     workers: int = 1, chunk_size: int | None = None,
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
        Worker processes and draws per batch; results do not depend on them (``chunk_size``
        None: :func:`semwb.sem.bootstrap_draws.bootstrap_draws` chooses it).
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
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int)
                                   or chunk_size < 1):
        raise OptionError(f"The 'chunk_size' option of bootstrap must be an integer of at "
                          f"least 1; got {chunk_size!r}.")
    rng, seed = _seed_of(rng)
    by_rows = fiml or mm.blocks is not None  # groups: stacked rows (bootstrap_draws)
    X = complete_cases(mm, data, listwise=not by_rows)
    start = mm.estimate
    if ci == "montecarlo":
        mm = refine_fiml(mm, X) if by_rows else refine_estimate(mm, X)
        covariance = fiml_covariance(mm, X) if fiml else asymptotic_covariance(mm, X)
        theta = monte_carlo_draws(mm.estimate, covariance, draws, rng=rng)
        if progress is not None:
            progress(draws, draws)
        return summarize_draws(mm, theta, ci=ci, level=level, seed=seed, failed=[],
                               define=define, defined=defined)
    with one_blas_thread():
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
                    chunk_size: int | None = None) -> BootstrapResult:
    """Bootstrap every free parameter, ``:=`` effect and std_all of a fitted model.

    Parameters
    ----------
    fit
        From :func:`semwb.sem.estimate.fit_model` (ML, FIML with ``missing: fiml``, or WLSMV:
        :func:`semwb.sem.ordinal.bootstrap.bootstrap_ordinal`; one group, or several: each
        group's rows are redrawn within the group, as lavaan does,
        :mod:`semwb.sem.bootstrap_groups`).
    data
        The data to resample; by default ``fit.data``, the rows the fit used (with groups,
        data with the group column, split as the fit split it).
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
        For a bad option, or a model with ``<`` / ``>`` constraints.
    """
    if any(c.op in ("<", ">") for c in fit.spec.parsed.constraints):
        raise OptionError(f"{fit.spec.source}: the bootstrap of a model with '<' or '>' "
                          "constraints is not supported yet (lavaan refits every draw under the "
                          "inequalities; semwb's batched draws cannot); run without the "
                          "bootstrap, whose ML standard errors are lavaan's.")
    effects = fit.effects

    def define(values: Mapping[str, Array]) -> dict[str, Array]:
        return {e.name: e.evaluate(values) for e in effects}

    if fit.spec.estimator == "WLSMV":  # rows drawn, statistics recomputed, DWLS refitted
        from semwb.sem.ordinal.bootstrap import bootstrap_ordinal

        draws, ci, level = check_options(draws, ci, level)
        generator, seed = _seed_of(rng)
        return bootstrap_ordinal(fit, draws=draws, ci=ci, level=level, rng=generator,
                                 seed=seed, progress=progress)
    frame = fit.data if data is None else data
    if fit.groups:
        from semwb.sem.bootstrap_groups import group_rows, plain_result

        frame = group_rows(fit, data)
    result = bootstrap_matrices(
        fit.model, frame, draws=draws, ci=ci, level=level, rng=rng,
        define=define, defined=[(e.name, e.expression) for e in effects], workers=workers,
        chunk_size=chunk_size, progress=progress, fiml=fit.spec.missing == "fiml",
    )
    if fit.groups:
        return plain_result(fit, result)
    return dataclasses.replace(result, table=merge_into_parameters(fit.parameters, result.table))
