"""``semwb report``: write the HTML report (and index) of fitted results."""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from semwb.cli.app import LangOption, app, console
from semwb.errors import OptionError


@app.command("report", short_help="Write the HTML report (or Word/Excel tables) of results.")
def report(
    results_dir: Annotated[Path, typer.Argument(
        metavar="RESULTS_DIR",
        help="A folder with results.json, or a folder of such folders (makes an index too).")],
    lang: LangOption = "en",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default: report.html beside results.json, or index.html)."
    )] = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="Folder of templates that override the packaged ones.")] = None,
    instrument: Annotated[Path | None, typer.Option(
        "--instrument", help="Instrument YAML, for construct names and item wording.")] = None,
    formats: Annotated[str, typer.Option(
        "--format", help="Comma-separated: html (the report), docx and xlsx (every table, "
                         "numbered, for Word and Excel), beside each results.json.")] = "html",
) -> None:
    """Write the HTML report of fitted results (one file, opens offline), or its tables."""
    from semwb.pipeline import recorded_instrument
    from semwb.report.writer import results_folders, write_reports, write_tables

    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in ("html", "docx", "xlsx")]
    if unknown or not chosen:
        raise OptionError(f"--format takes html, docx, xlsx (comma-separated); got '{formats}'.")

    loaded = None
    if instrument is not None:
        from semwb.survey.instrument import load_instrument

        loaded = load_instrument(instrument)
    paths: list[Path] = []
    if "html" in chosen:
        written = write_reports(results_dir, lang=lang, out=out, templates=templates,
                                instrument=loaded, instrument_for=recorded_instrument)
        paths += [*written.reports, *([written.index] if written.index else [])]
    tables = [f for f in chosen if f != "html"]
    if tables:
        for folder in results_folders(results_dir):
            paths += write_tables(folder, formats=tables, lang=lang, instrument=loaded,
                                  instrument_for=recorded_instrument)
    for path in paths:
        console.print(Text(f"wrote {path}"), highlight=False)
