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
import sys
from importlib import import_module

import typer
from rich.text import Text
from typer.main import get_command_name

from semwb.cli.app import ONE_COMMAND, app, err_console
from semwb.errors import SemwbError

__all__ = ["COMMANDS", "app", "main", "narrowed"]

#: The command modules, in the order ``semwb --help`` lists them; each registers itself on ``app``.
COMMANDS = ("score", "fit", "report", "batch", "demo", "simulate", "serve", "user", "efa",
            "aggregate", "correlate", "impute", "predict", "portfolio", "modindices", "compare",
            "discriminant", "reliability", "cmv", "power", "invariance")
for _name in COMMANDS:
    import_module(f"semwb.cli.{_name}")


def narrowed(args: list[str]) -> typer.Typer:
    """:data:`app` with only the command ``args`` starts with, when it names one, else all of it.

    Typer builds every registered command's options from its signature on each run (about
    50 ms for the 21 commands); ``semwb fit ...`` needs only ``fit``'s. The command behaves
    as in the whole application (same options, help and messages); ``semwb --help``, ``--version``
    and a mistyped command get the whole application.
    """
    name = args[0] if args else ""
    commands = [c for c in app.registered_commands if c.callback is not None
                and (c.name or get_command_name(c.callback.__name__)) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    narrow = copy.copy(app)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return narrow


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    ONE_COMMAND["process"] = True
    try:
        narrowed(sys.argv[1:])(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        message = Text("semwb: error: ", style="bold red") + Text(str(exc))
        err_console.print(message, highlight=False, soft_wrap=True)  # one line, even in a pipe
        sys.exit(1)
    finally:  # main() called in a long-lived process (a test) leaves it as it was
        ONE_COMMAND["process"] = False
