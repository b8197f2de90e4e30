"""`semwb simulate` and `semwb score` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from survey_helpers import EXAMPLE_DATA, REPO, SEED_INSTRUMENT

POPULATION = REPO / "surveys" / "examples" / "alliance_population.lav"


def run_semwb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *map(str, args)],
        capture_output=True, text=True, check=False, cwd=REPO,
    )


def test_simulate_reproduces_the_example_data(tmp_path: Path) -> None:
    """The command in surveys/README.md makes exactly surveys/examples/alliance.csv."""
    out = tmp_path / "alliance.csv"
    done = run_semwb("simulate", POPULATION, SEED_INSTRUMENT, "--n", "320", "--seed",
                     "20261128", "--missing", "0.004", "--careless", "0.04", "--square", "pdiv",
                     "--out", out)
    assert done.returncode == 0, done.stderr
    assert "320 respondents x 102 columns (seed 20261128)" in done.stdout
    assert out.read_bytes() == EXAMPLE_DATA.read_bytes()
    readme = (REPO / "surveys" / "README.md").read_text(encoding="utf-8")
    assert ("semwb simulate surveys/examples/alliance_population.lav "
            "surveys/alliance_portfolio_innovation.yaml --n 320 --seed 20261128 --missing 0.004 "
            "--careless 0.04 --square pdiv --out surveys/examples/alliance.csv") in readme


def test_score_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("rid,ar1\nr1,9\n", encoding="utf-8")
    done = run_semwb("score", SEED_INSTRUMENT, bad, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("semwb: error: bad.csv")
    assert "construct AR is missing item column(s) ar2, ar3, ar4" in done.stderr
