"""The FastAPI application: settings, the app factory, error handlers and the server start.

One error handler per kind, as in the CLI: a :class:`~semwb.errors.SemwbError` is the user's to
fix and becomes a 400 page with its (escaped) message; an HTTP error keeps its status; anything
else is a bug and becomes a generic 500 page (the traceback goes to the server log only).
"""

from __future__ import annotations

import importlib
import ipaddress
import logging
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from semwb.errors import OptionError, SemwbError
from semwb.web import auth, pages, run_pages, tables, ui_lang
from semwb.web.render import make_environment, render
from semwb.web.run_queue import RunManager
from semwb.web.sandbox import Limits, Sandbox
from semwb.web.security import SecurityHeaders, UploadLimit
from semwb.web.store import Store

log = logging.getLogger("semwb.web")

LOOPBACK_NAMES = ("localhost",)
#: Modules the upload checker's fork server imports once (the real adapter imports them lazily).
CHECK_PRELOAD = ["semwb.survey.instrument", "semwb.survey.responses"]


def default_data_dir() -> Path:
    """Return the default store: ``$XDG_DATA_HOME/semwb`` (``~/.local/share/semwb``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "semwb"


@dataclass(frozen=True)
class Settings:
    """How one server runs.

    Attributes
    ----------
    data_dir
        Where the SQLite store, uploads and run outputs live.
    max_upload_bytes
        Largest request body accepted (413 above it); 50 MB by default.
    models_dir
        Folder of model specs offered as starting points in the model editor.
    scheduler
        Dask scheduler address; None runs analyses in local worker processes.
    workers
        Local worker processes.
    analysis
        Adapter module the pages and workers call (``semwb.web.analysis``).
    base_url
        The address people reach the server at (``https://sem.example.org``): share links are
        made from it, never from a request's ``Host`` header.
    quota_bytes
        Bytes of uploads each user may keep; 1 GB by default.
    max_draws
        Most bootstrap draws a run may ask for.
    check_limits
        Memory and CPU-time caps of the child process that checks each upload.
    """

    data_dir: Path
    max_upload_bytes: int = 50_000_000
    models_dir: Path | None = None
    scheduler: str | None = None
    workers: int = 1
    analysis: str = "semwb.web.analysis"
    base_url: str = "http://127.0.0.1:8000"
    quota_bytes: int = 1_000_000_000
    max_draws: int = 20_000
    check_limits: Limits = field(default_factory=Limits)


def create_app(settings: Settings, *, executor: Executor | None = None) -> FastAPI:
    """Build the web app over the store in ``settings.data_dir``.

    Parameters
    ----------
    settings
        The server's settings.
    executor
        Executor for runs instead of the default process pool (tests use a thread pool).
    """
    store = Store(settings.data_dir)
    runs = RunManager(store, analysis=settings.analysis, workers=settings.workers,
                      scheduler=settings.scheduler, executor=executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interrupted = runs.start()
        if interrupted:
            log.warning("%d run(s) were interrupted by the last shutdown", interrupted)
        try:
            yield
        finally:
            runs.shutdown()

    app = FastAPI(title="semwb", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.runs = runs
    app.state.templates = make_environment()
    app.state.throttles = auth.sign_in_throttles()
    app.state.sandbox = Sandbox([settings.analysis, *CHECK_PRELOAD], settings.check_limits)
    app.state.analysis = importlib.import_module(settings.analysis)
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(run_pages.router)
    app.include_router(tables.router)
    app.include_router(ui_lang.router)
    _add_error_handlers(app)
    app.add_middleware(UploadLimit, limit=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.SignInRequiredError)
    async def _sign_in(request: Request, exc: auth.SignInRequiredError) -> Response:
        return auth.login_redirect(exc)

    @app.exception_handler(SemwbError)
    async def _user_error(request: Request, exc: SemwbError) -> Response:
        auth.load_session(request)
        return render(request, "error.html", status_code=400, title="Please check your input",
                      message=str(exc))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        titles = {403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
        auth.load_session(request)
        message = exc.detail if exc.status_code != 404 else (
            "There is nothing here, or you have no access to it.")
        return render(request, "error.html", status_code=exc.status_code,
                      title=titles.get(exc.status_code, "Error"), message=str(message))

    @app.exception_handler(RequestValidationError)
    async def _bad_form(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e["loc"][-1]) for e in exc.errors()})
        return await _user_error(request, OptionError(
            f"The form is missing or has a bad value for: {', '.join(fields)}."))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "error.html", status_code=500, title="Something went wrong",
                      message="The server hit an internal error. Your data are safe; "
                              "try again, and tell the administrator if it happens again.")


def is_loopback(host: str) -> bool:
    """Return True when ``host`` is a loopback address or ``localhost``."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen_address(host: str, store: Store) -> None:
    """Refuse a non-loopback address while the store has no account (OptionError)."""
    if not is_loopback(host) and store.accounts.count_users() == 0:
        raise OptionError(
            f"Refusing to listen on {host} while no account exists: anyone on the network could "
            "reach an unprotected server. Create one first with 'semwb user add NAME', "
            "or listen on 127.0.0.1."
        )


def plain_http_warning(host: str, settings: Settings) -> str | None:
    """Return a warning when accounts would sign in over plain HTTP beyond this machine."""
    if is_loopback(host) or settings.base_url.startswith("https://"):
        return None
    return (f"semwb is serving plain HTTP on {host}: passwords and session cookies cross the "
            "network unencrypted. Put it behind an HTTPS reverse proxy and start it with "
            "--base-url https://<your address>, or listen on 127.0.0.1.")


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program listens on, or one this user may not open (OptionError).

    Bound as uvicorn binds (``SO_REUSEADDR``), so a port only in TIME_WAIT counts as free.
    """
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise OptionError(
                f"Port {port} on {host} is already in use (another 'semwb serve' or another "
                "program): stop it, or choose another port with --port.") from exc
        raise OptionError(f"Cannot listen on {host} port {port}: {exc.strerror or exc}; "
                          "choose another --host or --port.") from exc


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
          announce: Callable[[], None] | None = None) -> None:
    """Start uvicorn with the app (blocking), after the listen-address and port checks.

    ``announce`` (printing the address to open) is called once both checks have passed. The
    server and its workers create files readable by their owner only (umask 077).
    """
    import uvicorn

    check_listen_address(host, Store(settings.data_dir))
    check_port_free(host, port)
    if announce is not None:
        announce()
    warning = plain_http_warning(host, settings)
    if warning:
        log.warning(warning)  # on stderr: uvicorn has not configured logging yet
    os.umask(0o077)
    # uvicorn trusts X-Forwarded-Proto only from 127.0.0.1: behind a local HTTPS proxy the
    # session cookie gets its Secure flag.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                server_header=False)
