"""``semwb report``: one results folder, a folder of them (with an index), and its errors.

The command runs in-process (typer's runner) except once, in a fresh interpreter, to see the
one-line error and exit code that ``main`` gives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from report_support import DATA, mediation_results
from semwb.cli import app
from semwb.errors import InstrumentError, OptionError
from survey_helpers import SMALL_YAML


@pytest.fixture
def cwd(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def results_folder(root: Path, name: str = "mediation") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(mediation_results().to_json(), encoding="utf-8")
    shutil.copy(DATA / "mediation_measurement.json", folder / "measurement.json")
    return folder


def test_report_writes_beside_results(cwd: Path) -> None:
    results_folder(cwd)
    done = CliRunner().invoke(app, ["report", "mediation"])
    assert done.exit_code == 0, done.output
    assert "wrote mediation/report.html" in done.output
    html = (cwd / "mediation" / "report.html").read_text(encoding="utf-8")
    assert "semwb report mediation --lang en" in html
    assert '<section id="cmb">' in html  # measurement.json was read
    done = CliRunner().invoke(app, ["report", "mediation", "--lang", "zh", "--out", "out/r.html"])
    assert done.exit_code == 0, done.output
    assert "<h2>分析概要</h2>" in (cwd / "out" / "r.html").read_text(encoding="utf-8")


def test_report_of_a_batch_folder_writes_an_index(cwd: Path) -> None:
    results_folder(cwd / "reports", "a")
    results_folder(cwd / "reports", "b")
    done = CliRunner().invoke(app, ["report", "reports", "--lang", "zh"])
    assert done.exit_code == 0, done.output
    index = (cwd / "reports" / "index.zh.html").read_text(encoding="utf-8")
    assert 'href="a/report.zh.html"' in index
    assert 'href="b/report.zh.html"' in index
    assert (cwd / "reports" / "b" / "report.zh.html").is_file()


def test_bad_language_is_an_option_error(cwd: Path) -> None:
    results_folder(cwd)
    done = CliRunner().invoke(app, ["report", "mediation", "--lang", "fr"])
    assert isinstance(done.exception, OptionError)
    assert "one of en, zh; got 'fr'" in str(done.exception)


@pytest.mark.slow  # a fresh interpreter imports the whole command
def test_missing_results_is_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", "report", "nowhere"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "no results.json here nor in its subfolders" in done.stderr
    assert "Traceback" not in done.stderr


def test_instrument_gives_names_in_the_chosen_language(cwd: Path) -> None:
    instrument = Path(__file__).parents[1] / "surveys" / "alliance_portfolio_innovation.yaml"
    results_folder(cwd)
    done = CliRunner().invoke(app, ["report", "mediation", "--lang", "zh",
                                    "--instrument", str(instrument)])
    assert done.exit_code == 0, done.output
    html = (cwd / "mediation" / "report.zh.html").read_text(encoding="utf-8")
    assert "联盟惯例 (AR)" in html
    assert "我们与伙伴在合作中遵循共同的工作程序。" in html


def test_a_broken_recorded_instrument_is_an_error_not_a_report_without_names(cwd: Path) -> None:
    """``semwb report`` reads the instrument of the recorded spec again: when that instrument
    exists but is broken, the user hears so instead of getting construct ids silently."""
    (cwd / "surveys").mkdir()
    (cwd / "surveys" / "demo.yaml").write_text(
        SMALL_YAML.replace("instrument: small", "instrument: demo").replace(
            "reverse: true", "revers: true"), encoding="utf-8")
    (cwd / "models").mkdir()
    (cwd / "models" / "m.yaml").write_text("model: m\ninstrument: demo\nsyntax: |\n  y ~ x\n",
                                           encoding="utf-8")
    folder = results_folder(cwd)
    results = mediation_results()
    recorded = results.model_copy(update={"provenance": results.provenance.model_copy(
        update={"spec_path": "models/m.yaml"})})
    (folder / "results.json").write_text(recorded.to_json(), encoding="utf-8")
    done = CliRunner().invoke(app, ["report", "mediation"])
    assert isinstance(done.exception, InstrumentError)
    assert "demo.yaml" in str(done.exception)
    assert "revers" in str(done.exception)
    assert not (folder / "report.html").exists()
