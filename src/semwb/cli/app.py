"""The ``semwb`` Typer application, its consoles and the options several commands share.

Command modules import :data:`app` from here and register themselves on it; importing
:mod:`semwb.cli` imports them all, in the order ``semwb --help`` lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from semwb import __version__

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


LangOption = Annotated[str, typer.Option("--lang", help="Report language: en or zh.")]
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Store of the web app (default: $XDG_DATA_HOME/semwb, else "
    "~/.local/share/semwb).")]
