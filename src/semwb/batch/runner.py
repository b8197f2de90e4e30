"""Running a batch: plan, skip what is up to date, fit the rest, write each model as it finishes.

The batch's own process does all the writing (workers only compute), under a lock on the output
folder. Each model's folder is written as soon as its outcome arrives, so a batch stopped at any
moment keeps everything finished so far and the next run fits only the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from semwb import __version__
from semwb.batch.backend import default_backend
from semwb.batch.cache import (
    add_report,
    is_up_to_date,
    remove_stale_temporaries,
    write_failed,
    write_finished,
)
from semwb.batch.discover import find_specs
from semwb.batch.executors import DaskExecutor, Executor, LocalExecutor
from semwb.batch.lock import output_lock
from semwb.batch.plan import PlannedModel, plan_batch
from semwb.batch.work import Backend, Dataset, ModelTask, Outcome, describe_bug
from semwb.errors import SemwbError
from semwb.files import atomic_write_text
from semwb.report.i18n import LANGS, check_lang
from semwb.report.writer import index_filename, report_filename
from semwb.results import Provenance, Results, read_results

FITTED = "fitted"
UP_TO_DATE = "up to date"
FAILED = "failed"
MAX_EXIT_CODE = 125  # 126 and above mean "cannot execute", "not found" and signals to shells


@dataclass(frozen=True)
class ModelStatus:
    """How one model of the batch ended: ``fitted``, ``up to date`` or ``failed``."""

    name: str
    status: str
    results: Results
    seconds: float = 0.0
    worker: str = ""

    @property
    def error(self) -> str | None:
        """The failure's message, None unless ``status`` is ``failed``."""
        return self.results.error


@dataclass(frozen=True)
class BatchSummary:
    """Every model of a finished batch, in spec order, and where its outputs are."""

    out: Path
    models: list[ModelStatus] = field(default_factory=list)
    notes: tuple[str, ...] = ()  # things the user should know, e.g. a stale lock taken over

    @property
    def failed(self) -> list[ModelStatus]:
        """The models that failed."""
        return [m for m in self.models if m.status == FAILED]

    @property
    def exit_code(self) -> int:
        """The number of failed models, capped at 125 so shells do not read it as a signal."""
        return min(len(self.failed), MAX_EXIT_CODE)


class BatchEvents(Protocol):
    """What a batch reports while it runs (the CLI shows it as a progress display)."""

    def planned(self, names: Sequence[str]) -> None:
        """All models of the batch, in order, before any is fitted."""

    def started(self, name: str, label: str) -> None:
        """A model was handed to a worker; ``label`` says how (``fitting``, ...)."""

    def finished(self, status: ModelStatus) -> None:
        """A model is done: fitted, up to date, or failed."""


class NullEvents:
    """Report nothing."""

    def planned(self, names: Sequence[str]) -> None:
        """Ignore the plan."""

    def started(self, name: str, label: str) -> None:
        """Ignore a start."""

    def finished(self, status: ModelStatus) -> None:
        """Ignore an end."""


def run_batch(
    models: str | Path, *, out: str | Path, data: str | Path | None = None, jobs: int = 1,
    scheduler: str | None = None, force: bool = False, lang: str = "en",
    backend: Backend | None = None, events: BatchEvents | None = None,
) -> BatchSummary:
    """Fit every model spec in ``models`` and write ``out/<name>/`` for each, plus the index.

    Parameters
    ----------
    models
        Folder of specs (``.yaml``, ``.yml``, ``.lav``).
    out
        Output folder: ``out/<spec file name>/results.json`` and ``report.html``, and
        ``out/index.html`` across all models (``report.zh.html``, ``index.zh.html`` in Chinese).
    data
        Data file for every spec, replacing each spec's own ``data``.
    jobs
        Local worker processes (ignored when ``scheduler`` is given).
    scheduler
        Address of a Dask distributed scheduler, e.g. ``tcp://10.0.0.5:8786``.
    force
        Refit every model, up to date or not.
    lang
        Language of the reports and the index (``en`` or ``zh``). Not part of the fingerprint:
        an up-to-date model gets the report in this language from its results, and a refit
        rewrites the reports in other languages already in its folder.
    backend
        The library calls to make; the real pipeline and report by default.
    events
        Receives progress; nothing by default.

    Returns
    -------
    BatchSummary
        One status per spec; ``exit_code`` is the number of failed models (capped at 125).

    Raises
    ------
    OptionError
        When ``lang`` is not a report language, ``models`` holds no spec, another batch is
        writing to ``out``, or the scheduler cannot be reached. A failing *model* never raises:
        it is recorded and the others go on.
    """
    check_lang(lang)
    backend = backend if backend is not None else default_backend()
    events = events if events is not None else NullEvents()
    out = Path(out)
    specs = find_specs(models)
    executor: Executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(jobs)
    with output_lock(out) as lock:
        remove_stale_temporaries(out)
        planned = plan_batch(specs, data=None if data is None else Path(data), lang=lang,
                             backend=backend)
        events.planned([p.name for p in planned])
        done, stale = _settle_unfitted(out, planned, force=force, events=events,
                                       backend=backend)
        done.update(_fit_stale(out, stale, executor, backend, events))
        summary = BatchSummary(out=out, models=[done[item.name] for item in planned],
                               notes=() if lock.taken_over is None else (lock.taken_over,))
        if backend.render_index is not None:
            report = report_filename(lang)
            links = [f"{m.name}/{report}" if (out / m.name / report).is_file() else None
                     for m in summary.models]
            atomic_write_text(out / index_filename(lang), backend.render_index(
                [m.results for m in summary.models], links, lang))
        return summary


