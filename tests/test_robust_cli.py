"""`estimator: MLR` / `--estimator` at the boundary users touch: the command, results.json,
the report, the summary and the index's model comparison."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from semwb.pipeline import run_analysis
from semwb.report import render_index
from semwb.report.index import compare_nested
from semwb.results import read_results
from semwb.sem.spec import spec_from_syntax

REFERENCE = Path(__file__).parent / "reference"
CASE = REFERENCE / "mediation_single"
LAVAAN = json.loads((REFERENCE / "mediation_mlr" / "lavaan.json").read_text())


def run_semwb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
             "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`semwb fit` of a YAML spec with `estimator: MLR`."""
    folder = tmp_path_factory.mktemp("mlr")
    shutil.copy(CASE / "data.csv", folder / "alliance.csv")
    syntax = (CASE / "model.lav").read_text(encoding="utf-8")
    spec = folder / "med.yaml"
    spec.write_text("model: med-mlr\ndata: alliance.csv\nestimator: MLR\nsyntax: |\n"
                    + "".join(f"  {line}\n" for line in syntax.splitlines()), encoding="utf-8")
    done = run_semwb("fit", str(spec), "--out", str(folder / "out"))
    return folder / "out", done


def test_results_json_carries_the_estimator_and_lavaans_robust_numbers(
        fitted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = fitted
    assert done.returncode == 0, done.stderr
    results = read_results(out)
    assert results.estimator == "MLR"
    for key in ("chisq_scaled", "chisq_scaling_factor", "cfi_robust", "rmsea_robust"):
        assert getattr(results.fit, key) == pytest.approx(LAVAAN["fit"][key], rel=1e-5), key
    ind = next(r for r in results.parameters if r.op == ":=" and r.lhs == "ind")
    ref = next(p for p in LAVAAN["parameters"] if p["lhs"] == "ind")
    assert ind.se == pytest.approx(ref["se"], rel=1e-4)
    assert "MLR: scaled χ²(74) = 77.65" in done.stdout
    assert "Scaling correction factor" in results.summary()


def test_the_report_shows_scaled_and_robust_fit_and_names_the_estimator(
        fitted: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = fitted
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Structural paths (MLR)</h2>" in html
    assert "χ² scaled (Yuan-Bentler)" in html
    robust_cfi = f"{LAVAAN['fit']['cfi_robust']:.3f}".lstrip("0")  # APA: no leading zero
    assert f'CFI (robust)</td><td class="num">{robust_cfi}</td>' in html
    assert "77.65 (74), <i>p</i> = .363" in html
    assert "CFI (scaled)" in html
    assert "Judge fit by the robust CFI, TLI and RMSEA" in html
    assert "robust (sandwich) standard errors (MLR)" in html


def test_estimator_option_of_a_lav_file_and_its_refusals(tmp_path: Path) -> None:
    done = run_semwb("fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"),
                     "--estimator", "mlm", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert read_results(tmp_path / "o").estimator == "MLM"
    done = run_semwb("fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"),
                     "--estimator", "mlm", "--missing", "fiml", "--out", str(tmp_path / "p"))
    assert done.returncode == 1
    assert "'estimator: MLM' needs complete data" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_index_compares_robust_fits_by_the_scaled_difference() -> None:
    expected = json.loads((REFERENCE / "robust_difference" / "lavaan_difference.json")
                          .read_text())["comparisons"][0]["satorra_bentler_2001"]
    data = pd.read_csv(REFERENCE / "holzinger_swineford" / "data.csv")
    syntax = (REFERENCE / "hs_orthogonal" / "model.lav").read_text()
    general = run_analysis(spec_from_syntax(syntax, name="hs", estimator="MLR",
                                            defaults="cfa"), data)
    restricted = run_analysis(spec_from_syntax(syntax, name="hs-orth", estimator="MLR",
                                               defaults="cfa", orthogonal=True), data)
    c = compare_nested(restricted, general, lang="en")
    assert c.delta_chisq == pytest.approx(expected["chisq_diff"], rel=1e-5)
    assert c.pvalue == pytest.approx(expected["pvalue"], rel=1e-4)
    assert (c.method, c.note) == ("Satorra-Bentler 2001", "")
    html = render_index([general, restricted.model_copy(update={"nested_in": ["hs"]})],
                        lang="en")
    robust_cfi = f"{general.fit.cfi_robust:.3f}".lstrip("0")
    assert f'<td class="num">{robust_cfi}</td>' in html
    assert f'<td class="num">{general.fit.cfi:.3f}'.replace("0.", ".") + "</td>" not in html
    assert "robust (MLR/MLM): CFI, TLI, RMSEA" in html
    assert "(Satorra-Bentler 2001)" in html
