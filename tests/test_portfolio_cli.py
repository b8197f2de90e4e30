"""`semwb portfolio` as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.errors import SemwbError
from semwb.portfolio.measures import portfolio_measures
from semwb.portfolio.reader import read_partners, read_ties
from semwb.year_windows import parse_windows
from survey_helpers import REPO

EXAMPLES = REPO / "surveys" / "examples"


def run_semwb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *map(str, args)],
        capture_output=True, text=True, check=False, cwd=REPO,
    )


def invoke(*args: str | Path) -> tuple[int, str, BaseException | None]:
    """In-process run (a subprocess costs seconds of imports on a loaded machine)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.exception


def test_measures_of_the_example_list(tmp_path: Path) -> None:
    out = tmp_path / "measures.csv"
    code, stdout, error = invoke("portfolio", EXAMPLES / "partners.csv", "--by",
                                 "partner_type,industry", "--window", "2016-2017,2018-2020",
                                 "--ties", EXAMPLES / "partner_ties.csv", "--out", out)
    assert code == 0, error
    assert "partners.csv: 319 firms" in stdout
    assert f"wrote {out}: 638 rows (firms x windows), 17 measures" in stdout
    written = pd.read_csv(out, dtype={"window": str})
    library = portfolio_measures(read_partners(EXAMPLES / "partners.csv"),
                                 by=["partner_type", "industry"],
                                 windows=parse_windows("2016-2017,2018-2020"),
                                 ties=read_ties(EXAMPLES / "partner_ties.csv"))
    pd.testing.assert_frame_equal(written, library, check_dtype=False)
    line = next(x for x in stdout.splitlines() if "2018-2020" in x and "constraint" in x)
    value = library.loc[library["window"] == "2018-2020", "constraint"]
    assert line.split()[2:4] == ["319", f"{value.mean():.3f}"]


def test_defaults_and_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "伙伴.csv"
    path.write_text("企业编号,伙伴编号,伙伴类型,行业\nF1,P1,高校,教育\nF1,P2,供应商,半导体\n",
                    encoding="gb18030")
    out = tmp_path / "m.csv"
    code, _, error = invoke("portfolio", path, "--out", out)
    assert code == 0, error
    written = pd.read_csv(out)
    assert written.loc[0, "partner_type_blau"] == pytest.approx(0.5)
    assert written.loc[0, "industry_blau"] == pytest.approx(0.5)
    assert set(written["window"]) == {"all"}
    code, _, error = invoke("portfolio", path, "--by", "行业", "--out", out)
    assert code == 0, error
    assert "industry_blau" in pd.read_csv(out).columns


@pytest.mark.parametrize(("content", "args", "message"), [
    ("firm_id,partner_id,start_year\nF1,P1,20l8\n", (),
     "semwb: error: p.csv, row 2, column start_year: '20l8' is not a year"),
    ("firm_id,partner_id,start_year\nF1,P1,2018\n", ("--window", "2020-2018"),
     "semwb: error: --window: '2020-2018' is not a window"),
    ("firm_id,partner_id,start_year\nF1,P1,2018\n", ("--by", "sector"),
     "semwb: error: --by: sector is not a column of p.csv"),
])
def test_user_mistakes_are_semwb_errors(tmp_path: Path, content: str, args: tuple[str, ...],
                                        message: str) -> None:
    (tmp_path / "p.csv").write_text(content, encoding="utf-8")
    code, _, error = invoke("portfolio", tmp_path / "p.csv", *args, "--out", tmp_path / "m.csv")
    assert code == 1
    assert isinstance(error, SemwbError)
    assert str(error).startswith(message.removeprefix("semwb: error: "))
    assert not (tmp_path / "m.csv").exists()


def test_a_user_mistake_is_one_line_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("firm_id,partner_id,start_year\nF1,P1,20l8\n",
                                    encoding="utf-8")
    done = run_semwb("portfolio", tmp_path / "p.csv", "--out", tmp_path / "m.csv")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr == ("semwb: error: p.csv, row 2, column start_year: '20l8' is not a year "
                           "between 1900 and 2100\n")
