"""Measure how BLAS threads change the time of one semopy fit (why semwb pins BLAS to 1 thread).

Run: .venv/bin/python bench/blas_threads.py [repeats]
Fits the parallel-mediation reference model (20 items, 54 parameters) and the Holzinger-Swineford
CFA with the BLAS thread pool limited to 1 thread and to every core, and prints the median time
of a fit in each setting.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import semopy
from threadpoolctl import threadpool_info, threadpool_limits

from semwb.sem.engine import describe, loading_starts
from semwb.sem.spec import load_spec

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "reference"


def one_fit(case: str) -> float:
    spec = load_spec(REFERENCE / case / "model.lav")
    data = pd.read_csv(REFERENCE / case / "data.csv")[list(spec.parsed.observed)]
    rows = spec.partable()
    description, names = describe(rows)
    start = time.perf_counter()
    model = semopy.Model(description)
    for i, value in loading_starts(rows, data).items():
        if names[i] is not None:
            model.parameters[names[i]].start = value
    model.fit(data)
    model.calc_fim()
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
