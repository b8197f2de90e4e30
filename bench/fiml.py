"""FIML against lavaan (issue 11): fit speed, and the FIML bootstrap, as ratios lavaan / semwb.

Cases (data made here, deterministic: numpy seed 2026, each item cell set missing with
probability .08, completely at random, on top of any missing value the data already have):

(a) the 14-item mediation model (``tests/reference/mediation_missing_fiml/model.lav``) on
    ``tests/reference/mediation_single/data.csv`` (N = 320);
(b) the seed instrument's 28-factor, 92-item CFA (``tests/reference/seed_cfa_92``, N = 320);
(c) 5000 FIML bootstrap draws of (a): semwb's ``bootstrap_model`` against lavaan's
    ``sem(..., missing = "ml", se = "bootstrap")``, lavaan timed on ``--lavaan-draws`` draws
    (default 200) and extrapolated linearly to 5000 (said so in the table).

semwb is timed in this process (``fit_model`` with ``missing: fiml``, best of ``--repeat`` for
(a), once for (b)); lavaan by ``Rscript`` (the ``system.time`` of its ``sem()``/``cfa()`` call,
which includes its standard errors and the EM H1 model). Wall seconds and CPU seconds (semwb's
``process_time``, R's user + system time) are both shown: on a shared machine the CPU ratio is
the steadier one. lavaan's figures are cached in
``bench/out/fiml_lavaan.json`` keyed by the data's hash, because (b) takes lavaan more than ten
minutes; ``--rerun-lavaan a c`` measures those rows again. Without ``Rscript`` the lavaan columns
say so. ``--before PATH`` adds rows "before" for (a) and (b): the same fits with the semwb
package of an earlier tree (``PATH`` its ``src`` folder), in a child process. chi-square and
df of both are printed: the same answer is part of the comparison.

Run from the repository root, one BLAS thread:
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/fiml.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "reference"
CACHE = ROOT / "bench" / "out" / "fiml_lavaan.json"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
SHARE_MISSING = 0.08
DRAWS = 5000

LAVAAN_R = """
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(a[1])
model <- paste(readLines(a[2]), collapse = "\\n")
boot <- as.integer(a[4])
extra <- if (boot > 0) list(se = "bootstrap", bootstrap = boot) else list()
set.seed(1)
t <- system.time(fit <- do.call(a[3], c(list(model, data = dat, missing = "ml"), extra)))
fm <- fitMeasures(fit, c("chisq", "df"))
cat(fm[["chisq"]], fm[["df"]], t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], "\\n")
"""

CASES = {
    "mediation": ("14-item mediation, N = 320", REFERENCE / "mediation_missing_fiml" / "model.lav",
                  REFERENCE / "mediation_single" / "data.csv", "sem"),
    "seed_cfa_92": ("seed CFA, 28 factors, 92 items, N = 320",
                    REFERENCE / "seed_cfa_92" / "model.lav",
                    REFERENCE / "seed_cfa_92" / "data.csv", "cfa"),
}


def make_data(case: str, folder: Path) -> tuple[str, Path, Path]:
    """Write the case's data with 8 % of item cells missing; return (syntax, model, data)."""
    _, model, source, _ = CASES[case]
    syntax = model.read_text(encoding="utf-8")
    frame = pd.read_csv(source)
    tokens = set(re.findall(r"\w+", syntax))
    items = [c for c in frame.columns if c in tokens]
    rng = np.random.default_rng(2026)
    values = frame[items].to_numpy(dtype=float)
    values[rng.random(values.shape) < SHARE_MISSING] = np.nan
    out = pd.DataFrame(values, columns=items)
    path = folder / f"{case}.csv"
    out.to_csv(path, index=False, na_rep="NA")
    return syntax, model, path


def lavaan(case: str, model: Path, data: Path, draws: int, rerun: bool) -> dict[str, object]:
    """lavaan's seconds, chisq and df for a FIML fit (``draws`` > 0: a FIML bootstrap)."""
    key = f"{case}:{draws}:{hashlib.sha256(data.read_bytes()).hexdigest()[:16]}"
    cache = json.loads(CACHE.read_text(encoding="utf-8")) if CACHE.exists() else {}
    if key in cache and not rerun:
        return {**cache[key], "cached": True}
    if shutil.which("Rscript") is None:
        return {"note": "Rscript not found"}
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as handle:
        handle.write(LAVAAN_R)
    try:
        done = subprocess.run(["Rscript", handle.name, str(data), str(model), CASES[case][3],
                               str(draws)], capture_output=True, text=True, env=ENV, check=False)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        return {"note": f"lavaan failed: {done.stderr.strip().splitlines()[-1][:200]}"}
    chisq, df, seconds, cpu = (float(v) for v in done.stdout.split()[-4:])
    result = {"seconds": seconds, "cpu": cpu, "chisq": chisq, "df": int(df)}
    cache = json.loads(CACHE.read_text(encoding="utf-8")) if CACHE.exists() else {}
    cache[key] = result
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(cache, indent=2) + "\n", encoding="utf-8")
    return result


