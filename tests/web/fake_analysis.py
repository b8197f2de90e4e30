"""A small stand-in for ``semwb.web.analysis`` with the same functions and the same errors.

It lets the web tests drive every page and the run queue in milliseconds, including runs that
are slow, fail with a user error, or crash. The tests of the real adapter are in
``test_web_analysis.py`` and the browser test.

Instrument: YAML with ``constructs: {ID: [item, ...]}`` and optional ``texts: {item: text}``.
Responses: CSV whose cells must be whole numbers 1-7. Syntax: every line needs an operator.
A model whose syntax contains ``SLEEP`` sleeps 0.2 s per 100 draws; ``CRASH`` raises a bug;
``EXIT`` ends the worker process. An instrument whose text contains ``HOG`` asks for 8 GB of
memory, ``SPIN`` loops forever and ``DEEP`` raises RecursionError (a bug of the check).
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import yaml

from semwb.errors import InstrumentError, OptionError, ResponseDataError, SpecError
from semwb.web.analysis import beside_run_options, ordered_items

INSTRUMENT_SUFFIXES = (".yaml", ".yml")
RESPONSE_SUFFIXES = (".csv",)
OUTPUTS = ("results.json", "scores.csv", "report.html")
CI_METHODS = ("percentile", "bc")
EXCLUSION_RULES = ("attention", "too_fast")
LANGUAGES = ("en", "zh")


def check_instrument(path: Path, *, display_name: str) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if "HOG" in text:
        bytearray(8_000_000_000)
    while "SPIN" in text:
        pass
    if "DEEP" in text:
        raise RecursionError("maximum recursion depth exceeded")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or "constructs" not in raw:
        raise InstrumentError(f"{display_name}, line 1: 'constructs' is missing.")
    texts = raw.get("texts", {})
    return {"name": raw.get("instrument", "x"), "title": raw.get("title", "t"), "scale": "1-7",
            "constructs": [{"id": cid, "name": cid,
                            "items": [{"id": i, "text": texts.get(i, i), "reverse": False}
                                      for i in items]}
                           for cid, items in raw["constructs"].items()]}


def check_responses(path: Path, *, display_name: str, instrument_path: Path,
                    instrument_name: str, sheet: str | None = None) -> dict[str, Any]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        for column, value in row.items():
            if not (value.isdigit() and 1 <= int(value) <= 7):
                raise ResponseDataError(f"{display_name}, row {number}, column {column}: "
                                        f"{value!r} is outside the instrument's scale 1-7.")
    return {"rows": len(rows), "columns": list(rows[0]) if rows else [], "warnings": [],
            "sheet": sheet}


def check_syntax(syntax: str, *, name: str, responses_path: Path | None = None,
                 responses_name: str = "", instrument_path: Path | None = None,
                 instrument_name: str = "", sheet: str | None = None,
                 hypotheses: list[dict[str, Any]] | None = None) -> None:
    for number, hyp in enumerate(hypotheses or ()):  # an effect is a label (a*x) or a := name
        effect = hyp.get("effect")
        if effect and not re.search(rf"\b{re.escape(effect)}\s*(\*|:=)", syntax):
            raise SpecError(f"model {name}, hypotheses.{number}.effect ({hyp['id']}): "
                            f"'{effect}' is neither a := effect nor a regression label of the "
                            "model.")
    columns = None
    if responses_path is not None:
        columns = responses_path.read_text(encoding="utf-8").splitlines()[0].split(",")
    for number, line in enumerate(syntax.splitlines(), start=1):
        if line.strip() and not any(op in line for op in ("=~", "~", ":=")):
            raise SpecError(
                f"model {name}, syntax line {number}: {line.strip()!r} has no operator.")
        for word in re.findall(r"\b[a-z]+[0-9]+\b", line):
            if columns is not None and word not in columns:
                raise SpecError(f"model {name}, syntax line {number}: {word!r} is not a column "
                                f"of {responses_name}.")


def check_run_options(syntax: str, *, name: str, draws: int, ci: str, level: float,
                      seed: int | None, lang: str, missing: str = "listwise",
                      estimator: str = "ML", group: str = "", ordered: str = "",
                      spec: dict[str, Any] | None = None,
                      exclude: list[str] | None = None, imputations: int = 0,
                      predict: bool = False, folds: int = 10) -> dict[str, Any]:
    if draws and draws < 100:
        raise OptionError(f"The 'draws' option of bootstrap must be at least 100; got {draws}.")
    if set(exclude or ()) - set(EXCLUSION_RULES):
        raise OptionError(f"Unknown exclusion rule(s) {exclude}.")
    return {"draws": draws, "ci": ci, "level": level, "seed": seed, "lang": lang,
            "missing": missing, "estimator": estimator, "group": group,
            "ordered": ordered_items(ordered),
            **{k: v for k, v in (spec or {}).items() if k in ("title", "hypotheses") and v},
            **({"exclude": exclude} if exclude else {}),
            **beside_run_options(imputations, predict, folds)}


def starter_specs(models_dir: Path | None) -> list[dict[str, Any]]:
    """``*.lav`` files (no spec keys) and ``*.yaml`` files with ``model``, ``syntax`` and the
    keys a web model keeps."""
    if models_dir is None:
        return []
    starters: list[dict[str, Any]] = [
        {"name": p.stem, "title": "starter", "syntax": p.read_text(encoding="utf-8"),
         "spec": {}} for p in sorted(models_dir.glob("*.lav"))]
    for path in sorted(models_dir.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        starters.append({"name": raw["model"], "title": raw["title"]["en"],
                         "syntax": raw["syntax"],
                         "spec": {"title": raw["title"], "hypotheses": raw["hypotheses"],
                                  "missing": raw.get("missing", "listwise")}})
    return starters


def run_job(job: Any, progress: Any) -> None:
    if "EXIT" in job.syntax:
        os._exit(1)  # the worker process dies, as when it is killed
    if "CRASH" in job.syntax:
        raise ZeroDivisionError("a bug")
    if "FAIL" in job.syntax:
        raise SpecError(f"model {job.model_name}: the model failed on purpose")
    steps = int(job.options.get("draws", 0)) // 100 if "SLEEP" in job.syntax else 0
    for step in range(steps):
        time.sleep(0.2)
        progress((step + 1) / steps, f"bootstrap draw {(step + 1) * 100} of {steps * 100}")
    job.out_dir.mkdir(parents=True, exist_ok=True)
    (job.out_dir / "results.json").write_text(json.dumps({
        "model": job.model_name, "missing": job.options.get("missing"),
        "title": job.options.get("title", {}), "hypotheses": job.options.get("hypotheses", [])}))
    (job.out_dir / "scores.csv").write_text("AR\n1.0\n")
    (job.out_dir / "report.html").write_text(
        f"<!doctype html><title>report</title><h1>Report of {job.model_name}</h1>")


def report_in(out_dir: Path, lang: str, *, instrument_path: Path, instrument_name: str) -> Path:
    path = out_dir / f"report.{lang}.html"
    if not path.is_file():
        model = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))["model"]
        path.write_text(f"<!doctype html><title>report</title><h1>Report of {model} in {lang}"
                        f" ({instrument_name})</h1>")
    return path
