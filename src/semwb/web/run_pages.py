"""Run pages: progress, the report view, downloads, restarts, and read-only share links.

The report is the one ``render_report`` wrote when the run finished (``report.html`` in the run's
folder); the app shows it inside a sandboxed frame and serves it with a policy that allows no
script. A share link (``/s/<token>``) serves that same file and nothing else, to anyone holding
the token, until it is revoked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from semwb.web.auth import CurrentUser, FormUser
from semwb.web.pages import project_or_404
from semwb.web.render import render
from semwb.web.security import report_csp
from semwb.web.state import analysis_of, runs_of, store_of
from semwb.web.store import Run, User

router = APIRouter()

_MEDIA_TYPES = {"results.json": "application/json", "scores.csv": "text/csv",
                "report.html": "text/html"}



def _run_or_404(request: Request, project_id: str, run_id: str, user: User) -> Run:
    project = project_or_404(request, project_id, user)
    run = store_of(request).runs.get(run_id, project.id)
    if run is None:
        raise HTTPException(404)
    return run


def _report_response(request: Request, run: Run, *, framed: bool, lang: str = "") -> Response:
    store = store_of(request)
    path = store.run_dir(run.id) / "report.html"
    if run.status != "done" or not path.is_file():
        raise HTTPException(404)
    instrument = store.projects.get_file(run.project_id, run.instrument_id)
    if lang not in ("", run.options.get("lang", "en")) and instrument is not None:
        path = analysis_of(request).report_in(
            path.parent, lang, instrument_path=store.file_path(instrument),
            instrument_name=instrument.original_name)
    return FileResponse(path, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": report_csp(framed=framed),
        "X-Frame-Options": "SAMEORIGIN" if framed else "DENY",
    })


@router.get("/projects/{project_id}/runs/{run_id}")
def run_page(request: Request, project_id: str, run_id: str, user: CurrentUser,
             lang: str = "") -> Response:
    """A run: its options and progress, then the report (in ``lang``, default the run's own
    language), downloads and share links."""
    run = _run_or_404(request, project_id, run_id, user)
    store = store_of(request)
    project = project_or_404(request, project_id, user)
    responses = store.projects.get_file(project.id, run.responses_id)
    outputs = [name for name in analysis_of(request).OUTPUTS
               if (store.run_dir(run.id) / name).is_file()] if run.status == "done" else []
    return render(request, "run.html", project=project, run=run, responses=responses,
                  outputs=outputs, shares=store.sharing.shares(run.id),
                  base_url=request.app.state.settings.base_url.rstrip("/"),
                  report_lang=_report_lang(request, run, lang),
                  languages=analysis_of(request).LANGUAGES)


def _report_lang(request: Request, run: Run, lang: str) -> str:
    """The language to show a run's report in: ``lang`` when reports are written in it."""
    chosen: str = lang if lang in analysis_of(request).LANGUAGES else run.options.get("lang", "en")
    return chosen


@router.get("/projects/{project_id}/runs/{run_id}/status")
def run_status(request: Request, project_id: str, run_id: str, user: CurrentUser) -> Response:
    """The run's state as JSON, polled by ``progress.js``."""
    run = _run_or_404(request, project_id, run_id, user)
    return JSONResponse({"status": run.status, "progress": run.progress,
                         "message": run.message})


@router.post("/projects/{project_id}/runs/{run_id}/restart")
def restart_run(request: Request, project_id: str, run_id: str, user: FormUser) -> Response:
    """Queue an interrupted or failed run again with the same inputs and options."""
    run = _run_or_404(request, project_id, run_id, user)
    if not runs_of(request).restart(run.id):
        raise HTTPException(409, "Only an interrupted or failed run can be restarted.")
    return RedirectResponse(f"/projects/{project_id}/runs/{run.id}", status_code=303)


@router.get("/projects/{project_id}/runs/{run_id}/report")
def run_report(request: Request, project_id: str, run_id: str, user: CurrentUser,
               lang: str = "") -> Response:
    """The report document itself (framed by the run page), in ``lang`` when given."""
    run = _run_or_404(request, project_id, run_id, user)
    return _report_response(request, run, framed=True, lang=_report_lang(request, run, lang))


@router.get("/projects/{project_id}/runs/{run_id}/download/{name}")
def download_output(request: Request, project_id: str, run_id: str, name: str,
                    user: CurrentUser) -> Response:
    """Download ``results.json``, ``scores.csv`` or ``report.html`` of a finished run."""
    run = _run_or_404(request, project_id, run_id, user)
    path = store_of(request).run_dir(run.id) / name
    if name not in analysis_of(request).OUTPUTS or not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(name, "application/octet-stream"),
                        filename=f"{run.model_name}-{name}",
                        headers={"Content-Security-Policy": report_csp(framed=False)})


@router.post("/projects/{project_id}/runs/{run_id}/shares")
def create_share(request: Request, project_id: str, run_id: str, user: FormUser) -> Response:
    """Create a read-only link to this run's report."""
    run = _run_or_404(request, project_id, run_id, user)
    if run.status != "done":
        raise HTTPException(409, "A report can be shared once its run has finished.")
    store_of(request).sharing.create_share(run.id, user)
    return RedirectResponse(f"/projects/{project_id}/runs/{run.id}#share", status_code=303)


@router.post("/projects/{project_id}/runs/{run_id}/shares/revoke")
def revoke_share(request: Request, project_id: str, run_id: str, user: FormUser,
                 token: Annotated[str, Form()]) -> Response:
    """Revoke one of this run's share links; it answers 404 from then on."""
    run = _run_or_404(request, project_id, run_id, user)
    store_of(request).sharing.revoke_share(run.id, token)
    return RedirectResponse(f"/projects/{project_id}/runs/{run.id}#share", status_code=303)


@router.get("/s/{token}")
def shared_report(request: Request, token: str) -> Response:
    """The shared report, read-only, for anyone with the link (no account needed)."""
    run = store_of(request).shared_run(token)
    if run is None:
        raise HTTPException(404)
    return _report_response(request, run, framed=False)

