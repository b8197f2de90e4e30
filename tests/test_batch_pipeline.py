"""``semwb batch`` with the real pipeline, on the single-mediation reference data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from batch_procs import child_env
from batch_specs import write_mediation_specs
from semwb.pipeline import read_data, run_analysis
from semwb.results import read_results
from semwb.sem.spec import load_spec


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return write_mediation_specs(tmp_path / "models")


def semwb_batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "batch", *args],
        capture_output=True, text=True, check=False, cwd=cwd, env=child_env(),
    )


@pytest.mark.slow
def test_command_fits_records_failures_and_skips_what_is_up_to_date(models: Path) -> None:
    root = models.parent
    first = semwb_batch("models", "--out", "reports", "--jobs", "2", cwd=root)
    assert first.returncode == 2, first.stderr
    table = " ".join(first.stdout.split())
    assert "4 models, 2 failed" in table
    out = root / "reports"
    # the fitted model is the pipeline's own result for the spec
    spec = load_spec(models / "mediation.yaml")
    direct = run_analysis(spec, read_data(models / "data.csv"), data_path=spec.data)
    fitted = read_results(out / "mediation")
    assert fitted.error is None
    assert [(p.lhs, p.op, p.rhs, p.est, p.se) for p in fitted.parameters] == [
        (p.lhs, p.op, p.rhs, p.est, p.se) for p in direct.parameters]
    assert fitted.fit == direct.fit
    assert read_results(out / "direct_only").converged
    # failures name the file and the problem
    assert "typo.yaml, syntax line" in (read_results(out / "typo").error or "")
    assert "'selfeff'" in (read_results(out / "typo").error or "")
    assert "unreadable.yaml, line 3: not valid YAML" in (
        read_results(out / "unreadable").error or "")

    kept = {name: (out / name / "results.json").read_bytes()
            for name in ("mediation", "direct_only")}
    second = semwb_batch("models", "--out", "reports", "--jobs", "2", cwd=root)
    assert second.returncode == 2
    for name in kept:
        # not a terminal: one plain line per model, no table borders, names whole
        assert re.search(rf"^{name}\s+up to date  n=", second.stdout, re.MULTILINE), second.stdout
    assert {name: (out / name / "results.json").read_bytes() for name in kept} == kept
