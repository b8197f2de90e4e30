"""The one connection helper of the web store: a SQLite file, its migrations, generated ids.

Every query opens its own short connection (:meth:`Database.connect`), so the store can be used
from request threads and from run worker processes at once (WAL journal, busy timeout). The schema
is created and migrated on open; ``PRAGMA user_version`` counts the migrations applied.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    # 2: session tokens kept as SHA-256 hashes, only for signed-in users (old sessions end);
    # user names compared by a look-alike key; uploads counted per user; runs owned by attempt.
    """
    DROP TABLE sessions;
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires REAL NOT NULL
    );
    ALTER TABLE users ADD COLUMN name_key TEXT;
    ALTER TABLE files ADD COLUMN uploaded_by INTEGER REFERENCES users(id);
    ALTER TABLE runs ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
    """,
    # 3: a model started from a stored spec keeps its title, hypotheses and missing rule (JSON).
    """
    ALTER TABLE models ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
    """,
)


def new_id() -> str:
    """Return a fresh generated id (32 hex characters) for a project, file, model or run."""
    return secrets.token_hex(16)


class Database:
    """The SQLite file of one data dir, migrated to the current schema when opened.

    Parameters
    ----------
    path
        The database file; created (readable by its owner only) when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._migrate()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection in a transaction (committed on success), closed afterwards."""
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def _migrate(self) -> None:
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            applied = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(_MIGRATIONS, start=1):
            if number <= applied:
                continue
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
            finally:
                conn.close()

    def schema_version(self) -> int:
        """Return how many migrations have been applied."""
        with self.connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
