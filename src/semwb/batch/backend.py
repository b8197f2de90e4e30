"""The real library calls a batch makes: spec loading, data reading, the pipeline, the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from semwb.batch.work import Backend
from semwb.results import Results


def _load_spec(path: Path) -> Any:
    from semwb.sem.spec import load_spec

    return load_spec(path)


def _read_data(path: Path) -> Any:
    import pandas as pd

    return pd.read_csv(path)


def _analyze(spec: Any, data: Any, data_path: Path) -> Results:
    from semwb.pipeline import run_analysis

    results: Results = run_analysis(spec, data, data_path=data_path)
    return results


def default_backend() -> Backend:
    """Return the backend that calls semwb's pipeline (and its report, when installed)."""
    return Backend(load_spec=_load_spec, read_data=_read_data, analyze=_analyze)
