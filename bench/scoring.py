"""Benchmark: scoring and reliability for 1,000,000 respondents x 80 items.

Run:  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/time -v python bench/scoring.py
(see bench/README.md for the recorded figures). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from semwb.measurement import cronbach_alpha
from semwb.survey.instrument import Instrument, parse_instrument
from semwb.survey.responses import Responses
from semwb.survey.scoring import score_constructs


def bench_instrument(constructs: int, per: int) -> Instrument:
    """A 7-point instrument with ``constructs`` x ``per`` items, the last of each reverse-worded."""
    lines = ["instrument: bench", "title: {en: Benchmark}", "scale: {min: 1, max: 7}",
             "checks:", "  - {id: att1, text: {en: check}, expect: [1]}", "constructs:"]
    for c in range(constructs):
        lines += [f"  C{c}:", f"    name: {{en: Construct {c}}}", "    source: bench",
                  "    items:"]
        for i in range(per):
            reverse = ", reverse: true" if i == per - 1 else ""
            lines.append(f"      - {{id: c{c}i{i}, text: {{en: item {i}}}{reverse}}}")
    return parse_instrument("\n".join(lines), source="bench.yaml")


def bench_data(instrument: Instrument, n: int, seed: int) -> pd.DataFrame:
    """Factor-structured 7-point answers with 1 % missing, built construct by construct."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for construct in instrument.constructs.values():
        factor = rng.standard_normal(n, dtype=np.float32)
        for item in construct.items:
            latent = 0.75 * factor + 0.66 * rng.standard_normal(n, dtype=np.float32)
            answer = np.clip(np.rint(4 + 1.4 * latent), 1, 7).astype(np.float64)
            if item.reverse:
                answer = 8 - answer
            answer[rng.random(n, dtype=np.float32) < 0.01] = np.nan
            columns[item.id] = answer
    columns["att1"] = np.where(rng.random(n) < 0.97, 1.0, 4.0)
    columns["duration"] = rng.integers(120, 1500, n).astype(np.float64)
    columns["rid"] = np.arange(n, dtype=np.float64)
    return pd.DataFrame(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--constructs", type=int, default=8)
    parser.add_argument("--per", type=int, default=10)
    args = parser.parse_args()
    instrument = bench_instrument(args.constructs, args.per)
    data = bench_data(instrument, args.n, seed=1)
    responses = Responses(data=data, source="bench", id_column="rid", duration_column="duration")
    start = time.perf_counter()
    scores = score_constructs(responses, instrument, exclude=["attention", "too_fast"])
    scored = time.perf_counter()
    alphas = {cid: cronbach_alpha(scores.items[c.item_ids].to_numpy())
              for cid, c in instrument.constructs.items()}
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.n:,} respondents x {len(instrument.likert_items)} items")
    print(f"scoring (reverse, composites, missing, 4 careless flags, exclusions): "
          f"{scored - start:.2f} s")
    print(f"reliability (alpha + Feldt CI, {len(alphas)} constructs): {done - scored:.2f} s")
    print(f"total: {done - start:.2f} s; peak RSS of the process (data included): "
          f"{peak_mb:,.0f} MB")
    print(f"alpha range: {min(a for a, _ in alphas.values()):.3f}-"
          f"{max(a for a, _ in alphas.values()):.3f}; excluded {len(scores.exclusions):,}")


if __name__ == "__main__":
    main()
