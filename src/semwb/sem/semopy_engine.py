"""The one adapter to semopy, the second engine (``engine: semopy``): a fresh ``semopy.Model``
from a parameter table, fitted by semopy, its estimates and information read back.

Only this module imports semopy, and only when the semopy engine is asked for. It serves as an
independent check of semwb's own model core (tests/test_engines_agree.py): semopy's optimiser
gives the estimates and semopy's information matrix the standard errors.

semwb writes every parameter explicitly (a generated label ``_p<i>`` or the user's label for a
free row, a number for a fixed row), so that semopy adds no default of its own and each row of
the table maps to exactly one semopy parameter name. Exogenous observed covariates (lavaan's
``fixed.x``) are left out of the description: semopy fixes their (co)variances at the sample
values, as lavaan does.

semopy's SLSQP stops before lavaan's optimiser does (differences up to 1e-3 in estimates), so the
solution is polished by Fisher scoring on the same ML discrepancy until the gradient vanishes.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import semopy

from semwb.sem.blas import one_blas_thread
from semwb.sem.partable import ParRow

#: Largest gradient element of the ML discrepancy accepted as converged.
GRADIENT_TOLERANCE = 1e-6
_MAX_SCORING_STEPS = 200


class EngineError(RuntimeError):
    """semopy could not build or fit the model; the message is semopy's (or says what diverged)."""


@contextmanager
def semopy_errors() -> Iterator[None]:
    """Turn whatever semopy raises (often a bare ``Exception``) into :class:`EngineError`."""
    try:
        yield
    except Exception as exc:  # semopy raises bare Exception, KeyError, SyntaxError, LinAlgError
        raise EngineError(f"{type(exc).__name__}: {exc}") from exc


def check_finite(model: Any) -> None:
    """Raise :class:`EngineError` when the optimiser ended on non-finite estimates."""
    if not np.all(np.isfinite(np.asarray(model.param_vals, dtype=float))):
        raise EngineError("the optimiser diverged to non-finite estimates")


@dataclass(frozen=True)
class EngineFit:
    """A fitted semopy model and how its parameters map to the table's rows."""

    model: Any  # semopy.Model, kept for the bootstrap engine
    names: tuple[str | None, ...]  # semopy parameter name per table row (None: fixed / fixed.x)
    free_names: tuple[str, ...]  # semopy's free parameter vector order
    observed: tuple[str, ...]  # data columns in semopy's order
    converged: bool
    message: str
    max_gradient: float


def _semopy_name(row: ParRow, index: int) -> str:
    return row.label if row.label else f"_p{index}"


def describe(rows: Sequence[ParRow]) -> tuple[str, tuple[str | None, ...]]:
    """Write the semopy description of ``rows`` and the semopy name of each row.

    Returns
    -------
    (str, tuple)
        The description, and per row the parameter name (None for a fixed or fixed.x row).
    """
    lines: list[str] = []
    names: list[str | None] = []
    for i, row in enumerate(rows):
        if row.fixed_x or row.op == "~1":
            names.append(None)
            continue
        if row.free:
            name: str | None = _semopy_name(row, i)
            modifier = name
        else:
            name = None
            modifier = repr(float(row.value if row.value is not None else 0.0))
        names.append(name)
        if row.op == "=~":
            lines.append(f"{row.lhs} =~ {modifier}*{row.rhs}")
        else:
            lines.append(f"{row.lhs} {row.op} {modifier}*{row.rhs}")
    return "\n".join(lines), tuple(names)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence semopy's logging and numpy warnings inside a fit (semwb reports its own)."""
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def loading_starts(rows: Sequence[ParRow], data: pd.DataFrame) -> dict[int, float]:
    """Starting values of free loadings: slope on the latent's marker indicator.

    Hand-written because semopy's own rule loops forever when a latent has no fixed loading
    (``std.lv``-style identification).
    """
    starts: dict[int, float] = {}
    marker: dict[str, str] = {}
    for row in rows:
        if row.op == "=~" and not row.free and row.rhs in data and row.lhs not in marker:
            marker[row.lhs] = row.rhs
    for i, row in enumerate(rows):
        if row.op != "=~" or not row.free or row.rhs not in data:
            continue
        if row.start is not None:
            starts[i] = row.start
            continue
        x = data[row.rhs].to_numpy(dtype=float)
        m = marker.get(row.lhs)
        if m is None:
            starts[i] = float(np.sqrt(np.nanvar(x) / 2))
        else:
            ref = data[m].to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(ref)
            var = np.var(ref[ok])
            starts[i] = float(np.cov(ref[ok], x[ok], bias=True)[0, 1] / var) if var > 0 else 1.0
    return starts


