"""The ``semwb`` Typer application, its consoles and the options several commands share.

Command modules import :data:`app` from here and register themselves on it; importing
:mod:`semwb.cli` imports them all, in the order ``semwb --help`` lists them.
"""

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from semwb.cli.allocator import keep_freed_memory

app = typer.Typer(
    name="semwb",
    help="Structural equation modeling workbench for survey research.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console()
err_console = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from semwb import __version__

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
#: BLAS thread settings read when numpy loads its BLAS (those batch workers set too).
_ONE_BLAS_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def library_imports() -> Iterator[None]:
    """Import a command's library modules on one BLAS thread, with the cyclic garbage
    collector paused, then freeze.

    numpy, scipy, pandas, pydantic and semwb leave about a million long-lived objects (modules,
    classes, functions); with the collector on, CPython scans them again in every full
    collection, during the imports and again during the fit: a fifth of ``semwb fit``'s CPU
    time (bench/README.md, issue 10). In a one-command process they live until it exits, so
    ``gc.freeze`` moves them out of the collector's reach; what is allocated afterwards is
    collected as usual, and an object frozen here is still freed when nothing refers to it. In
    any other process (:data:`ONE_COMMAND` false) this does nothing.

    semwb's matrices are small, and every fit already runs its BLAS calls on one thread
    (:func:`semwb.sem.blas.one_blas_thread` in :func:`semwb.sem.estimate.fit_model`, as batch
    workers do for their whole process). OpenBLAS's own thread pool costs CPU even so: its
    threads spin after they start and after each call (a 31 x 31 ``eigh`` outside a fit took
    11 ms of CPU instead of 0.2 ms), about a quarter of a second per command (issue 10 (b),
    bench/README.md). Before numpy loads, the one-command process asks for one BLAS thread
    (a value the user set is kept) and keeps freed memory for reuse
    (:func:`semwb.cli.allocator.keep_freed_memory`).
    """
    if not ONE_COMMAND["process"] or not gc.isenabled():
        yield
        return
    for name in _ONE_BLAS_THREAD:
        os.environ.setdefault(name, "1")
    keep_freed_memory()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
