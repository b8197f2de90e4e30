"""Render reports to HTML strings; the caller writes them (``semwb report``, ``fit``, ``batch``)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from semwb.report.context import build_report_context
from semwb.report.environment import get_environment
from semwb.report.export import MEDIA_TYPES, tables_docx, tables_xlsx
from semwb.report.i18n import check_lang
from semwb.report.labels import InstrumentLike, labels_from_instrument
from semwb.report.tables import ReportTable, report_tables
from semwb.results import Results


def render_report(
    results: Results,
    *,
    lang: str = "en",
    instrument: InstrumentLike | None = None,
    measurement: Mapping[str, Any] | None = None,
    templates: str | Path | None = None,
    results_dir: str | None = None,
    downloads: bool = True,
) -> str:
    """Render one analysis as a self-contained HTML report.

    Parameters
    ----------
    results
        The analysis (``results.json``).
    lang
        ``"en"`` or ``"zh"``: headings, labels, sentences, and construct names from the instrument.
    instrument
        The instrument, for construct names and item wording; ids are shown without it.
    measurement
        ``measurement.json`` as a mapping, when it was written beside ``results.json``.
    templates
        A folder whose templates override the packaged ones.
    results_dir
        The results folder as the user names it, quoted in the re-render command.
    downloads
        Embed every table as a Word and an Excel file (``data:`` links; the page stays one
        file that makes no request).

    Returns
    -------
    str
        One HTML document: inline CSS and SVG, no script, no external resource. The same inputs
        give the same bytes (no clock is read).
    """
    language = check_lang(lang)
    labels = labels_from_instrument(instrument, language)
    context = build_report_context(results, lang=language, labels=labels,
                                   measurement=measurement, results_dir=results_dir)
    tables = report_tables(context)
    context["tables"] = {table.key: table for table in tables}
    context["downloads"] = table_downloads(tables, context) if downloads and tables else {}
    return get_environment(templates).get_template("report.html").render(context)


def table_files(results: Results, *, lang: str = "en",
                instrument: InstrumentLike | None = None,
                measurement: Mapping[str, Any] | None = None) -> dict[str, bytes]:
    """Every table of the report of ``results`` as ``{"docx": bytes, "xlsx": bytes}``."""
    language = check_lang(lang)
    context = build_report_context(results, lang=language,
                                   labels=labels_from_instrument(instrument, language),
                                   measurement=measurement)
    return _table_bytes(report_tables(context), context)


def _table_bytes(tables: list[ReportTable], context: Mapping[str, Any]) -> dict[str, bytes]:
    t = context["t"]
    labels = {"note_label": t["note_label"], "table_label": t["table"]}
    return {"docx": tables_docx(tables, title=context["title"], **labels),
            "xlsx": tables_xlsx(tables, lower=t["ci_lower"], upper=t["ci_upper"], **labels)}


def table_downloads(tables: list[ReportTable], context: Mapping[str, Any]) -> dict[str, str]:
    """``data:`` URIs of the Word and Excel files of ``tables``, keyed by format."""
    return {fmt: f"data:{MEDIA_TYPES[fmt]};base64,{base64.b64encode(data).decode('ascii')}"
            for fmt, data in _table_bytes(tables, context).items()}


def render_index(
    results_list: Sequence[Results],
    *,
    lang: str = "en",
    links: Sequence[str | None] | None = None,
    templates: str | Path | None = None,
) -> str:
    """Render the overview of many analyses: one row per model, and nested-model comparisons.

    Parameters
    ----------
    results_list
        The analyses, in the order to list them (failed ones, with ``error`` set, included).
    lang
        ``"en"`` or ``"zh"``.
    links
        Relative link to each model's report, in the same order; ``<model>/report.html`` when
        omitted, no link where ``None``.
    templates
        A folder whose templates override the packaged ones.
    """
    from semwb.report.index import build_index_context  # not loaded by a single report

    language = check_lang(lang)
    hrefs: list[str | None] = (list(links) if links is not None
                               else [f"{r.model}/report.html" for r in results_list])
    context = build_index_context(list(results_list), hrefs, lang=language)
    return get_environment(templates).get_template("index.html").render(context)
