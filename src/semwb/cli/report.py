"""``semwb report``: write the HTML report (and index) of fitted results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app, console


@app.command("report")
def report(
    results_dir: Annotated[Path, typer.Argument(
        help="A folder with results.json, or a folder of such folders (makes an index too).")],
    lang: LangOption = "en",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default: report.html beside results.json, or index.html)."
    )] = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="Folder of templates that override the packaged ones.")] = None,
    instrument: Annotated[Path | None, typer.Option(
        "--instrument", help="Instrument YAML, for construct names and item wording.")] = None,
) -> None:
    """Write the HTML report of fitted results (one file, opens offline)."""
    from semwb.report.writer import write_reports

    loaded = None
    if instrument is not None:
        from semwb.survey.instrument import load_instrument

        loaded = load_instrument(instrument)
    written = write_reports(results_dir, lang=lang, out=out, templates=templates,
                            instrument=loaded)
    for path in [*written.reports, *([written.index] if written.index else [])]:
        console.print(Text(f"wrote {path}"), highlight=False)
