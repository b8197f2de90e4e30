"""``semwb user``: manage the web workbench's accounts."""

import sys
from typing import Annotated

import typer

from semwb.cli.app import DataDirOption, app, console

user_app = typer.Typer(help="Manage the web workbench's accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add", short_help="Create a web workbench account.")
def user_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new account's user name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a web workbench account (the password is asked for, or read from stdin)."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import add_user
    from semwb.web.store import Store

    store = Store(data_dir or default_data_dir())
    user = add_user(store, name, _password(password_stdin))
    console.print(f"semwb: account {user.name!r} created in {store.data_dir}")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The account's user name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the new password from the first line of stdin.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Set a new password for an account and sign it out everywhere."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import set_password
    from semwb.web.store import Store

    store = Store(data_dir or default_data_dir())
    user = set_password(store, name, _password(password_stdin))
    console.print(f"semwb: new password for {user.name!r}; its sessions are ended")


@user_app.command("list")
def user_list(data_dir: DataDirOption = None) -> None:
    """List the web workbench's accounts with the date each was created."""
    import time

    from semwb.web.app import default_data_dir
    from semwb.web.store import Store

    store = Store(data_dir or default_data_dir())
    users = store.accounts.list_users()
    for user, created in users:
        console.print(f"{user.name}  created {time.strftime('%Y-%m-%d', time.gmtime(created))}",
                      highlight=False, markup=False)
    if not users:
        console.print(f"semwb: no accounts in {store.data_dir}; 'semwb user add NAME' makes one")


@user_app.command(
    "remove", short_help="Remove an account (its projects with --delete-projects).")
def user_remove(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The account's user name.")],
    delete_projects: Annotated[bool, typer.Option(
        "--delete-projects", help="Also delete the projects the account owns, with their "
        "uploads, models, runs and share links (without it, such an account is kept).")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Remove an account: its sessions and memberships end; its uploads and share links in
    other people's projects stay with those projects. An account that owns projects is kept
    unless --delete-projects is given."""
    from semwb.web.app import default_data_dir
    from semwb.web.auth import remove_account
    from semwb.web.store import Store

    store = Store(data_dir or default_data_dir())
    removed = remove_account(store, name, with_projects=delete_projects)
    console.print(f"semwb: account {name!r} removed; its sessions are ended", highlight=False,
                  markup=False)
    if removed.projects:
        console.print(f"semwb: deleted its {len(removed.projects)} project(s): "
                      + ", ".join(removed.projects), highlight=False, markup=False)


def _password(from_stdin: bool) -> str:
    """The password from stdin's first line, or asked for twice without echo."""
    from semwb.web.names import PASSWORD_RULE

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(f"Password ({PASSWORD_RULE})", hide_input=True,
                            confirmation_prompt=True))
