"""Every table of a finished run's report as a Word or Excel download.

The report embeds the same files, but the app shows it in a sandboxed frame, where downloads
are blocked; this route serves them to the run's owner from the run's ``results.json``.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from semwb.web.auth import CurrentUser
from semwb.web.pages import project_or_404
from semwb.web.state import store_of

router = APIRouter()


@router.get("/projects/{project_id}/runs/{run_id}/tables.{fmt}")
def run_tables(request: Request, project_id: str, run_id: str, fmt: str, user: CurrentUser,
               lang: str = "en") -> Response:
    """Download the run's tables: ``tables.docx`` (Word) or ``tables.xlsx`` (Excel)."""
    from semwb.report.export import MEDIA_TYPES
    from semwb.report.i18n import check_lang
    from semwb.report.writer import tables_of

    project = project_or_404(request, project_id, user)
    run = store_of(request).runs.get(run_id, project.id)
    folder = None if run is None else store_of(request).run_dir(run.id)
    if (run is None or folder is None or run.status != "done" or fmt not in MEDIA_TYPES
            or not (folder / "results.json").is_file()):
        raise HTTPException(404)
    data = tables_of(folder, lang=check_lang(lang))[fmt]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", run.model_name) or "model"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}-tables.{fmt}"'})
