"""Find results on disk, render their reports and write them (what ``semwb report`` does).

A folder holding ``results.json`` gets one report beside it; a folder of such folders (the output
of ``semwb batch``) gets a report in each and an ``index.html`` across them. Which instrument names
the constructs is the caller's choice (``instrument``, or ``instrument_for`` such as
:func:`semwb.pipeline.recorded_instrument`): the report side reads no specs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semwb.errors import ResultsError
from semwb.files import atomic_write_bytes, atomic_write_text
from semwb.report.i18n import LANGS, check_lang
from semwb.report.labels import InstrumentLike
from semwb.report.render import render_index, render_report, table_files
from semwb.results import Results, read_results

InstrumentFor = Callable[[Results], InstrumentLike | None]


def report_filename(lang: str) -> str:
    """The report's file name beside ``results.json``: ``report.html``, ``report.zh.html``."""
    return "report.html" if check_lang(lang) == "en" else f"report.{lang}.html"


def index_filename(lang: str) -> str:
    """The index page's file name: ``index.html``, ``index.zh.html``."""
    return "index.html" if check_lang(lang) == "en" else f"index.{lang}.html"


@dataclass(frozen=True)
class Written:
    """What :func:`write_reports` wrote: the reports, and the index when there was one."""

    reports: list[Path]
    index: Path | None


def _read_measurement(folder: Path) -> dict[str, Any] | None:
    path = folder / "measurement.json"
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg}). "
                           "Regenerate it with 'semwb fit'.") from exc
    return data


def _measurement_beside(folder: Path, results: Results) -> dict[str, Any] | None:
    """What a ``measurement.json`` beside the results adds to the tables they carry.

    A fit computes measurement quality on the data it fitted; a measurement.json lying beside
    it (from 'semwb score' or an older run) only fills in tables the results do not carry.
    """
    carried = {"constructs": results.measurement, "htmt": results.htmt, **results.quality}
    stored = _read_measurement(folder) or {}
    return {k: v for k, v in stored.items() if not carried.get(k)} or None


def write_report(
    folder: str | Path, *, lang: str = "en", out: str | Path | None = None,
    templates: str | Path | None = None, instrument: InstrumentLike | None = None,
    instrument_for: InstrumentFor | None = None,
) -> Path:
    """Render the report of one results folder and write it (atomically).

    Parameters
    ----------
    folder
        A folder with ``results.json`` (and, optionally, ``measurement.json``).
    lang, templates, instrument
        As :func:`semwb.report.render_report`.
    instrument_for
        Without ``instrument``: called with the folder's results, returns the instrument to use
        (or None).
    out
        Where to write; ``<folder>/report.html`` (``report.zh.html`` for Chinese) by default.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(folder)
    results = read_results(path)
    if instrument is None and instrument_for is not None:
        instrument = instrument_for(results)
    measurement = _measurement_beside(path, results)
    html = render_report(results, lang=lang, instrument=instrument, measurement=measurement,
                         templates=templates, results_dir=str(folder))
    return atomic_write_text(Path(out) if out else path / report_filename(lang), html)


def tables_filename(lang: str, fmt: str) -> str:
    """The tables' file name beside ``results.json``: ``tables.docx``, ``tables.zh.xlsx``."""
    return f"tables.{fmt}" if check_lang(lang) == "en" else f"tables.{lang}.{fmt}"


def write_tables(
    folder: str | Path, *, formats: Sequence[str], lang: str = "en",
    instrument: InstrumentLike | None = None, instrument_for: InstrumentFor | None = None,
) -> list[Path]:
    """Write every table of a results folder's report as Word and/or Excel, beside it.

    Parameters
    ----------
    folder
        A folder with ``results.json``.
    formats
        Some of ``docx``, ``xlsx``.
    lang, instrument, instrument_for
        As :func:`write_report`.
    """
    files = tables_of(folder, lang=lang, instrument=instrument, instrument_for=instrument_for)
    return [atomic_write_bytes(Path(folder) / tables_filename(lang, fmt), files[fmt])
            for fmt in formats]


