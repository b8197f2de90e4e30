"""Where models are fitted: local worker processes, or a Dask distributed cluster.

Both executors take the tasks, the parsed datasets (by hash) and the backend, and yield one
:class:`~semwb.batch.work.Outcome` per task, in the order they finish. Data travel to each worker
once per dataset, never once per task: local workers receive every dataset when they start; on
Dask each dataset is scattered (broadcast) once and tasks refer to it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from threadpoolctl import threadpool_limits

from semwb import __version__
from semwb.batch.work import Backend, Dataset, ModelTask, Outcome, run_task
from semwb.errors import OptionError

BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

OnStart = Callable[[ModelTask], None]


class Executor(Protocol):
    """Runs tasks and yields their outcomes as they finish."""

    #: What the progress display says of a task once it is handed out.
    start_label: str

    def run(
        self, tasks: Sequence[ModelTask], datasets: Mapping[str, Dataset], backend: Backend,
        on_start: OnStart,
    ) -> Generator[Outcome, None, None]:
        """Yield one outcome per task; call ``on_start(task)`` when a task is handed out."""
        ...


def _lost(task: ModelTask, why: str) -> Outcome:
    return Outcome(name=task.name, results=None, results_json=None, report_html=None, error=why,
                   seconds=0.0, worker="")


# --- local processes -------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_local_worker(datasets: Mapping[str, Dataset], backend: Backend, parent: int) -> None:
    for name in BLAS_ENV:
        os.environ[name] = "1"
    threadpool_limits(limits=1)
    _WORKER.update(datasets=datasets, backend=backend)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    # A batch killed with SIGKILL cannot stop its workers; they notice and stop themselves.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _run_local(task: ModelTask) -> Outcome:
    return run_task(task, _WORKER["datasets"][task.data_key], _WORKER["backend"])


class LocalExecutor:
    """A pool of ``jobs`` worker processes on this machine (``--jobs``).

    Workers are started with ``spawn`` (no state inherited from the batch), pin BLAS to one
    thread, receive every dataset once when they start, and exit by themselves if the batch
    process dies. At most ``jobs`` tasks are handed out at a time, so "fitting" in the progress
    display means fitting. A worker that dies (killed, out of memory) fails the models it was
    running; the pool is restarted for the rest.
    """

    start_label = "fitting"

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise OptionError(f"--jobs must be at least 1; got {jobs}.")
        self.jobs = jobs

    def run(
        self, tasks: Sequence[ModelTask], datasets: Mapping[str, Dataset], backend: Backend,
        on_start: OnStart,
    ) -> Generator[Outcome, None, None]:
        """Yield one outcome per task, as they finish."""
        pending = list(reversed(tasks))
        while pending:
            pool = ProcessPoolExecutor(
                max_workers=min(self.jobs, len(pending)),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_local_worker, initargs=(datasets, backend, os.getpid()),
            )
            try:
                yield from self._drain(pool, pending, on_start)
            finally:
                _stop(pool)

    def _drain(
        self, pool: ProcessPoolExecutor, pending: list[ModelTask], on_start: OnStart,
    ) -> Generator[Outcome, None, None]:
        running: dict[Future[Outcome], ModelTask] = {}

        def hand_out() -> None:
            while pending and len(running) < self.jobs:
                try:
                    future = pool.submit(_run_local, pending[-1])
                except BrokenProcessPool:  # seen at the next wait(), or by a fresh pool
                    return
                running[future] = task = pending.pop()
                on_start(task)

        hand_out()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(future.exception(), BrokenProcessPool) for future in done):
                # A worker died and took the pool with it: keep what finished, fail the rest.
                yield from (_salvage(future, task) for future, task in running.items())
                return
            for future in done:
                del running[future]
            hand_out()  # before yielding, so that workers fit while the batch writes
            for future in done:
                yield future.result()


def _salvage(future: Future[Outcome], task: ModelTask) -> Outcome:
    """The outcome of a task whose pool broke: its result if it had finished, else a failure."""
    if future.done() and future.exception() is None:
        return future.result()
    return _lost(task, "a worker process died (killed, or out of memory?) while this model was "
                       "being fitted, perhaps because of it. Run the batch again to retry it.")


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now: on an interrupt, running fits are abandoned, not awaited.

    The workers are listed before ``shutdown``, which forgets them; each gets SIGTERM, then
    SIGKILL if it has not ended within a second. (Python 3.14 adds ``terminate_workers()``.)
    """
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + 1.0
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


# --- Dask distributed ------------------------------------------------------------------------

def _semwb_version() -> str:
    return __version__


class DaskExecutor:
    """Fit on a Dask distributed cluster whose scheduler listens at ``address`` (``--scheduler``).

    Every worker must have the same semwb version installed as the batch (checked on connect).
    ``timeout`` is how long to try to reach the scheduler, in seconds.
    Each dataset is scattered once with ``broadcast=True``; tasks carry only the spec and a
    reference to their dataset, and results come back to the batch, which writes them.
    """

    start_label = "sent to cluster"

    def __init__(self, address: str, *, timeout: float = 10.0) -> None:
        self.address = address
        self.timeout = timeout

    def run(
        self, tasks: Sequence[ModelTask], datasets: Mapping[str, Dataset], backend: Backend,
        on_start: OnStart,
    ) -> Generator[Outcome, None, None]:
        """Yield one outcome per task, as they finish."""
        from distributed import Client, as_completed

        try:
            client = Client(self.address, timeout=self.timeout)  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as exc:
            raise OptionError(
                f"--scheduler {self.address}: cannot reach a Dask scheduler there ({exc}). Start "
                "one with 'dask scheduler' and its workers with 'dask worker ADDRESS', or drop "
                "--scheduler to fit on this machine."
            ) from exc
        with client:
            _check_workers(client, self.address)
            keys = sorted({task.data_key for task in tasks})
            shipped = client.scatter(  # type: ignore[no-untyped-call]
                {key: datasets[key] for key in keys}, broadcast=True)
            futures = {}
            for task in tasks:
                future = client.submit(
                    run_task, task, shipped[task.data_key], backend,
                    key=f"semwb-fit-{task.name}-{task.fingerprint[:16]}", pure=False,
                )
                futures[future] = task
                on_start(task)
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                task = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # the cluster lost the task (worker died, ...)
                    yield _lost(task, f"the Dask cluster could not run this model "
                                      f"({type(exc).__name__}: {exc}). Run the batch again.")


def _check_workers(client: Any, address: str) -> None:
    found: dict[str, str] = client.run(_semwb_version)
    if not found:
        raise OptionError(
            f"--scheduler {address}: the scheduler has no workers. Start some with "
            f"'dask worker {address}'."
        )
    wrong = {worker: v for worker, v in found.items() if v != __version__}
    if wrong:
        listing = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
        raise OptionError(
            f"--scheduler {address}: workers run another semwb version than this batch "
            f"({__version__}): {listing}. Install the same version on every worker."
        )
