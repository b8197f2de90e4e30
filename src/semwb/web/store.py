"""The web app's embedded store: one SQLite file in the data dir, plus files under generated ids.

Tables: users, sessions, projects, members, files (uploads), models, runs, shares. The schema is
created and migrated on open (``PRAGMA user_version`` counts the migrations applied). Every method
opens its own short connection, so the store can be used from request threads and from run worker
processes at once (WAL journal, busy timeout).

Uploaded and generated files never take a user's file name as a path: uploads live at
``<data>/files/<id><ext>`` and run outputs at ``<data>/runs/<run id>/``.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_NAME = "semwb.sqlite3"
SESSION_SECONDS = 14 * 24 * 3600

#: Run states. ``interrupted`` marks a run that was queued or running when the server stopped.
RUN_STATES = ("queued", "running", "done", "failed", "interrupted")

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE sessions (
        token TEXT PRIMARY KEY,
        user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires REAL NOT NULL
    );
    CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner_id INTEGER NOT NULL REFERENCES users(id),
        created REAL NOT NULL
    );
    CREATE TABLE members (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (project_id, user_id)
    );
    CREATE TABLE files (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('instrument', 'responses')),
        original_name TEXT NOT NULL,
        stored_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        ok INTEGER NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '{}',
        instrument_id TEXT REFERENCES files(id),
        created REAL NOT NULL
    );
    CREATE TABLE models (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        syntax TEXT NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        model_name TEXT NOT NULL,
        syntax TEXT NOT NULL,
        responses_id TEXT NOT NULL REFERENCES files(id),
        instrument_id TEXT NOT NULL REFERENCES files(id),
        options TEXT NOT NULL,
        status TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        started REAL,
        finished REAL
    );
    CREATE TABLE shares (
        token TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        created_by INTEGER NOT NULL REFERENCES users(id),
        created REAL NOT NULL,
        revoked REAL
    );
    """,
)


def new_id() -> str:
    """Return a fresh generated id (32 hex characters) for a project, file, model or run."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class User:
    """A researcher account."""

    id: int
    name: str


@dataclass(frozen=True)
class Session:
    """A server-side session; ``user`` is None before sign-in (it still carries a CSRF token)."""

    token: str
    user: User | None
    csrf: str


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


@dataclass(frozen=True)
class Model:
    """A model saved in a project: a name and its lavaan syntax."""

    id: str
    project_id: str
    name: str
    syntax: str
    updated: float


@dataclass(frozen=True)
class Run:
    """One analysis: a copy of the model syntax, its inputs, options, state and progress."""

    id: str
    project_id: str
    model_name: str
    syntax: str
    responses_id: str
    instrument_id: str
    options: dict[str, Any]
    status: str
    progress: float
    message: str
    created: float
    started: float | None
    finished: float | None


@dataclass(frozen=True)
class Share:
    """A read-only link to one run's report."""

    token: str
    run_id: str
    created: float
    revoked: float | None


