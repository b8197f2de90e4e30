"""Accounts and sessions: the ``users`` and ``sessions`` tables."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from semwb.web.store.db import Database

SESSION_SECONDS = 14 * 24 * 3600


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


class Accounts:
    """Users and their sessions in one store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_user(self, name: str, password_hash: str) -> User:
        """Create an account; ``sqlite3.IntegrityError`` when the name is taken."""
        with self.db.connect() as conn:
            cur = conn.execute(
                "INSERT INTO users (name, password_hash, created) VALUES (?, ?, ?)",
                (name, password_hash, time.time()),
            )
            return User(id=int(cur.lastrowid or 0), name=name)

    def count_users(self) -> int:
        """Return the number of accounts."""
        with self.db.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def user_by_name(self, name: str) -> tuple[User, str] | None:
        """Return the user called ``name`` and its password hash, or None."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT id, name, password_hash FROM users WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else (User(row["id"], row["name"]), row["password_hash"])

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (used when argon2 asks for a rehash)."""
        with self.db.connect() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                         (password_hash, user_id))

    def create_session(self, user: User | None) -> Session:
        """Start a session (anonymous when ``user`` is None) with fresh random tokens."""
        session = Session(token=secrets.token_urlsafe(32), user=user,
                          csrf=secrets.token_urlsafe(32))
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            conn.execute(
                "INSERT INTO sessions (token, user_id, csrf, expires) VALUES (?, ?, ?, ?)",
                (session.token, user.id if user else None, session.csrf,
                 time.time() + SESSION_SECONDS),
            )
        return session

    def get_session(self, token: str) -> Session | None:
        """Return the unexpired session with this token, or None."""
        with self.db.connect() as conn:
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
        with self.db.connect() as conn:
            conn.execute("DELETE FROM sessions WHERE token = ?", (token,))
