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

import sys
from importlib import import_module

from rich.text import Text

from semwb.cli.app import app, err_console
from semwb.errors import SemwbError

__all__ = ["COMMANDS", "app", "main"]

#: The command modules, in the order ``semwb --help`` lists them; each registers itself on ``app``.
COMMANDS = ("score", "fit", "report", "batch", "demo", "simulate", "serve", "user", "efa",
            "aggregate", "correlate", "impute", "predict", "portfolio", "modindices", "compare",
            "discriminant", "reliability", "cmv", "power", "invariance")
for _name in COMMANDS:
    import_module(f"semwb.cli.{_name}")


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        message = Text("semwb: error: ", style="bold red") + Text(str(exc))
        err_console.print(message, highlight=False, soft_wrap=True)  # one line, even in a pipe
        sys.exit(1)
