"""The run queue: analyses execute outside the request, in worker processes or on a Dask cluster.

A run's state lives in the store, not in memory: the worker writes ``running``, its progress and
then ``done`` or ``failed`` straight into SQLite, so a page reload (or another server thread)
sees the same state, and a run that was queued or running when the server stopped is marked
``interrupted`` on the next start and can be restarted from its page.

The server owns every run's state: a worker writes only under the attempt id it was given
(:mod:`semwb.web.store.runs`), and a local worker process ends itself within half a second of
the server's death (it watches its parent), so no orphan finishes a run nobody waits for.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import threading
import time
import traceback
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from semwb.errors import SemwbError
from semwb.web.analysis import RunJob
from semwb.web.store import Run, Store

log = logging.getLogger("semwb.web")

#: Seconds between two progress writes of one run (the page polls about once a second).
PROGRESS_INTERVAL = 0.5
#: Seconds between two checks of a local worker that its server is still alive.
PARENT_CHECK_INTERVAL = 0.5


@dataclass(frozen=True)
class Task:
    """What a worker receives: where the store is, the job, and the adapter module to call."""

    data_dir: str
    job: RunJob
    analysis: str
    attempt: str


def execute(task: Task) -> str:
    """Run one task in a worker and record its outcome in the store; return the final state.

    Every write is made under ``task.attempt``: when the run was requeued or marked interrupted
    meanwhile, the task does nothing (``"stale"``). A :class:`~semwb.errors.SemwbError` is the
    user's to fix: its message becomes the run's message. Any other exception is a bug: the run
    is marked failed with a generic message, the traceback goes to ``error.log`` in the run's
    folder, and the exception is raised again.
    """
    runs = Store(task.data_dir).runs
    run_id, attempt = task.job.run_id, task.attempt
    if not runs.update(run_id, status="running", progress=0.0, message="started",
                       attempt=attempt):
        return "stale"
    last = 0.0

    def progress(fraction: float, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL:
            runs.update(run_id, progress=min(max(fraction, 0.0), 1.0), message=message,
                        attempt=attempt)
            last = now

    try:
        importlib.import_module(task.analysis).run_job(task.job, progress)
    except SemwbError as exc:
        runs.update(run_id, status="failed", message=str(exc), attempt=attempt)
        return "failed"
    except Exception:
        task.job.out_dir.mkdir(parents=True, exist_ok=True)
        (task.job.out_dir / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
        runs.update(run_id, status="failed", attempt=attempt,
                    message="The analysis stopped on an internal error; the server's "
                            "administrator finds the details in the run's error.log.")
        raise
    runs.update(run_id, status="done", progress=1.0, message="finished", attempt=attempt)
    return "done"


def _watch_parent(parent: int) -> None:
    """Initializer of a local worker: private files, and exit as soon as the server is gone."""
    os.umask(0o077)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="semwb-parent-watch", daemon=True).start()


class RunManager:
    """Submit runs to an executor and keep the store right when a worker dies.

    Parameters
    ----------
    store
        The store the runs are recorded in.
    analysis
        Name of the adapter module the worker imports (``semwb.web.analysis``).
    workers
        Worker processes of the local pool.
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``); the cluster's workers must see the
        data dir at the same path.
    executor
        An executor to use instead of creating one (tests pass a thread pool).
    """

    def __init__(self, store: Store, *, analysis: str = "semwb.web.analysis", workers: int = 1,
                 scheduler: str | None = None, executor: Executor | None = None) -> None:
        self.store = store
        self.analysis = analysis
        self.workers = workers
        self.scheduler = scheduler
        self._executor = executor
        self._owns_executor = executor is None
        self._client: Any = None
        # pages submit from several request threads at once: one pool (or client), not one each
        self._lock = threading.Lock()

    def start(self) -> int:
        """Mark runs left over from a previous server as interrupted; return how many.

        Their attempts end with it: a worker still alive from that server writes nothing more.
        """
        return self.store.runs.mark_interrupted()

    def _submit(self, task: Task) -> Any:
        with self._lock:
            return self._submit_locked(task)

    def _submit_locked(self, task: Task) -> Any:
        if self.scheduler is not None:
            if self._client is None:
                from distributed import Client

                self._client = Client(self.scheduler)  # type: ignore[no-untyped-call]
            return self._client.submit(execute, task, pure=False)
        if self._executor is None:
            self._executor = self._new_pool()
        try:
            return self._executor.submit(execute, task)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the pool refuses new work; start a fresh one.
            log.warning("worker pool broken; starting a new one")
            self._executor = self._new_pool()
            return self._executor.submit(execute, task)

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_watch_parent, initargs=(os.getpid(),))

    def job_for(self, run: Run) -> RunJob:
        """Build the worker's job from a run and its stored files."""
        responses = self.store.projects.get_file(run.project_id, run.responses_id)
        instrument = self.store.projects.get_file(run.project_id, run.instrument_id)
        if responses is None or instrument is None:
            raise RuntimeError(f"run {run.id} refers to a file that is not in its project")
        return RunJob(
            run_id=run.id, model_name=run.model_name, syntax=run.syntax,
            instrument_path=self.store.file_path(instrument),
            instrument_name=instrument.original_name,
            responses_path=self.store.file_path(responses),
            responses_name=responses.original_name,
            out_dir=self.store.run_dir(run.id), options=run.options,
            sheet=responses.summary.get("sheet"),
        )

    def submit(self, run: Run) -> None:
        """Hand a queued run (new, or from :meth:`restart`) to a worker under its attempt."""
        task = Task(str(self.store.data_dir), self.job_for(run), self.analysis, run.attempt)
        try:
            future = self._submit(task)
        except Exception as exc:  # the queue's boundary: a run must never stay queued forever
            log.exception("run %s could not be submitted", run.id)
            self.store.runs.update(run.id, status="failed", attempt=run.attempt, message=(
                f"The run could not be handed to a worker ({type(exc).__name__}: {exc}); "
                "restart it when the workers or the cluster are reachable."))
            return
        future.add_done_callback(lambda done: self._settle(run, done))

    def restart(self, run_id: str) -> bool:
        """Queue an interrupted or failed run again; False when it is neither (e.g. a second
        click already restarted it), so that one run never runs twice."""
        run = self.store.runs.requeue(run_id)
        if run is None:
            return False
        self.submit(run)
        return True

    def _settle(self, run: Run, future: Future[str] | Any) -> None:
        """After a worker returns: a run still queued or running means the worker died."""
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            return
        current = self.store.runs.get(run.id)
        if current is not None and current.status in ("queued", "running"):
            log.error("run %s: worker failed: %r", run.id, exc)
            self.store.runs.update(run.id, status="failed", attempt=run.attempt,
                                   message="The worker running this analysis stopped "
                                           "unexpectedly; restart the run.")

    def shutdown(self) -> None:
        """Stop the workers and mark unfinished runs interrupted (they can be restarted)."""
        self.store.runs.mark_interrupted()
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._executor is not None and self._owns_executor:
            executor, self._executor = self._executor, None
            if isinstance(executor, ProcessPoolExecutor):
                # ProcessPoolExecutor has no public way to stop a running task: end the worker
                # processes it started (only those) so that no analysis outlives the server.
                for process in list(getattr(executor, "_processes", {}).values()):
                    process.terminate()
            executor.shutdown(wait=True, cancel_futures=True)
