"""The three faces give the same numbers: `semwb fit`, `semwb batch` and a web run.

Each reads the data through the spec's instrument (scale checks, reverse coding), fits, and
bootstraps with the same seed; the parameter tables must be identical, row by row.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from semwb.batch import run_batch
from semwb.results import read_results
from semwb.web import analysis

ROOT = Path(__file__).parent.parent
INSTRUMENT = ROOT / "surveys" / "alliance_portfolio_innovation.yaml"
DATA = ROOT / "surveys" / "examples" / "alliance.csv"
SYNTAX = (Path(__file__).parent / "reference" / "mediation_single" / "model.lav").read_text(
    encoding="utf-8")
DRAWS, SEED = 200, 11

# the CLI, a batch and the web runner start worker processes: time varies with the load
pytestmark = pytest.mark.timeout(600)


def _rows(results_dir: Path) -> list[tuple[object, ...]]:
    results = read_results(results_dir)
    return [(r.lhs, r.op, r.rhs, r.est, r.se, r.ci_lower, r.ci_upper, r.std_all)
            for r in results.parameters]


@pytest.mark.slow
def test_cli_batch_and_web_fit_the_same_numbers(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "surveys").mkdir()
    shutil.copy(INSTRUMENT, project / "surveys" / INSTRUMENT.name)
    shutil.copy(DATA, project / "alliance.csv")
    (project / "models" / "h1.yaml").write_text(
        "model: h1\ninstrument: alliance-portfolio-innovation\ndata: ../alliance.csv\n"
        f"bootstrap: {{draws: {DRAWS}, ci: percentile, seed: {SEED}}}\nsyntax: |\n"
        + "".join(f"  {line}\n" for line in SYNTAX.splitlines()), encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "fit", "models/h1.yaml",
         "--out", str(tmp_path / "cli")],
        capture_output=True, text=True, check=False, cwd=project)
    assert done.returncode == 0, done.stderr

    summary = run_batch(project / "models", out=tmp_path / "batch")
    assert summary.failed == []

    job = analysis.RunJob(
        run_id="r", model_name="h1", syntax=SYNTAX, instrument_path=INSTRUMENT,
        instrument_name=INSTRUMENT.name, responses_path=project / "alliance.csv",
        responses_name="alliance.csv", out_dir=tmp_path / "web",
        options={"draws": DRAWS, "ci": "percentile", "level": 0.95, "seed": SEED, "lang": "en"})
    analysis.run_job(job, lambda fraction, message: None)

    cli = _rows(tmp_path / "cli")
    assert any(row[:3] == ("ar4", "=~", "AR") or row[:3] == ("AR", "=~", "ar4") for row in cli)
    for face in (tmp_path / "batch" / "h1", tmp_path / "web"):
        _assert_same(_rows(face), cli)


def _assert_same(rows: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> None:
    """The same rows, numbers equal to 1e-6: each face runs the same library code, but numpy's
    reductions may round differently in the last bits in another process (array alignment),
    and bootstrap draws stop within their 1e-7 step tolerance of the same optimum."""
    assert [r[:3] for r in rows] == [r[:3] for r in expected]
    for row, ref in zip(rows, expected, strict=True):
        for mine, theirs in zip(row[3:], ref[3:], strict=True):
            assert (mine is None) == (theirs is None), row[:3]
            if mine is not None:
                assert mine == pytest.approx(theirs, rel=1e-6, abs=1e-9), row[:3]
