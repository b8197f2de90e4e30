"""The real adapter (``semwb.web.analysis``) over the survey side, alone and through the pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Web, make_settings

from semwb.errors import InstrumentError, OptionError, ResponseDataError, SpecError
from semwb.results import read_results
from semwb.web import analysis
from semwb.web.app import create_app
from semwb.web.auth import add_user
from semwb.web.store import Store

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = ROOT / "surveys" / "alliance_portfolio_innovation.yaml"
DATA = ROOT / "surveys" / "examples" / "alliance.csv"


def with_bad_cell(target: Path, *, line: int, column: str, value: str) -> Path:
    """Copy the example data with one cell replaced (``line`` counts the header as 1)."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_instrument_summary_lists_constructs_items_and_reverse_flags(tmp_path: Path) -> None:
    stored = shutil.copy(INSTRUMENT, tmp_path / "0f0f.yaml")
    summary = analysis.check_instrument(Path(stored), display_name="study.yaml")
    ar = next(c for c in summary["constructs"] if c["id"] == "AR")
    assert [i["id"] for i in ar["items"]] == ["ar1", "ar2", "ar3", "ar4"]
    assert [i["reverse"] for i in ar["items"]] == [False, False, False, True]
    assert summary["scale"] == "1-7"


def test_errors_name_the_uploaded_file_not_the_stored_one(tmp_path: Path) -> None:
    bad = tmp_path / "9a9a9a.yaml"
    bad.write_text("instrument: x\nrevers: true\n", encoding="utf-8")
    expected = r"my study\.yaml, line 2: unknown key 'revers'"
    with pytest.raises(InstrumentError, match=expected) as err:
        analysis.check_instrument(bad, display_name="my study.yaml")
    assert "9a9a9a" not in str(err.value)
    data = with_bad_cell(tmp_path / "7b7b7b.csv", line=6, column="ar2", value="9")
    with pytest.raises(ResponseDataError,
                       match=r"wave 1\.csv, row 6, column ar2: '9'") as bad_cell:
        analysis.check_responses(data, display_name="wave 1.csv", instrument_path=INSTRUMENT,
                                 instrument_name="study.yaml")
    assert "7b7b7b" not in str(bad_cell.value)


def test_response_summary_counts_respondents() -> None:
    summary = analysis.check_responses(DATA, display_name="alliance.csv",
                                       instrument_path=INSTRUMENT, instrument_name="i.yaml")
    assert summary["rows"] == len(DATA.read_text(encoding="utf-8").splitlines()) - 1
    assert "ar1" in summary["columns"]


def test_syntax_is_checked_alone_and_against_the_data(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"model m, syntax line 2: an empty term after '~'"):
        analysis.check_syntax("AR =~ ar1 + ar2\nIOL ~ a*AR +\n", name="m")
    stored = Path(shutil.copy(DATA, tmp_path / "5c5c.csv"))
    with pytest.raises(SpecError, match=r"line 1: 'ar9' is neither a column of wave 1\.csv"):
        analysis.check_syntax("AR =~ ar1 + ar2 + ar9", name="m", responses_path=stored,
                              responses_name="wave 1.csv", instrument_path=INSTRUMENT,
                              instrument_name="i.yaml")
    analysis.check_syntax("AR =~ ar1 + ar2 + ar3", name="m", responses_path=stored,
                          responses_name="wave 1.csv", instrument_path=INSTRUMENT,
                          instrument_name="i.yaml")
    # Product terms are made from the data before the check, as the run makes them.
    analysis.check_syntax("ar1 ~ ar2 + ar3 + ar2:ar3 + I(ar2^2)", name="m",
                          responses_path=stored, responses_name="wave 1.csv",
                          instrument_path=INSTRUMENT, instrument_name="i.yaml")