def tables_of(folder: str | Path, *, lang: str = "en", instrument: InstrumentLike | None = None,
              instrument_for: InstrumentFor | None = None) -> dict[str, bytes]:
    """Every table of a results folder's report: ``{"docx": bytes, "xlsx": bytes}``.

    ``instrument`` and ``instrument_for`` as :func:`write_report`.
    """
    path = Path(folder)
    results = read_results(path)
    if instrument is None and instrument_for is not None:
        instrument = instrument_for(results)
    return table_files(results, lang=lang, instrument=instrument,
                       measurement=_measurement_beside(path, results))


def report_of(folder: str | Path, *, lang: str = "en",
              instrument: InstrumentLike | None = None) -> str:
    """The report of a results folder as a string, naming no folder in its provenance (for a
    server that keeps results under paths of its own)."""
    path = Path(folder)
    results = read_results(path)
    return render_report(results, lang=lang, instrument=instrument,
                         measurement=_measurement_beside(path, results))


def refresh_other_languages(
    folder: str | Path, *, lang: str, instrument: InstrumentLike | None = None,
) -> list[Path]:
    """Rewrite what an earlier run left in ``folder`` beside a new ``results.json``.

    The reports in languages other than ``lang`` and the Word/Excel tables (any language) that
    exist already: a new fit rewrites ``results.json``, and files from an earlier run would
    then describe other numbers. Returns the files rewritten.
    """
    path = Path(folder)
    reports = [write_report(path, lang=other, instrument=instrument) for other in LANGS
               if other != lang and (path / report_filename(other)).is_file()]
    tables = []
    for table_lang in LANGS:
        formats = [fmt for fmt in ("docx", "xlsx")
                   if (path / tables_filename(table_lang, fmt)).is_file()]
        if formats:
            tables += write_tables(path, formats=formats, lang=table_lang, instrument=instrument)
    return reports + tables


def results_folders(folder: str | Path) -> list[Path]:
    """``[folder]`` when it holds ``results.json``, else its subfolders that do, sorted.

    Raises
    ------
    ResultsError
        When there is none, neither directly nor one level down.
    """
    root = Path(folder)
    if (root / "results.json").is_file():
        return [root]
    children = sorted(p.parent for p in root.glob("*/results.json")) if root.is_dir() else []
    if not children:
        raise ResultsError(
            f"{root}: no results.json here nor in its subfolders. "
            f"Run 'semwb fit SPEC --out {root}' or 'semwb batch models/ --out {root}' first."
        )
    return children


def write_reports(
    folder: str | Path, *, lang: str = "en", out: str | Path | None = None,
    templates: str | Path | None = None, instrument: InstrumentLike | None = None,
    instrument_for: InstrumentFor | None = None,
) -> Written:
    """Write the report of a results folder, or of every results folder inside it plus an index.

    Parameters are those of :func:`write_report`; ``instrument_for`` is asked once per folder.

    Raises
    ------
    ResultsError
        When ``folder`` holds no ``results.json``, neither directly nor one level down.
    """
    root = Path(folder)
    children = results_folders(root)
    if children == [root]:
        return Written([write_report(root, lang=lang, out=out, templates=templates,
                                     instrument=instrument, instrument_for=instrument_for)], None)
    reports = [write_report(child, lang=lang, templates=templates, instrument=instrument,
                            instrument_for=instrument_for)
               for child in children]
    return Written(reports, write_index(root, children, reports, lang=lang, out=out,
                                        templates=templates))


def write_index(
    root: str | Path, folders: list[Path], reports: list[Path], *, lang: str = "en",
    out: str | Path | None = None, templates: str | Path | None = None,
) -> Path:
    """Write the index page across results folders, linking each one's written report.

    Parameters
    ----------
    root
        The folder the index goes in (``index.html``, ``index.zh.html`` for Chinese).
    folders, reports
        Each results folder and its report file, in the order to list them.
    lang, out, templates
        As :func:`write_reports`.
    """
    index_path = Path(out) if out else Path(root) / index_filename(lang)
    links = [Path(os.path.relpath(r, index_path.parent)).as_posix() for r in reports]
    html = render_index([read_results(f) for f in folders], lang=lang, links=links,
                        templates=templates)
    return atomic_write_text(index_path, html)
