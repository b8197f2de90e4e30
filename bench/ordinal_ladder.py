"""Benchmark: the invariance ladder for ordinal items (WLSMV), semwb against lavaan + semTools.

Data and model: ``tests/reference/ordinal_ladder`` (14 five-category items, 3 factors, owner
state 114 vs nonstate 187). semwb: ``run_ladder`` (the configural fit, the four Wu & Estabrook
steps, three ``lavTestLRT`` differences, the verdicts and latent means) in this process after a
warm-up run, best of 3. lavaan 0.6.14 + semTools 0.5.6: ``measEq.syntax`` and ``cfa(estimator =
"WLSMV")`` for the four steps and ``lavTestLRT`` of consecutive steps, timed together in one
Rscript process after a warm-up, best of 3. One BLAS thread everywhere.

Run from the repository root: ``OMP_NUM_THREADS=1 nice .venv/bin/python bench/ordinal_ladder.py``.
Prints one line.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from semwb.sem.invariance import run_ladder
from semwb.sem.spec import spec_from_syntax

CASE = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ordinal_ladder"
REPEATS = 3

LAVAAN_R = """
suppressPackageStartupMessages({library(lavaan); library(semTools)})
a <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(file.path(a[1], "data.csv"))
model <- paste(readLines(file.path(a[1], "model.lav")), collapse = "\\n")
items <- setdiff(names(dat), "owner")
steps <- list("configural", "thresholds", c("thresholds", "loadings"),
              c("thresholds", "loadings", "intercepts"))
ladder <- function() {
  fits <- lapply(steps, function(equal) {
    s <- measEq.syntax(configural.model = model, data = dat, ordered = items, group = "owner",
                       parameterization = "delta", ID.fac = "std.lv",
                       ID.cat = "Wu.Estabrook.2016", group.equal = equal)
    cfa(as.character(s), data = dat, ordered = items, group = "owner", estimator = "WLSMV")
  })
  for (k in 2:4) lavTestLRT(fits[[k - 1]], fits[[k]])
}
invisible(ladder())
best <- Inf
for (i in seq_len(as.integer(a[2]))) best <- min(best, system.time(ladder())[["elapsed"]])
cat(best, "\\n")
"""


def time_semwb() -> float:
    data = pd.read_csv(CASE / "data.csv")
    spec = spec_from_syntax((CASE / "model.lav").read_text(encoding="utf-8"), name="ladder",
                            ordered="all", group="owner")
    run_ladder(spec, data)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        run_ladder(spec, data)
        best = min(best, time.perf_counter() - start)
    return best


def time_lavaan() -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as script:
        script.write(LAVAAN_R)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(["Rscript", script.name, str(CASE), str(REPEATS)],
                          capture_output=True, text=True, check=True, env=env)
    Path(script.name).unlink()
    return float(done.stdout.split()[0])


def main() -> None:
    load = os.getloadavg()[0]
    mine, theirs = time_semwb(), time_lavaan()
    print(f"load {load:.1f} -> {os.getloadavg()[0]:.1f}: semwb {mine:.2f} s, lavaan + semTools "
          f"{theirs:.2f} s ({theirs / mine:.1f}x)")


if __name__ == "__main__":
    main()
