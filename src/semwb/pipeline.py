"""One analysis: spec + data -> :class:`~semwb.results.Results` (and its ``results.json``).

Every face (CLI, batch, web) runs the same small steps: :func:`read_data` (through the spec's
instrument) -> :func:`prepare_data` (reverse coding) -> :func:`run_analysis` (the spec's data keys
of :mod:`semwb.model_data`, fit, measurement quality, bootstrap, probing) -> :func:`write_results`.
:func:`recorded_instrument` finds a saved result's instrument again for ``semwb report``.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from semwb.errors import SemwbError
from semwb.explore.beside import beside_results
from semwb.files import atomic_write_text, display_path, sha256_bytes, sha256_file
from semwb.measurement.cfa import measure_constructs
from semwb.measurement.correlations import composite_correlations
from semwb.measurement.higher_order import second_order_quality
from semwb.model_data import conditional_results, model_data
from semwb.results import ParameterRow, Provenance, Results
from semwb.sem.estimate import COLUMNS, FitResult, fit_model
from semwb.sem.hypothesis_check import check_hypotheses
from semwb.sem.loading_checks import negative_loadings
from semwb.sem.modindices_spec import modindices_results
from semwb.sem.spec import BootstrapOptions, ModelSpec, load_spec
from semwb.survey.instrument import Instrument
from semwb.survey.instrument_lookup import spec_instrument
from semwb.survey.responses import read_responses, read_table_frame
from semwb.survey.scoring import compute_composites, reverse_code

if TYPE_CHECKING:
    from semwb.sem.bootstrap_table import BootstrapResult


def read_data(path: str | Path, *, instrument: Instrument | None = None,
              sheet: str | int | None = None) -> pd.DataFrame:
    """Read a data file for a model: through the instrument when the spec names one.

    With an instrument, responses are read, mapped and validated by
    :func:`semwb.survey.responses.read_responses` (platform exports, scale, missing codes,
    duplicate ids) -- the same reading as ``semwb score`` and the web app, so every face fits the
    same numbers. Without one, :func:`semwb.survey.responses.read_table_frame` reads the same
    formats without item rules. ``sheet`` picks an Excel workbook's sheet (name or 0-based
    index; the first by default).

    Raises
    ------
    ResponseDataError
        When the file is missing, unreadable, or (with an instrument) breaks its rules, naming
        file, row, column and value.
    """
    if instrument is not None:
        return read_responses(path, instrument, sheet=sheet).data
    return read_table_frame(path, sheet=sheet)


def prepare_data(data: pd.DataFrame, *, instrument: Instrument | None = None) -> pd.DataFrame:
    """Make the data ready to fit: reverse-code the instrument's reverse-worded items.

    Parameters
    ----------
    data
        The responses as read.
    instrument
        The spec's instrument (``semwb.survey.instrument.Instrument``) or None, in which case the
        data are used as they are.
    """
    if instrument is None:
        return data
    return reverse_code(data, instrument)


def assess_spec_measurement(spec: ModelSpec, data: pd.DataFrame,
                            instrument: Instrument) -> tuple[dict[str, Any], list[str]]:
    """Measurement quality of the spec's latents that are constructs of the instrument.

    Parameters
    ----------
    spec
        The model spec; its latents named like instrument constructs (with every item in the
        data) are assessed together: alpha, omega, CR, AVE, HTMT, Fornell-Larcker, KMO,
        Bartlett, Harman (:func:`semwb.measurement.cfa.measure_constructs`), and the mean and SD
        of each construct's composite score (:func:`semwb.survey.scoring.compute_composites`)
    with their Pearson correlations and p values
    (:func:`semwb.measurement.correlations.composite_correlations`).
    data
        The prepared (reverse-coded) responses.
    instrument
        The spec's instrument.

    Returns
    -------
    tuple
        ``measurement.json``'s mapping (empty when no latent is an instrument construct) and
        warnings. A measurement model that cannot be fitted is a warning, not an error: the
        structural results still stand.
    """
    have = set(data.columns)
    latents = [name for name in spec.parsed.latents
               if name in instrument.constructs
               and set(instrument.constructs[name].item_ids) <= have]
    if not latents:
        return {}, []
    try:
        quality = measure_constructs(data, instrument, constructs=latents)
    except SemwbError as exc:
        return {}, [f"measurement quality was not computed: {exc}"]
    composites = compute_composites(data, instrument, constructs=latents)[latents]
    descriptives = {c: {"mean": float(composites[c].mean()), "sd": float(composites[c].std())}
                    for c in latents}
    correlations, pvalues = composite_correlations(composites)
    return ({**quality.to_dict(), "descriptives": descriptives,
             "composite_correlations": correlations, "composite_pvalues": pvalues},
            [f"measurement: {w}" for w in quality.warnings])


def _versions() -> dict[str, str]:
    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return ""

    # numpy and pandas are loaded: their own version strings, not a metadata search (1 ms each)
    return {"semwb": v("semwb"), "semopy": v("semopy"), "numpy": np.__version__,
            "pandas": pd.__version__, "python": platform.python_version()}


def provenance(spec: ModelSpec, data: pd.DataFrame, *, data_path: str | Path | None = None,
               data_name: str | None = None,
               command: str | None = None) -> Provenance:
    """Hashes of the spec and data and the versions of the tools.

    The spec hash is of the spec file when ``spec.source`` is one, else of its syntax; the data
    hash is of the data file when given, else of the data's CSV form. The data are named
    ``data_name`` when given (e.g. the name a file was uploaded under), else by
    :func:`semwb.files.display_path`.
    """
    source = Path(spec.source)
    spec_hash = (sha256_file(source) if source.is_file()
                 else sha256_bytes(spec.syntax.encode("utf-8")))
    data_hash = (sha256_file(data_path) if data_path is not None
                 else sha256_bytes(data.to_csv(index=False).encode("utf-8")))
    return Provenance(
        spec_path=display_path(source) if source.is_file() else None, spec_sha256=spec_hash,
        data_path=data_name if data_name is not None
        else display_path(data_path) if data_path is not None else None,
        data_sha256=data_hash,
        command=command, created=datetime.now(UTC).isoformat(timespec="seconds"),
        **_versions(),
    )


def parameter_rows(fit: FitResult, table: pd.DataFrame | None = None) -> list[ParameterRow]:
    """The parameter table (``fit.parameters``, or the bootstrap's ``table`` with its
    ``std_all_*`` columns) as :class:`ParameterRow` objects (NaN becomes None)."""
    source = fit.parameters if table is None else table
    columns = COLUMNS + [c for c in ("std_all_se", "std_all_ci_lower", "std_all_ci_upper")
                         if c in source]
    values = [[None if isinstance(v, float) and math.isnan(v) else v
               for v in source[c].tolist()] for c in columns]  # Python scalars, column by column
    return [ParameterRow.model_validate({**dict(zip(columns, row, strict=True)),
                                         "free": bool(row[columns.index("free")])})
            for row in zip(*values, strict=True)]


def run_analysis(
    spec: ModelSpec,
    data: pd.DataFrame,
    *,
    data_path: str | Path | None = None,
    data_name: str | None = None,
    instrument: Instrument | None = None,
    command: str | None = None,
    bootstrap: BootstrapOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    beside_progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Fit ``spec`` to ``data`` and assemble the :class:`Results` of ``results.json``.

    Parameters
    ----------
    spec
        The model spec.
    data
        The responses (unused columns are ignored).
    data_path
        The data file, for provenance and messages.
    data_name
        How messages and the provenance name the data (default: the file's name, its path
        relative to the working folder in the provenance).
    instrument
        Passed to :func:`prepare_data` (reverse coding); the spec's latents that are its
        constructs also get their measurement quality (:func:`assess_spec_measurement`).
    command
        The command line that asked for it, recorded in the provenance.
    bootstrap
        Bootstrap options; by default the spec's ``bootstrap:`` block (none: no bootstrap). With
        them, ``se``, ``z``, ``pvalue`` and the intervals are the bootstrap ones, std_all rows get
        ``std_all_se``/``std_all_ci_*``, and ``Results.bootstrap`` records the run
        (:func:`semwb.sem.bootstrap.bootstrap_model`).
    progress
        ``progress(done, total)`` while bootstrap draws are fitted.
    beside_progress
        ``beside_progress(done, total)`` while the spec's ``imputation:`` and ``prediction:``
        blocks fit imputations and training folds (:func:`semwb.explore.beside.beside_results`).

    Raises
    ------
    SpecError, FitError
        As :func:`semwb.sem.estimate.fit_model`.
    """
    if bootstrap is not None and spec.estimator in ("MLR", "MLM"):
        from semwb.sem.scaled_test import check_estimator

        check_estimator(spec.estimator, missing=spec.missing, engine=spec.engine, bootstrap=True,
                        source=spec.source)
    options = bootstrap if bootstrap is not None else spec.bootstrap
    shown = data_name or (Path(data_path).name if data_path is not None else "data")
    built = model_data(spec, prepare_data(data, instrument=instrument), instrument=instrument,
                       data_name=shown)
    check_hypotheses(spec, built.spec.parsed)  # a process spec's := lines come with the data
    fit = fit_model(built.spec, built.data, data_name=shown)
    measurement, measurement_warnings = (
        assess_spec_measurement(spec, built.data, instrument) if instrument is not None
        else ({}, []))
    second_order, second_order_warnings = second_order_quality(built.spec, built.data,
                                                               data_name=shown)
    modindices, modindices_warnings = (
        modindices_results(fit, spec.modindices) if spec.modindices is not None else (None, []))
    imputation, prediction = beside_results(
        built.spec, built.data, fit=fit, data_name=shown,
        items=instrument.likert_items if instrument is not None else (),
        scale=(instrument.scale.min, instrument.scale.max) if instrument is not None else None,
        progress=beside_progress)
    boot = None if options is None else _bootstrap(fit, options, progress)
    return Results(
        model=spec.name, title=spec.title, n_obs=fit.n_obs, n_excluded=fit.n_excluded,
        exclusions=[{"row": row, "code": f"missing_{spec.missing}"}  # worded by the report
                    for row in fit.excluded_rows],
        estimator=spec.estimator, engine=spec.engine, missing=spec.missing,
        auxiliary=list(spec.auxiliary),
        converged=fit.converged, fit=fit.fit,
        parameters=parameter_rows(fit, None if boot is None else boot.table),
        bootstrap=None if boot is None else boot.info, r2=fit.r2,
        hypotheses=[h.model_dump(exclude_none=True) for h in spec.hypotheses],
        measurement=measurement.pop("constructs", {}), htmt=measurement.pop("htmt", {}),
        quality={**measurement, **({"second_order": second_order} if second_order else {})},
        syntax=built.spec.syntax,
        conditional=conditional_results(built, fit, level=options.level if options else 0.95,
                                        draws=None if boot is None else boot.draws),
        aggregation=built.aggregation, portfolio=built.portfolio,
        modindices=modindices, nested_in=spec.nested_in,
        imputation=imputation, prediction=prediction,
        warnings=[*fit.warnings, *built.warnings, *negative_loadings(fit.parameters),
                  *measurement_warnings, *second_order_warnings, *modindices_warnings],
        provenance=provenance(spec, data, data_path=data_path, data_name=data_name,
                              command=command),
        invariance=_invariance(built.spec, built.data, shown),
        group_equal=list(built.spec.group_equal), group_partial=list(built.spec.group_partial),
        group=built.spec.group, group_n=dict(zip(fit.groups, fit.group_n, strict=True)),
    )


