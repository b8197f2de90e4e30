"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from semwb import __version__
from semwb.errors import SemwbError

app = typer.Typer(
    name="semwb",
    help="Structural equation modeling workbench for survey research.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"semwb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Structural equation modeling workbench for survey research."""


@app.command("report")
def report(
    results_dir: Annotated[Path, typer.Argument(
        help="A folder with results.json, or a folder of such folders (makes an index too).")],
    lang: Annotated[str, typer.Option("--lang", help="Report language: en or zh.")] = "en",
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


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)