class Store:
    """The SQLite store of one data dir.

    Parameters
    ----------
    data_dir
        Folder holding ``semwb.sqlite3``, ``files/`` and ``runs/``; created when missing.
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        self.runs_dir = self.data_dir / "runs"
        for folder in (self.data_dir, self.files_dir, self.runs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / DB_NAME
        self._migrate()

    # -- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.db_path, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def _migrate(self) -> None:
        with self._db() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            applied = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(_MIGRATIONS, start=1):
            if number <= applied:
                continue
            conn = sqlite3.connect(self.db_path, timeout=30)
            try:
                conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
            finally:
                conn.close()

    def schema_version(self) -> int:
        """Return how many migrations have been applied."""
        with self._db() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- users and sessions ---------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str) -> User:
        """Create an account; ``sqlite3.IntegrityError`` when the name is taken."""
        with self._db() as conn:
            cur = conn.execute(
                "INSERT INTO users (name, password_hash, created) VALUES (?, ?, ?)",
                (name, password_hash, time.time()),
            )
            return User(id=int(cur.lastrowid or 0), name=name)

    def count_users(self) -> int:
        """Return the number of accounts."""
        with self._db() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def user_by_name(self, name: str) -> tuple[User, str] | None:
        """Return the user called ``name`` and its password hash, or None."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT id, name, password_hash FROM users WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else (User(row["id"], row["name"]), row["password_hash"])

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (used when argon2 asks for a rehash)."""
        with self._db() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                         (password_hash, user_id))

    def create_session(self, user: User | None) -> Session:
        """Start a session (anonymous when ``user`` is None) with fresh random tokens."""
        session = Session(token=secrets.token_urlsafe(32), user=user,
                          csrf=secrets.token_urlsafe(32))
        with self._db() as conn:
            conn.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            conn.execute(
                "INSERT INTO sessions (token, user_id, csrf, expires) VALUES (?, ?, ?, ?)",
                (session.token, user.id if user else None, session.csrf,
                 time.time() + SESSION_SECONDS),
            )
        return session

    def get_session(self, token: str) -> Session | None:
        """Return the unexpired session with this token, or None."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT s.token, s.csrf, u.id AS uid, u.name FROM sessions s "
                "LEFT JOIN users u ON u.id = s.user_id WHERE s.token = ? AND s.expires >= ?",
                (token, time.time()),
            ).fetchone()
        if row is None:
            return None
        user = User(row["uid"], row["name"]) if row["uid"] is not None else None
        return Session(token=row["token"], user=user, csrf=row["csrf"])

    def delete_session(self, token: str) -> None:
        """End a session."""
        with self._db() as conn:
            conn.execute("DELETE FROM sessions WHERE token = ?", (token,))

    # -- projects and members -------------------------------------------------------------------
    def create_project(self, name: str, owner: User) -> Project:
        """Create a project owned by ``owner``."""
        project = Project(id=new_id(), name=name, owner=owner, created=time.time())
        with self._db() as conn:
            conn.execute(
                "INSERT INTO projects (id, name, owner_id, created) VALUES (?, ?, ?, ?)",
                (project.id, name, owner.id, project.created),
            )
        return project

    _PROJECT_SELECT = (
        "SELECT p.id, p.name, p.created, u.id AS uid, u.name AS uname FROM projects p "
        "JOIN users u ON u.id = p.owner_id "
    )
    _VISIBLE = (
        "(p.owner_id = :uid OR EXISTS (SELECT 1 FROM members m "
        "WHERE m.project_id = p.id AND m.user_id = :uid))"
    )

    @staticmethod
    def _project(row: sqlite3.Row) -> Project:
        return Project(row["id"], row["name"], User(row["uid"], row["uname"]), row["created"])

    def projects_for(self, user: User) -> list[Project]:
        """Return the projects ``user`` owns or is a member of, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                self._PROJECT_SELECT + f"WHERE {self._VISIBLE} ORDER BY p.created DESC",
                {"uid": user.id},
            ).fetchall()
        return [self._project(r) for r in rows]

    def project_for(self, project_id: str, user: User) -> Project | None:
        """Return the project when ``user`` may see it, else None (the caller answers 404)."""
        with self._db() as conn:
            row = conn.execute(
                self._PROJECT_SELECT + f"WHERE p.id = :pid AND {self._VISIBLE}",
                {"uid": user.id, "pid": project_id},
            ).fetchone()
        return None if row is None else self._project(row)

    def members(self, project_id: str) -> list[User]:
        """Return the members of a project (not counting its owner), by name."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT u.id, u.name FROM members m JOIN users u ON u.id = m.user_id "
                "WHERE m.project_id = ? ORDER BY u.name", (project_id,),
            ).fetchall()
        return [User(r["id"], r["name"]) for r in rows]

    def add_member(self, project_id: str, user: User) -> None:
        """Let ``user`` see and work in the project (idempotent)."""
        with self._db() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO members (project_id, user_id) VALUES (?, ?)",
                (project_id, user.id),
            )

    def remove_member(self, project_id: str, user_id: int) -> None:
        """Take a member out of a project."""
        with self._db() as conn:
            conn.execute(
                "DELETE FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id)
            )

    # -- uploaded files -------------------------------------------------------------------------
    def add_file(self, stored: StoredFile) -> None:
        """Record an uploaded file (already written under ``files_dir``)."""
        with self._db() as conn:
            conn.execute(
                "INSERT INTO files (id, project_id, kind, original_name, stored_name, size, sha256,"
                " ok, message, summary, instrument_id, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (stored.id, stored.project_id, stored.kind, stored.original_name,
                 stored.stored_name, stored.size, stored.sha256, int(stored.ok), stored.message,
                 json.dumps(stored.summary), stored.instrument_id, stored.created),
            )

    @staticmethod
    def _file(row: sqlite3.Row) -> StoredFile:
        return StoredFile(
            id=row["id"], project_id=row["project_id"], kind=row["kind"],
            original_name=row["original_name"], stored_name=row["stored_name"], size=row["size"],
            sha256=row["sha256"], ok=bool(row["ok"]), message=row["message"],
            summary=json.loads(row["summary"]), instrument_id=row["instrument_id"],
            created=row["created"],
        )

    def files(self, project_id: str, kind: str) -> list[StoredFile]:
        """Return a project's uploads of one kind, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM files WHERE project_id = ? AND kind = ? ORDER BY created DESC",
                (project_id, kind),
            ).fetchall()
        return [self._file(r) for r in rows]

    def get_file(self, project_id: str, file_id: str) -> StoredFile | None:
        """Return one upload of a project, or None."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT * FROM files WHERE project_id = ? AND id = ?", (project_id, file_id)
            ).fetchone()
        return None if row is None else self._file(row)

    def file_path(self, stored: StoredFile) -> Path:
        """Return where an upload's bytes are kept."""
        return self.files_dir / stored.stored_name

    # -- models ---------------------------------------------------------------------------------
    def save_model(self, project_id: str, name: str, syntax: str,
                   model_id: str | None = None) -> Model:
        """Create a model, or replace the name and syntax of ``model_id``."""
        model = Model(model_id or new_id(), project_id, name, syntax, time.time())
        with self._db() as conn:
            conn.execute(
                "INSERT INTO models (id, project_id, name, syntax, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET name = excluded.name, syntax = excluded.syntax,"
                " updated = excluded.updated",
                (model.id, project_id, name, syntax, model.updated),
            )
        return model

    def models(self, project_id: str) -> list[Model]:
        """Return a project's models by name."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM models WHERE project_id = ? ORDER BY name", (project_id,)
            ).fetchall()
        return [Model(r["id"], r["project_id"], r["name"], r["syntax"], r["updated"]) for r in rows]

    def get_model(self, project_id: str, model_id: str) -> Model | None:
        """Return one model of a project, or None."""
        return next((m for m in self.models(project_id) if m.id == model_id), None)

    # -- runs -----------------------------------------------------------------------------------
    @staticmethod
    def _run(row: sqlite3.Row) -> Run:
        return Run(
            id=row["id"], project_id=row["project_id"], model_name=row["model_name"],
            syntax=row["syntax"], responses_id=row["responses_id"],
            instrument_id=row["instrument_id"], options=json.loads(row["options"]),
            status=row["status"], progress=row["progress"], message=row["message"],
            created=row["created"], started=row["started"], finished=row["finished"],
        )

    def create_run(self, project_id: str, model: Model, responses: StoredFile,
                   options: dict[str, Any]) -> Run:
        """Queue a run of ``model`` on ``responses`` (and the instrument it was checked against)."""
        if responses.instrument_id is None:
            raise ValueError("a response file is always checked against an instrument")
        run_id = new_id()
        with self._db() as conn:
            conn.execute(
                "INSERT INTO runs (id, project_id, model_name, syntax, responses_id,"
                " instrument_id, options, status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, project_id, model.name, model.syntax, responses.id,
                 responses.instrument_id, json.dumps(options), "queued", time.time()),
            )
        run = self.get_run(run_id)
        if run is None:
            raise RuntimeError(f"run {run_id} vanished right after it was inserted")
        return run

    def get_run(self, run_id: str, project_id: str | None = None) -> Run | None:
        """Return a run (restricted to ``project_id`` when given), or None."""
        query, args = "SELECT * FROM runs WHERE id = ?", [run_id]
        if project_id is not None:
            query += " AND project_id = ?"
            args.append(project_id)
        with self._db() as conn:
            row = conn.execute(query, args).fetchone()
        return None if row is None else self._run(row)

    def runs(self, project_id: str) -> list[Run]:
        """Return a project's runs, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM runs WHERE project_id = ? ORDER BY created DESC", (project_id,)
            ).fetchall()
        return [self._run(r) for r in rows]

    def update_run(self, run_id: str, *, status: str | None = None,
                   progress: float | None = None, message: str | None = None) -> None:
        """Record a run's state, progress (0-1) and message; stamps start and finish times."""
        if status is not None and status not in RUN_STATES:
            raise ValueError(f"unknown run state {status!r}")
        now = time.time()
        with self._db() as conn:
            conn.execute(
                "UPDATE runs SET status = COALESCE(?, status), progress = COALESCE(?, progress),"
                " message = COALESCE(?, message),"
                " started = CASE WHEN ? = 'running' THEN ? WHEN ? = 'queued' THEN NULL"
                "   ELSE started END,"
                " finished = CASE WHEN ? IN ('done', 'failed', 'interrupted') THEN ?"
                "   WHEN ? IN ('queued', 'running') THEN NULL ELSE finished END"
                " WHERE id = ?",
                (status, progress, message, status, now, status, status, now, status, run_id),
            )

    def mark_interrupted(self) -> int:
        """Mark every queued or running run as interrupted (called on start); return how many."""
        with self._db() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = 'interrupted', finished = ?,"
                " message = 'The server stopped before this run finished; restart it.'"
                " WHERE status IN ('queued', 'running')", (time.time(),),
            )
            return cur.rowcount

    def run_dir(self, run_id: str) -> Path:
        """Return the folder of a run's outputs."""
        return self.runs_dir / run_id

    # -- share links ----------------------------------------------------------------------------
    def create_share(self, run_id: str, user: User) -> Share:
        """Create a read-only link token for one run's report."""
        share = Share(secrets.token_urlsafe(32), run_id, time.time(), None)
        with self._db() as conn:
            conn.execute(
                "INSERT INTO shares (token, run_id, created_by, created) VALUES (?, ?, ?, ?)",
                (share.token, run_id, user.id, share.created),
            )
        return share

    def shares(self, run_id: str) -> list[Share]:
        """Return a run's share links, newest first."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM shares WHERE run_id = ? ORDER BY created DESC", (run_id,)
            ).fetchall()
        return [Share(r["token"], r["run_id"], r["created"], r["revoked"]) for r in rows]

    def shared_run(self, token: str) -> Run | None:
        """Return the run a live (unrevoked) share token opens, or None."""
        with self._db() as conn:
            row = conn.execute(
                "SELECT run_id FROM shares WHERE token = ? AND revoked IS NULL", (token,)
            ).fetchone()
        return None if row is None else self.get_run(row["run_id"])

    def revoke_share(self, run_id: str, token: str) -> None:
        """Revoke a share link of ``run_id`` (a token of another run is left alone)."""
        with self._db() as conn:
            conn.execute(
                "UPDATE shares SET revoked = ? WHERE token = ? AND run_id = ? AND revoked IS NULL",
                (time.time(), token, run_id),
            )
