"""Builders shared by the web tests: sample inputs, a signed-in client with helpers, settings."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx

from semwb.web.app import Settings
from semwb.web.store import Store

PASSWORD = "correct horse battery"
INSTRUMENT = b"instrument: demo\nconstructs:\n  AR: [ar1, ar2]\n  IOL: [iol1, iol2]\n"
GOOD_CSV = b"ar1,ar2,iol1,iol2\n1,2,3,4\n5,6,7,1\n"
BAD_CSV = b"ar1,ar2,iol1,iol2\n1,2,3,4\n5,9,7,1\n"
SYNTAX = "AR =~ ar1 + ar2\nIOL =~ iol1 + iol2\nIOL ~ a*AR\n"


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return str(found.group(1))


class Web:
    """A signed-in test client with helpers for the common actions.

    ``client`` is a TestClient over an app, or an ``httpx.Client`` of a ``semwb serve`` process
    together with a ``store`` over that server's data dir.
    """

    def __init__(self, client: httpx.Client, store: Store | None = None) -> None:
        self.client = client
        self.store: Store = store if store is not None else client.app.state.store
        self.csrf = ""

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        page = self.client.get("/login")
        response = self.client.post("/login", data={
            "csrf_token": csrf_of(page.text), "name": name, "password": password, "next": "/"},
            follow_redirects=False)
        assert response.status_code == 303, response.text
        self.csrf = csrf_of(self.client.get("/").text)

    def post(self, path: str, data: dict[str, Any] | None = None,
             **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        response: httpx.Response = self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)
        return response

    def new_project(self, name: str = "Study 1") -> str:
        response = self.post("/projects", {"name": name})
        assert response.status_code == 303
        return response.headers["location"].rsplit("/", 1)[-1]

    def upload(self, project: str, kind: str, name: str, content: bytes) -> httpx.Response:
        return self.post(f"/projects/{project}/{kind}", files={"file": (name, content)})

    def ready_project(self) -> tuple[str, str, str]:
        """A project with an instrument, valid responses and a model: (project, file, model)."""
        project = self.new_project()
        self.upload(project, "instrument", "demo.yaml", INSTRUMENT)
        self.upload(project, "responses", "data.csv", GOOD_CSV)
        self.post(f"/projects/{project}/models",
                  {"name": "med", "syntax": SYNTAX, "action": "save"})
        store = self.store
        responses = store.projects.files(project, "responses")[0].id
        model = store.projects.models(project)[0].id
        return project, responses, model

    def wait_for_run(self, project: str, run: str, timeout: float = 20) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state: dict[str, object] = self.client.get(
                f"/projects/{project}/runs/{run}/status").json()
            if state["status"] not in ("queued", "running"):
                return state
            time.sleep(0.05)
        raise AssertionError(f"run {run} did not finish in {timeout} s")


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    models = data_dir.parent / "models"
    models.mkdir(exist_ok=True)
    (models / "starter.lav").write_text(SYNTAX, encoding="utf-8")
    options: dict[str, Any] = {"analysis": "fake_analysis", "models_dir": models,
                                  "max_upload_bytes": 20_000}
    options.update(overrides)
    return Settings(data_dir=data_dir, **options)
