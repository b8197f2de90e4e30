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


def main() -> None:
    """Entry point of the ``semwb`` console script."""
    try:
        app(standalone_mode=True)
    except SemwbError as exc:
        # The message may quote user text with brackets: never let rich read it as markup.
        err_console.print(Text("semwb: error: ", style="bold red") + Text(str(exc)), highlight=False)
        sys.exit(1)


user_app = typer.Typer(help="Manage the web workbench's accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
DataDirOption = Annotated[Path | None, typer.Option(
    "--data-dir", help="Store of the web app [default: $XDG_DATA_HOME/semwb].")]


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    data_dir: DataDirOption = None,
    scheduler: str | None = typer.Option(
        None, help="Dask scheduler address to run analyses on (default: local processes)."),
    workers: int = typer.Option(1, min=1, help="Local worker processes for analyses."),
    models: Annotated[Path, typer.Option(
        help="Folder of model specs offered as starting points.")] = Path("models"),
    max_upload_mb: float = typer.Option(50.0, min=0.001, help="Largest upload accepted, in MB."),
) -> None:
    """Start the web workbench (researchers upload, validate, run and share reports)."""
    from semwb.web.app import Settings, default_data_dir
    from semwb.web.app import serve as serve_app

    settings = Settings(
        data_dir=data_dir or default_data_dir(), max_upload_bytes=int(max_upload_mb * 1_000_000),
        models_dir=models, scheduler=scheduler, workers=workers,
    )
    console.print(f"semwb: data in {settings.data_dir}; open http://{host}:{port}/")
    serve_app(settings, host=host, port=port)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="The new account's user name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."),
    data_dir: DataDirOption = None,
) -> None:
    """Create a web workbench account (the password is asked for, or read from stdin)."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import add_user
    from semwb.web.store import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = Store(data_dir or default_data_dir())
    user = add_user(store, name, password)
    console.print(f"semwb: account {user.name!r} created in {store.data_dir}")
