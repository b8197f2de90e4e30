"""Removing an account (``semwb user remove``): what goes with it and what stays.

The account, its sessions and its memberships go. What it did in other people's projects stays
with those projects: its uploads are kept (no longer counted to anyone's quota) and its share
links keep working, passed to the project's owner, who can revoke them. Projects it owns go only
when asked (``with_projects``), with their files, models, runs and share links; the caller
removes their bytes from disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from semwb.web.store.accounts import User
from semwb.web.store.db import Database


@dataclass(frozen=True)
class Removed:
    """What a removal deleted: the projects (by name), and the uploads' stored names and the
    run ids whose files the caller deletes from disk."""

    projects: tuple[str, ...]
    stored_names: tuple[str, ...]
    run_ids: tuple[str, ...]


def owned_projects(db: Database, user: User) -> list[tuple[str, str]]:
    """The ``(id, name)`` of every project ``user`` owns, by name."""
    with db.connect() as conn:
        rows = conn.execute("SELECT id, name FROM projects WHERE owner_id = ? ORDER BY name",
                            (user.id,)).fetchall()
    return [(row["id"], row["name"]) for row in rows]


def active_runs(db: Database, project_ids: list[str]) -> int:
    """How many runs of these projects are queued or running."""
    marks = ", ".join("?" * len(project_ids))
    with db.connect() as conn:
        return int(conn.execute(
            f"SELECT COUNT(*) FROM runs WHERE project_id IN ({marks})"
            " AND status IN ('queued', 'running')", project_ids).fetchone()[0])


def remove_user(db: Database, user: User, *, with_projects: bool) -> Removed:
    """Delete ``user`` in one transaction (see the module's note for what stays).

    Raises
    ------
    sqlite3.IntegrityError
        When the user owns projects and ``with_projects`` is False (the caller checks first).
    """
    with db.connect() as conn:
        projects = conn.execute("SELECT id, name FROM projects WHERE owner_id = ? ORDER BY name",
                                (user.id,)).fetchall()
        ids = [row["id"] for row in projects] if with_projects else []
        marks = ", ".join("?" * len(ids))
        stored = [row["stored_name"] for row in conn.execute(
            f"SELECT stored_name FROM files WHERE project_id IN ({marks})", ids)]
        runs = [row["id"] for row in conn.execute(
            f"SELECT id FROM runs WHERE project_id IN ({marks})", ids)]
        conn.execute(f"DELETE FROM projects WHERE id IN ({marks})", ids)
        conn.execute("UPDATE files SET uploaded_by = NULL WHERE uploaded_by = ?", (user.id,))
        conn.execute(
            "UPDATE shares SET created_by = (SELECT p.owner_id FROM runs r JOIN projects p"
            " ON p.id = r.project_id WHERE r.id = shares.run_id) WHERE created_by = ?",
            (user.id,))
        conn.execute("DELETE FROM users WHERE id = ?", (user.id,))  # sessions, memberships
    return Removed(tuple(row["name"] for row in projects) if with_projects else (),
                   tuple(stored), tuple(runs))
