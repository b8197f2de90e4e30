"""The ``semwb`` command: a thin face over the library.

One module per command (``score``, ``fit``, ``report``, ``batch``, ``demo``, ``simulate``,
``serve``, ``user``, ``efa``, ``aggregate``, ``correlate``, ``impute``, ``predict``,
``portfolio``, ``modindices``, ``compare``, ``discriminant``, ``reliability``, ``cmv``,
``power``, ``invariance``), the shared application in :mod:`semwb.cli.app` and the terminal
formatting in :mod:`semwb.cli.terminal`. Each command parses its options, calls library
functions, writes files and prints. :func:`main` catches :class:`~semwb.errors.SemwbError` only
(one line, exit code 1); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import copy
import functools
import gc
import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer
from rich.text import Text
from typer.main import get_command_name
from typer.models import CommandInfo

from semwb.cli.app import ONE_COMMAND, app, err_console
from semwb.errors import SemwbError

__all__ = ["COMMANDS", "app", "main", "narrowed"]

#: The command modules, in the order ``semwb --help`` lists them; each registers itself on ``app``.
COMMANDS = ("score", "fit", "report", "batch", "demo", "simulate", "serve", "user", "efa",
            "aggregate", "correlate", "impute", "predict", "portfolio", "modindices", "compare",
            "discriminant", "reliability", "cmv", "power", "invariance")
for _name in COMMANDS:
    import_module(f"semwb.cli.{_name}")


def narrowed(args: list[str], *, on_start: Callable[[], None] | None = None) -> typer.Typer:
    """:data:`app` with only the command ``args`` starts with, when it names one, else all of it.

    Typer builds every registered command's options from its signature on each run (about
    50 ms for the 21 commands); ``semwb fit ...`` needs only ``fit``'s. The command behaves
    as in the whole application (same options, help and messages); ``semwb --help``, ``--version``
    and a mistyped command get the whole application. ``on_start``, if given, is called when the
    named command starts running, after typer has parsed its options.
    """
    name = args[0] if args else ""
    commands = [c for c in app.registered_commands if c.callback is not None
                and (c.name or get_command_name(c.callback.__name__)) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    narrow = copy.copy(app)
    if on_start is not None:
        commands = _each_started(commands, on_start)
        groups = [copy.copy(g) for g in groups]
        for group in groups:  # semwb user add|passwd|list|remove
            if group.typer_instance is not None:
                group.typer_instance = copy.copy(group.typer_instance)
                group.typer_instance.registered_commands = _each_started(
                    group.typer_instance.registered_commands, on_start)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return narrow


def _each_started(commands: list[CommandInfo], on_start: Callable[[], None]
                  ) -> list[CommandInfo]:
    """Copies of ``commands`` whose callbacks call ``on_start()`` first."""
    started = [copy.copy(c) for c in commands]
    for command in started:
        command.callback = _started(command.callback, on_start)
    return started


def _started(callback: Callable[..., Any] | None,
             on_start: Callable[[], None]) -> Callable[..., Any] | None:
    """``callback`` calling ``on_start()`` first; same signature: typer reads the same options."""
    if callback is None:
        return None

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        on_start()
        return callback(*args, **kwargs)

    return run


def _resume_collector() -> None:
    """End the pause of :func:`main`: freeze what is allocated so far (typer, rich, pydantic
    and the command built), then collect as usual."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main(*, collecting: bool | None = None) -> None:
    """Run the command line (the ``semwb`` console script, through :func:`semwb.__main__.main`).

    The cyclic garbage collector is paused while typer builds the command and parses its
    options (typer 0.29 makes a pydantic ``TypeAdapter`` per option, importing pydantic): what
    is allocated then lives until the process exits. The command starts with those objects
    frozen and the collector on (:func:`_resume_collector`); ``fit`` pauses it again for its
    library imports (:func:`semwb.cli.app.library_imports`). A help page or a usage error ends
    the process while paused.

    Parameters
    ----------
    collecting
        Whether the collector was on when the process started; :mod:`semwb.__main__` pauses it
        before typer and rich are imported and says so here. By default: whether it is on now.
    """
    ONE_COMMAND["process"] = True
    if collecting is None:
        collecting = gc.isenabled()
    gc.disable()
    try:
        narrowed(sys.argv[1:], on_start=_resume_collector if collecting else None)(
            standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        message = Text("semwb: error: ", style="bold red") + Text(str(exc))
        err_console.print(message, highlight=False, soft_wrap=True)  # one line, even in a pipe
        sys.exit(1)
    finally:  # main() called in a long-lived process (a test) leaves it as it was
        ONE_COMMAND["process"] = False
        if collecting:
            gc.enable()
