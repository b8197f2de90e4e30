"""Access control, CSRF, upload limits, escaping, stored names, headers and error pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from fastapi.testclient import TestClient
from web_support import GOOD_CSV, INSTRUMENT, Web

import semwb.web


def finished_run(web: Web) -> tuple[str, str]:
    project, responses, model = web.ready_project()
    response = web.post(f"/projects/{project}/runs",
                        {"model_id": model, "responses_id": responses, "draws": "0"})
    run = response.headers["location"].rsplit("/", 1)[-1]
    assert web.wait_for_run(project, run)["status"] == "done"
    return project, run


def test_another_users_project_is_not_found_anywhere(ann: Web, bob: Web) -> None:
    project, run = finished_run(ann)
    store = ann.client.app.state.store
    file_id = store.projects.files(project, "responses")[0].id
    model_id = store.projects.models(project)[0].id
    for path in (f"/projects/{project}", f"/projects/{project}/models/new",
                 f"/projects/{project}/models/{model_id}", f"/projects/{project}/files/{file_id}",
                 f"/projects/{project}/runs/{run}", f"/projects/{project}/runs/{run}/status",
                 f"/projects/{project}/runs/{run}/report",
                 f"/projects/{project}/runs/{run}/download/results.json"):
        assert ann.client.get(path).status_code == 200, path
        assert bob.client.get(path).status_code == 404, path
    for path, data in ((f"/projects/{project}/instrument", None),
                       (f"/projects/{project}/models", {"name": "x", "syntax": "Y ~ X"}),
                       (f"/projects/{project}/runs", {"model_id": model_id,
                                                      "responses_id": file_id}),
                       (f"/projects/{project}/runs/{run}/shares", {}),
                       (f"/projects/{project}/runs/{run}/restart", {})):
        files = {"file": ("x.yaml", INSTRUMENT)} if data is None else None
        assert bob.post(path, data or {}, files=files).status_code == 404, path
    assert store.runs.for_project(project)[0].id == run
    assert len(store.runs.for_project(project)) == 1
    # bob's own project cannot reach ann's run through its id either
    own = bob.new_project()
    assert bob.client.get(f"/projects/{own}/runs/{run}").status_code == 404


def test_share_link_opens_only_its_report_signed_out_until_revoked(
        ann: Web, app_client: TestClient) -> None:
    project, run = finished_run(ann)
    _, other_run = finished_run(ann)
    ann.post(f"/projects/{project}/runs/{run}/shares")
    page = ann.client.get(f"/projects/{project}/runs/{run}").text
    link = re.search(r'href="/s/([A-Za-z0-9_-]+)"', page)
    assert link is not None
    token = link.group(1)
    assert len(token) >= 40
    reviewer = TestClient(app_client.app, base_url="http://127.0.0.1")
    shared = reviewer.get(f"/s/{token}")
    assert shared.status_code == 200
    assert "Report of med" in shared.text
    assert "frame-ancestors 'none'" in shared.headers["content-security-policy"]
    assert shared.headers["referrer-policy"] == "no-referrer"
    # the token opens nothing else: not the project, not the run, not the downloads
    for path in (f"/projects/{project}", f"/projects/{project}/runs/{run}",
                 f"/projects/{project}/runs/{run}/download/results.json"):
        assert reviewer.get(path, follow_redirects=False).status_code == 303
    assert reviewer.get(f"/s/{token}x").status_code == 404
    # a token cannot be revoked through another run
    ann.post(f"/projects/{project}/runs/{other_run}/shares/revoke", {"token": token})
    assert reviewer.get(f"/s/{token}").status_code == 200
    ann.post(f"/projects/{project}/runs/{run}/shares/revoke", {"token": token})
    assert reviewer.get(f"/s/{token}").status_code == 404
    assert "revoked" in ann.client.get(f"/projects/{project}/runs/{run}").text


def test_unfinished_run_cannot_be_shared(ann: Web) -> None:
    project, responses, _ = ann.ready_project()
    ann.post(f"/projects/{project}/models", {"name": "bad", "syntax": "Y ~ X # FAIL",
                                             "action": "save"})
    model = next(m for m in ann.client.app.state.store.projects.models(project) if m.name == "bad")
    response = ann.post(f"/projects/{project}/runs",
                        {"model_id": model.id, "responses_id": responses, "draws": "0"})
    run = response.headers["location"].rsplit("/", 1)[-1]
    ann.wait_for_run(project, run)
    assert ann.post(f"/projects/{project}/runs/{run}/shares").status_code == 409


def post_routes(project: str, run: str, model: str, responses: str) -> list[str]:
    return ["/logout", "/projects", f"/projects/{project}/instrument",
            f"/projects/{project}/responses", f"/projects/{project}/models",
            f"/projects/{project}/members", f"/projects/{project}/members/2/remove",
            f"/projects/{project}/runs", f"/projects/{project}/runs/{run}/restart",
            f"/projects/{project}/runs/{run}/shares",
            f"/projects/{project}/runs/{run}/shares/revoke"]


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_every_form_without_the_csrf_token_is_forbidden(ann: Web, token: str | None) -> None:
    project, run = finished_run(ann)
    store = ann.client.app.state.store
    model = store.projects.models(project)[0].id
    responses = store.projects.files(project, "responses")[0].id
    fields = {"name": "x", "syntax": "Y ~ X", "model_id": model, "responses_id": responses,
              "token": "t", "action": "save"}
    if token is not None:
        fields["csrf_token"] = token
    for path in post_routes(project, run, model, responses):
        response = ann.client.post(path, data=fields, follow_redirects=False)
        assert response.status_code == 403, path
        assert "did not come from this site" in response.text
    assert len(store.projects.models(project)) == 1
    assert len(store.runs.for_project(project)) == 1
    assert ann.client.get("/").status_code == 200  # still signed in


def test_sign_in_form_needs_its_csrf_token(app_client: TestClient) -> None:
    app_client.get("/login")
    response = app_client.post("/login", data={"name": "ann", "password": "x" * 10})
    assert response.status_code == 403


def test_csrf_token_of_another_session_is_refused(ann: Web, bob: Web) -> None:
    response = ann.client.post("/projects", data={"csrf_token": bob.csrf, "name": "x"})
    assert response.status_code == 403


def test_oversized_upload_gets_a_clear_413(ann: Web) -> None:
    project = ann.new_project()
    big = b"ar1\n" + b"1\n" * 15_000  # the test app's limit is 20 kB
    response = ann.upload(project, "instrument", "big.yaml", big)
    assert response.status_code == 413
    assert "larger than this server&#x27;s limit of 0.02 MB" in response.text
    assert ann.client.app.state.store.projects.files(project, "instrument") == []


def test_oversized_body_without_length_is_cut_off_with_413(ann: Web) -> None:
    ann.new_project()

    def chunks() -> Iterator[bytes]:
        yield f"csrf_token={ann.csrf}&name=".encode()
        for _ in range(100):
            yield b"x" * 1000

    response = ann.client.post("/projects", content=chunks(), headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert len(ann.client.app.state.store.projects.projects_for(
        ann.client.app.state.store.accounts.user_by_name("ann")[0])) == 1


def test_item_text_and_file_name_are_shown_escaped(ann: Web) -> None:
    project = ann.new_project("<b>bold</b> study")
    instrument = INSTRUMENT + b"texts:\n  ar1: \"<script>alert('x')</script>\"\n"
    ann.upload(project, "instrument", "<img src=x onerror=alert(1)>.yaml", instrument)
    ann.upload(project, "responses", "<svg onload=alert(1)>.csv", b"ar1\n<script>\n")
    page = ann.client.get(f"/projects/{project}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&lt;svg onload=alert(1)&gt;.csv" in page
    assert "<svg" not in page
    assert "column ar1: &#39;&lt;script&gt;&#39; is outside" in page
    assert "&lt;b&gt;bold&lt;/b&gt; study" in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline script at all


def test_path_traversal_file_name_is_stored_under_a_generated_id(ann: Web,
                                                                  data_dir: Path) -> None:
    project = ann.new_project()
    ann.upload(project, "instrument", "demo.yaml", INSTRUMENT)
    response = ann.upload(project, "responses", "../../../../tmp/evil.csv", GOOD_CSV)
    assert response.status_code == 303
    stored = ann.client.app.state.store.projects.files(project, "responses")[0]
    assert stored.original_name == "evil.csv"
    assert stored.ok
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", stored.stored_name)
    assert (data_dir / "files" / stored.stored_name).read_bytes() == GOOD_CSV
    every_file = [p for p in data_dir.parent.rglob("*") if p.is_file()]
    assert not [p for p in every_file if p.name == "evil.csv"]
    windows = ann.upload(project, "responses", "..\\..\\win.csv", GOOD_CSV)
    assert windows.status_code == 303
    stored = ann.client.app.state.store.projects.files(project, "responses")
    assert stored[0].original_name == "win.csv"


def test_security_headers_and_session_cookie(app_client: TestClient) -> None:
    page = app_client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    static = app_client.get("/static/progress.js")
    assert static.status_code == 200
    assert static.headers["x-content-type-options"] == "nosniff"


def test_unexpected_error_gives_a_generic_500_page(ann: Web,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(ann.client.app.state.store.projects, "projects_for", broken)
    client = TestClient(ann.client.app, base_url="http://127.0.0.1",
                        raise_server_exceptions=False, cookies=ann.client.cookies)
    response = client.get("/")
    assert response.status_code == 500
    assert "internal error" in response.text
    assert "secret internal detail" not in response.text


def test_unknown_page_is_404(ann: Web) -> None:
    assert ann.client.get("/projects/nope").status_code == 404
    assert ann.client.get("/nothing-here").status_code == 404


def test_no_template_has_inline_script_or_event_handlers() -> None:
    templates = Path(semwb.web.__file__).parent / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) is None, template.name
        assert re.search(r"\son[a-z]+\s*=", text) is None, template.name
        assert "|safe" not in text.replace(" ", ""), template.name
