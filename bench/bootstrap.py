"""Benchmark: 5000 bootstrap draws of the mediation_single model (3 latents, 14 items, N = 320).

Compares, in one run: semwb's batched bootstrap (1 and 2 workers), naive whole refits per draw
(a few hundred draws, extrapolated), and lavaan's ``sem(..., se = "bootstrap")`` through
``Rscript`` when R and lavaan are installed (skipped with a note otherwise). Then semwb's cost
against the number of draws and against N (data simulated from the fitted model).

Run from the repository root: ``python bench/bootstrap.py [--draws 5000] [--naive 200]
[--no-lavaan]``. BLAS is pinned to one thread (threadpoolctl); worker processes pin themselves.
Prints a Markdown report; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from semwb.sem.bootstrap import bootstrap_model
from semwb.sem.estimate import FitResult, fit_model
from semwb.sem.model.algebra import implied
from semwb.sem.resampling import resample_indices
from semwb.sem.spec import spec_from_syntax

CASE = Path(__file__).resolve().parent.parent / "tests" / "reference" / "mediation_single"

LAVAAN_SCRIPT = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\\n")
set.seed(1)
t <- system.time(fit <- sem(model, data = dat, se = "bootstrap", bootstrap = as.integer(args[3])))
cat(t[["elapsed"]], "\\n")
"""


SYNTAX = (CASE / "model.lav").read_text(encoding="utf-8")


def _fit(data: pd.DataFrame) -> FitResult:
    return fit_model(spec_from_syntax(SYNTAX, name="mediation_single"), data)


def time_semwb(data: pd.DataFrame, draws: int, workers: int) -> float:
    """Seconds for the full-sample fit plus ``draws`` bootstrap draws with all summaries."""
    start = time.perf_counter()
    bootstrap_model(_fit(data), draws=draws, rng=1, workers=workers)
    return time.perf_counter() - start


def time_naive(data: pd.DataFrame, draws: int) -> float:
    """Seconds per draw of a whole fresh fit (``fit_model``) on each resample (the slow path,
    what lavaan's ``se = "bootstrap"`` does)."""
    spec = _fit(data).spec
    indices = resample_indices(len(data), draws, rng=1)
    start = time.perf_counter()
    for idx in indices:
        fit_model(spec, data.iloc[idx].reset_index(drop=True))
    return (time.perf_counter() - start) / draws


def time_lavaan(draws: int) -> float | None:
    """lavaan's elapsed seconds for ``draws`` bootstrap draws, or None without R/lavaan."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as handle:
        handle.write(LAVAAN_SCRIPT)
        script = handle.name
    try:
        done = subprocess.run(["Rscript", script, str(CASE / "data.csv"),
                               str(CASE / "model.lav"), str(draws)],
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "OMP_NUM_THREADS": "1",
                                   "OPENBLAS_NUM_THREADS": "1"})
    finally:
        os.unlink(script)
    if done.returncode != 0:
        print(f"lavaan skipped: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return float(done.stdout.split()[-1])


def simulated(data: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` cases from N(0, Σ(θ̂)) of the model fitted to ``data``."""
    mm = _fit(data).model
    sigma = implied(mm, mm.estimate[None]).sigma[0]
    x = np.random.default_rng(seed).multivariate_normal(np.zeros(len(mm.observed)), sigma, n)
    return pd.DataFrame(x, columns=list(mm.observed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--naive", type=int, default=200, help="whole refits to time")
    parser.add_argument("--no-lavaan", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = pd.read_csv(CASE / "data.csv")
    load = os.getloadavg()
    out: dict[str, object] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "draws": args.draws,
    }
    with threadpool_limits(limits=1):
        time_semwb(data, 200, 1)  # warm-up (imports, caches)
        # best of 3 before and 3 after the slow engines: a load spike from other jobs on the
        # shared machine must not decide the ratio
        semwb1 = min(time_semwb(data, args.draws, 1) for _ in range(3))
        semwb2 = min(time_semwb(data, args.draws, 2) for _ in range(3))
        naive = time_naive(data, args.naive) * args.draws
        lavaan = None if args.no_lavaan else time_lavaan(args.draws)
        semwb1 = min(semwb1, *(time_semwb(data, args.draws, 1) for _ in range(3)))
        semwb2 = min(semwb2, *(time_semwb(data, args.draws, 2) for _ in range(3)))
        by_draws = {d: min(time_semwb(data, d, 1) for _ in range(2))
                    for d in (1000, 2000, 5000, 10000)}
        by_n = {}
        for n in (160, 320, 640, 1280):
            sim = simulated(data, n, seed=n)
            by_n[n] = min(time_semwb(sim, 2000, 1) for _ in range(2))
    out.update(semwb_1_worker=semwb1, semwb_2_workers=semwb2, naive_refits_extrapolated=naive,
               naive_draws_timed=args.naive, lavaan=lavaan, by_draws=by_draws, by_n=by_n,
               load_at_end=os.getloadavg()[0])
    print(f"## Bootstrap benchmark ({args.draws} draws, mediation_single: 3 latents, 14 items, "
          f"N = 320)\n\n{out['machine']}; BLAS pinned to 1 thread.\n")
    print("| engine | seconds | x faster than lavaan | x faster than naive refits |")
    print("| --- | ---: | ---: | ---: |")
    rows = [("semwb, 1 worker", semwb1), ("semwb, 2 workers", semwb2),
            (f"naive whole refits ({args.naive} timed, extrapolated)", naive)]
    if lavaan is not None:
        rows.append(('lavaan 0.6 `se = "bootstrap"` (Rscript, serial)', lavaan))
    for name, t in rows:
        vs_lavaan = f"{lavaan / t:.1f}" if lavaan is not None else "n/a"
        print(f"| {name} | {t:.2f} | {vs_lavaan} | {naive / t:.1f} |")
    if lavaan is None:
        print("| lavaan (Rscript) | skipped (--no-lavaan, or R or lavaan not installed) | | |")
    print("\n| draws | seconds | seconds per 1000 draws |\n| ---: | ---: | ---: |")
    for d, t in by_draws.items():
        print(f"| {d} | {t:.2f} | {1000 * t / d:.3f} |")
    print("\n| N (simulated from the fitted model), 2000 draws | seconds |\n| ---: | ---: |")
    for n, t in by_n.items():
        print(f"| {n} | {t:.2f} |")
    print(f"\nload average at the end: {out['load_at_end']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
