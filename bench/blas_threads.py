"""Measure how BLAS threads change the time of one model-core fit (why semwb pins BLAS to 1).

Run: .venv/bin/python bench/blas_threads.py [repeats]
Fits the parallel-mediation reference model (20 items, 54 parameters) and the Holzinger-Swineford
CFA with the BLAS thread pool limited to 1 thread and to every core, and prints the median time
of a fit in each setting. It times the estimator itself (start values, scoring, information),
below ``fit_model``, which pins BLAS to one thread.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from semwb.sem.data_checks import check_data
from semwb.sem.estimators.ml import fit_ml
from semwb.sem.estimators.start import start_values
from semwb.sem.model.structure import build_matrices
from semwb.sem.spec import load_spec

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "reference"


def one_fit(case: str) -> float:
    spec = load_spec(REFERENCE / case / "model.lav")
    frame, _ = check_data(spec, pd.read_csv(REFERENCE / case / "data.csv"))
    rows = spec.partable()
    options, _ = spec.lavaan_options()
    start = time.perf_counter()
    mm = build_matrices(rows, latents=spec.parsed.latents, observed=tuple(frame.columns),
                        meanstructure=options.meanstructure)
    X = frame.to_numpy(dtype=float)
    fit_ml(mm, X, start_values(mm, rows, X), fiml=False)
    return time.perf_counter() - start


def main(repeats: int) -> None:
    cores = os.cpu_count() or 1
    print("BLAS:", ", ".join(f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)"
                             for i in threadpool_info() if i["user_api"] == "blas"))
    for case in ("holzinger_swineford", "mediation_parallel"):
        for threads in (1, cores):
            with threadpool_limits(limits=threads):
                one_fit(case)  # warm-up
                times = [one_fit(case) for _ in range(repeats)]
            print(f"{case:22s} BLAS threads {threads}: median {statistics.median(times):.3f} s "
                  f"(min {min(times):.3f}, max {max(times):.3f}, {repeats} fits)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
