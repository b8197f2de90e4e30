"""WLSMV through the library boundary: a YAML spec with ``ordered:`` run by ``run_analysis``,
written to results.json and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import run_semwb
from semwb.pipeline import read_data, run_analysis, write_results
from semwb.results import read_results
from semwb.sem.spec import load_spec

CASE = Path(__file__).parent / "reference" / "ordinal_mediation"


def _spec(tmp_path: Path, ordered: str = "all") -> Path:
    syntax = (CASE / "model.lav").read_text(encoding="utf-8")
    path = tmp_path / "ordinal.yaml"
    indented = "".join(f"  {line}\n" for line in syntax.splitlines())
    path.write_text(f"model: ordinal\nordered: {ordered}\nsyntax: |\n{indented}",
                    encoding="utf-8")
    return path


def test_run_analysis_fits_ordered_items_by_wlsmv(tmp_path: Path) -> None:
    ref = json.loads((CASE / "lavaan.json").read_text())
    spec = load_spec(_spec(tmp_path))
    results = run_analysis(spec, read_data(CASE / "data.csv"), data_path=CASE / "data.csv")
    assert results.estimator == "WLSMV"
    assert results.fit.chisq_scaled == pytest.approx(ref["fit"]["chisq_scaled"], rel=1e-6)
    assert results.fit.cfi_scaled == pytest.approx(ref["fit"]["cfi_scaled"], abs=1e-6)
    assert results.fit.rmsea_scaled == pytest.approx(ref["fit"]["rmsea_scaled"], abs=1e-6)
    thresholds = [r for r in results.parameters if r.op == "|"]
    assert len(thresholds) == 14 * 4
    ind = next(r for r in results.parameters if r.op == ":=" and r.lhs == "ind")
    want = next(r for r in ref["parameters"] if r["lhs"] == "ind")
    assert ind.est == pytest.approx(want["est"], abs=1e-5)
    assert ind.se == pytest.approx(want["se"], rel=1e-5)
    path = write_results(results, tmp_path / "out")
    assert read_results(path) == results
    assert json.loads(path.read_text(encoding="utf-8"))["fit"]["df_scaled"] == 74


def test_semwb_fit_reports_the_scaled_test(tmp_path: Path) -> None:
    done = run_semwb(
        "fit", str(CASE / "model.lav"), "--data", str(CASE / "data.csv"), "--ordered", "all",
        "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert ("WLSMV: scaled χ²(74) = 85.19, p = 0.176 (scaling factor 0.808); robust CFI 0.994, "
            "TLI 0.993, RMSEA 0.022 [0.000, 0.046]") in done.stdout
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "statistic of the WLSMV estimator, the one to report" in html
    assert "judge fit by the robust CFI, TLI and RMSEA (Savalei, 2021" in html
    # judged: lavaan's rmsea.robust with its interval; the scaled one listed beside it
    assert 'RMSEA (robust)</td><td class="num">.022 [.000, .046]' in html
    assert 'RMSEA (scaled)</td><td class="num">.022 [.000, .040]' in html