def fisher_scoring(model: Any, objective: Callable[[Any], float], gradient: Callable[[Any], Any],
                   information: Callable[[], Any], *, tolerance: float, max_steps: int,
                   slack: float) -> float:
    """Polish a semopy solution by Fisher scoring with step halving; return the max |gradient|.

    semopy's SLSQP stops up to 1e-3 short of lavaan's optimum; a few scoring steps reach it.
    ``information()`` is evaluated after ``model.update_matrices(x)`` and only steers the steps:
    the solution is where the analytic ``gradient`` vanishes. A step is taken when the
    ``objective`` rises by at most ``slack`` (rounding); the model is left at the final point.
    """
    x = np.asarray(model.param_vals, dtype=float)
    f = objective(x)
    grad = np.asarray(gradient(x))
    for _ in range(max_steps):
        if not np.all(np.isfinite(grad)) or np.max(np.abs(grad)) < tolerance:
            break
        model.update_matrices(x)
        try:
            step = -np.linalg.solve(information(), grad)
        except np.linalg.LinAlgError:
            break
        scale = 1.0
        while scale > 1e-6:
            trial = x + scale * step
            f_trial = objective(trial)
            if np.isfinite(f_trial) and f_trial <= f + slack:
                break
            scale /= 2
        else:
            break
        x, f = trial, f_trial
        grad = np.asarray(gradient(x))
    model.param_vals = x
    model.update_matrices(x)
    return float(np.max(np.abs(grad))) if grad.size else 0.0


def fit_engine(rows: Sequence[ParRow], data: pd.DataFrame) -> EngineFit:
    """Fit the model of ``rows`` to ``data`` (complete cases of the model's columns) by ML.

    BLAS is pinned to one thread for the fit: semopy's matrices are small and multithreaded
    BLAS only adds overhead (see ``bench/README.md``).

    Raises
    ------
    EngineError
        When semopy cannot build or fit the model; the caller turns it into FitError.
    """
    description, names = describe(rows)
    with one_blas_thread(), quiet(), semopy_errors():
        model = semopy.Model(description)
        starts = loading_starts(rows, data)
        for i, start in starts.items():
            name = names[i]
            if name is not None:
                model.parameters[name].start = start
        for i, row in enumerate(rows):
            name = names[i]
            if name is not None and row.start is not None:
                model.parameters[name].start = row.start
        result = model.fit(data, obj="MLW", solver="SLSQP")
        n = int(model.n_samples)
        max_gradient = fisher_scoring(
            model, model.obj_mlw, model.grad_mlw, lambda: model.calc_fim() / (n / 2),
            tolerance=GRADIENT_TOLERANCE * 1e-3, max_steps=_MAX_SCORING_STEPS, slack=1e-14)
    check_finite(model)
    free_names = tuple(n for n, p in model.parameters.items() if p.active)
    converged = bool(np.isfinite(max_gradient) and max_gradient < GRADIENT_TOLERANCE)
    return EngineFit(
        model=model, names=names, free_names=free_names,
        observed=tuple(model.vars["observed"]), converged=converged,
        message=str(result.message), max_gradient=max_gradient,
    )


def expected_information(fit: EngineFit) -> np.ndarray:
    """semopy's expected information ``N/2 tr(S^-1 dS_i S^-1 dS_j)`` (plus ``N dmu_i' S^-1
    dmu_j`` with a mean structure), over the free parameters in ``fit.free_names`` order."""
    with one_blas_thread(), semopy_errors():
        return np.asarray(fit.model.calc_fim(), dtype=float)


def fit_semopy(rows: Sequence[ParRow], data: pd.DataFrame,
               param_of_row: Sequence[int]) -> tuple[np.ndarray, np.ndarray, bool, str]:
    """Fit ``rows`` with semopy and return its answer in the core's parameter order.

    Parameters
    ----------
    rows
        The parameter table (complete data, no mean structure, no ``==`` constraints).
    data
        The model's observed columns, complete cases.
    param_of_row
        The core's free-parameter index of each row (-1 when fixed).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, bool, str)
        The estimate, the inverse of semopy's (total) expected information, whether semopy's
        solution was polished to a vanishing gradient, and semopy's message.

    Raises
    ------
    EngineError
        When semopy cannot build or fit the model.
    """
    fit = fit_engine(rows, data)
    q = max(param_of_row, default=-1) + 1
    values = dict(zip(fit.free_names, np.asarray(fit.model.param_vals, dtype=float), strict=True))
    position = {name: i for i, name in enumerate(fit.free_names)}
    order = np.zeros(q, dtype=int)
    theta = np.zeros(q)
    for name, k in zip(fit.names, param_of_row, strict=True):
        if name is not None and k >= 0:
            theta[k] = values[name]
            order[k] = position[name]
    info = expected_information(fit)[np.ix_(order, order)]
    with np.errstate(all="ignore"):
        vcov = np.linalg.pinv(info)
    return theta, vcov, fit.converged, fit.message
