"""``semwb`` (the console script) and ``python -m semwb``: the command line, started with the
cyclic garbage collector paused.

Importing typer and rich allocates tens of thousands of objects that live until the process
exits; with the collector on, CPython runs about forty collections over them during those
imports (10-15 ms of CPU, a twentieth of ``semwb --help``). :func:`semwb.cli.main` keeps the
pause while typer builds and parses the command and ends it (freeze, then collect as usual)
when the command starts; see there.

pydantic looks for plugins the first time it builds a validator by scanning the entry points of
every installed distribution (about 11 ms of CPU); the command asks it not to, with pydantic's
documented ``PYDANTIC_DISABLE_PLUGINS`` (a value the user set is kept): semwb's own models are
not the user's application for plugins such as logfire's to observe.
"""

from __future__ import annotations

import gc
import os


def main() -> None:
    """Run the ``semwb`` command line, the collector paused from the start."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    collecting = gc.isenabled()
    gc.disable()
    from semwb.cli import main as command_line

    command_line(collecting=collecting)


if __name__ == "__main__":
    main()