def semwb_fit(syntax: str, data: Path, repeat: int) -> tuple[dict[str, object], object]:
    """Best of ``repeat`` FIML fits through the library; the seconds, chisq, df and the fit."""
    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    frame = pd.read_csv(data)
    spec = spec_from_syntax(syntax, name=data.stem, missing="fiml")
    times, cpu, fit = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fit = fit_model(spec, frame)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert fit is not None
    return {"seconds": min(times), "cpu": min(cpu), "chisq": fit.fit.chisq, "df": fit.fit.df}, fit


def semwb_bootstrap(fit: object, draws: int) -> dict[str, object]:
    """Seconds of ``draws`` FIML bootstrap draws of a fitted model (summaries included)."""
    from semwb.sem.bootstrap import bootstrap_model

    start, start_cpu = time.perf_counter(), time.process_time()
    result = bootstrap_model(fit, draws=draws, rng=1)  # type: ignore[arg-type]
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - start_cpu,
            "failed": len(result.info.failed)}


def semwb_before(source: Path, model: Path, data: Path, repeat: int) -> dict[str, object]:
    """:func:`semwb_fit` with the semwb package at ``source`` (an earlier tree's ``src``), in a
    child process of this script."""
    done = subprocess.run(
        [sys.executable, __file__, "--fit-child", str(model), str(data), str(repeat)],
        capture_output=True, text=True, check=False,
        env={**ENV, "PYTHONPATH": str(source.resolve())})
    if done.returncode != 0:
        return {"note": f"before: {done.stderr.strip().splitlines()[-1][:200]}"}
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lavaan-draws", type=int, default=200)
    parser.add_argument("--rerun-lavaan", nargs="*", default=[], choices=["a", "b", "c"],
                        help="measure lavaan again for these rows instead of using the cache")
    parser.add_argument("--lavaan-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip", nargs="*", default=[], choices=["a", "b", "c"])
    parser.add_argument("--before", type=Path, default=None,
                        help="also time fits (a) and (b) with the semwb source at this path "
                        "(the src folder of a worktree of an earlier commit)")
    parser.add_argument("--fit-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_child:
        model, data, repeat = args.fit_child
        ours, _ = semwb_fit(Path(model).read_text(encoding="utf-8"), Path(data), int(repeat))
        print(json.dumps(ours))
        return
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fitted = None
        for tag, case in (("a", "mediation"), ("b", "seed_cfa_92")):
            if tag in args.skip:
                continue
            syntax, model, data = make_data(case, tmp)
            theirs = lavaan(case, model, data, 0, tag in args.rerun_lavaan)
            ours: dict[str, object] = {}
            if not args.lavaan_only:
                ours, fit = semwb_fit(syntax, data, args.repeat if tag == "a" else 1)
                fitted = fit if tag == "a" else fitted
            what = f"({tag}) {CASES[case][0]}, 8 % missing cells, FIML fit"
            if args.before is not None and not args.lavaan_only:
                before = semwb_before(args.before, model, data, args.repeat if tag == "a" else 1)
                rows.append((f"{what}, before", before, theirs))
            rows.append((what, ours, theirs))
        if "c" not in args.skip:
            _, model, data = make_data("mediation", tmp)
            theirs = lavaan("mediation", model, data, args.lavaan_draws, "c" in args.rerun_lavaan)
            if "seconds" in theirs:
                scale = DRAWS / args.lavaan_draws
                theirs = {**theirs, "seconds": float(theirs["seconds"]) * scale,
                          "cpu": float(theirs["cpu"]) * scale if "cpu" in theirs else None,
                          "note": f"lavaan: {args.lavaan_draws} draws x {scale:g}"}
            ours = {} if args.lavaan_only or fitted is None else semwb_bootstrap(fitted, DRAWS)
            rows.append((f"(c) 14-item mediation, {DRAWS} FIML bootstrap draws", ours, theirs))
    print(f"## FIML benchmark (load average {load:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"{os.cpu_count()} cores, 1 BLAS thread)\n")
    print("| what | semwb s | lavaan s | lavaan / semwb | semwb CPU s | lavaan CPU s | CPU ratio "
          "| semwb chisq (df) | lavaan chisq (df) | note |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, ours, theirs in rows:
        cells = []
        for key in ("seconds", "cpu"):
            a, b = ours.get(key), theirs.get(key)
            ok = isinstance(a, float) and isinstance(b, float)
            cells += [f"{a:.2f}" if isinstance(a, float) else "", f"{b:.1f}" if
                      isinstance(b, float) else "", f"{b / a:.0f}x" if ok else "n/a"]
        chi = [f"{r['chisq']:.3f} ({r['df']})" if "chisq" in r else "" for r in (ours, theirs)]
        note = "; ".join(str(n) for n in (ours.get("note"), theirs.get("note"), "lavaan cached" if
                                          theirs.get("cached") else None) if n)
        print(f"| {name} | {' | '.join(cells)} | {chi[0]} | {chi[1]} | {note} |")


if __name__ == "__main__":
    main()
