"""`semwb portfolio` as a user runs it."""

from __future__ import annotations

import json
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


def test_the_shipped_inverted_u_fits_from_the_partner_list_end_to_end(tmp_path: Path) -> None:
    """`semwb fit` of the demo's H6 spec: measures from partners.csv, joined by rid, the curve.

    The same run as `make demo` for this spec (semwb demo fits each spec in models/ this way).
    """
    out = tmp_path / "h6"
    done = run_semwb("fit", REPO / "models" / "partner_portfolio_inverted_u.yaml", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "4 firm(s) of the survey are not in the partner list (rows kept, measures missing): " \
           "R0005, R0023, R0195, R0202" in " ".join(done.stdout.split())
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    block = saved["portfolio"]
    assert (block["partners"], block["window"]) == ("surveys/examples/partners.csv", "2018-2020")
    assert block["missing_responses"] == ["X001", "X002", "X003"]
    assert block["no_partners"] == []
    blau = next(m for m in block["measures"] if m["measure"] == "partner_type_blau")
    assert blau["n"] == 319
    assert saved["n_obs"] == 314            # 316 matched firms less 2 with a missing answer
    (curve,) = saved["conditional"]["curves"]
    assert curve["predictor"] == "partner_type_blau"
    verdict = curve["at"][0]
    assert verdict["verdict"]["supported"]
    assert verdict["u_test"]["slope_low"] > 0 > verdict["u_test"]["slope_high"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="portfolio">' in html
    assert "1 − Σ p_k²" in html
    assert "Blau (1977)" in html
    assert "empty (NaN, never 0)" in html
    code, _, error = invoke("report", out, "--lang", "zh")
    assert code == 0, error
    chinese = (out / "report.zh.html").read_text(encoding="utf-8")
    assert "联盟组合测量" in chinese
    assert "伙伴两两之间 1 − cos(g_i, g_j) 的均值" in chinese
    assert "有 ≥ 2 次联盟的伙伴占比" in chinese
    assert "4 家问卷企业没有伙伴数据（保留，指标缺失）：R0005, R0023, R0195, R0202" in chinese


def test_odd_lists_give_a_message_or_a_named_value(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("firm_id,partner_id,partner_type,start_year\nF1,P1,a,2018\n"
                                    "F2,P2,b,2019\nF2,P3,c,2019\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("partner_a,partner_b\nP2,P3\nP1,ZZ\n", encoding="utf-8")
    code, stdout, error = invoke("portfolio", tmp_path / "p.csv", "--window", "2010-2012,2018",
                                 "--ties", tmp_path / "t.csv", "--out", tmp_path / "m.csv")
    assert code == 0, error
    text = " ".join(stdout.split())
    assert "warning: t.csv: 1 tie(s) name a partner that is not in p.csv" in text
    assert "(row 3: ZZ)" in text
    assert "warning: 2 firm(s) had no alliance active in window 2010-2012: n_partners 0 and " \
           "every other measure empty (not 0)" in text
    assert "warning: 1 firm(s) had no alliance active in window 2018:" in text   # F2: 2019
    written = pd.read_csv(tmp_path / "m.csv", dtype={"window": str}).set_index(
        ["window", "firm_id"])
    assert written.loc[("2010-2012", "F1"), "n_partners"] == 0
    assert written.loc[("2010-2012", "F1"), ["partner_type_blau", "constraint"]].isna().all()
    assert written.loc[("2018", "F1"), "constraint"] == 1.0    # one partner


@pytest.mark.parametrize(("content", "message"), [
    ("", "p.csv: the partner list is empty; give a header row and one row per focal firm x "
         "partner."),
    ("firm_id,partner_id\n", "p.csv: the partner list has a header but no rows"),
    ("firm_id,partner_id,start_year\nF1,P1,2018\nF1,P1,2018\n",
     "p.csv, rows 2, 3: the same alliance (firm_id, partner_id, start_year) is listed more than "
     "once"),
])
def test_empty_and_repeated_lists_are_one_line_errors(tmp_path: Path, content: str,
                                                      message: str) -> None:
    (tmp_path / "p.csv").write_text(content, encoding="utf-8")
    code, _, error = invoke("portfolio", tmp_path / "p.csv", "--out", tmp_path / "m.csv")
    assert code == 1
    assert isinstance(error, SemwbError)
    assert str(error).startswith(message)


@pytest.mark.parametrize(("partners", "window", "message"), [
    (EXAMPLES / "partners.csv", "1990-1991", "No firm of the survey had an alliance active in "
                                             "window 1990-1991"),
    (None, "2018-2020", "None of the 320 firm ids in column rid of the survey (e.g. R0001, "
                        "R0002, R0003) is in the partner list (e.g. F1, F2)"),
])
def test_a_spec_whose_measures_cannot_be_used_is_refused(tmp_path: Path, partners: Path | None,
                                                         window: str, message: str) -> None:
    if partners is None:
        partners = tmp_path / "p.csv"
        partners.write_text("firm_id,partner_id,partner_type,start_year\nF1,P1,a,2018\n"
                            "F2,P2,b,2019\n", encoding="utf-8")
    spec = tmp_path / "h6.yaml"
    spec.write_text(f"model: h6\ndata: {(EXAMPLES / 'alliance.csv').as_posix()}\nportfolio:\n"
                    f"  partners: {partners.as_posix()}\n  firm_id: rid\n  window: {window}\n"
                    "syntax: bri1 ~ partner_type_blau + I(partner_type_blau^2)\n",
                    encoding="utf-8")
    code, _, error = invoke("fit", spec, "--out", tmp_path / "out")
    assert code == 1
    assert isinstance(error, SemwbError)
    assert str(error).startswith(f"{spec}, key 'portfolio' (firm_id: rid): ")
    assert message in str(error)


def _spec(tmp_path: Path, portfolio: str, syntax: str) -> Path:
    spec = tmp_path / "pd.yaml"
    spec.write_text(f"model: pd\ndata: {(EXAMPLES / 'alliance.csv').as_posix()}\nportfolio:\n"
                    f"  partners: {(EXAMPLES / 'partners.csv').as_posix()}\n  firm_id: rid\n"
                    f"  window: 2018-2020\n{portfolio}syntax: |\n  {syntax}\n", encoding="utf-8")
    return spec


def test_a_measure_takes_the_name_the_hypothesis_uses(tmp_path: Path) -> None:
    """`names: {partner_type_blau: PD}`: the syntax writes PD, its square and its moderation."""
    spec = _spec(tmp_path, "  names: {partner_type_blau: PD}\n",
                 "bri1 ~ PD + I(PD^2) + turb1 + PD:turb1")
    code, _, error = invoke("fit", spec, "--out", tmp_path / "out")
    assert code == 0, error
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert {"PD", "I(PD^2)", "PD:turb1"} <= {p["rhs"] for p in saved["parameters"]}
    (row,) = [m for m in saved["portfolio"]["measures"] if m["as"] is not None]
    assert (row["measure"], row["as"], row["n"]) == ("partner_type_blau", "PD", 319)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<code>partner_type_blau</code> → <code>PD</code>" in html
    plain = _spec(tmp_path, "", "bri1 ~ partner_type_blau + I(partner_type_blau^2) + turb1 + "
                                "partner_type_blau:turb1")
    code, _, error = invoke("fit", plain, "--out", tmp_path / "plain")
    assert code == 0, error
    unnamed = json.loads((tmp_path / "plain" / "results.json").read_text(encoding="utf-8"))
    assert saved["n_obs"] == unnamed["n_obs"]
    renamed = {p["rhs"].replace("PD", "partner_type_blau"): p["est"] for p in saved["parameters"]
               if p["op"] == "~"}
    assert renamed == {p["rhs"]: p["est"] for p in unnamed["parameters"] if p["op"] == "~"}


@pytest.mark.parametrize(("names", "message"), [
    ("{partner_blau: PD}", "key 'portfolio.names': partner_blau is not a measure of this block; "
                           "its measures are n_partners, n_alliances, repeat_share, "
                           "partner_type_blau"),
    ("{partner_type_blau: P D}", "'portfolio.names' names 'P D' cannot be used in lavaan "
                                 "syntax"),
    ("{partner_type_blau: PD, partner_type_entropy: PD}", "names 'PD' are given to several "
                                                          "measures"),
    ("{partner_type_blau: age}", "already have column(s) age"),
])
def test_bad_names_are_refused(tmp_path: Path, names: str, message: str) -> None:
    spec = _spec(tmp_path, f"  names: {names}\n", "bri1 ~ PD")
    code, _, error = invoke("fit", spec, "--out", tmp_path / "out")
    assert code == 1
    assert isinstance(error, SemwbError)
    assert message in str(error)


def test_a_window_past_the_data_is_computed_with_a_warning(tmp_path: Path) -> None:
    """Start years end in 2020: a 2030-2031 window holds only the alliances still running."""
    out = tmp_path / "m.csv"
    code, stdout, error = invoke("portfolio", EXAMPLES / "partners.csv", "--window",
                                 "2018-2020,2030-2031", "--out", out)
    assert code == 0, error
    last = int(read_partners(EXAMPLES / "partners.csv").data["start_year"].max())
    assert last < 2030
    text = " ".join(stdout.split())
    assert (f"warning: window 2030-2031 starts after the last start year in partners.csv "
            f"({last})") in text
    assert "window 2018-2020 starts" not in text


def test_a_chinese_report_words_the_unmatched_firms_and_exclusions_in_chinese(
        tmp_path: Path) -> None:
    """Firms missing from the partner list and rows left out (listwise) reach the zh report in
    Chinese; the English sentences stay in results.json and the terminal."""
    spec = _spec(tmp_path, "", "bri1 ~ partner_type_blau + turb1")
    code, _, error = invoke("fit", spec, "--out", tmp_path / "out", "--lang", "zh")
    assert code == 0, error
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert saved["n_excluded"] > 0
    assert {e["code"] for e in saved["exclusions"]} == {"missing_listwise"}
    assert any("of the survey are not in the partner list" in w for w in saved["warnings"])
    html = (tmp_path / "out" / "report.zh.html").read_text(encoding="utf-8")
    for english in ("are not in the partner list", "missing value in a model column"):
        assert english not in html
    assert "模型变量存在缺失值（成列删除）" in html
    assert "家问卷企业没有伙伴数据" in html.split('id="warnings"')[-1]