def _bootstrap(fit: FitResult, options: BootstrapOptions,
               progress: Callable[[int, int], None] | None) -> BootstrapResult:
    """:func:`semwb.sem.bootstrap.bootstrap_model` with the spec's options, imported only here
    (its worker-pool machinery costs a fit without draws 20 ms)."""
    from semwb.sem.bootstrap import bootstrap_model

    return bootstrap_model(fit, draws=options.draws, ci=options.ci, level=options.level,
                           rng=options.seed, progress=progress)


def _invariance(spec: ModelSpec, data: pd.DataFrame, data_name: str) -> dict[str, Any] | None:
    """The invariance ladder of a spec with ``invariance: true`` (JSON form), else None."""
    if not spec.invariance:
        return None
    from semwb.sem.invariance import run_ladder  # the multi-group machinery, only when asked
    from semwb.sem.invariance_json import ladder_json

    return ladder_json(run_ladder(spec, data, data_name=data_name))


def write_results(results: Results, out_dir: str | Path) -> Path:
    """Write ``out_dir/results.json`` atomically and return its path."""
    return atomic_write_text(Path(out_dir) / "results.json", results.to_json())


def recorded_instrument(results: Results) -> Instrument | None:
    """The instrument of the spec that produced ``results``, read again from disk.

    ``provenance.spec_path`` is relative to the folder the fit ran in; re-rendering from there
    (``semwb report``) keeps construct names, item wording and sources. When no spec is recorded
    or the spec file is no longer there (results copied elsewhere), the answer is None and the
    report names constructs by their ids.

    Raises
    ------
    SpecError, InstrumentError
        When the recorded spec, or the instrument it names, exists but cannot be read: a broken
        instrument is the user's to fix, not a reason to drop the names silently.
    """
    spec_path = results.provenance.spec_path
    if not spec_path or not Path(spec_path).is_file():
        return None
    return spec_instrument(load_spec(spec_path))
