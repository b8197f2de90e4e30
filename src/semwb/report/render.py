"""Render reports to HTML strings; the caller writes them (``semwb report``, ``fit``, ``batch``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from semwb.report.context import build_report_context
from semwb.report.environment import get_environment
from semwb.report.i18n import check_lang
from semwb.report.index import build_index_context
from semwb.report.labels import InstrumentLike, labels_from_instrument
from semwb.results import Results


def render_report(
    results: Results,
    *,
    lang: str = "en",
    instrument: InstrumentLike | None = None,
    measurement: Mapping[str, Any] | None = None,
    templates: str | Path | None = None,
    results_dir: str | None = None,
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
    return get_environment(templates).get_template("report.html").render(context)


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
    language = check_lang(lang)
    hrefs: list[str | None] = (list(links) if links is not None
                               else [f"{r.model}/report.html" for r in results_list])
    context = build_index_context(list(results_list), hrefs, lang=language)
    return get_environment(templates).get_template("index.html").render(context)