def test_a_stored_specs_hypotheses_are_checked_at_save_as_the_run_checks_them(
        tmp_path: Path) -> None:
    """An edit that renames the label a hypothesis tests is refused at Save with the message the
    run gives, with or without response data; the syntax as shipped passes."""
    starter = next(s for s in analysis.starter_specs(ROOT / "models")
                   if s["name"] == "routines-learning-ambidexterity")
    hypotheses = starter["spec"]["hypotheses"]
    edited = re.sub(r"\ba\*", "a1*", starter["syntax"])  # IOL ~ a1*AR; ind := a1*b
    stored = Path(shutil.copy(DATA, tmp_path / "5c5c.csv"))
    data: dict[str, Any] = {"responses_path": stored, "responses_name": "wave 1.csv",
                            "instrument_path": INSTRUMENT, "instrument_name": "i.yaml"}
    analysis.check_syntax(starter["syntax"], name="m", hypotheses=hypotheses, **data)
    with pytest.raises(SpecError) as alone:
        analysis.check_syntax(edited, name="m", hypotheses=hypotheses)
    with pytest.raises(SpecError) as with_data:
        analysis.check_syntax(edited, name="m", hypotheses=hypotheses, **data)
    options = analysis.check_run_options(edited, name="m", draws=0, ci="percentile", level=0.95,
                                         seed=None, lang="en", spec=starter["spec"])
    job = analysis.RunJob(run_id="r", model_name="m", syntax=edited,
                          instrument_path=INSTRUMENT, instrument_name="i.yaml",
                          responses_path=stored, responses_name="wave 1.csv",
                          out_dir=tmp_path / "out", options=options)
    with pytest.raises(SpecError) as run:
        analysis.run_job(job, lambda fraction, message: None)
    assert str(run.value) == ("model m, hypotheses.0.effect (H1a): 'a' is neither a := effect "
                              "nor a regression label of the model (did you mean 'a1'?); they "
                              "are: ind, total, a1, b, cp.")
    assert str(alone.value) == str(with_data.value) == str(run.value)


def test_run_options_are_checked_by_the_spec(tmp_path: Path) -> None:
    syntax = "AR =~ ar1 + ar2 + ar3"
    with pytest.raises(SpecError, match=r"'bootstrap.draws' .* 100; got 10"):
        analysis.check_run_options(syntax, name="m", draws=10, ci="percentile", level=0.95,
                                   seed=1, lang="en")
    with pytest.raises(SpecError, match=r"bootstrap.ci"):
        analysis.check_run_options(syntax, name="m", draws=200, ci="normal", level=0.95,
                                   seed=1, lang="en")
    with pytest.raises(OptionError, match="report language"):
        analysis.check_run_options(syntax, name="m", draws=0, ci="percentile", level=0.95,
                                   seed=None, lang="fr")
    assert analysis.check_run_options(syntax, name="m", draws=0, ci="bc", level=0.9, seed=None,
                                      lang="zh")["lang"] == "zh"
    assert analysis.check_run_options(syntax, name="m", draws=500, ci="percentile", level=0.95,
                                      seed=1, lang="en", missing="fiml")["missing"] == "fiml"
    with pytest.raises(SpecError, match=r"'missing' input should be 'listwise' or 'fiml'"):
        analysis.check_run_options(syntax, name="m", draws=0, ci="percentile", level=0.95,
                                   seed=1, lang="en", missing="pairwise")
    assert analysis.check_run_options(syntax, name="m", draws=0, ci="percentile", level=0.95,
                                      seed=1, lang="en", missing="fiml")["missing"] == "fiml"
    assert analysis.check_run_options(syntax, name="m", draws=0, ci="percentile", level=0.95,
                                      seed=1, lang="en", estimator="MLR")["estimator"] == "MLR"
    with pytest.raises(SpecError, match="'estimator: MLR' cannot be combined with a bootstrap"):
        analysis.check_run_options(syntax, name="m", draws=500, ci="percentile", level=0.95,
                                   seed=1, lang="en", estimator="MLR")
    assert analysis.check_run_options(syntax, name="m", draws=500, ci="percentile", level=0.95,
                                      seed=1, lang="en", group="own")["group"] == "own"
    assert analysis.check_run_options(syntax, name="m", draws=0, ci="percentile", level=0.95,
                                      seed=1, lang="en", group="own")["group"] == "own"


def test_run_options_refuse_imputation_and_prediction_as_fit_does() -> None:
    syntax = "AR =~ ar1 + ar2 + ar3\nIOL =~ iol1 + iol2 + iol3\nIOL ~ AR\n"

    def check(**options: Any) -> dict[str, Any]:
        return analysis.check_run_options(syntax, name="m", ci="percentile", level=0.95,
                                          seed=1, lang="en", draws=0, **options)

    got = check(imputations=20, predict=True, folds=5)
    assert (got["imputation"], got["prediction"]) == ({"m": 20}, {"folds": 5})
    assert "imputation" not in check(predict=False, folds=5)
    with pytest.raises(OptionError, match=r"^model m: multiple imputation \(imputation:\) "
                                          r"pools one-group fits; remove 'group:'\.$"):
        check(imputations=3, group="own")
    with pytest.raises(OptionError, match=r"model m: multiple imputation \(imputation:\) pools "
                                          r"ML fits of continuous items"):
        check(imputations=3, estimator="WLSMV", ordered="all")
    with pytest.raises(SpecError, match=r"'imputation.m' .*greater than or equal to 2"):
        check(imputations=1)
    with pytest.raises(SpecError, match=r"'prediction.folds' .*greater than or equal to 2"):
        check(predict=True, folds=1)
    with pytest.raises(OptionError, match=r"prediction needs a regression \(~\)"):
        analysis.check_run_options("AR =~ ar1 + ar2 + ar3", name="m", ci="percentile",
                                   level=0.95, seed=1, lang="en", draws=0, predict=True)


