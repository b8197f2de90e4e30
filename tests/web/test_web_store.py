"""The SQLite store: schema on start, data kept across restarts, run states, share links."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from semwb.web.store import Store, StoredFile
from semwb.web.store.runs import Run


def stored_file(store: Store, project: str, *, ok: bool = True) -> StoredFile:
    record = StoredFile(id="f" * 32, project_id=project, kind="responses",
                        original_name="data.csv", stored_name="f" * 32 + ".csv", size=3,
                        sha256="0" * 64, ok=ok, message="", summary={"rows": 1},
                        instrument_id=None, created=time.time())
    store.projects.add_file(record)
    return record


def queued_run(store: Store) -> tuple[Run, str]:
    """A run queued in a new project of a new account, and its instrument's id."""
    ann = store.accounts.add_user("ann", "hash")
    project = store.projects.create_project("Study", ann)
    instrument = stored_file(store, project.id)
    responses = StoredFile(**{**instrument.__dict__, "id": "e" * 32,
                              "instrument_id": instrument.id})
    store.projects.add_file(responses)
    model = store.projects.save_model(project.id, "med", "Y ~ X")
    return store.runs.create(project.id, model, responses, {"draws": 0}), instrument.id


def test_schema_is_created_once_and_data_survive_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.db.schema_version() == 3
    ann = store.accounts.add_user("ann", "hash")
    project = store.projects.create_project("Study", ann)
    again = Store(tmp_path)
    assert again.db.schema_version() == 3
    assert [p.name for p in again.projects.projects_for(ann)] == ["Study"]
    assert again.projects.project_for(project.id, ann) == project
    with pytest.raises(sqlite3.IntegrityError):
        again.accounts.add_user("ann", "other")


def test_run_states_and_interruption(tmp_path: Path) -> None:
    store = Store(tmp_path)
    run, instrument = queued_run(store)
    assert (run.status, run.instrument_id) == ("queued", instrument)
    store.runs.update(run.id, status="running", progress=0.5, message="half")
    running = store.runs.get(run.id)
    assert running is not None
    assert running.started is not None
    assert running.progress == 0.5
    assert Store(tmp_path).runs.mark_interrupted() == 1
    interrupted = store.runs.get(run.id)
    assert interrupted is not None
    assert interrupted.status == "interrupted"
    assert "restart it" in interrupted.message
    assert interrupted.finished is not None
    store.runs.update(run.id, status="queued", progress=0.0)
    requeued = store.runs.get(run.id)
    assert requeued is not None
    assert requeued.finished is None
    assert requeued.started is None
    with pytest.raises(ValueError, match="unknown run state"):
        store.runs.update(run.id, status="paused")
    assert store.runs.get(run.id, project_id="other") is None


def test_a_worker_of_an_ended_attempt_changes_nothing(tmp_path: Path) -> None:
    """A worker left over from a killed server, or from before a restart, writes under its own
    attempt; the run's state is the current attempt's only (issue 16)."""
    store = Store(tmp_path)
    run, _ = queued_run(store)
    first = run.attempt
    assert store.runs.update(run.id, status="running", attempt=first)
    assert Store(tmp_path).runs.mark_interrupted() == 1  # the next server's start
    assert not store.runs.update(run.id, status="done", progress=1.0, attempt=first)
    assert store.runs.get(run.id).status == "interrupted"  # type: ignore[union-attr]
    requeued = store.runs.requeue(run.id)
    assert requeued is not None
    assert store.runs.requeue(run.id) is None  # Restart clicked twice: one attempt runs
    assert requeued.attempt not in ("", first)
    assert not store.runs.update(run.id, status="failed", message="old", attempt=first)
    assert store.runs.update(run.id, status="done", progress=1.0, attempt=requeued.attempt)
    done = store.runs.get(run.id)
    assert done is not None
    assert (done.status, done.message) == ("done", "waiting for a worker")


def test_visibility_is_owner_plus_members(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ann, bob, cy = (store.accounts.add_user(n, "h") for n in ("ann", "bob", "cy"))
    project = store.projects.create_project("Study", ann)
    assert store.projects.project_for(project.id, bob) is None
    store.projects.add_member(project.id, bob)
    store.projects.add_member(project.id, bob)
    assert store.projects.project_for(project.id, bob) is not None
    assert store.projects.project_for(project.id, cy) is None
    assert [u.name for u in store.projects.members(project.id)] == ["bob"]
    store.projects.remove_member(project.id, bob.id)
    assert store.projects.projects_for(bob) == []


def test_sessions_expire_and_share_tokens_are_long_and_revocable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path)
    ann = store.accounts.add_user("ann", "h")
    session = store.accounts.create_session(ann)
    assert store.accounts.get_session(session.token) == session
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    assert store.accounts.get_session(session.token) is None
    monkeypatch.undo()
    project = store.projects.create_project("S", ann)
    model = store.projects.save_model(project.id, "m", "Y ~ X")
    instrument = stored_file(store, project.id)
    responses = StoredFile(**{**instrument.__dict__, "id": "e" * 32,
                              "instrument_id": instrument.id})
    store.projects.add_file(responses)
    run = store.runs.create(project.id, model, responses, {})
    share = store.sharing.create_share(run.id, ann)
    assert len(share.token) >= 40
    assert store.shared_run(share.token) == run
    store.sharing.revoke_share(run.id, share.token)
    assert store.shared_run(share.token) is None
    assert store.sharing.shares(run.id)[0].revoked is not None
