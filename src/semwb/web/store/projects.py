"""Projects and what they hold: members, uploaded files and saved models.

Uploaded files never take a user's file name as a path: the bytes live at
``<data>/files/<id><ext>`` (:meth:`semwb.web.store.Store.file_path`); this module keeps their rows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from semwb.web.store.accounts import User
from semwb.web.store.db import Database, new_id


class QuotaExceededError(Exception):
    """An upload that would take its uploader past the quota; ``used`` is what they have."""

    def __init__(self, used: int) -> None:
        super().__init__(used)
        self.used = used


def _bytes_uploaded_by(conn: sqlite3.Connection, user_id: int | None) -> int:
    row = conn.execute("SELECT COALESCE(SUM(size), 0) FROM files WHERE uploaded_by = ?",
                       (user_id,)).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Project:
    """A project: owned by one user, visible to its owner and members."""

    id: str
    name: str
    owner: User
    created: float


@dataclass(frozen=True)
class StoredFile:
    """An uploaded instrument or response file and the outcome of its validation."""

    id: str
    project_id: str
    kind: str
    original_name: str
    stored_name: str
    size: int
    sha256: str
    ok: bool
    message: str
    summary: dict[str, Any]
    instrument_id: str | None
    created: float
    uploaded_by: int | None = None


@dataclass(frozen=True)
class Model:
    """A model saved in a project: a name, its lavaan syntax and, for a model started from a
    stored spec, that spec's ``title``, ``hypotheses`` and ``missing`` rule (``spec``)."""

    id: str
    project_id: str
    name: str
    syntax: str
    updated: float
    spec: dict[str, Any] = field(default_factory=dict)


_PROJECT_SELECT = (
    "SELECT p.id, p.name, p.created, u.id AS uid, u.name AS uname FROM projects p "
    "JOIN users u ON u.id = p.owner_id "
)
_VISIBLE = (
    "(p.owner_id = :uid OR EXISTS (SELECT 1 FROM members m "
    "WHERE m.project_id = p.id AND m.user_id = :uid))"
)


def _project(row: sqlite3.Row) -> Project:
    return Project(row["id"], row["name"], User(row["uid"], row["uname"]), row["created"])


def _file(row: sqlite3.Row) -> StoredFile:
    return StoredFile(
        id=row["id"], project_id=row["project_id"], kind=row["kind"],
        original_name=row["original_name"], stored_name=row["stored_name"], size=row["size"],
        sha256=row["sha256"], ok=bool(row["ok"]), message=row["message"],
        summary=json.loads(row["summary"]), instrument_id=row["instrument_id"],
        created=row["created"], uploaded_by=row["uploaded_by"],
    )


