"""Benchmark of the model core (issue 10) against lavaan, in one run.

Times, each beside lavaan 0.6 run by ``Rscript`` in the same run (ratios lavaan / semwb):

(a) ``semwb --help`` (6 runs) against starting R and loading lavaan (5 runs);
(b) the 14-item mediation model end to end, ``semwb fit models/routines_learning_ambidexterity.yaml
    --no-bootstrap`` (4 runs) against a whole Rscript process (read, reverse-code, ``sem()``,
    ``parameterEstimates()``, ``fitMeasures()``; 3 runs);
(c) the seed instrument's 28-construct, 92-item CFA (``tests/reference/seed_cfa_92``) through the
    library (``fit_model``) against ``cfa()`` (its ``system.time``) and the whole Rscript process;
(d) 5000 bootstrap draws of the 14-item model, whole command (``semwb fit`` with the spec's
    bootstrap block; ``--repeat-d`` + 1 runs) against a whole Rscript process with
    ``se = "bootstrap"`` (``--repeat-d`` runs, default 1);
(e) fit time of a correlated-factor CFA on simulated data (N = 320, 3-4 seven-point items per
    factor) with 14, 40, 92 and 200 items, ``fit_model`` against ``cfa()``.

Where semwb has an ``engine`` option (``engine: semopy``), the semopy engine is timed as the naive
approach in (c) and (e), and ``semwb fit --engine semopy`` in (b); otherwise that column is skipped
with a note. Library fits run in a child process (``--fit-one``) with a time limit and a memory
cap, so a model that a version cannot fit in time shows as a timeout rather than stopping the run.

Run from the repository root after ``make install``, with one BLAS thread:
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice .venv/bin/python bench/engine.py``
(``--quick`` skips (d) and the 200-item size; ``--only bd`` times only the parts named;
``--before OTHER/.venv/bin/semwb`` times another checkout's command beside this one in (a), (b)
and (d)). Commands run as an installed semwb does, with Python bytecode (compiled into a
temporary ``PYTHONPYCACHEPREFIX`` by an untimed warm-up run, even where the caller sets
``PYTHONDONTWRITEBYTECODE``) and the per-user template cache warm. Prints a Markdown table,
with the CPU seconds of every timed process beside the wall seconds, and writes
``bench/out/engine.json``.

In (a), (b) and (d) the semwb and lavaan runs alternate (semwb, lavaan, semwb, ..., semwb): this
machine's speed drifts by up to 1.6x within minutes, so each lavaan run is also compared with the
mean CPU of the semwb runs either side of it, and the median of these pair ratios is the last
column. The other columns give the fastest run and the least CPU of each program.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "models" / "routines_learning_ambidexterity.yaml"
SEED_CFA = ROOT / "tests" / "reference" / "seed_cfa_92"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
       "MKL_NUM_THREADS": "1"}
MEMORY_CAP = 8 * 1024**3  # bytes of address space for every timed child process
SIZES = (14, 40, 92, 200)

MEDIATION_R = """
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(a[1])
dat$ar4 <- 8 - dat$ar4  # reverse-worded, 1-7 scale, as semwb's instrument does
model <- paste(readLines(a[2]), collapse = "\\n")
boot <- as.integer(a[3])
extra <- if (boot > 0) list(se = "bootstrap", bootstrap = boot) else list()
t <- system.time(fit <- do.call("sem", c(list(model, data = dat), extra)))
pe <- parameterEstimates(fit, boot.ci.type = "perc", standardized = TRUE)
fm <- fitMeasures(fit)
cat(t[["elapsed"]], "\\n")
"""

CFA_R = """
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(a[1])
model <- paste(readLines(a[2]), collapse = "\\n")
t <- system.time(fit <- cfa(model, data = dat))
pe <- parameterEstimates(fit, standardized = TRUE)
fm <- fitMeasures(fit)
cat(t[["elapsed"]], "\\n")
"""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], timeout: float) -> tuple[float | None, str, float]:
    """Run ``cmd`` (capped memory); return (wall seconds or None on failure, stdout or reason,
    CPU seconds of the process and its children)."""
    start, cpu = time.perf_counter(), _children_cpu()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=timeout,
                              preexec_fn=_cap_memory, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:.0f} s", 0.0
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no message"]
        errors = [line for line in lines if "rror" in line or "cannot allocate" in line]
        return None, f"failed: {(errors or lines)[-1].strip()[:200]}", cpu
    return wall, done.stdout, cpu


def best(cmd: list[str], repeat: int, timeout: float) -> dict[str, object]:
    """``{"seconds": fastest of repeat runs, "cpu": least CPU}`` of a command, or
    ``{"note": why not}``."""
    times, cpus = [], []
    for _ in range(repeat):
        wall, out, cpu = run(cmd, timeout)
        if wall is None:
            return {"note": out}
        times.append(wall)
        cpus.append(cpu)
    return {"seconds": min(times), "cpu": min(cpus)}


def alternated(ours: list[str], lavaan: Callable[[], dict[str, object]], pairs: int,
               timeout: float) -> tuple[dict[str, object], dict[str, object]]:
    """Time semwb's command and lavaan's alternately: ours, lavaan, ours, ..., lavaan, ours.

    This machine's speed drifts by up to 1.6x within minutes (other tenants of the host), so a
    ratio of runs made minutes apart measures the drift as much as the programs. Each lavaan run
    is compared with the mean CPU of the semwb runs just before and after it; ``pair_ratios``
    holds these CPU ratios. Returns (semwb, lavaan) as :func:`best` and :func:`rscript` do:
    fastest run and least CPU, with the median CPU as ``cpu_median``.
    """
    walls: list[float] = []
    cpus: list[float] = []
    theirs: list[dict[str, object]] = []
    for k in range(pairs + 1):
        wall, out, cpu = run(ours, timeout)
        if wall is None:
            return {"note": out}, theirs[-1] if theirs else {"note": "not run"}
        walls.append(wall)
        cpus.append(cpu)
        if k < pairs:
            theirs.append(lavaan())
            if "note" in theirs[-1]:
                return {"seconds": min(walls), "cpu": min(cpus)}, theirs[-1]
    their_cpu = [float(t["cpu"]) for t in theirs]  # type: ignore[arg-type]
    pair_ratios = [c / ((cpus[k] + cpus[k + 1]) / 2) for k, c in enumerate(their_cpu)]
    fastest = min(theirs, key=lambda t: float(t["whole"]))  # type: ignore[arg-type]
    return ({"seconds": min(walls), "cpu": min(cpus), "cpu_median": statistics.median(cpus),
             "pair_ratios": pair_ratios},
            {**fastest, "cpu": min(their_cpu), "cpu_median": statistics.median(their_cpu)})


def rscript(script: str, args: list[str], timeout: float) -> dict[str, object]:
    """Whole-process and in-R ``system.time`` seconds of an R script (or why not)."""
    if shutil.which("Rscript") is None:
        return {"note": "Rscript not found"}
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as handle:
        handle.write(script)
    try:
        wall, out, cpu = run(["Rscript", handle.name, *args], timeout)
    finally:
        os.unlink(handle.name)
    if wall is None:
        return {"note": out}
    return {"whole": wall, "fit": float(out.split()[-1]), "cpu": cpu}


def fit_one(model: Path, data: Path, engine: str | None) -> None:
    """Child process: fit ``model`` on ``data`` through the library; print the fit's seconds."""
    import pandas as pd

    from semwb.sem.estimate import fit_model
    from semwb.sem.spec import spec_from_syntax

    frame = pd.read_csv(data)
    options = {"engine": engine} if engine else {}
    spec = spec_from_syntax(model.read_text(encoding="utf-8"), name=model.stem, **options)
    start = time.perf_counter()
    result = fit_model(spec, frame)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "chisq": result.fit.chisq, "df": result.fit.df}))


