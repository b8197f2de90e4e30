"""Read-only share links to one run's report: the ``shares`` table."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from semwb.web.store.accounts import User
from semwb.web.store.db import Database


@dataclass(frozen=True)
class Share:
    """A read-only link to one run's report."""

    token: str
    run_id: str
    created: float
    revoked: float | None


class Sharing:
    """Share links of one store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create_share(self, run_id: str, user: User) -> Share:
        """Create a read-only link token for one run's report."""
        share = Share(secrets.token_urlsafe(32), run_id, time.time(), None)
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO shares (token, run_id, created_by, created) VALUES (?, ?, ?, ?)",
                (share.token, run_id, user.id, share.created),
            )
        return share

    def shares(self, run_id: str) -> list[Share]:
        """Return a run's share links, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM shares WHERE run_id = ? ORDER BY created DESC", (run_id,)
            ).fetchall()
        return [Share(r["token"], r["run_id"], r["created"], r["revoked"]) for r in rows]

    def shared_run_id(self, token: str) -> str | None:
        """Return the id of the run a live (unrevoked) share token opens, or None."""
        with self.db.connect() as conn:
            row = conn.execute(
                "SELECT run_id FROM shares WHERE token = ? AND revoked IS NULL", (token,)
            ).fetchone()
        return None if row is None else str(row["run_id"])

    def revoke_share(self, run_id: str, token: str) -> None:
        """Revoke a share link of ``run_id`` (a token of another run is left alone)."""
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE shares SET revoked = ? WHERE token = ? AND run_id = ? AND revoked IS NULL",
                (time.time(), token, run_id),
            )
