"""The researcher's pages: projects, uploads, the model editor, members, and starting runs.

Every project route looks the project up for the signed-in user first: a project that does not
exist and one that belongs to someone else both answer 404, so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from semwb.errors import InstrumentError, OptionError, ResponseDataError, SemwbError
from semwb.web.auth import CurrentUser, FormUser
from semwb.web.render import render
from semwb.web.state import analysis_of, runs_of, store_of
from semwb.web.store import Model, Project, Store, StoredFile, User
from semwb.web.uploads import store_upload

router = APIRouter()




def project_or_404(request: Request, project_id: str, user: User) -> Project:
    """Return the project when ``user`` is its owner or a member; else 404."""
    project = store_of(request).projects.project_for(project_id, user)
    if project is None:
        raise HTTPException(404)
    return project


def current_instrument(store: Store, project_id: str) -> StoredFile | None:
    """Return the newest instrument upload of a project that passed validation."""
    return next((f for f in store.projects.files(project_id, "instrument") if f.ok), None)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
def projects_page(request: Request, user: CurrentUser) -> Response:
    """List the user's projects with a form to create one."""
    return render(request, "projects.html", projects=store_of(request).projects.projects_for(user))


@router.post("/projects")
def create_project(request: Request, user: FormUser,
                   name: Annotated[str, Form(max_length=200)]) -> Response:
    """Create a project owned by the user."""
    if not name.strip():
        raise OptionError("Give the project a name.")
    project = store_of(request).projects.create_project(name.strip(), user)
    return _redirect(f"/projects/{project.id}")


#: The run form's values before anything is chosen (a refused run shows the ones sent).
RUN_FORM: dict[str, Any] = {
    "model_id": "", "responses_id": "", "draws": 1000, "ci": "percentile", "level": 0.95,
    "seed": "1", "estimator": "ML", "ordered": "", "missing": "", "group": "", "lang": "en",
    "exclude": [], "imputations": 0, "predict": False, "folds": 10}


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: str, user: CurrentUser) -> Response:
    """Show a project: instrument, response files, models, runs and members."""
    return _project_view(request, project_or_404(request, project_id, user), user)


def _project_view(request: Request, project: Project, user: User, *,
                  run_form: dict[str, Any] | None = None, run_error: str = "",
                  status_code: int = 200) -> Response:
    """The project page; ``run_form`` and ``run_error`` put a refused run's values and the
    reason back into the run form."""
    store = store_of(request)
    project_id = project.id
    return render(
        request, "project.html", status_code=status_code, project=project,
        run_form={**RUN_FORM, **(run_form or {})}, run_error=run_error,
        exclusion_rules=analysis_of(request).EXCLUSION_RULES,
        instrument=current_instrument(store, project_id),
        instruments=store.projects.files(project_id, "instrument"),
        responses=store.projects.files(project_id, "responses"),
        models=store.projects.models(project_id), runs=store.runs.for_project(project_id),
        members=store.projects.members(project_id), is_owner=project.owner.id == user.id,
        ci_methods=analysis_of(request).CI_METHODS,
        instrument_suffixes=analysis_of(request).INSTRUMENT_SUFFIXES,
        response_suffixes=analysis_of(request).RESPONSE_SUFFIXES,
        max_draws=request.app.state.settings.max_draws,
    )


@router.post("/projects/{project_id}/instrument")
async def upload_instrument(request: Request, project_id: str, user: FormUser,
                            file: UploadFile) -> Response:
    """Store an instrument (YAML or spreadsheet) and show its validation on the project page."""
    project = project_or_404(request, project_id, user)
    await store_upload(store_of(request), project.id, file, kind="instrument", user=user,
                       quota=request.app.state.settings.quota_bytes,
                       allowed=analysis_of(request).INSTRUMENT_SUFFIXES,
                       check=_checker(request, "check_instrument", InstrumentError))
    return _redirect(f"/projects/{project.id}#instrument")