def test_run_options_fit_ordered_items_by_wlsmv() -> None:
    syntax = "AR =~ ar1 + ar2 + ar3"

    def check(**options: Any) -> dict[str, Any]:
        return analysis.check_run_options(syntax, name="m", ci="percentile", level=0.95,
                                          seed=1, lang="en", **{"draws": 0, **options})

    assert check(estimator="WLSMV", ordered=" all ")["ordered"] == "all"
    assert check(estimator="WLSMV", ordered="ar1, ar2,")["ordered"] == ["ar1", "ar2"]
    assert check(ordered=" ")["ordered"] is None
    with pytest.raises(OptionError, match="Ordered items are fitted by WLSMV: choose the "):
        check(ordered="all")
    with pytest.raises(SpecError, match="ordered item 'ar9' is not an observed variable"):
        check(estimator="WLSMV", ordered="ar1, ar9")
    assert check(estimator="WLSMV", ordered="all", draws=500)["ordered"] == "all"
    with pytest.raises(SpecError, match="'ci: bca' is not available for a WLSMV bootstrap"):
        analysis.check_run_options(syntax, name="m", draws=500, ci="bca", level=0.95, seed=1,
                                   lang="en", estimator="WLSMV", ordered="all")


@pytest.fixture
def real(data_dir: Path) -> Web:
    add_user(Store(data_dir), "ann", PASSWORD)
    app = create_app(make_settings(data_dir, analysis="semwb.web.analysis",
                                   max_upload_bytes=5_000_000),
                     executor=ThreadPoolExecutor(max_workers=1))
    client = TestClient(app, base_url="http://127.0.0.1")
    web = Web(client)
    web.sign_in("ann")
    return web


