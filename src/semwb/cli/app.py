"""The ``semwb`` Typer application, its consoles and the options several commands share.

Command modules import :data:`app` from here and register themselves on it; importing
:mod:`semwb.cli` imports them all, in the order ``semwb --help`` lists them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from semwb import __version__
from semwb.cli.allocator import keep_freed_memory

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


#: True in a process that runs one command and exits (the console script, :func:`semwb.cli.main`);
#: False when a command is called in a longer-lived process (tests, an embedding program).
ONE_COMMAND = {"process": False}


@contextmanager
def library_imports() -> Iterator[None]:
    """Import a command's library modules with the cyclic garbage collector paused, then freeze.

    numpy, scipy, pandas, pydantic and semwb leave about a million long-lived objects (modules,
    classes, functions); with the collector on, CPython scans them again in every full
    collection, during the imports and again during the fit: a fifth of ``semwb fit``'s CPU
    time (bench/README.md, issue 10). In a one-command process they live until it exits, so
    ``gc.freeze`` moves them out of the collector's reach; what is allocated afterwards is
    collected as usual, and an object frozen here is still freed when nothing refers to it. In
    any other process (:data:`ONE_COMMAND` false) this does nothing. The process also keeps
    freed memory for reuse (:func:`semwb.cli.allocator.keep_freed_memory`).
    """
    if not ONE_COMMAND["process"] or not gc.isenabled():
        yield
        return
    keep_freed_memory()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