class Projects:
    """Projects, members, uploads and models in one store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- projects and members -------------------------------------------------------------------
    def create_project(self, name: str, owner: User) -> Project:
        """Create a project owned by ``owner``."""
        project = Project(id=new_id(), name=name, owner=owner, created=time.time())
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO projects (id, name, owner_id, created) VALUES (?, ?, ?, ?)",
                (project.id, name, owner.id, project.created),
            )
        return project

    def projects_for(self, user: User) -> list[Project]:
        """Return the projects ``user`` owns or is a member of, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                _PROJECT_SELECT + f"WHERE {_VISIBLE} ORDER BY p.created DESC", {"uid": user.id},
            ).fetchall()
        return [_project(r) for r in rows]

    def project_for(self, project_id: str, user: User) -> Project | None:
        """Return the project when ``user`` may see it, else None (the caller answers 404)."""
        with self.db.connect() as conn:
            row = conn.execute(
                _PROJECT_SELECT + f"WHERE p.id = :pid AND {_VISIBLE}",
                {"uid": user.id, "pid": project_id},
            ).fetchone()
        return None if row is None else _project(row)

    def members(self, project_id: str) -> list[User]:
        """Return the members of a project (not counting its owner), by name."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT u.id, u.name FROM members m JOIN users u ON u.id = m.user_id "
                "WHERE m.project_id = ? ORDER BY u.name", (project_id,),
            ).fetchall()
        return [User(r["id"], r["name"]) for r in rows]

    def add_member(self, project_id: str, user: User) -> None:
        """Let ``user`` see and work in the project (idempotent)."""
        with self.db.connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO members (project_id, user_id) VALUES (?, ?)",
                (project_id, user.id),
            )

    def remove_member(self, project_id: str, user_id: int) -> None:
        """Take a member out of a project."""
        with self.db.connect() as conn:
            conn.execute(
                "DELETE FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id)
            )

    # -- uploaded files -------------------------------------------------------------------------
    def add_file(self, stored: StoredFile, *, quota: int | None = None) -> None:
        """Record an uploaded file (already written under the store's ``files_dir``).

        With ``quota``, the uploader's recorded bytes are summed and the row inserted in one
        write transaction (``BEGIN IMMEDIATE``), so two uploads made at once, even by two server
        processes, cannot both pass a quota that only one of them fits; :class:`QuotaExceededError`
        (nothing recorded) when this file would take the uploader past ``quota`` bytes.
        """
        with self.db.connect() as conn:
            if quota is not None:
                conn.execute("BEGIN IMMEDIATE")
                used = _bytes_uploaded_by(conn, stored.uploaded_by)
                if used + stored.size > quota:
                    raise QuotaExceededError(used)
            conn.execute(
                "INSERT INTO files (id, project_id, kind, original_name, stored_name, size, sha256,"
                " ok, message, summary, instrument_id, created, uploaded_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (stored.id, stored.project_id, stored.kind, stored.original_name,
                 stored.stored_name, stored.size, stored.sha256, int(stored.ok), stored.message,
                 json.dumps(stored.summary), stored.instrument_id, stored.created,
                 stored.uploaded_by),
            )

    def bytes_uploaded_by(self, user_id: int) -> int:
        """Return the bytes of every upload ``user_id`` made (what counts against a quota)."""
        with self.db.connect() as conn:
            return _bytes_uploaded_by(conn, user_id)

    def files(self, project_id: str, kind: str) -> list[StoredFile]:
        """Return a project's uploads of one kind, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM files WHERE project_id = ? AND kind = ? ORDER BY created DESC",
                (project_id, kind),
            ).fetchall()
        return [_file(r) for r in rows]

    def get_file(self, project_id: str, file_id: str) -> StoredFile | None:
        """Return one upload of a project, or None."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT * FROM files WHERE project_id = ? AND id = ?", (project_id, file_id)
            ).fetchone()
        return None if row is None else _file(row)

    # -- models ---------------------------------------------------------------------------------
    def save_model(self, project_id: str, name: str, syntax: str,
                   model_id: str | None = None, spec: dict[str, Any] | None = None) -> Model:
        """Create a model, or replace the name and syntax of ``model_id``.

        ``spec`` (the stored spec's keys the model keeps) replaces the model's; None keeps them.
        """
        model = Model(model_id or new_id(), project_id, name, syntax, time.time(), spec or {})
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO models (id, project_id, name, syntax, updated, spec)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET name = excluded.name, syntax = excluded.syntax,"
                " updated = excluded.updated"
                + (", spec = excluded.spec" if spec is not None else ""),
                (model.id, project_id, name, syntax, model.updated, json.dumps(spec or {})),
            )
        return model

    def models(self, project_id: str) -> list[Model]:
        """Return a project's models by name."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM models WHERE project_id = ? ORDER BY name", (project_id,)
            ).fetchall()
        return [Model(r["id"], r["project_id"], r["name"], r["syntax"], r["updated"],
                      json.loads(r["spec"])) for r in rows]

    def get_model(self, project_id: str, model_id: str) -> Model | None:
        """Return one model of a project, or None."""
        return next((m for m in self.models(project_id) if m.id == model_id), None)
