"""Benchmark: the multiple-group bootstrap with small groups (35 respondents per group).

The example data (``surveys/examples/alliance.csv``, ``ar4`` reverse-coded as the instrument
does) with the grouping variable ``own``: 35 complete rows drawn from each of the first two
(2 groups) or all three (3 groups) ownership types, and the two-group mediation model of
``tests/reference/groups_robust/mediation.lav`` (3 latents, 14 items, group-specific ``a`` and
``b`` paths, their indirect effects and difference; 90 and 135 free parameters). For each:

- semwb's ``bootstrap_model`` with 1000 draws (percentile intervals), in this process: CPU
  and wall seconds, draws that failed and why (the reasons semwb lists);
- with ``--before SRC`` the same call on another checkout (``SRC/src`` on ``PYTHONPATH``, a
  child process), ``--before-draws`` draws (default 100: the earlier code refits unconverged
  draws one by one, minutes per draw in small groups), its CPU seconds per 1000 draws;
- lavaan 0.6's ``sem(..., group = "own", se = "bootstrap", bootstrap = 1000)`` through
  ``Rscript`` (skipped with a note without R), its elapsed seconds and failed draws.

Run from the repository root: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python
bench/groups_bootstrap.py [--draws 1000] [--before OTHER_CHECKOUT] [--no-lavaan]``.
Prints a Markdown table; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
MODEL = (ROOT / "tests" / "reference" / "groups_robust" / "mediation.lav").read_text("utf-8")
ITEMS = ["ar1", "ar2", "ar3", "ar4", "iol1", "iol2", "iol3", "iol4",
         "ai1", "ai2", "ai3", "ai4", "ai5", "ai6"]
PER_GROUP = 35

LAVAAN_SCRIPT = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1])
model <- paste(readLines(args[2]), collapse = "\\n")
set.seed(1)
t <- system.time(fit <- sem(model, data = dat, group = "own", se = "bootstrap",
                            bootstrap = as.integer(args[3])))
boot <- lavInspect(fit, "boot")
cat(t[["elapsed"]], length(attr(boot, "error.idx")), "\\n")
"""


def small_groups(groups: int) -> tuple[pd.DataFrame, str]:
    """35 complete rows of each of the first ``groups`` ownership types, and the model."""
    data = pd.read_csv(ROOT / "surveys" / "examples" / "alliance.csv")
    data = data[["own", *ITEMS]].dropna()
    data["ar4"] = 8 - data["ar4"]  # reverse-worded on the seven-point scale
    frame = pd.concat([data[data["own"] == g].sample(PER_GROUP, random_state=1)
                       for g in range(1, groups + 1)]).reset_index(drop=True)
    model = MODEL
    if groups == 3:
        model = model.replace("c(a1, a2)", "c(a1, a2, a3)").replace("c(b1, b2)", "c(b1, b2, b3)")
    return frame, model


def time_semwb(groups: int, draws: int) -> dict[str, object]:
    """CPU and wall seconds of the full-sample fit and ``draws`` bootstrap draws, the failures."""
    from semwb.sem.bootstrap import bootstrap_model
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    frame, model = small_groups(groups)
    cpu, wall = time.process_time(), time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        fit = fit_model(spec_from_syntax(model, name="small", group="own"), frame)
        result = bootstrap_model(fit, draws=draws, rng=1)
    reasons = Counter(str(f["reason"]).split(" (")[0] for f in result.info.failed)
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
            "draws": draws, "failed": len(result.info.failed), "reasons": dict(reasons),
            "inadmissible": len(result.info.inadmissible), "params": fit.model.n_params}


def time_before(src: Path, groups: int, draws: int) -> dict[str, object] | None:
    """:func:`time_semwb` run on the checkout ``src`` in a child process."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
            f"import groups_bootstrap as g; print(json.dumps(g.time_semwb({groups}, {draws})))")
    env = {**os.environ, "PYTHONPATH": str(src / "src"), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env=env)
    if done.returncode != 0:
        print(f"before skipped: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def time_lavaan(groups: int, draws: int) -> tuple[float, int] | None:
    """lavaan's elapsed seconds and failed draws, or None without R/lavaan."""
    if shutil.which("Rscript") is None:
        return None
    frame, model = small_groups(groups)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "boot.R").write_text(LAVAAN_SCRIPT, encoding="utf-8")
        frame.to_csv(Path(tmp) / "data.csv", index=False)
        (Path(tmp) / "model.lav").write_text(model, encoding="utf-8")
        done = subprocess.run(["Rscript", "boot.R", "data.csv", "model.lav", str(draws)],
                              cwd=tmp, capture_output=True, text=True, check=False,
                              env={**os.environ, "OMP_NUM_THREADS": "1",
                                   "OPENBLAS_NUM_THREADS": "1"})
    if done.returncode != 0:
        print(f"lavaan skipped: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    seconds, failed = done.stdout.split()[-2:]
    return float(seconds), int(failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="another checkout to time (its src/)")
    parser.add_argument("--before-draws", type=int, default=100)
    parser.add_argument("--no-lavaan", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out: dict[str, object] = {"load_at_start": os.getloadavg()[0], "cases": {}}
    print(f"load average at start {os.getloadavg()[0]:.2f}\n")
    print("| groups x 35 | free parameters | semwb CPU s | semwb wall s | failed draws (why) | "
          "before: CPU s per 1000 draws | lavaan elapsed s | lavaan failed draws |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for groups in (2, 3):
        now = time_semwb(groups, args.draws)
        before = None if args.before is None else time_before(args.before, groups,
                                                               args.before_draws)
        lavaan = None if args.no_lavaan else time_lavaan(groups, args.draws)
        reasons = "; ".join(f"{n}: {r}" for r, n in now["reasons"].items())  # type: ignore[attr-defined]
        per_1000 = ("n/a" if before is None else
                    f"{1000 * float(before['cpu']) / args.before_draws:.0f} "  # type: ignore[arg-type]
                    f"({args.before_draws} draws, {before['failed']} failed)")
        print(f"| {groups} | {now['params']} | {now['cpu']:.1f} | {now['wall']:.1f} | "
              f"{now['failed']} of {args.draws} ({reasons}) | {per_1000} | "
              f"{'n/a' if lavaan is None else f'{lavaan[0]:.1f}'} | "
              f"{'n/a' if lavaan is None else lavaan[1]} |", flush=True)
        out["cases"][groups] = {"semwb": now, "before": before,  # type: ignore[index]
                                "lavaan": None if lavaan is None else
                                {"elapsed": lavaan[0], "failed": lavaan[1]}}
    out["load_at_end"] = os.getloadavg()[0]
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
