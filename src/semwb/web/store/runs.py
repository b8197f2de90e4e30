"""Runs: the ``runs`` table, each run's state, progress and message.

Each time a run is queued it gets a new ``attempt`` id, and a worker's writes carry the attempt
it was given: a write of an older attempt changes nothing. So a worker left over from a killed
server cannot mark an interrupted run done, and a run restarted twice runs once.
A run's outputs live at ``<data>/runs/<run id>/`` (:meth:`semwb.web.store.Store.run_dir`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from semwb.web.store.db import Database, new_id
from semwb.web.store.projects import Model, StoredFile

#: Run states. ``interrupted`` marks a run that was queued or running when the server stopped.
RUN_STATES = ("queued", "running", "done", "failed", "interrupted")


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
    attempt: str = ""


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"], project_id=row["project_id"], model_name=row["model_name"],
        syntax=row["syntax"], responses_id=row["responses_id"],
        instrument_id=row["instrument_id"], options=json.loads(row["options"]),
        status=row["status"], progress=row["progress"], message=row["message"],
        created=row["created"], started=row["started"], finished=row["finished"],
        attempt=row["attempt"],
    )


class Runs:
    """The runs of one store's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, project_id: str, model: Model, responses: StoredFile,
                   options: dict[str, Any]) -> Run:
        """Queue a run of ``model`` on ``responses`` (and the instrument it was checked against)."""
        if responses.instrument_id is None:
            raise ValueError("a response file is always checked against an instrument")
        run_id = new_id()
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO runs (id, project_id, model_name, syntax, responses_id,"
                " instrument_id, options, status, created, attempt, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, project_id, model.name, model.syntax, responses.id,
                 responses.instrument_id, json.dumps(options), "queued", time.time(), new_id(),
                 "waiting for a worker"),
            )
        run = self.get(run_id)
        if run is None:
            raise RuntimeError(f"run {run_id} vanished right after it was inserted")
        return run

    def get(self, run_id: str, project_id: str | None = None) -> Run | None:
        """Return a run (restricted to ``project_id`` when given), or None."""
        query, args = "SELECT * FROM runs WHERE id = ?", [run_id]
        if project_id is not None:
            query += " AND project_id = ?"
            args.append(project_id)
        with self.db.connect() as conn:
            row = conn.execute(query, args).fetchone()
        return None if row is None else _run(row)

    def for_project(self, project_id: str) -> list[Run]:
        """Return a project's runs, newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM runs WHERE project_id = ? ORDER BY created DESC", (project_id,)
            ).fetchall()
        return [_run(r) for r in rows]

    def update(self, run_id: str, *, status: str | None = None, progress: float | None = None,
               message: str | None = None, attempt: str | None = None) -> bool:
        """Record a run's state, progress (0-1) and message; stamps start and finish times.

        With ``attempt``, only while the run is still on that attempt. Returns whether the run
        was changed.
        """
        if status is not None and status not in RUN_STATES:
            raise ValueError(f"unknown run state {status!r}")
        now = time.time()
        with self.db.connect() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = COALESCE(?, status), progress = COALESCE(?, progress),"
                " message = COALESCE(?, message),"
                " started = CASE WHEN ? = 'running' THEN ? WHEN ? = 'queued' THEN NULL"
                "   ELSE started END,"
                " finished = CASE WHEN ? IN ('done', 'failed', 'interrupted') THEN ?"
                "   WHEN ? IN ('queued', 'running') THEN NULL ELSE finished END"
                " WHERE id = ? AND (? IS NULL OR attempt = ?)",
                (status, progress, message, status, now, status, status, now, status, run_id,
                 attempt, attempt),
            )
            return cur.rowcount > 0

    def requeue(self, run_id: str) -> Run | None:
        """Queue an interrupted or failed run again under a new attempt; None when it is not
        interrupted or failed (already requeued, running or done)."""
        with self.db.connect() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = 'queued', attempt = ?, progress = 0, started = NULL,"
                " finished = NULL, message = 'waiting for a worker'"
                " WHERE id = ? AND status IN ('interrupted', 'failed')", (new_id(), run_id),
            )
        return self.get(run_id) if cur.rowcount else None

    def mark_interrupted(self) -> int:
        """Mark every queued or running run as interrupted (called on start); return how many."""
        with self.db.connect() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = 'interrupted', finished = ?, attempt = '',"
                " message = 'The server stopped before this run finished; restart it.'"
                " WHERE status IN ('queued', 'running')", (time.time(),),
            )
            return cur.rowcount
