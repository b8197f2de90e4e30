"""The run queue in real worker processes: progress, survival of a reload, interruption, restart."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import distributed
import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, Web, make_settings

from semwb.web.app import create_app
from semwb.web.auth import add_user
from semwb.web.store import Store

pytestmark = pytest.mark.slow


def start_run(web: Web, syntax: str, draws: int) -> tuple[str, str]:
    project, responses, _ = web.ready_project()
    web.post(f"/projects/{project}/models", {"name": "slow", "syntax": syntax, "action": "save"})
    model = next(m for m in web.client.app.state.store.projects.models(project) if m.name == "slow")
    response = web.post(f"/projects/{project}/runs", {
        "model_id": model.id, "responses_id": responses, "draws": str(draws)})
    return project, response.headers["location"].rsplit("/", 1)[-1]


def test_process_pool_run_reports_progress_and_is_interrupted_by_a_restart(
        data_dir: Path) -> None:
    store = Store(data_dir)
    add_user(store, "ann", PASSWORD)
    settings = make_settings(data_dir)
    # first server: a slow run in a real (spawned) worker process
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        web = Web(client)
        web.sign_in("ann")
        project, run = start_run(web, "Y ~ X # SLEEP", draws=10_000)
        for _ in range(200):
            state = client.get(f"/projects/{project}/runs/{run}/status").json()
            if state["status"] == "running" and 0 < state["progress"] < 1:
                break
            time.sleep(0.1)
        assert state["status"] == "running"
        assert state["message"].startswith("bootstrap draw")
        # a reload of the page shows the same run, still running
        page = client.get(f"/projects/{project}/runs/{run}").text
        assert 'id="progress-box"' in page
        assert "/static/progress.js" in page
    # server stopped: the worker is gone and the run is marked, not lost
    interrupted = store.runs.get(run)
    assert interrupted is not None
    assert interrupted.status == "interrupted"
    # second server over the same data: restart the run (now fast) and see it finish
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        web = Web(client)
        web.sign_in("ann")
        page = client.get(f"/projects/{project}/runs/{run}").text
        assert "The server stopped before this run finished" in page
        assert "Restart this run" in page
        with store.db.connect() as conn:  # make the restarted run quick
            conn.execute("UPDATE runs SET options = '{\"draws\": 100}' WHERE id = ?", (run,))
        assert web.post(f"/projects/{project}/runs/{run}/restart").status_code == 303
        assert web.wait_for_run(project, run, timeout=60)["status"] == "done"
        assert "Report of slow" in client.get(f"/projects/{project}/runs/{run}/report").text


def test_a_dead_worker_fails_its_run_and_the_next_run_gets_a_new_pool(data_dir: Path) -> None:
    add_user(Store(data_dir), "ann", PASSWORD)
    with TestClient(create_app(make_settings(data_dir)), base_url="http://127.0.0.1") as client:
        web = Web(client)
        web.sign_in("ann")
        project, run = start_run(web, "Y ~ X # EXIT", draws=0)
        state = web.wait_for_run(project, run, timeout=60)
        assert state["status"] == "failed"
        assert "stopped unexpectedly; restart the run" in str(state["message"])
        model = next(m for m in client.app.state.store.projects.models(project) if m.name == "med")
        responses = client.app.state.store.projects.files(project, "responses")[0]
        response = web.post(f"/projects/{project}/runs", {
            "model_id": model.id, "responses_id": responses.id, "draws": "0"})
        assert response.status_code == 303
        second = response.headers["location"].rsplit("/", 1)[-1]
        assert web.wait_for_run(project, second, timeout=60)["status"] == "done"


class RefusingExecutor(ThreadPoolExecutor):
    def submit(self, *args: object, **kwargs: object) -> NoReturn:
        raise ConnectionError("scheduler unreachable")


def test_a_run_that_cannot_be_submitted_is_failed_not_left_queued(data_dir: Path) -> None:
    add_user(Store(data_dir), "ann", PASSWORD)
    app = create_app(make_settings(data_dir), executor=RefusingExecutor())
    with TestClient(app, base_url="http://127.0.0.1") as client:
        web = Web(client)
        web.sign_in("ann")
        project, run = start_run(web, "Y ~ X", draws=0)
        state = client.get(f"/projects/{project}/runs/{run}/status").json()
        assert state["status"] == "failed"
        assert "ConnectionError: scheduler unreachable" in str(state["message"])
        assert "Restart this run" in client.get(f"/projects/{project}/runs/{run}").text


def test_worker_bug_marks_the_run_failed_with_a_log(data_dir: Path, ann: Web) -> None:
    project, run = start_run(ann, "Y ~ X # CRASH", draws=0)
    state = ann.wait_for_run(project, run)
    assert state["status"] == "failed"
    assert "internal error" in str(state["message"])
    assert "ZeroDivisionError" in (data_dir / "runs" / run / "error.log").read_text()


def test_runs_on_a_dask_cluster(data_dir: Path) -> None:
    store = Store(data_dir)
    add_user(store, "ann", PASSWORD)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        settings = make_settings(data_dir, scheduler=cluster.scheduler_address)
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
            web = Web(client)
            web.sign_in("ann")
            project, run = start_run(web, "Y ~ X # SLEEP", draws=300)
            assert web.wait_for_run(project, run, timeout=60)["status"] == "done"
            assert client.app.state.runs._client is not None  # went through the cluster


def test_runs_submitted_at_once_share_one_pool(monkeypatch: pytest.MonkeyPatch,
                                               ann: Web) -> None:
    """Pages submit from several request threads: a slow pool start must not make two pools."""
    manager = ann.client.app.state.runs
    run = ann.store.runs.get(start_run(ann, "Y ~ X", draws=0)[1])
    pools: list[ThreadPoolExecutor] = []

    def slow_pool() -> ThreadPoolExecutor:
        time.sleep(0.2)
        pools.append(ThreadPoolExecutor(max_workers=1))
        return pools[-1]

    monkeypatch.setattr(manager, "_new_pool", slow_pool)
    manager._executor = None  # as a server before its first run
    with ThreadPoolExecutor(max_workers=4) as requests:
        list(requests.map(lambda _: manager.submit(run), range(4)))
    assert len(pools) == 1
    for pool in pools:
        pool.shutdown(wait=True)
