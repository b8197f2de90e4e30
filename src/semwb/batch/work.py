"""What one worker does with one model: fit it, render its report, and never raise.

This module runs inside worker processes (local or on a Dask cluster). It touches no disk:
it receives a :class:`ModelTask` and the parsed data it names, and returns an :class:`Outcome`
that the batch runner writes. Every error is caught here and returned as text, so one failing
model never stops the others.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from semwb.errors import SemwbError
from semwb.results import Results


@dataclass(frozen=True)
class Backend:
    """The library calls a batch makes, gathered so that tests can swap them for fakes.

    Every field must be a module-level function so that it pickles by reference to worker
    processes and Dask workers.

    Attributes
    ----------
    load_spec
        ``load_spec(path) -> spec``; the spec has ``name``, ``data`` (a resolved path or None)
        and ``instrument`` attributes. Runs in the batch's own process.
    read_data
        ``read_data(path, instrument) -> data``: parses one data file (through the spec's
        instrument, or None). Runs once per dataset (file and instrument) in the batch's own
        process; the result is shipped to the workers once.
    spec_instrument
        ``spec_instrument(spec) -> (instrument, digest) | None``: the instrument the spec names
        and a hash of its content (part of the fingerprint), or None when it names none. Runs in
        the batch's own process; the instrument travels with the task.
    analyze
        ``analyze(spec, data, data_path, instrument) -> Results``: the whole analysis of one
        model, bootstrap included. Runs on a worker.
    render
        ``render(results, lang, instrument) -> str``: the model's HTML report, or None to write
        no report.
    render_index
        ``render_index(results_list, links, lang) -> str``: the index page across models (links
        are relative paths to each model's report, None where there is none), or None.
    """

    load_spec: Callable[[Path], Any]
    read_data: Callable[[Path, Any], Any]
    analyze: Callable[[Any, Any, Path, Any], Results]
    spec_instrument: Callable[[Any], tuple[Any, str] | None] | None = None
    render: Callable[[Results, str, Any], str] | None = None
    render_index: Callable[[list[Results], list[str | None], str], str] | None = None


@dataclass(frozen=True)
class Dataset:
    """One data file as read through one instrument (or none): hashed and parsed once per batch."""

    path: Path
    sha256: str
    data: Any


@dataclass(frozen=True)
class ModelTask:
    """One model to fit: everything a worker needs except the data, which travels separately."""

    name: str
    model: str
    spec: Any
    data_key: str
    fingerprint: str
    lang: str = "en"
    instrument: Any = None


@dataclass(frozen=True)
class Outcome:
    """What a worker returns: results and report, or the error that stopped the model.

    ``results_json`` is ``results`` serialized on the worker (so a value JSON cannot hold fails
    that model, not the batch). ``results`` may be set together with ``error`` (a model that did
    not converge), and then has ``error`` set too.
    """

    name: str
    results: Results | None
    results_json: str | None
    report_html: str | None
    error: str | None
    seconds: float
    worker: str


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def describe_bug(exc: Exception) -> str:
    """Describe an unexpected exception (a bug) for a failed model's record, with its traceback.

    Call it inside the ``except`` block that caught ``exc``.
    """
    return (
        f"internal error ({type(exc).__name__}: {exc}); please report it with this "
        f"traceback:\n{traceback.format_exc()}"
    )


def run_task(task: ModelTask, dataset: Dataset, backend: Backend) -> Outcome:
    """Fit one model and render its report, with BLAS pinned to one thread; never raise.

    Parameters
    ----------
    task
        The model to fit.
    dataset
        The parsed data ``task.data_key`` names.
    backend
        The library calls to make.

    Returns
    -------
    Outcome
        ``results``, its JSON and ``report_html`` when the model was fitted. Otherwise ``error``:
        the message of a :class:`~semwb.errors.SemwbError`, the non-convergence (``results``
        then keeps the estimates where the optimizer stopped, with ``error`` set), or the type,
        message and traceback of anything else (a bug, which must still not stop the others).
    """
    start = time.perf_counter()
    results: Results | None = None
    html: str | None = None
    error: str | None = None
    try:
        with threadpool_limits(limits=1):
            results = backend.analyze(task.spec, dataset.data, dataset.path, task.instrument)
            if not results.converged:
                error = results.error or (
                    f"model '{task.model}' did not converge; see its warnings, then simplify "
                    "the model or check the data."
                )
            elif backend.render is not None:
                html = backend.render(results, task.lang, task.instrument)
    except SemwbError as exc:
        error = str(exc)
    except Exception as exc:  # one model's bug must not stop the batch; keep its traceback
        error = describe_bug(exc)
    text: str | None = None
    if results is not None:
        if error is not None:
            # Keep what was estimated (e.g. where the optimizer stopped), flagged, no report.
            results, html = results.model_copy(update={"error": error}), None
        try:
            text = results.to_json()
        except (TypeError, ValueError) as exc:  # e.g. a NaN the schema let through: a bug
            results, html, error = None, None, describe_bug(exc)
    return Outcome(
        name=task.name, results=results, results_json=text, report_html=html, error=error,
        seconds=time.perf_counter() - start, worker=_worker_id(),
    )
