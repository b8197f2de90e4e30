"""Every page and action of the web app, through FastAPI's TestClient (fake analysis adapter)."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient
from web_support import BAD_CSV, GOOD_CSV, INSTRUMENT, PASSWORD, SYNTAX, Web, csrf_of


def test_pages_need_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/projects/abc", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/projects/abc"


def test_sign_in_with_wrong_password_is_refused(app_client: TestClient) -> None:
    page = app_client.get("/login")
    response = app_client.post("/login", data={
        "csrf_token": csrf_of(page.text), "name": "ann", "password": "wrong password"})
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_starts_the_session_and_sign_out_ends_it(app_client: TestClient) -> None:
    page = app_client.get("/login")
    assert "semwb_session" not in app_client.cookies
    app_client.post("/login", data={"csrf_token": csrf_of(page.text), "name": "ann",
                                    "password": PASSWORD, "next": "/projects/x"},
                    follow_redirects=False)
    assert app_client.cookies["semwb_session"]
    home = app_client.get("/")
    assert home.status_code == 200
    assert "ann" in home.text
    app_client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_redirect_stays_on_this_site(app_client: TestClient) -> None:
    page = app_client.get("/login")
    response = app_client.post("/login", data={
        "csrf_token": csrf_of(page.text), "name": "ann", "password": PASSWORD,
        "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_create_project_and_list_it(ann: Web) -> None:
    project = ann.new_project("Alliance study")
    assert "Alliance study" in ann.client.get("/").text
    page = ann.client.get(f"/projects/{project}")
    assert page.status_code == 200
    assert "No valid instrument yet" in page.text


def test_instrument_upload_shows_items_and_errors_inline(ann: Web) -> None:
    project = ann.new_project()
    ann.upload(project, "instrument", "broken.yaml", b"instrument: x\n")
    page = ann.client.get(f"/projects/{project}").text
    assert "broken.yaml, line 1: &#39;constructs&#39; is missing." in page
    assert "No valid instrument yet" in page
    ann.upload(project, "instrument", "demo.yaml", INSTRUMENT)
    page = ann.client.get(f"/projects/{project}").text
    assert "<code>iol2</code>" in page
    assert "No valid instrument yet" not in page


def test_responses_need_an_instrument_first(ann: Web) -> None:
    project = ann.new_project()
    response = ann.upload(project, "responses", "data.csv", GOOD_CSV)
    assert response.status_code == 400
    assert "Upload a valid instrument first" in response.text


def test_response_error_is_shown_with_row_and_column_then_fixed(ann: Web) -> None:
    project = ann.new_project()
    ann.upload(project, "instrument", "demo.yaml", INSTRUMENT)
    assert ann.upload(project, "responses", "data.csv", BAD_CSV).status_code == 303
    page = ann.client.get(f"/projects/{project}").text
    assert "data.csv, row 3, column ar2: &#39;9&#39; is outside the instrument&#39;s scale" in page
    ann.upload(project, "responses", "data-fixed.csv", GOOD_CSV)
    page = ann.client.get(f"/projects/{project}").text
    assert "2 respondents" in page
    # only the valid file is offered to runs (once a model exists)
    ann.post(f"/projects/{project}/models", {"name": "m", "syntax": SYNTAX, "action": "save"})
    page = ann.client.get(f"/projects/{project}").text
    options = page.split('name="responses_id"')[1].split("</select>")[0]
    assert "data-fixed.csv" in options
    assert "data.csv (" not in options


def test_unsupported_file_type_is_refused(ann: Web) -> None:
    project = ann.new_project()
    response = ann.upload(project, "instrument", "notes.exe", b"MZ")
    assert response.status_code == 400
    assert "notes.exe: files of this type cannot be read here" in response.text


def test_uploaded_file_downloads_under_its_name(ann: Web) -> None:
    project, file_id, _ = ann.ready_project()
    response = ann.client.get(f"/projects/{project}/files/{file_id}")
    assert response.content == GOOD_CSV
    assert 'filename="data.csv"' in response.headers["content-disposition"]


def test_model_editor_validates_like_the_library_and_saves(ann: Web) -> None:
    project = ann.new_project()
    editor = ann.client.get(f"/projects/{project}/models/new")
    assert editor.status_code == 200
    assert "starter" in editor.text
    started = ann.client.get(f"/projects/{project}/models/new?start=starter")
    assert "IOL ~ a*AR" in started.text
    bad = ann.post(f"/projects/{project}/models",
                   {"name": "m1", "syntax": "AR =~ ar1\nnonsense here", "action": "validate"})
    assert bad.status_code == 200
    assert "model m1, syntax line 2: &#39;nonsense here&#39; has no operator." in bad.text
    refused = ann.post(f"/projects/{project}/models",
                       {"name": "m1", "syntax": "nonsense", "action": "save"})
    assert refused.status_code == 400
    assert ann.client.app.state.store.projects.models(project) == []
    good = ann.post(f"/projects/{project}/models",
                    {"name": "m1", "syntax": SYNTAX, "action": "validate"})
    assert "The syntax is valid." in good.text
    saved = ann.post(f"/projects/{project}/models",
                     {"name": "m1", "syntax": SYNTAX, "action": "save"})
    assert saved.status_code == 303
    model = ann.client.app.state.store.projects.models(project)[0]
    assert model.syntax == SYNTAX
    edit = ann.client.get(f"/projects/{project}/models/{model.id}")
    assert "IOL ~ a*AR" in edit.text
    ann.post(f"/projects/{project}/models", {"name": "m1", "syntax": SYNTAX + "IOL ~~ IOL\n",
                                             "action": "save", "model_id": model.id})
    models = ann.client.app.state.store.projects.models(project)
    assert len(models) == 1
    assert models[0].syntax.endswith("IOL ~~ IOL\n")


def test_model_editor_checks_against_the_newest_valid_response_file(ann: Web) -> None:
    project, _, _ = ann.ready_project()
    editor = ann.client.get(f"/projects/{project}/models/new").text
    assert "against <code>data.csv</code>" in editor
    bad = ann.post(f"/projects/{project}/models",
                   {"name": "m2", "syntax": "AR =~ ar1 + ar9", "action": "validate"})
    assert "model m2, syntax line 1: &#39;ar9&#39; is not a column of data.csv." in bad.text
    good = ann.post(f"/projects/{project}/models",
                    {"name": "m2", "syntax": "AR =~ ar1 + ar2", "action": "validate"})
    assert "The syntax is valid and fits the columns of <code>data.csv</code>." in good.text


def test_run_progress_report_and_downloads(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "1000", "ci": "percentile",
        "level": "0.95", "seed": "1", "lang": "en"})
    assert response.status_code == 303
    run = response.headers["location"].rsplit("/", 1)[-1]
    state = ann.wait_for_run(project, run)
    assert state == {"status": "done", "progress": 1.0, "message": "finished"}
    page = ann.client.get(f"/projects/{project}/runs/{run}").text
    assert "1000 bootstrap draws, percentile 0.95 intervals, seed 1" in page
    for name in ("results.json", "scores.csv", "report.html"):
        assert f"/download/{name}" in page
        download = ann.client.get(f"/projects/{project}/runs/{run}/download/{name}")
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
    assert ann.client.get(f"/projects/{project}/runs/{run}/download/error.log").status_code == 404
    for fmt, magic in (("docx", "word/document.xml"), ("xlsx", "xl/workbook.xml")):
        assert f"/runs/{run}/tables.{fmt}" in page
        tables = ann.client.get(f"/projects/{project}/runs/{run}/tables.{fmt}")
        assert tables.status_code == 200
        assert "attachment" in tables.headers["content-disposition"]
        assert magic in zipfile.ZipFile(io.BytesIO(tables.content)).namelist()
    assert ann.client.get(f"/projects/{project}/runs/{run}/tables.pdf").status_code == 404
    report = ann.client.get(f"/projects/{project}/runs/{run}/report")
    assert "Report of med" in report.text
    assert "sandbox" in report.headers["content-security-policy"]
    assert "script-src" not in report.headers["content-security-policy"]


def test_run_options_are_checked_before_queueing(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "10", "seed": "1"})
    assert response.status_code == 400
    assert "The &#39;draws&#39; option of bootstrap must be at least 100; got 10." in response.text
    bad_seed = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "seed": "x1"})
    assert bad_seed.status_code == 400
    assert "seed must be a whole number" in bad_seed.text
    assert ann.client.app.state.store.runs.for_project(project) == []


def test_run_form_passes_the_estimator_and_ordered_items(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    form = ann.client.get(f"/projects/{project}").text
    assert '<option value="WLSMV">' in form
    assert 'name="ordered"' in form
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "seed": "1",
        "estimator": "WLSMV", "ordered": "ar1, ar2"})
    assert response.status_code == 303
    [run] = ann.client.app.state.store.runs.for_project(project)
    assert (run.options["estimator"], run.options["ordered"]) == ("WLSMV", ["ar1", "ar2"])
    page = ann.client.get(f"/projects/{project}/runs/{run.id}").text
    assert "estimator WLSMV (ordered items: ar1, ar2)" in page


def test_run_form_passes_imputation_and_prediction(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    form = ann.client.get(f"/projects/{project}").text
    for name in ("imputations", "predict", "folds"):
        assert f'name="{name}"' in form
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "seed": "1",
        "imputations": "5", "predict": "true", "folds": "4"})
    assert response.status_code == 303
    [run] = ann.client.app.state.store.runs.for_project(project)
    assert (run.options["imputation"], run.options["prediction"]) == ({"m": 5}, {"folds": 4})
    page = ann.client.get(f"/projects/{project}/runs/{run.id}").text
    assert "5 imputations beside FIML" in page
    assert "4-fold prediction" in page
    plain = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0", "seed": "1"})
    assert plain.status_code == 303
    latest = max(ann.client.app.state.store.runs.for_project(project), key=lambda r: r.created)
    assert "imputation" not in latest.options
    assert "prediction" not in latest.options


def test_failed_run_shows_the_message_and_can_be_restarted(ann: Web) -> None:
    project, responses, _ = ann.ready_project()
    ann.post(f"/projects/{project}/models", {"name": "bad", "syntax": "Y ~ X # FAIL",
                                             "action": "save"})
    store = ann.client.app.state.store
    model = next(m for m in store.projects.models(project) if m.name == "bad")
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model.id, "responses_id": responses, "draws": "0"})
    run = response.headers["location"].rsplit("/", 1)[-1]
    assert ann.wait_for_run(project, run)["status"] == "failed"
    page = ann.client.get(f"/projects/{project}/runs/{run}").text
    assert "model bad: the model failed on purpose" in page
    assert "Restart this run" in page
    assert ann.client.get(f"/projects/{project}/runs/{run}/report").status_code == 404
    restarted = ann.post(f"/projects/{project}/runs/{run}/restart")
    assert restarted.status_code == 303
    assert ann.wait_for_run(project, run)["status"] == "failed"


def test_only_finished_or_failed_runs_restart(ann: Web) -> None:
    project, responses, model = ann.ready_project()
    response = ann.post(f"/projects/{project}/runs", {
        "model_id": model, "responses_id": responses, "draws": "0"})
    run = response.headers["location"].rsplit("/", 1)[-1]
    ann.wait_for_run(project, run)
    assert ann.post(f"/projects/{project}/runs/{run}/restart").status_code == 409


def test_members_see_the_project_and_only_the_owner_manages_them(ann: Web, bob: Web) -> None:
    project = ann.new_project("Shared study")
    assert bob.client.get(f"/projects/{project}").status_code == 404
    missing = ann.post(f"/projects/{project}/members", {"name": "nobody"})
    assert missing.status_code == 400
    assert "no account called &#39;nobody&#39;" in missing.text
    assert ann.post(f"/projects/{project}/members", {"name": "bob"}).status_code == 303
    assert bob.client.get(f"/projects/{project}").status_code == 200
    assert "Shared study" in bob.client.get("/").text
    assert bob.post(f"/projects/{project}/members", {"name": "bob"}).status_code == 403
    bob_id = ann.client.app.state.store.projects.members(project)[0].id
    ann.post(f"/projects/{project}/members/{bob_id}/remove")
    assert bob.client.get(f"/projects/{project}").status_code == 404


def test_error_pages_keep_the_signed_in_header(ann: Web) -> None:
    page = ann.client.get("/projects/nope")
    assert page.status_code == 404
    assert "Sign out" in page.text
