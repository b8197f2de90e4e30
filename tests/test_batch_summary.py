"""The batch summary (terminal table and plain lines) shows the fit values each report judges."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from report_support import mediation_results
from semwb.batch.console import summary_table
from semwb.batch.runner import FITTED, BatchSummary, ModelStatus
from semwb.cli.batching import summary_lines
from semwb.results import Results

# distinct values, so a test sees which one is shown
STANDARD = {"cfi": 0.911, "rmsea": 0.081}
ROBUST = {"cfi_robust": 0.922, "rmsea_robust": 0.072, "cfi_scaled": 0.933, "rmsea_scaled": 0.063,
          "chisq_scaled": 150.0, "chisq_scaling_factor": 1.2}


def fitted(name: str, estimator: str, *, robust: bool = True) -> ModelStatus:
    base = mediation_results()
    none = {} if robust else {"cfi_robust": None, "rmsea_robust": None}
    results: Results = base.model_copy(update={
        "model": name, "estimator": estimator,
        "fit": base.fit.model_copy(update={**STANDARD, **ROBUST, **none})})
    return ModelStatus(name=name, status=FITTED, results=results, seconds=1.0)


def summary(tmp_path: Path) -> BatchSummary:
    return BatchSummary(out=tmp_path, models=[fitted("ml", "ML"), fitted("mlr", "MLR"),
                                              fitted("wlsmv", "WLSMV"),
                                              fitted("wlsmvnum", "WLSMV", robust=False)])


def test_plain_lines_show_standard_robust_and_scaled_values(tmp_path: Path) -> None:
    lines = summary_lines(summary(tmp_path))
    assert "CFI=0.911  RMSEA=0.081" in lines[0]
    assert "CFI=0.922  RMSEA=0.072" in lines[1]
    assert "CFI=0.922  RMSEA=0.072" in lines[2]  # WLSMV's robust values where lavaan has them
    assert "CFI=0.933  RMSEA=0.063" in lines[3]  # else its scaled ones
    assert "robust under MLR/MLM/WLSMV (scaled under WLSMV with continuous" in lines[-1]


def test_table_shows_standard_robust_and_scaled_values(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    console.print(summary_table(summary(tmp_path)))
    text = console.export_text()
    rows = {line.split()[1]: line for line in text.splitlines()
            if line.split()[1:2] in (["ml"], ["mlr"], ["wlsmv"], ["wlsmvnum"])}
    assert "0.911" in rows["ml"]
    assert "0.081" in rows["ml"]
    assert "0.922" in rows["mlr"]
    assert "0.072" in rows["mlr"]
    assert "0.922" in rows["wlsmv"]
    assert "0.072" in rows["wlsmv"]
    assert "0.933" in rows["wlsmvnum"]
    assert "0.063" in rows["wlsmvnum"]
    assert "scaled under WLSMV with continuous columns" in " ".join(text.split())