@router.post("/projects/{project_id}/responses")
async def upload_responses(request: Request, project_id: str, user: FormUser, file: UploadFile,
                           sheet: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Store a response file, read it against the current instrument, show the outcome."""
    store = store_of(request)
    project = project_or_404(request, project_id, user)
    instrument = current_instrument(store, project.id)
    if instrument is None:
        raise OptionError("Upload a valid instrument first: response files are checked "
                          "against its items and scale.")
    await store_upload(
        store, project.id, file, kind="responses", user=user,
        quota=request.app.state.settings.quota_bytes,
        allowed=analysis_of(request).RESPONSE_SUFFIXES,
        check=_checker(request, "check_responses", ResponseDataError), instrument=instrument,
        instrument_path=store.file_path(instrument), instrument_name=instrument.original_name,
        sheet=sheet.strip() or None,
    )
    return _redirect(f"/projects/{project.id}#responses")


def _checker(request: Request, function: str,
             error: type[SemwbError]) -> Callable[..., dict[str, Any]]:
    """The adapter's ``function``, run in a capped child process (:mod:`semwb.web.sandbox`)."""
    settings = request.app.state.settings
    return partial(request.app.state.sandbox.call, settings.analysis, function, error=error)


@router.get("/projects/{project_id}/files/{file_id}")
def download_upload(request: Request, project_id: str, file_id: str,
                    user: CurrentUser) -> Response:
    """Download an uploaded file under its original name (as an attachment)."""
    project = project_or_404(request, project_id, user)
    stored = store_of(request).projects.get_file(project.id, file_id)
    if stored is None:
        raise HTTPException(404)
    return FileResponse(store_of(request).file_path(stored), filename=stored.original_name,
                        media_type="application/octet-stream")


def _check_data(store: Store, project_id: str) -> tuple[StoredFile | None, dict[str, Any]]:
    """Return the newest valid response file and the adapter keywords to check against it."""
    responses = next((f for f in store.projects.files(project_id, "responses") if f.ok), None)
    instrument = store.projects.get_file(project_id, responses.instrument_id) if (
        responses and responses.instrument_id) else None
    if responses is None or instrument is None:
        return None, {}
    return responses, {
        "responses_path": store.file_path(responses), "responses_name": responses.original_name,
        "instrument_path": store.file_path(instrument),
        "instrument_name": instrument.original_name, "sheet": responses.summary.get("sheet"),
    }


def _editor(request: Request, project: Project, *, model_id: str, name: str, syntax: str,
            problems: str = "", valid: bool = False, status_code: int = 200,
            start: str = "", spec: dict[str, Any] | None = None) -> Response:
    data, _ = _check_data(store_of(request), project.id)
    return render(request, "model.html", status_code=status_code, project=project,
                  model_id=model_id, name=name, syntax=syntax, problems=problems, valid=valid,
                  data=data, starters=_starters(request), start=start, spec=spec or {})


def _starters(request: Request) -> list[dict[str, Any]]:
    """The stored specs of ``--models`` a model can start from."""
    starters: list[dict[str, Any]] = analysis_of(request).starter_specs(
        request.app.state.settings.models_dir)
    return starters


def _starter(request: Request, name: str) -> dict[str, Any] | None:
    return next((s for s in _starters(request) if s["name"] == name), None) if name else None


@router.get("/projects/{project_id}/models/new")
def new_model_page(request: Request, project_id: str, user: CurrentUser,
                   start: str = "") -> Response:
    """The model editor, empty or filled from one of the starter specs."""
    project = project_or_404(request, project_id, user)
    starter = _starter(request, start)
    if starter is None:
        return _editor(request, project, model_id="", name="", syntax="")
    return _editor(request, project, model_id="", name=starter["name"],
                   syntax=starter["syntax"], start=starter["name"], spec=starter["spec"])


@router.get("/projects/{project_id}/models/{model_id}")
def model_page(request: Request, project_id: str, model_id: str, user: CurrentUser) -> Response:
    """The model editor on a saved model."""
    project = project_or_404(request, project_id, user)
    model = _model_or_404(request, project, model_id)
    return _editor(request, project, model_id=model.id, name=model.name, syntax=model.syntax,
                   spec=model.spec)


def _model_or_404(request: Request, project: Project, model_id: str) -> Model:
    model = store_of(request).projects.get_model(project.id, model_id)
    if model is None:
        raise HTTPException(404)
    return model


@router.post("/projects/{project_id}/models")
async def save_model(
    request: Request, project_id: str, user: FormUser,
    name: Annotated[str, Form(max_length=100)],
    syntax: Annotated[str, Form(max_length=100_000)],
    action: Annotated[str, Form()] = "validate",
    model_id: Annotated[str, Form()] = "",
    start: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Validate the syntax (``action=validate``) or validate and save it (``action=save``).

    The syntax is checked alone and against the project's newest valid response file; the
    problems shown are the library's :class:`~semwb.errors.SpecError` message, the same text
    ``semwb fit`` prints. A model started from a stored spec (``start``) keeps that spec's
    title, hypotheses and missing rule; a saved model keeps its own. Its hypotheses are checked
    against the edited syntax: one naming an effect or path the syntax no longer has is refused
    as the run would refuse it, and the form keeps the edit.
    """
    project = project_or_404(request, project_id, user)
    model = _model_or_404(request, project, model_id) if model_id else None
    starter = _starter(request, start)
    spec = starter["spec"] if starter else (model.spec if model else None)
    editor = partial(_editor, request, project, model_id=model_id, syntax=syntax,
                     start=starter["name"] if starter else "", spec=spec)
    name = name.strip()
    if not name:
        return editor(name=name, problems="Give the model a name.", status_code=400)
    _, data = _check_data(store_of(request), project.id)
    try:
        await run_in_threadpool(analysis_of(request).check_syntax, syntax, name=name,
                                hypotheses=(spec or {}).get("hypotheses"), **data)
    except SemwbError as exc:
        return editor(name=name, problems=str(exc),
                      status_code=200 if action == "validate" else 400)
    if action != "save":
        return editor(name=name, valid=True)
    store_of(request).projects.save_model(project.id, name, syntax, model_id or None,
                                          spec=starter["spec"] if starter else None)
    return _redirect(f"/projects/{project.id}#models")


@router.post("/projects/{project_id}/members")
def add_member(request: Request, project_id: str, user: FormUser,
               name: Annotated[str, Form(max_length=64)]) -> Response:
    """Give another account access to the project (owner only)."""
    store = store_of(request)
    project = _owned_or_403(request, project_id, user)
    found = store.accounts.user_by_name(name.strip())
    if found is None:
        raise OptionError(f"There is no account called {name.strip()!r}; the administrator "
                          "creates accounts with 'semwb user add NAME'.")
    if found[0].id != project.owner.id:
        store.projects.add_member(project.id, found[0])
    return _redirect(f"/projects/{project.id}#members")


@router.post("/projects/{project_id}/members/{user_id}/remove")
def remove_member(request: Request, project_id: str, user_id: int, user: FormUser) -> Response:
    """Take a member out of the project (owner only)."""
    project = _owned_or_403(request, project_id, user)
    store_of(request).projects.remove_member(project.id, user_id)
    return _redirect(f"/projects/{project.id}#members")


def _owned_or_403(request: Request, project_id: str, user: User) -> Project:
    project = project_or_404(request, project_id, user)
    if project.owner.id != user.id:
        raise HTTPException(403, "Only the project's owner can change its members.")
    return project


@router.post("/projects/{project_id}/runs")
def start_run(
    request: Request, project_id: str, user: FormUser,
    model_id: Annotated[str, Form()], responses_id: Annotated[str, Form()],
    draws: Annotated[int, Form(ge=0)] = 0, ci: Annotated[str, Form()] = "percentile",
    level: Annotated[float, Form()] = 0.95, seed: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "en", missing: Annotated[str, Form()] = "",
    estimator: Annotated[str, Form()] = "ML",
    group: Annotated[str, Form()] = "", ordered: Annotated[str, Form()] = "",
    exclude: Annotated[list[str] | None, Form()] = None,
    imputations: Annotated[int, Form(ge=0)] = 0, predict: Annotated[bool, Form()] = False,
    folds: Annotated[int, Form()] = 10,
) -> Response:
    """Queue a run of a saved model on a valid response file; go to its page.

    A run the options refuse goes back to the project page with the values sent and the reason.
    """
    store = store_of(request)
    project = project_or_404(request, project_id, user)
    model = _model_or_404(request, project, model_id)
    responses = store.projects.get_file(project.id, responses_id)
    if responses is None or responses.kind != "responses":
        raise HTTPException(404)
    sent = {"model_id": model_id, "responses_id": responses_id, "draws": draws, "ci": ci,
            "level": level, "seed": seed, "lang": lang, "missing": missing,
            "estimator": estimator, "group": group, "ordered": ordered,
            "exclude": exclude or [], "imputations": imputations, "predict": predict,
            "folds": folds}
    try:
        options = _run_options(request, model, responses, sent)
    except SemwbError as exc:
        return _project_view(request, project, user, run_form=sent, run_error=str(exc),
                             status_code=400)
    run = store.runs.create(project.id, model, responses, options)
    runs_of(request).submit(run)
    return _redirect(f"/projects/{project.id}/runs/{run.id}")


def _run_options(request: Request, model: Model, responses: StoredFile,
                 sent: dict[str, Any]) -> dict[str, Any]:
    """The run's options checked by the library (SemwbError naming the option when refused)."""
    if not responses.ok:
        raise OptionError(f"{responses.original_name} did not pass validation; upload a "
                          "corrected file and run on that one.")
    max_draws = request.app.state.settings.max_draws
    if sent["draws"] > max_draws:
        raise OptionError(f"This server runs at most {max_draws:,} bootstrap draws; got "
                          f"{sent['draws']:,}. 5000 draws are what reviewers usually expect.")
    options: dict[str, Any] = analysis_of(request).check_run_options(
        model.syntax, name=model.name, draws=sent["draws"], ci=sent["ci"], level=sent["level"],
        seed=_seed(sent["seed"]), lang=sent["lang"],
        missing=sent["missing"] or model.spec.get("missing", "listwise"),
        estimator=sent["estimator"], group=sent["group"].strip(), ordered=sent["ordered"],
        spec=model.spec, exclude=sent["exclude"], imputations=sent["imputations"],
        predict=sent["predict"], folds=sent["folds"])
    return options


def _seed(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise OptionError(f"The bootstrap seed must be a whole number of 0 or more; got {text!r}.")
    return int(text)