def test_pages_show_the_survey_sides_messages_escaped(real: Web, tmp_path: Path) -> None:
    project = real.new_project()
    text = INSTRUMENT.read_text(encoding="utf-8")
    original = '"We and our partners follow shared procedures for joint work."'
    assert original in text
    hostile = text.replace(original, '"<script>alert(1)</script>"', 1)
    assert real.upload(project, "instrument", "study.yaml", hostile.encode()).status_code == 303
    page = real.client.get(f"/projects/{project}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    bad = with_bad_cell(tmp_path / "x.csv", line=6, column="ar2", value="9").read_bytes()
    real.upload(project, "responses", "wave1.csv", bad)
    page = real.client.get(f"/projects/{project}").text
    assert "wave1.csv, row 6, column ar2: &#39;9&#39; is outside the instrument&#39;s scale" in page
    real.upload(project, "responses", "wave1-fixed.csv", DATA.read_bytes())
    page = real.client.get(f"/projects/{project}").text
    stored = real.client.app.state.store.projects.files(project, "responses")[0]
    assert stored.summary["warnings"]
    assert "wave1-fixed.csv: " in page
    assert stored.stored_name not in page
    assert f"{len(DATA.read_text(encoding='utf-8').splitlines()) - 1} respondents" in page


@pytest.mark.slow
def test_run_job_writes_the_three_outputs_naming_the_uploaded_file(tmp_path: Path) -> None:
    stored = Path(shutil.copy(DATA, tmp_path / "3d3d.csv"))
    job = analysis.RunJob(
        run_id="r", model_name="cfa", syntax="AR =~ ar1 + ar2 + ar3\nIOL =~ iol1 + iol2 + iol3\n",
        instrument_path=INSTRUMENT, instrument_name="study.yaml", responses_path=stored,
        responses_name="wave 1.csv", out_dir=tmp_path / "out",
        options={"draws": 0, "ci": "percentile", "level": 0.95, "seed": None, "lang": "zh"})
    steps: list[float] = []
    analysis.run_job(job, lambda fraction, message: steps.append(fraction))
    assert steps[0] == 0.0
    assert steps[-1] == 1.0
    assert sorted(p.name for p in job.out_dir.iterdir()) == sorted(analysis.OUTPUTS)
    results = (job.out_dir / "results.json").read_text(encoding="utf-8")
    assert '"data_path": "wave 1.csv"' in results
    assert "3d3d" not in results
    assert "3d3d" not in (job.out_dir / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh' in (job.out_dir / "report.html").read_text(encoding="utf-8")
    assert (job.out_dir / "scores.csv").read_text(encoding="utf-8").startswith("row,respondent,")
    bad = analysis.RunJob(**{**job.__dict__, "syntax": "AR =~ ar1 + ar2 + arr3",
                             "out_dir": tmp_path / "bad"})
    with pytest.raises(SpecError, match=r"'arr3' is neither a column of wave 1\.csv") as err:
        analysis.run_job(bad, lambda fraction, message: None)
    assert "3d3d" not in str(err.value)


def test_the_server_process_never_imports_semopy(tmp_path: Path) -> None:
    """Pages and checks run in the server; only the run workers fit models (through sem/)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from semwb.web import analysis\n"
        "from semwb.web.app import Settings, create_app\n"
        f"create_app(Settings(data_dir=Path({str(tmp_path)!r})))\n"
        "analysis.starter_specs(Path('models'))\n"
        "analysis.check_syntax('AR =~ ar1 + ar2 + ar3', name='m', "
        f"responses_path=Path({str(DATA)!r}), responses_name='a.csv', "
        f"instrument_path=Path({str(INSTRUMENT)!r}), instrument_name='i.yaml')\n"
        "print('semopy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "False"


def test_excel_sheet_is_kept_for_later_checks(tmp_path: Path) -> None:
    import pandas as pd

    workbook = tmp_path / "1e1e.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="About", index=False)
        pd.read_csv(DATA).to_excel(writer, sheet_name="wave1", index=False)
    summary = analysis.check_responses(workbook, display_name="wave1.xlsx", sheet="wave1",
                                       instrument_path=INSTRUMENT, instrument_name="i.yaml")
    assert summary["sheet"] == "wave1"
    assert summary["rows"] == len(pd.read_csv(DATA))
    with pytest.raises(ResponseDataError, match=r"wave1\.xlsx"):
        analysis.check_responses(workbook, display_name="wave1.xlsx", instrument_path=INSTRUMENT,
                                 instrument_name="i.yaml")
    analysis.check_syntax("AR =~ ar1 + ar2 + ar3", name="m", responses_path=workbook,
                          responses_name="wave1.xlsx", instrument_path=INSTRUMENT,
                          instrument_name="i.yaml", sheet="wave1")


@pytest.mark.slow
def test_a_web_run_can_compare_groups(tmp_path: Path) -> None:
    job = analysis.RunJob(
        run_id="g", model_name="cfa", syntax="AR =~ ar1 + ar2 + ar3 + ar4\n",
        instrument_path=INSTRUMENT, instrument_name="study.yaml", responses_path=DATA,
        responses_name="wave 1.csv", out_dir=tmp_path / "out",
        options={"draws": 0, "ci": "percentile", "level": 0.95, "seed": None, "lang": "en",
                 "missing": "listwise", "group": "own"})
    analysis.run_job(job, lambda fraction, message: None)
    results = read_results(job.out_dir)
    groups = {row.group for row in results.parameters if row.op == "=~"}
    assert groups == {"1", "2", "3"}
    assert results.fit.df == 3 * 2  # 4 items: 14 moments, 12 parameters per group


@pytest.mark.slow
def test_a_web_run_can_use_fiml(tmp_path: Path) -> None:
    job = analysis.RunJob(
        run_id="f", model_name="cfa", syntax="AR =~ ar1 + ar2 + ar3 + ar4\n",
        instrument_path=INSTRUMENT, instrument_name="study.yaml", responses_path=DATA,
        responses_name="wave 1.csv", out_dir=tmp_path / "out",
        options={"draws": 0, "ci": "percentile", "level": 0.95, "seed": None, "lang": "en",
                 "missing": "fiml"})
    analysis.run_job(job, lambda fraction, message: None)
    results = read_results(job.out_dir)
    assert results.missing == "fiml"
    assert results.n_obs == len(DATA.read_text(encoding="utf-8").splitlines()) - 1


@pytest.mark.slow
def test_a_web_run_can_fit_ordinal_items_by_wlsmv(tmp_path: Path) -> None:
    options = analysis.check_run_options(
        "AR =~ ar1 + ar2 + ar3 + ar4\n", name="cfa", draws=0, ci="percentile", level=0.95,
        seed=None, lang="en", estimator="WLSMV", ordered="all")
    job = analysis.RunJob(
        run_id="w", model_name="cfa", syntax="AR =~ ar1 + ar2 + ar3 + ar4\n",
        instrument_path=INSTRUMENT, instrument_name="study.yaml", responses_path=DATA,
        responses_name="wave 1.csv", out_dir=tmp_path / "out", options=options)
    analysis.run_job(job, lambda fraction, message: None)
    results = read_results(job.out_dir)
    assert results.estimator == "WLSMV"
    assert sum(row.op == "|" for row in results.parameters) >= 4  # thresholds of each item
    assert results.fit.chisq_scaled is not None
    assert "WLSMV" in (job.out_dir / "report.html").read_text(encoding="utf-8")
