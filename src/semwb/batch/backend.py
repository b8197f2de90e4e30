"""The real library calls a batch makes: spec loading, data reading, the pipeline, the report.

The functions import the library lazily, so that importing ``semwb.batch`` stays light: a batch
with another backend (the tests' fake) never loads the estimation code. They are module-level so
that they pickle by reference into worker processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from semwb.batch.work import Backend
from semwb.files import sha256_bytes
from semwb.results import Results


def _load_spec(path: Path) -> Any:
    from semwb.sem.spec import load_spec

    return load_spec(path)


def _read_data(path: Path, instrument: Any) -> Any:
    from semwb.pipeline import read_data

    return read_data(path, instrument=instrument)


def _spec_instrument(spec: Any) -> tuple[Any, str] | None:
    from semwb.survey.instrument_lookup import spec_instrument

    instrument = spec_instrument(spec)
    if instrument is None:
        return None
    return instrument, sha256_bytes(instrument.model_dump_json().encode("utf-8"))


def _analyze(spec: Any, data: Any, data_path: Path, instrument: Any) -> Results:
    from semwb.pipeline import run_analysis

    results: Results = run_analysis(spec, data, data_path=data_path, instrument=instrument)
    return results


def _render(results: Results, lang: str, instrument: Any) -> str:
    from semwb.report import render_report

    html: str = render_report(results, lang=lang, instrument=instrument)
    return html


def _render_index(results_list: list[Results], links: list[str | None], lang: str) -> str:
    from semwb.report import render_index

    html: str = render_index(results_list, links=links, lang=lang)
    return html


def default_backend() -> Backend:
    """Return the backend that calls semwb's pipeline, survey side and report."""
    return Backend(load_spec=_load_spec, read_data=_read_data, analyze=_analyze,
                   spec_instrument=_spec_instrument,
                   render=_render, render_index=_render_index)
