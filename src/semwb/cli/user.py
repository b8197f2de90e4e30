"""``semwb user``: manage the web workbench's accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from semwb.cli.app import DataDirOption, app, console

user_app = typer.Typer(help="Manage the web workbench's accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The new account's user name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a web workbench account (the password is asked for, or read from stdin)."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import add_user
    from semwb.web.names import PASSWORD_RULE
    from semwb.web.store import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password ({PASSWORD_RULE})", hide_input=True,
                                confirmation_prompt=True)
    store = Store(data_dir or default_data_dir())
    user = add_user(store, name, password)
    console.print(f"semwb: account {user.name!r} created in {store.data_dir}")
