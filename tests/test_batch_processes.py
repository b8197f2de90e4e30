"""The batch under real processes: killed and resumed, and run on a real Dask cluster."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from batch_fakes import BACKEND, write_data, write_spec
from batch_procs import child_env, children_of, dask_cluster, is_alive, stop, wait_until
from batch_specs import write_mediation_specs
from semwb.batch import run_batch
from semwb.batch.cache import STAMP
from semwb.results import read_results

# The batch as the command runs it (SIGTERM handled like Ctrl-C), with the fake backend.
BATCH_SCRIPT = """
import signal
import sys
import time
# a foreground command, whatever started the tests: a shell starts background jobs (and so
# their children) with SIGINT ignored, and Python then installs no Ctrl-C handler
signal.signal(signal.SIGINT, signal.default_int_handler)
from batch_fakes import BACKEND
from semwb.batch import run_batch
from semwb.batch.console import sigterm_as_interrupt
try:
    with sigterm_as_interrupt():
        run_batch(sys.argv[1], out=sys.argv[2], jobs=2, backend=BACKEND)
except KeyboardInterrupt:
    sys.exit(130)
"""

# real worker processes and Dask clusters: start-up time varies with the machine's load
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Dask scheduler and two workers, separate processes on 127.0.0.1, for this module."""
    with dask_cluster(tmp_path_factory.mktemp("dask")) as address:
        yield address


def comparable(results_json: Path) -> dict[str, Any]:
    """results.json without what legitimately differs between runs: times, pids, provenance."""
    data: dict[str, Any] = json.loads(results_json.read_text(encoding="utf-8"))
    data.pop("provenance")
    data["warnings"] = [w for w in data["warnings"] if not w.startswith("fitted by pid")]
    return data


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_killed_batch_resumes_keeping_finished_models(tmp_path: Path, sig: int) -> None:
    models = tmp_path / "models"
    models.mkdir()
    write_data(models / "data.csv", [1.0, 2.0, 3.0])
    # two quick models finish; the two slow ones are mid-fit when the signal comes
    names = ["m0", "m1", "m2", "m3"]
    for name, seconds in zip(names, [0.2, 0.2, 4.0, 4.0], strict=True):
        write_spec(models, name, sleep=seconds)
    out = tmp_path / "reports"
    batch = subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, str(models), str(out)],
                             env=child_env(), start_new_session=True)
    try:
        wait_until(lambda: len(list(out.glob(f"*/{STAMP}"))) >= 2, 60, "two finished models")
        workers = children_of(batch.pid)
        batch.send_signal(sig)
        signalled = time.monotonic()
        code = batch.wait(timeout=20)
        # running fits are abandoned, not awaited, and the workers do not outlive the batch
        wait_until(lambda: not any(is_alive(pid) for pid in workers), 10, "the workers to exit")
        stopped_after = time.monotonic() - signalled
    finally:
        stop(batch)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    assert stopped_after < 2.5
    finished = {p.parent.name for p in out.glob(f"*/{STAMP}")}
    assert finished == {"m0", "m1"}
    kept = {name: (out / name / "results.json").read_bytes() for name in finished}

    summary = run_batch(models, out=out, jobs=2, backend=BACKEND)

    assert {m.name: m.status for m in summary.models} == {
        name: "up to date" if name in finished else "fitted" for name in names}
    assert {name: (out / name / "results.json").read_bytes() for name in finished} == kept
    for name in names:
        assert read_results(out / name).parameters[0].est == pytest.approx(2.0)
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results(tmp_path: Path, dask_address: str) -> None:
    models = tmp_path / "models"
    models.mkdir()
    write_data(models / "data.csv", [1.0, 2.0, 4.0, 9.0])
    write_data(models / "other.csv", [5.0, 7.0])
    for i in range(12):  # 6 per dataset: one worker runs at least 3 of one dataset
        write_spec(models, f"m{i:02d}", sleep=0.1, data="data.csv" if i % 2 else "other.csv")
    write_spec(models, "broken", fail="singular")

    local = run_batch(models, out=tmp_path / "local", jobs=2, backend=BACKEND)
    remote = run_batch(models, out=tmp_path / "dask", scheduler=dask_address, backend=BACKEND)

    assert [(m.name, m.status) for m in remote.models] == [
        (m.name, m.status) for m in local.models]
    assert remote.exit_code == local.exit_code == 1
    for name in [m.name for m in local.models]:
        assert comparable(tmp_path / "dask" / name / "results.json") == comparable(
            tmp_path / "local" / name / "results.json")
    # both Dask workers took part, in processes other than the batch's
    workers = {m.worker for m in remote.models if m.status == "fitted"}
    assert len(workers) == 2
    # data travel once per dataset and worker, not once per task: locally exactly once; on
    # Dask a worker may fetch a second replica (a task moved before its broadcast copy was
    # registered), never one per task
    for summary, most in ((local, 1), (remote, 2)):
        tasks: dict[tuple[str, str], int] = {}
        for model in summary.models:
            if model.status == "fitted":
                arrived = int(model.results.warnings[0].split("arrived ")[1].split()[0])
                assert 1 <= arrived <= most, model
                key = (model.worker, str(model.results.provenance.data_path))
                tasks[key] = tasks.get(key, 0) + 1
        assert max(tasks.values()) > most  # so one-copy-per-task would have been caught
    assert (tmp_path / "dask" / "index.html").read_text(encoding="utf-8") == (
        tmp_path / "local" / "index.html").read_text(encoding="utf-8")


def without_run_details(path: Path) -> dict[str, Any]:
    """results.json minus what differs between two runs of the same inputs: the clock."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["provenance"].pop("created")
    return data


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results_with_the_real_pipeline(
    tmp_path: Path, dask_address: str,
) -> None:
    models = write_mediation_specs(tmp_path / "models")
    local = run_batch(models, out=tmp_path / "local", jobs=1)
    remote = run_batch(models, out=tmp_path / "dask", scheduler=dask_address)
    assert [(m.name, m.status) for m in remote.models] == [
        (m.name, m.status) for m in local.models]
    assert [m.status for m in local.models] == ["fitted", "fitted", "failed", "failed"]
    for model in local.models:
        assert without_run_details(tmp_path / "dask" / model.name / "results.json") == (
            without_run_details(tmp_path / "local" / model.name / "results.json"))