def library_fit(model: Path, data: Path, engine: str | None, timeout: float) -> dict[str, object]:
    """Seconds of ``fit_model`` in a child process (or why not), with its chisq and df."""
    cmd = [sys.executable, __file__, "--fit-one", str(model), str(data)]
    wall, out, _ = run([*cmd, "--engine", engine] if engine else cmd, timeout)
    return json.loads(out.splitlines()[-1]) if wall is not None else {"note": out}


def semopy_engine() -> tuple[bool, bool]:
    """Whether specs accept ``engine: semopy`` and whether ``semwb fit`` has ``--engine``."""
    from semwb.sem.spec import ModelSpec

    in_spec = "engine" in ModelSpec.model_fields
    done = subprocess.run([str(BIN / "semwb"), "fit", "--help"], capture_output=True, text=True,
                          env={**ENV, "COLUMNS": "200"}, check=False)
    return in_spec, "--engine" in done.stdout


def simulate_cfa(items: int, folder: Path, n: int = 320) -> tuple[Path, Path]:
    """Write a CFA of ``items`` items (3-4 per factor) and N(0, Σ) Likert data; return paths."""
    import numpy as np

    factors = round(items / 3.3)
    sizes = [4] * (items - 3 * factors) + [3] * (4 * factors - items)
    rng = np.random.default_rng(2026 + items)
    phi = np.full((factors, factors), 0.3) + 0.7 * np.eye(factors)
    eta = rng.multivariate_normal(np.zeros(factors), phi, n)
    cols, lines, names = [], [], []
    for f, size in enumerate(sizes):
        group = [f"f{f + 1}i{k + 1}" for k in range(size)]
        for _ in group:
            lam = rng.uniform(0.6, 0.85)
            cols.append(lam * eta[:, f] + np.sqrt(1 - lam**2) * rng.standard_normal(n))
        lines.append(f"F{f + 1} =~ {' + '.join(group)}")
        names += group
    values = np.clip(np.rint(4 + 1.3 * np.column_stack(cols)), 1, 7).astype(int)
    data, model = folder / f"cfa{items}.csv", folder / f"cfa{items}.lav"
    np.savetxt(data, values, fmt="%d", delimiter=",", header=",".join(names), comments="")
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return model, data


