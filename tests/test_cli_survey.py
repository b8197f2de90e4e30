"""`semwb simulate` and `semwb score` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

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


def test_score_writes_scores_flags_and_measurement(tmp_path: Path) -> None:
    out = tmp_path / "score"
    done = run_semwb("score", SEED_INSTRUMENT, EXAMPLE_DATA, "--exclude",
                     "attention,long_string,too_fast", "--constructs", "AR,IOL,AI", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "115 missing answer(s) in 97 of 320 respondents" in done.stderr
    assert "excluded 22 of 320 respondents from analysis" in done.stdout
    assert "HTMT: all pairs below .85" in done.stdout
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 320
    assert scores["excluded"].sum() == 22
    assert {"row", "respondent", "AR", "IOL", "AI", "long_string", "reasons"} <= set(scores)
    flagged = pd.read_csv(out / "flagged.csv")
    assert f"{flagged['respondent'].iloc[0]} (row {flagged['row'].iloc[0]})" in done.stdout
    quality = json.loads((out / "measurement.json").read_text(encoding="utf-8"))
    assert list(quality["constructs"]) == ["AR", "IOL", "AI"]
    assert quality["constructs"]["AR"]["loadings"]["ar4"] > 0.3  # reverse-coded before the CFA
    assert set(quality["htmt"]["AR"]) == {"IOL", "AI"}
    assert quality["harman"]["single_factor_cfa"]["df_diff"] == 3


def test_score_output_is_safe_to_open_in_excel(tmp_path: Path) -> None:
    data = pd.read_csv(EXAMPLE_DATA)
    data["rid"] = data["rid"].astype(str)
    data.loc[0, "rid"] = "=HYPERLINK(\"http://x\")"
    path = tmp_path / "upload.csv"
    data.to_csv(path, index=False)
    done = run_semwb("score", SEED_INSTRUMENT, path, "--constructs", "AR,IOL", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    first = (tmp_path / "scores.csv").read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith("2,\"'=HYPERLINK(")
