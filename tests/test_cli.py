"""The command's own behaviour: version, help, and one-line errors without a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from semwb import __version__
from semwb.cli import COMMANDS, app


def run_semwb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from semwb.cli import main; main()", *args],
        capture_output=True, text=True, check=False,
    )


def test_version_is_printed() -> None:
    done = run_semwb("--version")
    assert done.returncode == 0
    assert __version__ in done.stdout


def _at_80_columns(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; sys.argv[0] = 'semwb'; from semwb.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=False, env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"})


def _commands(help_text: str) -> dict[str, str]:
    """The ``Commands:`` section of a help page: each command's name and its one-line help."""
    section = help_text.split("Commands:\n", 1)[1]
    return dict(line.strip().split(maxsplit=1) for line in section.splitlines() if line.strip())


def test_help_is_plain_text_and_lists_each_command_whole_at_80_columns() -> None:
    """Plain help (no rich panels, so no rich.markdown import): at 80 columns every command's
    short help fits its line instead of being cut with '...'."""
    done = _at_80_columns("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: semwb [OPTIONS] COMMAND [ARGS]...")
    assert "╭" not in done.stdout
    listed = _commands(done.stdout)
    assert sorted(listed) == sorted(COMMANDS)
    assert not [name for name, text in listed.items() if text.endswith("...")]
    user = _at_80_columns("user", "--help")
    assert list(_commands(user.stdout)) == ["add", "passwd", "list", "remove"]
    assert not [text for text in _commands(user.stdout).values() if text.endswith("...")]


@pytest.mark.parametrize(("args", "usage"), [
    (["fit"], "semwb fit [OPTIONS] {SPEC}"),
    (["score"], "semwb score [OPTIONS] {INSTRUMENT} {RESPONSES}"),
    (["compare"], "semwb compare [OPTIONS] {SPECS}..."),
    (["batch"], "semwb batch [OPTIONS] [MODELS]"),
    (["report"], "semwb report [OPTIONS] {RESULTS_DIR}"),
    (["user", "remove"], "semwb user remove [OPTIONS] {NAME}"),
])
def test_arguments_are_named_in_capitals_in_help(args: list[str], usage: str) -> None:
    done = CliRunner().invoke(app, [*args, "--help"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Usage: {usage}\n")
    assert "Arguments:\n" in done.output


def test_every_command_has_plain_help() -> None:
    for name in COMMANDS:
        done = CliRunner().invoke(app, [name, "--help"])
        assert done.exit_code == 0, (name, done.output)
        assert done.output.startswith(f"Usage: semwb {name} [OPTIONS]"), name
        assert "╭" not in done.output, name
        assert "Options:\n" in done.output, name


def test_a_usage_error_is_click_plain_text() -> None:
    done = _at_80_columns("fit")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Usage: semwb fit [OPTIONS] {SPEC}",
                                        "Try 'semwb fit --help' for help.", "",
                                        "Error: Missing argument 'SPEC'."]


def test_command_signatures_are_evaluated_once_at_import() -> None:
    """typer reads each command's signature twice per build, through ``inspect.signature``
    and ``get_type_hints``: string annotations (``from __future__ import annotations``) were
    compiled and evaluated four times each, 40-60 ms of every ``semwb --help``."""
    callbacks = [c.callback for c in app.registered_commands]
    callbacks += [c.callback for g in app.registered_groups if g.typer_instance
                  for c in g.typer_instance.registered_commands]
    assert app.registered_callback is not None
    callbacks.append(app.registered_callback.callback)
    assert len(callbacks) == len(COMMANDS) - 1 + 4 + 1  # user's four subcommands
    for callback in callbacks:
        assert callback is not None
        strings = [name for name, value in callback.__annotations__.items()
                   if isinstance(value, str)]
        assert strings == [], (callback.__name__, strings)