def ratio(lavaan: object, semwb: object) -> str:
    """``lavaan / semwb`` as text, or n/a."""
    if isinstance(lavaan, float) and isinstance(semwb, float) and semwb > 0:
        return f"{lavaan / semwb:.1f}x"
    return "n/a"


def seconds(value: object) -> str:
    """Seconds as text, or the note."""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def row(ours: Mapping[str, object], lavaan: Mapping[str, object], scope: str,
        naive: Mapping[str, object]) -> dict[str, object]:
    """One table row; ``scope`` says which lavaan time is compared: ``fit`` or ``whole``."""
    return {"semwb": ours.get("seconds", ours.get("note")),
            "lavaan": lavaan.get(scope, lavaan.get("note")),
            "lavaan_fit": lavaan.get("fit"), "lavaan_whole": lavaan.get("whole"),
            "semopy": naive.get("seconds", naive.get("note")), "semwb_chisq": ours.get("chisq"),
            "semwb_cpu": ours.get("cpu"), "lavaan_cpu": lavaan.get("cpu"),
            "semwb_cpu_median": ours.get("cpu_median"),
            "lavaan_cpu_median": lavaan.get("cpu_median"), "pair_ratios": ours.get("pair_ratios")}


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, dict[str, object]]:
    """Every figure of the module docstring's list, keyed by row."""
    semwb = str(BIN / "semwb")
    in_spec, in_cli = semopy_engine()
    engine = "semopy" if in_spec else None
    no_engine = {"note": "no engine option"}
    rows: dict[str, dict[str, object]] = {}
    before = [(str(args.before), " (before)")] if args.before else []
    if "a" in args.only:
        def r_start() -> dict[str, object]:
            timed = best(["Rscript", "-e", "suppressPackageStartupMessages(library(lavaan))"],
                         1, 60)
            return {"whole": timed["seconds"], **timed} if "seconds" in timed else timed

        ours, lavaan = alternated([semwb, "--help"], r_start, 5, 60)
        rows["(a) semwb --help vs R + library(lavaan)"] = row(ours, lavaan, "whole", no_engine)
        for program, label in before:
            rows[f"(a) semwb --help vs R + library(lavaan){label}"] = row(
                best([program, "--help"], 5, 60), lavaan, "whole", no_engine)
    mediation = [str(ROOT / "surveys" / "examples" / "alliance.csv"), str(tmp / "mediation.lav")]
    if "b" in args.only:
        fit_cmd = [semwb, "fit", str(SPEC), "--out", str(tmp / "fit"), "--no-bootstrap"]
        run(fit_cmd, 300)  # warm-up: bytecode and template caches
        ours, lavaan = alternated(fit_cmd, lambda: rscript(MEDIATION_R, [*mediation, "0"], 300),
                                  3, 300)
        rows["(b) 14-item mediation, whole command, no bootstrap"] = row(
            ours, lavaan, "whole",
            best([*fit_cmd, "--engine", "semopy"], 3, 300) if in_cli else {"note": "no --engine"})
        for program, label in before:
            fit_cmd = [program, "fit", str(SPEC), "--out", str(tmp / "fit"), "--no-bootstrap"]
            run(fit_cmd, 300)
            rows[f"(b) 14-item mediation, whole command, no bootstrap{label}"] = row(
                best(fit_cmd, 3, 300), lavaan, "whole", {"note": ""})
    seed = (SEED_CFA / "model.lav", SEED_CFA / "data.csv")
    if "c" in args.only:
        rows["(c) seed CFA, 28 factors, 92 items, N = 223 (listwise), fit"] = row(
            library_fit(*seed, None, args.timeout),
            rscript(CFA_R, [str(seed[1]), str(seed[0])], 900), "fit",
            library_fit(*seed, engine, args.timeout) if engine else no_engine)
    if "d" in args.only and not args.quick:
        lavaan = {"note": "not run"}
        for program, label in [(semwb, ""), *before]:
            fit_cmd = [program, "fit", str(SPEC), "--out", str(tmp / "fit")]
            run([*fit_cmd, "--no-bootstrap"], 300)  # warm-up: bytecode and template caches
            if label:
                ours = best(fit_cmd, args.repeat_d, 1800)
            else:
                ours, lavaan = alternated(
                    fit_cmd, lambda: rscript(MEDIATION_R, [*mediation, "5000"], 1800),
                    args.repeat_d, 1800)
            rows[f"(d) 14-item mediation, 5000 bootstrap draws, whole command{label}"] = row(
                ours, lavaan, "whole", {"note": ""})
    for items in (SIZES if not args.quick else SIZES[:-1]) if "e" in args.only else ():
        model, data = simulate_cfa(items, tmp)
        rows[f"(e) simulated CFA, {items} items, {round(items / 3.3)} factors, N = 320, fit"] = row(
            library_fit(model, data, None, args.timeout),
            rscript(CFA_R, [str(data), str(model)], args.timeout), "fit",
            library_fit(model, data, engine, args.timeout) if engine else no_engine)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip (d) and the 200-item size")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds allowed for one library fit or one lavaan fit in (e)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "engine.json")
    parser.add_argument("--only", default="abcde",
                        help="the parts to time, e.g. 'bd' (default: all of abcde)")
    parser.add_argument("--before", type=Path, metavar="SEMWB",
                        help="another checkout's semwb executable, timed beside this one in "
                             "(a), (b) and (d) (rows marked 'before')")
    parser.add_argument("--repeat-d", type=int, default=1,
                        help="lavaan runs in (d), alternated with one more semwb run "
                             "(default 1)")
    parser.add_argument("--fit-one", nargs=2, type=Path, metavar=("MODEL", "DATA"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_one:
        fit_one(args.fit_one[0], args.fit_one[1], args.engine)
        return
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        # Python bytecode as an installed semwb has it: compiled once into a prefix of its own
        # (neither checkout's tree is written), not compiled again by every timed process.
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
        (tmp / "mediation.lav").write_text(spec["syntax"], encoding="utf-8")
        rows = measure(args, tmp)
    out = {"load_average_start": load[0], "load_average_end": os.getloadavg()[0],
           "cores": os.cpu_count(), "memory_cap_bytes": MEMORY_CAP, "rows": rows}
    print(f"## Model core benchmark (load average {load[0]:.1f} -> {out['load_average_end']:.1f}, "
          f"{os.cpu_count()} cores, 1 BLAS thread)\n")
    print("| what | semwb s | lavaan s | lavaan / semwb | lavaan: fit call s "
          "| lavaan: whole Rscript s | semopy engine s | semwb CPU s | lavaan CPU s "
          "| CPU ratio | CPU ratio, median of alternated pairs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows.items():
        cells = [seconds(r.get(k)) if r.get(k) is not None else ""
                 for k in ("lavaan_fit", "lavaan_whole", "semopy", "semwb_cpu", "lavaan_cpu")]
        cpu_ratio = ratio(r["lavaan_cpu"], r["semwb_cpu"]) if r.get("lavaan_cpu") else ""
        found = r.get("pair_ratios")
        pairs = [float(p) for p in found] if isinstance(found, list) else []
        paired = (f"{statistics.median(pairs):.1f}x ({', '.join(f'{p:.1f}' for p in pairs)})"
                  if pairs else "")
        print(f"| {name} | {seconds(r['semwb'])} | {seconds(r['lavaan'])} | "
              f"{ratio(r['lavaan'], r['semwb'])} | {' | '.join(cells)} | {cpu_ratio} "
              f"| {paired} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
