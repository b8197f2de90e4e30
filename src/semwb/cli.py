"""The ``semwb`` command: a thin face over the library.

Each command parses its options, calls library functions, writes files and prints. It catches
:class:`~semwb.errors.SemwbError` only (one line, exit code 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import os
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


@app.command()
def batch(
    models: Annotated[Path, typer.Argument(help="Folder of model specs.")] = Path("models"),
    data: Annotated[Path | None, typer.Option(
        "--data", help="Data file for every spec, replacing each spec's own 'data'.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, help="Local worker processes (default: one per CPU core).")
    ] = os.cpu_count() or 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Fit on a Dask cluster instead, e.g. tcp://10.0.0.5:8786.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Refit models that are up to date.")
    ] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the reports: en or zh.")
    ] = "en",
) -> None:
    """Fit every spec in MODELS; skip those up to date; exit code = number of failed models."""
    from semwb.batch import run_batch
    from semwb.batch.console import RichEvents, sigterm_as_interrupt, summary_table

    try:
        with sigterm_as_interrupt(), RichEvents(console) as events:
            summary = run_batch(models, out=out, data=data, jobs=jobs, scheduler=scheduler,
                                force=force, lang=lang, events=events)
    except KeyboardInterrupt:
        err_console.print("semwb: batch interrupted; finished models are kept. Run the same "
                          "command again to fit the rest.", highlight=False)
        raise typer.Exit(130) from None
    console.print(summary_table(summary))
    raise typer.Exit(summary.exit_code)


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)
