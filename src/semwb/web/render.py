"""The web pages' Jinja environment and the helper that turns a template into a response.

Same conventions as the report (``semwb.report``): ``autoescape=True`` so every uploaded text
(file names, item texts, error messages) is escaped wherever it is shown, and ``StrictUndefined``
so a misspelt variable fails loudly instead of rendering as nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from semwb.web.ui_lang import translator, ui_lang


def fmt_time(timestamp: float | None) -> str:
    """Format a Unix time as ``YYYY-MM-DD HH:MM`` UTC; empty for None."""
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def fmt_size(size: int) -> str:
    """Format a byte count for people (``812 B``, ``14.2 kB``, ``3.1 MB``)."""
    if size < 1000:
        return f"{size} B"
    if size < 1000**2:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1000**2:.1f} MB"


def make_environment() -> Environment:
    """Return the Jinja environment of the web pages (``semwb/web/templates``)."""
    env = Environment(
        loader=PackageLoader("semwb.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt_time"] = fmt_time
    env.filters["fmt_size"] = fmt_size
    return env


def render(request: Request, template: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """Render ``template`` with ``context`` plus the signed-in user and the CSRF token.

    Parameters
    ----------
    request
        The request; its ``state.session`` (set by :mod:`semwb.web.auth`) gives ``user`` and
        ``csrf_token`` to every page, so every form can carry the token; its cookie the
        interface language (``ui_lang``, and ``_`` to translate fixed text,
        :mod:`semwb.web.ui_lang`).
    template
        File name under ``templates/``.
    status_code
        HTTP status of the response.
    """
    env: Environment = request.app.state.templates
    session = getattr(request.state, "session", None)
    lang = ui_lang(request)
    page = env.get_template(template).render(
        user=session.user if session else None,
        csrf_token=session.csrf if session else "",
        ui_lang=lang, _=translator(lang),
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
