"""``semwb batch`` with the real pipeline, on the single-mediation reference data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch_procs import child_env, dask_cluster
from semwb.batch import run_batch
from semwb.pipeline import read_data, run_analysis
from semwb.results import read_results
from semwb.sem.spec import load_spec

REFERENCE = Path(__file__).parent / "reference" / "mediation_single"
SYNTAX = (REFERENCE / "model.lav").read_text(encoding="utf-8")


@pytest.fixture
def models(tmp_path: Path) -> Path:
    """Two good specs, one naming a column the data lack, one that is not YAML."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(REFERENCE / "data.csv", folder / "data.csv")
    specs = {
        "mediation": SYNTAX,
        "direct_only": SYNTAX.replace("IOL ~ a*AR", "IOL ~ 0*AR").replace(
            "ind   := a*b\n", "").replace("total := cp + a*b\n", ""),
        "typo": SYNTAX.replace("ar4", "selfeff"),
    }
    for name, syntax in specs.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(
            {"model": name, "data": "data.csv", "syntax": syntax}, sort_keys=False),
            encoding="utf-8")
    (folder / "unreadable.yaml").write_text("model: x\nsyntax: [\n", encoding="utf-8")
    return folder


def semwb_batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "batch", *args],
        capture_output=True, text=True, check=False, cwd=cwd, env=child_env(),
    )


def without_run_details(path: Path) -> dict[str, Any]:
    """results.json minus what differs between two runs of the same inputs: the clock."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["provenance"].pop("created")
    return data


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
        assert re.search(rf"│ {name}\s+│ up to date", second.stdout), second.stdout
    assert {name: (out / name / "results.json").read_bytes() for name in kept} == kept


@pytest.mark.slow
def test_dask_cluster_gives_the_local_results_with_the_real_pipeline(
    models: Path, tmp_path: Path,
) -> None:
    local = run_batch(models, out=tmp_path / "local", jobs=1)
    with dask_cluster(tmp_path) as address:
        remote = run_batch(models, out=tmp_path / "dask", scheduler=address)
    assert [(m.name, m.status) for m in remote.models] == [
        (m.name, m.status) for m in local.models]
    assert [m.status for m in local.models] == ["fitted", "fitted", "failed", "failed"]
    for model in local.models:
        assert without_run_details(tmp_path / "dask" / model.name / "results.json") == (
            without_run_details(tmp_path / "local" / model.name / "results.json"))
