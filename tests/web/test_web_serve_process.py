"""``semwb serve`` as a real process: killed with a run in flight; many users at once (issue 16).

Both tests start the server with the real analysis adapter on a free loopback port over a fresh
data dir, sign in over HTTP and read the store directly only to find ids, as the other web tests.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_support import ROOT, Server, group_processes, run_workers
from web_support import PASSWORD, Web

from semwb.web.auth import add_user
from semwb.web.store import Store

# real servers and real fits: start-up and fitting time vary with the machine's load
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

INSTRUMENT = (ROOT / "surveys" / "alliance_portfolio_innovation.yaml").read_bytes()
DATA = (ROOT / "surveys" / "examples" / "alliance.csv").read_bytes()
MEDIATION = (ROOT / "tests" / "reference" / "mediation_single" / "model.lav").read_text(
    encoding="utf-8")


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """The servers a test starts; each is stopped (with its group) at the end. They start, and
    the test's own store is made, under a default umask (022), as from a user's shell."""
    started: list[Server] = []
    umask = os.umask(0o022)
    yield started
    os.umask(umask)
    for server in started:
        server.stop()


def shared_with_others(data: Path) -> dict[str, str]:
    """What in the data dir others may read or enter (everything must be 0700 / 0600)."""
    return {str(path.relative_to(data)): oct(mode) for path in [data, *data.rglob("*")]
            if (mode := stat.S_IMODE(path.stat().st_mode)) & 0o077}


def start(servers: list[Server], data: Path, *args: str) -> Server:
    server = Server(data, data.parent / "server.log", *args)
    servers.append(server)
    server.wait_ready()
    return server


def signed_in(server: Server, store: Store, name: str) -> Web:
    web = Web(httpx.Client(base_url=server.base, timeout=60), store)
    web.sign_in(name)
    return web


def ready_project(web: Web, data_name: str) -> tuple[str, str, str]:
    """Upload the alliance instrument and data, save the mediation model:
    (project, responses, model)."""
    project = web.new_project()
    assert web.upload(project, "instrument", "alliance.yaml", INSTRUMENT).status_code == 303
    assert web.upload(project, "responses", data_name, DATA).status_code == 303
    assert web.post(f"/projects/{project}/models",
                    {"name": "mediation", "syntax": MEDIATION, "action": "save"}
                    ).status_code == 303
    responses = web.store.projects.files(project, "responses")[0]
    assert responses.ok, responses.summary
    return project, responses.id, web.store.projects.models(project)[0].id


def start_run(web: Web, data_name: str, draws: int) -> tuple[str, str]:
    """:func:`ready_project`, then run it: (project, run)."""
    project, responses, model = ready_project(web, data_name)
    response = web.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": str(draws), "seed": "1"})
    assert response.status_code == 303, response.text
    return project, response.headers["location"].rsplit("/", 1)[-1]


def status(web: Web, project: str, run: str) -> dict[str, object]:
    state: dict[str, object] = web.client.get(f"/projects/{project}/runs/{run}/status").json()
    return state


def wait_until_gone(pids: set[int], timeout: float) -> set[int]:
    """Wait for processes to end; return those still alive after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = live(pids)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def live(pids: set[int]) -> set[int]:
    """Which of ``pids`` are live processes (not zombies), whatever their group now."""
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def test_a_killed_server_leaves_no_worker_and_its_restart_owns_the_run(
        tmp_path: Path, servers: list[Server]) -> None:
    data = tmp_path / "data"
    store = Store(data)
    add_user(store, "ann", PASSWORD)
    server = start(servers, data)
    web = signed_in(server, store, "ann")
    # a run that takes long enough to be killed in the middle of its bootstrap
    project, run = start_run(web, "wave1.csv", draws=20_000)
    deadline = time.monotonic() + 120
    while True:
        state = status(web, project, run)
        if state["status"] == "running" and 0 < float(str(state["progress"])) < 1:
            break
        assert state["status"] in ("queued", "running"), state
        assert time.monotonic() < deadline, f"the run never got going: {state}"
        time.sleep(0.2)
    workers = run_workers(server.group)
    assert workers, group_processes(server.group)
    helpers = set(group_processes(server.group)) - {server.process.pid}

    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)

    # the worker and every other helper of the server end with it: none finishes the run
    assert wait_until_gone(helpers, timeout=10) == set()
    with sqlite3.connect(data / "semwb.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not (data / "runs" / run / "results.json").exists()

    # a new server on the same data dir takes the run over: interrupted, with a clear message
    server = start(servers, data)
    web = signed_in(server, store, "ann")
    state = status(web, project, run)
    assert state["status"] == "interrupted"
    assert state["message"] == "The server stopped before this run finished; restart it."
    assert "Restart this run" in web.client.get(f"/projects/{project}/runs/{run}").text
    # and restarting it (now quick) runs it to the end under the new server
    with store.db.connect() as conn:
        conn.execute("UPDATE runs SET options = json_set(options, '$.draws', 0) WHERE id = ?",
                     (run,))
    assert web.post(f"/projects/{project}/runs/{run}/restart").status_code == 303
    deadline = time.monotonic() + 120
    while (state := status(web, project, run))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the restarted run did not finish"
        time.sleep(0.2)
    assert state["status"] == "done", state
    results = web.client.get(f"/projects/{project}/runs/{run}/download/results.json").json()
    assert results["provenance"]["data_path"] == "wave1.csv"
    assert (data / "runs" / run / "report.html").is_file()
    assert shared_with_others(data) == {}


USERS = 8
WORKERS = 2


def test_many_users_upload_and_run_at_once_within_the_worker_limit(
        tmp_path: Path, servers: list[Server]) -> None:
    data = tmp_path / "data"
    store = Store(data)
    names = [f"user{i}" for i in range(USERS)]
    for name in names:
        add_user(store, name, PASSWORD)
    server = start(servers, data, "--workers", str(WORKERS))
    begun = time.monotonic()
    most_running, most_workers = 0, 0
    stop = threading.Event()

    def watch() -> None:  # the queue's limits, sampled while the users work
        nonlocal most_running, most_workers
        while not stop.is_set():
            with sqlite3.connect(data / "semwb.sqlite3") as conn:
                running = conn.execute(
                    "SELECT COUNT(*) FROM runs WHERE status = 'running'").fetchone()[0]
            most_running = max(most_running, running)
            most_workers = max(most_workers, len(run_workers(server.group)))
            time.sleep(0.05)

    outcomes: dict[str, tuple[Web, str, str]] = {}
    errors: list[BaseException] = []

    def user(name: str) -> None:
        try:
            web = signed_in(server, store, name)
            outcomes[name] = (web, *start_run(web, f"{name}.csv", draws=0))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    watcher = threading.Thread(target=watch)
    watcher.start()
    users = [threading.Thread(target=user, args=(name,)) for name in names]
    try:
        for thread in users:
            thread.start()
        for thread in users:
            thread.join(timeout=120)
        assert not errors, errors
        finished: dict[str, dict[str, object]] = {}
        deadline = time.monotonic() + 120
        while len(finished) < USERS:
            assert time.monotonic() < deadline, f"runs unfinished: {set(names) - set(finished)}"
            for name, (web, project, run) in outcomes.items():
                state = status(web, project, run)
                if state["status"] not in ("queued", "running"):
                    finished[name] = state
            time.sleep(0.2)
    finally:
        stop.set()
        watcher.join()
    elapsed = time.monotonic() - begun

    assert {name: state["status"] for name, state in finished.items()} == dict.fromkeys(
        names, "done")
    assert 1 <= most_workers <= WORKERS, f"{most_workers} worker processes"
    assert 1 <= most_running <= WORKERS, f"{most_running} runs running at once"
    estimates = []
    for name, (web, project, run) in outcomes.items():
        results = web.client.get(f"/projects/{project}/runs/{run}/download/results.json").json()
        assert results["provenance"]["data_path"] == f"{name}.csv"  # each user's own run
        assert results["converged"]
        assert results["n_obs"] + results["n_excluded"] == 320  # every respondent accounted for
        estimates.append(json.dumps([results["parameters"], results["fit"]], sort_keys=True))
        # nobody sees another user's run
        _, other_project, other_run = outcomes[names[names.index(name) - 1]]
        assert web.client.get(f"/projects/{other_project}/runs/{other_run}").status_code == 404
    assert len(set(estimates)) == 1  # the same model on the same data: the same numbers
    assert elapsed < 120, f"{USERS} users took {elapsed:.0f} s"
    with sqlite3.connect(data / "semwb.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert shared_with_others(data) == {}
