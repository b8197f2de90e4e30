"""``semwb batch`` as a user runs it: one-line errors, the lock, an unreachable cluster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from batch_fakes import BACKEND, write_data, write_spec
from semwb.batch.executors import DaskExecutor
from semwb.batch.lock import output_lock
from semwb.batch.work import Dataset, ModelTask
from semwb.errors import OptionError


def run_semwb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False, cwd=cwd,
    )


@pytest.mark.parametrize(("args", "message"), [
    (["batch", "nowhere"], "nowhere: no such folder. Pass the folder that holds your model specs"),
    (["batch", "empty"], "empty: no model spec found"),
    (["batch", "models", "--lang", "fr"], "report language must be one of en, zh; got 'fr'"),
])
def test_errors_are_one_line_with_exit_code_1(tmp_path: Path, args: list[str],
                                              message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "models").mkdir()
    write_spec(tmp_path / "models", "m")
    done = run_semwb(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("semwb: error: ")
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_a_locked_output_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    write_spec(tmp_path / "models", "m")
    with output_lock(tmp_path / "reports"):
        done = run_semwb("batch", "models", cwd=tmp_path)
    assert done.returncode == 1
    assert "another 'semwb batch' is writing to this folder" in " ".join(done.stderr.split())
    assert not (tmp_path / "reports" / "m").exists()


@pytest.mark.parametrize(("address", "message"), [
    ("tcp://127.0.0.1:9", "cannot reach a Dask scheduler there"),
    ("127.0.0.1", "missing port number"),
])
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path, address: str,
                                                   message: str) -> None:
    write_data(tmp_path / "data.csv", [1.0])
    spec = write_spec(tmp_path, "m")
    task_source = BACKEND.load_spec(spec)
    task = ModelTask(name="m", model="m", spec=task_source, data_key="k", fingerprint="f")
    executor = DaskExecutor(address, timeout=1)
    with pytest.raises(OptionError, match=f"--scheduler {address}: .*{message}"):
        list(executor.run([task], {"k": Dataset(tmp_path / "data.csv", "k", None)}, BACKEND,
                          lambda task: None))


def test_a_lock_left_by_a_dead_batch_is_taken_over_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "broken.yaml").write_text("model: broken\nsyntax: 'F =~ x1 + x2'\n",
                                                     encoding="utf-8")  # fails fast: no data
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / ".semwb-batch.lock").write_text(
        '{"pid": 999999999, "host": "gone", "started": "2026-01-01T00:00:00+00:00"}',
        encoding="utf-8")
    done = run_semwb("batch", "models", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 1  # the one model failed; the batch itself ran
    assert "semwb: note: " in done.stderr
    assert "took over the lock left by an earlier batch (pid 999999999 on gone" in " ".join(
        done.stderr.split())
    assert (tmp_path / "reports" / ".semwb-batch.lock").read_text(encoding="utf-8") == ""