def _settle_unfitted(
    out: Path, planned: list[PlannedModel], *, force: bool, events: BatchEvents,
    backend: Backend,
) -> tuple[dict[str, ModelStatus], list[tuple[PlannedModel, ModelTask]]]:
    """Record the models that failed before fitting and those up to date; return the rest.

    An up-to-date model without a report in the batch's language gets one, from its results.
    """
    done: dict[str, ModelStatus] = {}
    stale: list[tuple[PlannedModel, ModelTask]] = []
    for item in planned:
        task = item.task
        if task is None:
            done[item.name] = _record_failure(out, item, item.error or "")
        elif not force and is_up_to_date(out / item.name, task.fingerprint):
            results = read_results(out / item.name)
            report = report_filename(task.lang)
            if backend.render is not None and not (out / item.name / report).is_file():
                add_report(out / item.name, report,
                           backend.render(results, task.lang, task.instrument))
            done[item.name] = ModelStatus(item.name, UP_TO_DATE, results)
        else:
            stale.append((item, task))
            continue
        events.finished(done[item.name])
    return done, stale


def _fit_stale(
    out: Path, stale: list[tuple[PlannedModel, ModelTask]], executor: Executor,
    backend: Backend, events: BatchEvents,
) -> dict[str, ModelStatus]:
    """Read the datasets the stale models need, fit the models, write each as it finishes."""
    done: dict[str, ModelStatus] = {}
    datasets, unreadable = _load_datasets(stale, backend)
    for item, task in stale:
        if task.data_key in unreadable:
            done[item.name] = _record_failure(out, item, unreadable[task.data_key])
            events.finished(done[item.name])
    runnable = {task.name: (item, task) for item, task in stale if task.data_key in datasets}
    if not runnable:
        return done
    outcomes = executor.run([task for _, task in runnable.values()], datasets, backend,
                            lambda task: events.started(task.name, executor.start_label))
    with closing(outcomes):
        for outcome in outcomes:
            item, task = runnable[outcome.name]
            done[item.name] = _record_outcome(out, item, task, outcome, backend)
            events.finished(done[item.name])
    return done


def _load_datasets(
    stale: list[tuple[PlannedModel, ModelTask]], backend: Backend,
) -> tuple[dict[str, Dataset], dict[str, str]]:
    """Parse each dataset the stale models need, once; return them and the unreadable ones."""
    datasets: dict[str, Dataset] = {}
    unreadable: dict[str, str] = {}
    for item, task in stale:
        key = task.data_key
        if key in datasets or key in unreadable or item.data_path is None:
            continue
        try:
            datasets[key] = Dataset(item.data_path, key,
                                    backend.read_data(item.data_path, task.instrument))
        except SemwbError as exc:
            unreadable[key] = str(exc)
        except Exception as exc:  # a bug on one dataset must not stop the other models
            unreadable[key] = describe_bug(exc)
    return datasets, unreadable


def _record_outcome(
    out: Path, item: PlannedModel, task: ModelTask, outcome: Outcome, backend: Backend,
) -> ModelStatus:
    if outcome.results is None or outcome.results_json is None:
        return _record_failure(out, item, outcome.error or "", seconds=outcome.seconds,
                               worker=outcome.worker)
    if outcome.error is not None:  # partial results, with the error set by the worker
        write_failed(out / item.name, outcome.results_json)
        return ModelStatus(item.name, FAILED, outcome.results, outcome.seconds, outcome.worker)
    reports = {} if outcome.report_html is None else {report_filename(task.lang):
                                                      outcome.report_html}
    if backend.render is not None:  # the other languages' reports there: of this run now
        reports |= {name: backend.render(outcome.results, other, task.instrument)
                    for other in LANGS if other != task.lang
                    if (out / item.name / (name := report_filename(other))).is_file()}
    write_finished(out / item.name, outcome.results_json, reports, task.fingerprint)
    return ModelStatus(item.name, FITTED, outcome.results, outcome.seconds, outcome.worker)


def _record_failure(
    out: Path, item: PlannedModel, error: str, *, seconds: float = 0.0, worker: str = "",
) -> ModelStatus:
    """Write a failed model's results.json: the error, and what produced it."""
    results = Results(model=item.model, error=error, provenance=Provenance(
        spec_path=str(item.spec_path), spec_sha256=item.spec_sha256,
        data_path=None if item.data_path is None else str(item.data_path),
        data_sha256=item.data_sha256,
        semwb=__version__, created=datetime.now(UTC).isoformat(timespec="seconds"),
    ))
    write_failed(out / item.name, results.to_json())
    return ModelStatus(item.name, FAILED, results, seconds, worker)
