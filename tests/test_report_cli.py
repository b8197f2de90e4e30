"""``semwb report``: one results folder, a folder of them (with an index), and its errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report_support import DATA, mediation_results

pytestmark = pytest.mark.slow  # each test starts the command in a fresh interpreter


def run_semwb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False, cwd=cwd,
    )


def results_folder(root: Path, name: str = "mediation") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(mediation_results().to_json(), encoding="utf-8")
    shutil.copy(DATA / "mediation_measurement.json", folder / "measurement.json")
    return folder


def test_report_writes_beside_results(tmp_path: Path) -> None:
    results_folder(tmp_path)
    done = run_semwb("report", "mediation", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "mediation" / "report.html").read_text(encoding="utf-8")
    assert "semwb report mediation --lang en" in html
    assert '<section id="cmb">' in html  # measurement.json was read
    done = run_semwb("report", "mediation", "--lang", "zh", "--out", "out/r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "<h2>分析概要</h2>" in (tmp_path / "out" / "r.html").read_text(encoding="utf-8")


def test_report_of_a_batch_folder_writes_an_index(tmp_path: Path) -> None:
    results_folder(tmp_path / "reports", "a")
    results_folder(tmp_path / "reports", "b")
    done = run_semwb("report", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="a/report.html"' in index
    assert 'href="b/report.html"' in index
    assert (tmp_path / "reports" / "b" / "report.html").is_file()


def test_missing_results_is_one_line_error(tmp_path: Path) -> None:
    done = run_semwb("report", "nowhere", cwd=tmp_path)
    assert done.returncode == 1
    assert "no results.json here nor in its subfolders" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_language_is_one_line_error(tmp_path: Path) -> None:
    results_folder(tmp_path)
    done = run_semwb("report", "mediation", "--lang", "fr", cwd=tmp_path)
    assert done.returncode == 1
    assert "one of en, zh; got 'fr'" in done.stderr
