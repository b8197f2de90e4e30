"""Helpers for the batch tests that start real processes: a Dask cluster, process lookups.

Every process started here binds to 127.0.0.1, runs in its own session, and is killed by the
fixture's finalizer however the test ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

TESTS = Path(__file__).parent
QUIET_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def child_env() -> dict[str, str]:
    """The environment for helper processes: BLAS pinned, and this folder importable."""
    path = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, **QUIET_ENV, "PYTHONPATH": path}


def children_of(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.05 s; fail the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a helper process and its session: SIGTERM, then SIGKILL after 5 s."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@contextmanager
def dask_cluster(tmp: Path, workers: int = 2) -> Iterator[str]:
    """Start a Dask scheduler and ``workers`` single-threaded workers, each its own process.

    Yields
    ------
    str
        The scheduler's address (``tcp://127.0.0.1:PORT``), read from its scheduler file.
    """
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler_file = tmp / "scheduler.json"
    started: list[subprocess.Popen[bytes]] = []
    logs = []

    def spawn(args: list[str], name: str) -> None:
        log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed in finally
        logs.append(log)
        started.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                        env=child_env(), start_new_session=True))

    try:
        spawn([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
               "--scheduler-file", str(scheduler_file)], "scheduler")
        wait_until(scheduler_file.exists, 60, "the Dask scheduler's address file")
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(workers):
            spawn([sys.executable, "-m", "distributed.cli.dask_worker", address, "--host",
                   "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
                   "--name", f"w{i}"], f"worker{i}")
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            stop(process)
        for log in logs:
            log.close()
