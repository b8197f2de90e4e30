"""Accounts and sessions: the ``users`` and ``sessions`` tables.

A user name is unique by its look-alike key (:func:`semwb.web.names.name_key`), so ``Alice`` and
a Cyrillic ``аlice`` cannot sit beside ``alice``. Only signed-in sessions are stored, and only the
SHA-256 of their token: a copy of the database opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from semwb.web.names import name_key
from semwb.web.store.db import Database

SESSION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class User:
    """A researcher account."""

    id: int
    name: str


@dataclass(frozen=True)
class Session:
    """A session: its token (the cookie's value), user and CSRF token.

    ``user`` is None for an anonymous visitor of the sign-in page, whose session is never stored
    (its CSRF token travels in a cookie of its own, see :mod:`semwb.web.auth`).
    """

    token: str
    user: User | None
    csrf: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Users and their sessions in one store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with self.db.connect() as conn:  # accounts made before look-alike keys existed
            for row in conn.execute("SELECT id, name FROM users WHERE name_key IS NULL"):
                conn.execute("UPDATE users SET name_key = ? WHERE id = ?",
                             (name_key(row["name"]), row["id"]))

    def add_user(self, name: str, password_hash: str) -> User:
        """Create an account; ``sqlite3.IntegrityError`` when the name or a look-alike is taken."""
        key = name_key(name)
        with self.db.connect() as conn:
            if conn.execute("SELECT 1 FROM users WHERE name_key = ?", (key,)).fetchone():
                raise sqlite3.IntegrityError(f"a user name like {name!r} exists")
            cur = conn.execute(
                "INSERT INTO users (name, name_key, password_hash, created) VALUES (?, ?, ?, ?)",
                (name, key, password_hash, time.time()),
            )
            return User(id=int(cur.lastrowid or 0), name=name)

    def count_users(self) -> int:
        """Return the number of accounts."""
        with self.db.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def user_by_name(self, name: str) -> tuple[User, str] | None:
        """Return the user called ``name`` (or a look-alike of it) and its password hash."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT id, name, password_hash FROM users WHERE name_key = ?"
                " ORDER BY name = ? DESC, id LIMIT 1", (name_key(name), name),
            ).fetchone()
        return None if row is None else (User(row["id"], row["name"]), row["password_hash"])

    def list_users(self) -> list[tuple[User, float]]:
        """Every account with the time it was created (seconds since the epoch), by name."""
        with self.db.connect() as conn:
            rows = conn.execute("SELECT id, name, created FROM users ORDER BY name").fetchall()
        return [(User(row["id"], row["name"]), float(row["created"])) for row in rows]

    def end_sessions(self, user_id: int) -> None:
        """Sign a user out everywhere (after a password change)."""
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (used when argon2 asks for a rehash)."""
        with self.db.connect() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                         (password_hash, user_id))

    def create_session(self, user: User) -> Session:
        """Start a signed-in session with fresh random tokens; store the token's hash."""
        session = Session(token=secrets.token_urlsafe(32), user=user,
                          csrf=secrets.token_urlsafe(32))
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, expires) VALUES (?, ?, ?, ?)",
                (_token_hash(session.token), user.id, session.csrf,
                 time.time() + SESSION_SECONDS),
            )
        return session

    def get_session(self, token: str) -> Session | None:
        """Return the unexpired session with this token, or None."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT s.csrf, u.id AS uid, u.name FROM sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires >= ?",
                (_token_hash(token), time.time()),
            ).fetchone()
        if row is None:
            return None
        return Session(token=token, user=User(row["uid"], row["name"]), csrf=row["csrf"])

    def delete_session(self, token: str) -> None:
        """End a session."""
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))
