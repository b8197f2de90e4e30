"""A fake backend for the batch tests: fast, deterministic, and able to fail on demand.

A fake spec is a small YAML file::

    model: m1
    data: data.csv        # relative to the spec's folder
    column: x             # the fake "analysis" is the mean of this column
    sleep: 0.2            # optional: seconds the fit takes
    fail: "message"       # optional: raise FitError with this message
    converged: false      # optional: report non-convergence
    crash: true           # optional: raise a plain (non-semwb) exception
    die: true             # optional: end the worker process abruptly (as the OOM killer would)
    nan_r2: true          # optional: return an R² of NaN, which results.json cannot hold
    instrument: i.yaml    # optional: a YAML file (relative to the spec); its 'scale' multiplies

Functions live at module level so they pickle by reference into worker processes (spawned
workers find this module on the ``sys.path`` they inherit; Dask workers through PYTHONPATH).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from semwb.batch import Backend
from semwb.errors import FitError, InstrumentError, ResponseDataError, SpecError
from semwb.files import sha256_bytes
from semwb.results import ParameterRow, Provenance, Results

KNOWN_KEYS = {"model", "data", "column", "sleep", "fail", "converged", "crash", "die",
              "instrument", "nan_r2"}


@dataclass(frozen=True)
class FakeSpec:
    name: str
    source: Path
    data: Path | None
    instrument: str | None
    options: dict[str, Any]


def load_spec(path: Path) -> FakeSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(raw, dict) or set(raw) - KNOWN_KEYS or "model" not in raw:
        raise SpecError(f"{path}: not a fake spec (keys {sorted(KNOWN_KEYS)}).")
    data = raw.get("data")
    return FakeSpec(raw["model"], path, None if data is None else path.parent / data,
                    raw.get("instrument"), raw)


def spec_instrument(spec: FakeSpec) -> tuple[dict[str, Any], str] | None:
    if spec.instrument is None:
        return None
    path = spec.source.parent / spec.instrument
    if not path.is_file():
        raise InstrumentError(f"{spec.source}: instrument {spec.instrument} not found.")
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text), sha256_bytes(text.encode("utf-8"))


# How many times each dataset arrived in this process (unpickled): shows data travel once.
ARRIVALS: dict[str, int] = {}


class FakeData:
    """A data frame that counts its arrivals in each process."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.frame = frame
        self.source = source

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        ARRIVALS[self.source] = ARRIVALS.get(self.source, 0) + 1


def read_data(path: Path, instrument: dict[str, Any] | None) -> FakeData:
    frame = pd.read_csv(path)
    if frame.empty:
        raise ResponseDataError(f"{path}: no rows. Export the responses again.")
    return FakeData(frame, path.name)


def analyze(spec: FakeSpec, fake: FakeData, data_path: Path,
            instrument: dict[str, Any] | None) -> Results:
    data = fake.frame
    options = spec.options
    time.sleep(float(options.get("sleep", 0)))
    if "fail" in options:
        raise FitError(f"model '{spec.name}': {options['fail']}")
    if options.get("die"):
        os._exit(9)
    if options.get("crash"):
        raise ZeroDivisionError("a bug in the fake")
    column = options.get("column", "x")
    if column not in data.columns:
        raise SpecError(f"model '{spec.name}': column '{column}' is not in {data_path.name}.")
    return Results(
        model=spec.name, n_obs=len(data), converged=bool(options.get("converged", True)),
        parameters=[ParameterRow(lhs=column, op="~1", rhs="", est=float(data[column].mean())
                                 * (instrument or {}).get("scale", 1))],
        warnings=[f"fitted by pid {os.getpid()}: data arrived {ARRIVALS.get(fake.source)} times"],
        r2={column: float("nan")} if options.get("nan_r2") else {},
        provenance=Provenance(data_path=str(data_path), created=time.strftime("%H:%M:%S")),
    )


def render(results: Results, lang: str, instrument: dict[str, Any] | None) -> str:
    return f"<html lang={lang}><body>{results.model}: {results.parameters[0].est}</body></html>\n"


def render_index(results_list: list[Results], links: list[str | None], lang: str) -> str:
    rows = "".join(f"<li>{r.model} ({link}): {r.error or 'ok'}</li>"
                   for r, link in zip(results_list, links, strict=True))
    return f"<html lang={lang}><body><ul>{rows}</ul></body></html>\n"


BACKEND = Backend(load_spec=load_spec, read_data=read_data, analyze=analyze,
                  spec_instrument=spec_instrument,
                  render=render, render_index=render_index)


def write_spec(folder: Path, name: str, **options: Any) -> Path:
    """Write a fake spec ``folder/name.yaml`` (model name = file name unless given)."""
    options.setdefault("model", name)
    options.setdefault("data", "data.csv")
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(options), encoding="utf-8")
    return path


def write_data(path: Path, values: list[float]) -> Path:
    pd.DataFrame({"x": values}).to_csv(path, index=False)
    return path
