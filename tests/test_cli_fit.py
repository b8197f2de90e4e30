"""`semwb fit` and `semwb demo` at the boundary users touch: the installed command."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from semwb.cli import app
from semwb.results import read_results

REFERENCE = Path(__file__).parent / "reference"
CASE = REFERENCE / "mediation_single"


def run_semwb(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False, cwd=cwd,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
             "COLUMNS": "120"},
    )


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with one YAML spec whose data is the mediation fixture."""
    folder = tmp_path_factory.mktemp("project")
    (folder / "models").mkdir()
    shutil.copy(CASE / "data.csv", folder / "alliance.csv")
    syntax = (CASE / "model.lav").read_text(encoding="utf-8")
    (folder / "models" / "med.yaml").write_text(
        "model: med-test\ntitle: {en: Mediation, zh: 中介}\ndata: ../alliance.csv\nsyntax: |\n"
        + "".join(f"  {line}\n" for line in syntax.splitlines()), encoding="utf-8")
    return folder


def test_fit_writes_results_json_as_the_architecture_says(spec_dir: Path, tmp_path: Path) -> None:
    done = run_semwb("fit", str(spec_dir / "models" / "med.yaml"), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    raw = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert {"model", "n_obs", "estimator", "converged", "fit", "parameters", "warnings",
            "provenance"} <= raw.keys()
    assert set(raw["fit"]) >= {"chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                               "rmsea_ci_upper", "srmr", "aic", "bic", "loglik"}
    results = read_results(tmp_path / "o")
    assert (results.model, results.n_obs, results.converged) == ("med-test", 320, True)
    lavaan = json.loads((CASE / "lavaan.json").read_text())
    assert results.fit.chisq == pytest.approx(lavaan["fit"]["chisq"], rel=1e-4)
    ind = next(r for r in results.parameters if r.op == ":=" and r.lhs == "ind")
    ref = next(p for p in lavaan["parameters"] if p["lhs"] == "ind")
    assert (ind.rhs, ind.label) == ("a*b", "ind")
    assert ind.est == pytest.approx(ref["est"], abs=1e-4)
    assert ind.se == pytest.approx(ref["se"], rel=0.01)
    fixed = next(r for r in results.parameters if r.op == "=~" and r.rhs == "ar1")
    assert (fixed.free, fixed.se, fixed.z) == (False, 0.0, None)
    prov = results.provenance
    assert len(prov.spec_sha256 or "") == 64
    assert len(prov.data_sha256 or "") == 64
    assert prov.semopy.startswith("2.3")
    assert prov.python
    assert "χ²(74) = 77.29" in done.stdout
    assert "IOL ← AR" in done.stdout
    assert "ind := a*b" in done.stdout
    assert "CI: 95% Wald CI." in done.stdout  # the interval type is stated
    lines = done.stdout.splitlines()
    assert not [line for line in lines if not line.strip() or line != line.rstrip()]
    assert "p = <" not in done.stdout


def test_fit_engine_semopy_cross_checks_the_core_and_says_so(tmp_path: Path) -> None:
    runs = {}
    for engine in ("semwb", "SemoPy"):  # any case
        done = run_semwb("fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"),
                         "--engine", engine, "--out", str(tmp_path / engine), "--no-bootstrap")
        assert done.returncode == 0, done.stderr
        runs[engine] = read_results(tmp_path / engine)
    core, semopy = runs["semwb"], runs["SemoPy"]
    assert (core.engine, semopy.engine) == ("semwb", "semopy")
    assert semopy.fit.chisq == pytest.approx(core.fit.chisq, rel=1e-3)
    said = "(ML), fitted by the semopy engine"
    assert said in (tmp_path / "SemoPy" / "report.html").read_text(encoding="utf-8")
    assert said not in (tmp_path / "semwb" / "report.html").read_text(encoding="utf-8")


def test_fit_takes_a_lav_file_and_data_option(tmp_path: Path) -> None:
    done = run_semwb("fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"),
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reports" / "model" / "results.json").is_file()


def test_a_fit_note_is_printed_once_as_a_warning_line(tmp_path: Path) -> None:
    """An active inequality's note: one 'warning:' line, not Python's display of the
    SemwbWarning with a line of semwb's source."""
    model = tmp_path / "held.lav"
    model.write_text((REFERENCE / "hs_inequality" / "model.lav").read_text(encoding="utf-8"),
                     encoding="utf-8")
    done = run_semwb("fit", str(model), "--data",
                     str(REFERENCE / "holzinger_swineford" / "data.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SemwbWarning" not in done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("'f > 1.4' (syntax line 6) is active") == 1


@pytest.mark.slow
def test_fit_takes_options_for_a_lav_file(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_missing_fiml"
    done = run_semwb("fit", str(case / "model.lav"), "--data", str(case / "data.csv"),
                     "--missing", "FIML", "--out", str(tmp_path / "f"))  # any case
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "f")
    lavaan = json.loads((case / "lavaan.json").read_text())
    assert (results.missing, results.n_obs) == ("fiml", 320)
    assert results.fit.chisq == pytest.approx(lavaan["fit"]["chisq"], rel=1e-4)


def test_fit_bootstraps_a_fiml_model(tmp_path: Path) -> None:
    case = REFERENCE / "mediation_missing_fiml"
    done = run_semwb("fit", str(case / "model.lav"), "--data", str(case / "data.csv"),
                     "--missing", "fiml", "--bootstrap", "100", "--seed", "4",
                     "--out", str(tmp_path / "f"))
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "f")
    assert results.missing == "fiml"
    assert results.bootstrap is not None
    assert (results.bootstrap.draws, results.bootstrap.succeeded) == (100, 100)


@pytest.mark.parametrize(("args", "message"), [
    (["fit", "nowhere.yaml"], "nowhere.yaml: no such spec file"),
    (["fit", "{models}/med.yaml", "--data", "{models}/none.csv"], "none.csv: no such data file"),
    (["fit", "{lav}"], "no data; add 'data: FILE' to the spec or pass --data FILE"),
    (["fit", "{lav}", "--missing", "pairwise"],
     "--missing must be listwise or fiml; got 'pairwise'."),
    (["fit", "{bad}", "--data", "{data}"], "bad.lav, syntax line 2: 'iol_3' is neither a column"),
    (["fit", "{lav}", "--data", "{data}", "--bootstrap", "500", "--ci", "bca.simple"],
     "The 'ci' option of bootstrap must be one of percentile, bc, bca, montecarlo"),
    (["fit", "{lav}", "--data", "{data}", "--engine", "lisrel"],
     "--engine must be semwb or semopy; got 'lisrel'."),
    (["fit", "{lav}", "--data", "{data}", "--engine", "semopy", "--missing", "fiml",
      "--no-bootstrap"], "engine: semopy fits complete-data models"),
    (["fit", "{lav}", "--data", "{data}", "--lang", "fr"],
     "The report language must be one of en, zh; got 'fr'."),
])
def test_user_errors_exit_1_with_one_line(spec_dir: Path, tmp_path: Path, args: list[str],
                                          message: str) -> None:
    bad = tmp_path / "bad.lav"
    bad.write_text("AR =~ ar1 + ar2 + ar3\nIOL =~ iol1 + iol2 + iol_3\n", encoding="utf-8")
    values = {"models": str(spec_dir / "models"), "lav": str(CASE / "model.lav"),
              "bad": str(bad), "data": str(CASE / "data.csv")}
    done = run_semwb(*[a.format(**values) for a in args], cwd=tmp_path)
    assert done.returncode == 1
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("semwb: error: ")


@pytest.mark.slow
def test_demo_fits_every_spec_in_models(spec_dir: Path, tmp_path: Path) -> None:
    done = run_semwb("demo", "--models", str(spec_dir / "models"), "--out", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    assert read_results(tmp_path / "r" / "med").converged
    assert (tmp_path / "r" / "med" / "report.html").is_file()
    index = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert 'href="med/report.html"' in index
    assert str(tmp_path / "r" / "index.html") in " ".join(done.stdout.split())


@pytest.mark.slow
def test_fit_demo_and_batch_name_folders_alike_and_batch_after_demo_refits_nothing(
        spec_dir: Path, tmp_path: Path) -> None:
    models = str(spec_dir / "models")
    assert run_semwb("demo", "--models", models, "--out", "r", cwd=tmp_path).returncode == 0
    fitted = (tmp_path / "r" / "med" / "results.json").read_bytes()
    done = run_semwb("batch", models, "--out", "r", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    assert "fitted" not in done.stdout
    assert sorted(p.name for p in (tmp_path / "r").iterdir() if p.is_dir()) == ["med"]
    assert (tmp_path / "r" / "med" / "results.json").read_bytes() == fitted
    done = run_semwb("fit", str(spec_dir / "models" / "med.yaml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reports" / "med" / "results.json").is_file()


@pytest.mark.slow
def test_demo_reports_a_failing_spec_and_exits_1(spec_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(spec_dir / "models", models)
    shutil.copy(spec_dir / "alliance.csv", tmp_path / "alliance.csv")
    (models / "broken.yaml").write_text("model: broken\nsyntax: 'F =~ x1 + x2 + x3'\n",
                                        encoding="utf-8")
    done = run_semwb("demo", "--models", str(models), "--out", str(tmp_path / "r"))
    assert done.returncode == 1
    assert "broken.yaml: the spec names no data file" in "".join(done.stdout.split("\n"))
    assert "1 of 2 specs failed: broken." in " ".join(done.stderr.split())
    assert (tmp_path / "r" / "med" / "results.json").is_file()


def test_the_shipped_h1_spec_reverse_codes_through_its_instrument(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    done = run_semwb("fit", str(root / "models" / "routines_learning_ambidexterity.yaml"),
                     "--out", str(tmp_path / "h1"), cwd=root)
    assert done.returncode == 0, done.stderr
    loadings = {r.rhs: r.std_all for r in read_results(tmp_path / "h1").parameters
                if r.op == "=~" and r.lhs == "AR"}
    assert set(loadings) == {"ar1", "ar2", "ar3", "ar4"}
    assert all(v is not None and v > 0.3 for v in loadings.values()), loadings  # ar4 reversed


def test_a_spec_may_ask_for_monte_carlo_intervals_and_no_bootstrap_skips_it(
        spec_dir: Path, tmp_path: Path) -> None:
    spec = (spec_dir / "models" / "med.yaml").read_text(encoding="utf-8")
    (spec_dir / "models" / "mc.yaml").write_text(
        spec.replace("model: med-test", "model: mc-test")
        + "bootstrap: {draws: 1000, ci: montecarlo, seed: 3}\n", encoding="utf-8")
    done = run_semwb("fit", str(spec_dir / "models" / "mc.yaml"), "--out", str(tmp_path / "mc"))
    assert done.returncode == 0, done.stderr
    info = read_results(tmp_path / "mc").bootstrap
    assert info is not None
    assert (info.ci, info.draws, info.seed) == ("montecarlo", 1000, 3)
    done = run_semwb("fit", str(spec_dir / "models" / "mc.yaml"), "--no-bootstrap",
                     "--out", str(tmp_path / "wald"))
    assert done.returncode == 0, done.stderr
    assert read_results(tmp_path / "wald").bootstrap is None


def test_fit_adds_measurement_quality_and_a_report_a_reviewer_can_share(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    done = run_semwb("fit", "models/routines_learning_ambidexterity.yaml", "--bootstrap", "200",
                     "--lang", "zh", "--out", str(tmp_path / "h1"), cwd=root)
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "h1")
    assert set(results.measurement) == {"AR", "IOL", "AI"}
    assert all(0.6 < results.measurement[c]["cr"] < 1 for c in results.measurement)
    assert 0 < results.htmt["AR"]["IOL"] < 0.85
    assert results.quality["harman"]["first_factor_share"] < 0.5
    assert all(1 < d["mean"] < 7 and 0 < d["sd"] < 3
               for d in results.quality["descriptives"].values())
    # paths in a shared report are relative to where the analyst worked, never the home folder
    assert results.provenance.data_path == "surveys/examples/alliance.csv"
    assert results.provenance.spec_path == "models/routines_learning_ambidexterity.yaml"
    html = (tmp_path / "h1" / "report.zh.html").read_text(encoding="utf-8")
    assert "组织间学习" in html
    assert str(root) not in html
    # re-rendered later, the report finds the instrument again through the recorded spec
    done = run_semwb("report", str(tmp_path / "h1"), cwd=root)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "h1" / "report.html").read_text(encoding="utf-8")
    assert "Inter-organizational learning" in html
    assert "Adapted from" in html


def test_a_new_fit_rewrites_the_other_languages_report(spec_dir: Path, tmp_path: Path) -> None:
    spec, out = str(spec_dir / "models" / "med.yaml"), tmp_path / "o"
    assert run_semwb("fit", spec, "--out", str(out), "--lang", "zh").returncode == 0
    (out / "report.zh.html").write_text("from an earlier fit", encoding="utf-8")
    done = run_semwb("fit", spec, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "<h2>分析概要</h2>" in (out / "report.zh.html").read_text(encoding="utf-8")
    assert "report.zh.html" in done.stdout
    assert (out / "report.html").is_file()


def test_fit_takes_an_instrument_and_without_it_calls_a_negative_loading_reverse_worded(
        tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    lav = tmp_path / "ar.lav"
    lav.write_text("AR =~ ar1 + ar2 + ar3 + ar4\nIOL =~ iol1 + iol2 + iol3 + iol4\n",
                   encoding="utf-8")
    data = str(root / "surveys" / "examples" / "alliance.csv")
    done = run_semwb("fit", str(lav), "--data", data, "--out", str(tmp_path / "raw"))
    assert done.returncode == 0, done.stderr
    ar4 = next(r for r in read_results(tmp_path / "raw").parameters if r.rhs == "ar4")
    assert ar4.std_all is not None
    assert ar4.std_all < 0
    html = (tmp_path / "raw" / "report.html").read_text(encoding="utf-8")
    assert "ar4 has a negative standardized loading" in html
    assert "CR and AVE come from the model&#39;s own standardized loadings" in html
    done = run_semwb("fit", str(lav), "--data", data, "--out", str(tmp_path / "inst"),
                     "--instrument", str(root / "surveys" / "alliance_portfolio_innovation.yaml"))
    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "inst")
    ar4 = next(r for r in results.parameters if r.rhs == "ar4")
    assert ar4.std_all is not None
    assert ar4.std_all > 0.3
    assert results.measurement["AR"]["alpha"] is not None


def test_fit_reads_the_named_sheet_of_a_workbook(tmp_path: Path) -> None:
    import pandas as pd

    book = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["codebook"]}).to_excel(writer, sheet_name="readme", index=False)
        pd.read_csv(CASE / "data.csv").to_excel(writer, sheet_name="responses", index=False)
    done = run_semwb("fit", str(CASE / "model.lav"), "--data", str(book), "--sheet", "responses",
                     "--out", str(tmp_path / "x"))
    assert done.returncode == 0, done.stderr
    assert read_results(tmp_path / "x").n_obs == 320
    first = run_semwb("fit", str(CASE / "model.lav"), "--data", str(book), "--out",
                      str(tmp_path / "y"))
    assert first.returncode == 1  # the first sheet holds no model column


def test_a_model_name_that_looks_like_a_path_writes_nothing_outside_the_output_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders are named after the spec file; ``model:`` is only a name, shown as written."""
    project = tmp_path / "a" / "b"
    (project / "models").mkdir(parents=True)
    (project / "xy.csv").write_text("X,Y\n" + "".join(f"{k % 7},{k * 3 % 5}\n"
                                                      for k in range(60)), encoding="utf-8")
    names = {"up": "../../../escaped", "absolute": str(tmp_path / "escaped")}
    for stem, name in names.items():
        (project / "models" / f"{stem}.yaml").write_text(
            f"model: '{name}'\ndata: ../xy.csv\nsyntax: 'Y ~ X'\n", encoding="utf-8")
    before = {p for p in tmp_path.rglob("*") if "reports" not in p.parts}
    monkeypatch.chdir(project)
    fitted = CliRunner().invoke(app, ["fit", "models/absolute.yaml"])
    batch = CliRunner().invoke(app, ["batch", "models", "--out", "reports", "--jobs", "1"])
    assert (fitted.exit_code, batch.exit_code) == (0, 0), fitted.output + batch.output
    assert {p for p in tmp_path.rglob("*") if "reports" not in p.parts} == before
    assert sorted(p.name for p in (project / "reports").iterdir() if p.is_dir()) == [
        "absolute", "up"]
    for stem, name in names.items():
        assert read_results(project / "reports" / stem).model == name


def test_a_new_fit_rewrites_the_tables_of_an_earlier_run(spec_dir: Path, tmp_path: Path) -> None:
    """``semwb report --tables`` wrote Word and Excel tables; a new fit (another CI) must not
    leave them describing the earlier numbers."""
    from semwb.report.writer import tables_of

    spec, out = str(spec_dir / "models" / "med.yaml"), tmp_path / "o"
    assert run_semwb("fit", spec, "--out", str(out)).returncode == 0
    (out / "tables.xlsx").write_bytes(b"from an earlier fit")
    (out / "tables.docx").write_bytes(b"from an earlier fit")
    done = run_semwb("fit", spec, "--out", str(out), "--bootstrap", "100", "--ci", "bca")
    assert done.returncode == 0, done.stderr
    fresh = tables_of(out)
    for fmt in ("xlsx", "docx"):
        assert f"tables.{fmt}" in done.stdout
    workbook = pd.read_excel(out / "tables.xlsx", sheet_name=None, header=None)
    expected = pd.read_excel(io.BytesIO(fresh["xlsx"]), sheet_name=None, header=None)
    assert list(workbook) == list(expected)
    for name, sheet in expected.items():
        pd.testing.assert_frame_equal(workbook[name], sheet)
    assert (out / "tables.docx").read_bytes()[:2] == b"PK"  # a Word file again


@pytest.mark.slow
def test_a_second_demo_reuses_up_to_date_models_and_keeps_other_languages(
        spec_dir: Path, tmp_path: Path) -> None:
    models, out = str(spec_dir / "models"), tmp_path / "r"
    assert run_semwb("demo", "--models", models, "--out", str(out)).returncode == 0
    fitted = (out / "med" / "results.json").read_bytes()
    done = run_semwb("demo", "--models", models, "--out", str(out), "--lang", "zh")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "med up to date" in text
    specs = len(list((spec_dir / "models").glob("*.yaml")))
    assert f"demo: {specs} of {specs} models were up to date" in text
    assert (out / "med" / "results.json").read_bytes() == fitted
    assert "<h2>分析概要</h2>" in (out / "med" / "report.zh.html").read_text(encoding="utf-8")
    done = run_semwb("demo", "--models", models, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "med up to date" in " ".join(done.stdout.split())
    assert {p.name for p in (out / "med").glob("report*.html")} == {"report.html",
                                                                   "report.zh.html"}
