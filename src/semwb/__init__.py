"""semwb: a structural equation modeling workbench for survey research.

The public API, in the order data flows (survey -> scores -> model -> results -> report)::

    instrument = load_instrument("surveys/alliance_portfolio_innovation.yaml")
    responses = read_responses("surveys/examples/alliance.csv", instrument)
    scores = score_constructs(responses, instrument)
    spec = load_spec("models/routines_learning_ambidexterity.yaml")
    results = run_analysis(spec, responses.data, instrument=instrument)  # measurement included
    html = render_report(results, lang="zh", instrument=instrument)

Names are imported on first use (PEP 562), so ``import semwb`` stays light and the web server
never loads the SEM engine it does not run; the mapping below is the complete public surface.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str

# public name -> the module that owns it
_EXPORTS: dict[str, str] = {
    "BootstrapResult": "semwb.sem.bootstrap_table",
    "FitResult": "semwb.sem.estimate",
    "Instrument": "semwb.survey.instrument",
    "MeasurementQuality": "semwb.measurement.assessment",
    "ModelSpec": "semwb.sem.spec",
    "Responses": "semwb.survey.responses",
    "Results": "semwb.results",
    "Scores": "semwb.survey.scoring",
    "SemwbError": "semwb.errors",
    "assess_measurement": "semwb.measurement.assessment",
    "bootstrap_model": "semwb.sem.bootstrap",
    "excel_safe": "semwb.survey.tables",
    "find_instrument": "semwb.survey.instrument_lookup",
    "fit_model": "semwb.sem.estimate",
    "load_instrument": "semwb.survey.instrument",
    "load_spec": "semwb.sem.spec",
    "measure_constructs": "semwb.measurement.cfa",
    "parse_instrument": "semwb.survey.instrument",
    "read_data": "semwb.pipeline",
    "read_responses": "semwb.survey.responses",
    "read_results": "semwb.results",
    "render_index": "semwb.report.render",
    "render_report": "semwb.report.render",
    "reverse_code": "semwb.survey.scoring",
    "run_batch": "semwb.batch",
    "run_analysis": "semwb.pipeline",
    "score_constructs": "semwb.survey.scoring",
    "scores_table": "semwb.survey.scoring",
    "simulate_responses": "semwb.survey.simulate",
    "spec_from_syntax": "semwb.sem.spec",
    "spec_instrument": "semwb.survey.instrument_lookup",
    "write_report": "semwb.report.writer",
    "write_reports": "semwb.report.writer",
    "write_results": "semwb.pipeline",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def _version() -> str:
    """The installed distribution's version (``importlib.metadata``, 30 ms to import: only when
    asked, so that ``semwb --help`` does without it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("semwb")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if name == "__version__":
        value: Any = _version()
    elif module is None:
        raise AttributeError(f"module 'semwb' has no attribute '{name}'")
    else:
        value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

