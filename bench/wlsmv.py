"""Benchmark: a WLSMV fit of the 14-item ordinal mediation model, semwb against lavaan.

The model and data are ``tests/reference/ordinal_mediation`` (3 latents, 14 five-category items,
N = 320, two ``:=`` effects). semwb: ``fit_model`` (thresholds, polychoric correlations, Γ, DWLS,
robust SEs, scaled-shifted test, parameter table with std_all and the fit measures) in this
process after one warm-up fit, best of 5. lavaan 0.6: ``system.time(sem(..., ordered = items,
estimator = "WLSMV"))`` in one Rscript process after one warm-up fit, best of 5, plus
``parameterEstimates(standardized = TRUE)`` and ``fitMeasures()`` timed separately. One BLAS
thread everywhere. Also fitted: the same items as a three-factor CFA (``ordinal_cfa``).

Run from the repository root: ``OMP_NUM_THREADS=1 nice .venv/bin/python bench/wlsmv.py``.
Prints a Markdown table and writes ``bench/out/wlsmv.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from semwb.sem.estimate import fit_model
from semwb.sem.spec import spec_from_syntax

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "reference"
CASES = {"ordinal_mediation": "sem", "ordinal_cfa": "cfa"}
REPEATS = 5

LAVAAN_R = """
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(a[1])
model <- paste(readLines(a[2]), collapse = "\\n")
fun <- get(a[3])
fit1 <- function() fun(model, data = dat, ordered = names(dat), estimator = "WLSMV")
invisible(fit1())
best <- Inf; post <- Inf
for (i in seq_len(as.integer(a[4]))) {
  t <- system.time(fit <- fit1())[["elapsed"]]
  u <- system.time({pe <- parameterEstimates(fit, standardized = TRUE);
                    fm <- fitMeasures(fit)})[["elapsed"]]
  best <- min(best, t); post <- min(post, u)
}
cat(best, post, "\\n")
"""


def time_semwb(case: str, function: str) -> float:
    folder = REFERENCE / case
    data = pd.read_csv(REFERENCE / "ordinal_mediation" / "data.csv")
    spec = spec_from_syntax((folder / "model.lav").read_text(encoding="utf-8"), name=case,
                            ordered="all", defaults=function)
    fit_model(spec, data)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fit_model(spec, data)
        best = min(best, time.perf_counter() - start)
    return best


def time_lavaan(case: str, function: str) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
        script.write(LAVAAN_R)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(["Rscript", script.name, str(REFERENCE / "ordinal_mediation" /
                                                         "data.csv"),
                           str(REFERENCE / case / "model.lav"), function, str(REPEATS)],
                          capture_output=True, text=True, check=True, env=env)
    Path(script.name).unlink()
    fit, post = (float(v) for v in done.stdout.split())
    return fit, post


def main() -> None:
    rows = []
    load = os.getloadavg()[0]
    for case, function in CASES.items():
        mine = time_semwb(case, function)
        fit, post = time_lavaan(case, function)
        rows.append({"case": case, "semwb_s": mine, "lavaan_fit_s": fit,
                     "lavaan_fit_and_tables_s": fit + post, "ratio": fit / mine})
    print(f"load average at start {load:.1f}, end {os.getloadavg()[0]:.1f}")
    print("| model | semwb fit_model s | lavaan fit s | lavaan + tables s | lavaan / semwb |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['case']} | {r['semwb_s']:.3f} | {r['lavaan_fit_s']:.3f} | "
              f"{r['lavaan_fit_and_tables_s']:.3f} | {r['ratio']:.1f}x |")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "wlsmv.json").write_text(json.dumps({"load_start": load, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
