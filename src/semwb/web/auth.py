"""Accounts, server-side sessions, CSRF protection, and the sign-in pages.

Passwords are hashed with argon2id (argon2-cffi). A session is a random token in an HttpOnly,
SameSite=Lax cookie that points to a row in the store; the row also holds the session's CSRF token,
which every form carries in a hidden ``csrf_token`` field. A POST without the right token gets 403.
The sign-in form is protected too, without storing anything for anonymous visitors: its GET
sets a random token in a cookie of its own (``semwb_login``) and in the form, and the POST must
bring both, equal (double submit). Signing in creates the session (no session fixation: nothing
existed before). Failed sign-ins are throttled per account name and per client address
(:mod:`semwb.web.throttle`).
"""

from __future__ import annotations

import hmac
import secrets
import shutil
import sqlite3
from typing import Annotated
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from semwb.errors import OptionError
from semwb.web.names import check_new_password, check_user_name, name_key
from semwb.web.render import render
from semwb.web.state import store_of
from semwb.web.store import SESSION_SECONDS, Session, Store, User, removal
from semwb.web.store.removal import Removed
from semwb.web.throttle import Throttle

COOKIE = "semwb_session"
LOGIN_COOKIE = "semwb_login"
_hasher = PasswordHasher()


def sign_in_throttles() -> tuple[Throttle, Throttle]:
    """Return new throttles of failed sign-ins: 5 per account name and 20 per client address
    within 15 minutes (one pair per app, kept on ``app.state.throttles``)."""
    return Throttle(limit=5, window=900), Throttle(limit=20, window=900)

router = APIRouter()


class SignInRequiredError(Exception):
    """Raised by :func:`require_user` when nobody is signed in; the app redirects to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


def add_user(store: Store, name: str, password: str) -> User:
    """Create an account (used by ``semwb user add``); OptionError when the name is taken."""
    name = check_user_name(name)
    try:
        return store.accounts.add_user(name, hash_password(check_new_password(password)))
    except sqlite3.IntegrityError as exc:
        raise OptionError(f"A user called {name!r} already exists; choose another name.") from exc


def set_password(store: Store, name: str, password: str) -> User:
    """Give the account ``name`` a new password and end its sessions (``semwb user passwd``).

    Raises
    ------
    OptionError
        When no account has exactly that name, or the password breaks the rule.
    """
    user = _account(store, name)
    store.accounts.set_password_hash(user.id, hash_password(check_new_password(password)))
    store.accounts.end_sessions(user.id)
    return user


def _account(store: Store, name: str) -> User:
    """The account called exactly ``name`` (not a look-alike); OptionError when there is none."""
    found = store.accounts.user_by_name(name)
    if found is None or found[0].name != name:
        raise OptionError(f"No account is called {name!r}; 'semwb user list' shows them.")
    return found[0]


def remove_account(store: Store, name: str, *, with_projects: bool = False) -> Removed:
    """Remove the account ``name`` (``semwb user remove``): :mod:`.store.removal` says what
    goes and what stays; with ``with_projects`` its own projects go too, bytes on disk included.

    Raises
    ------
    OptionError
        When there is no such account; when it owns projects and ``with_projects`` is False
        (nothing is removed; the message names them); when a run of those projects is queued or
        running.
    """
    user = _account(store, name)
    owned = removal.owned_projects(store.db, user)
    names = ", ".join(repr(project_name) for _, project_name in owned)
    if owned and not with_projects:
        raise OptionError(
            f"{name!r} owns {len(owned)} project(s): {names}. Nothing was removed. Their "
            "members would lose them too; to delete them with the account, add "
            "--delete-projects.")
    if owned and removal.active_runs(store.db, [project_id for project_id, _ in owned]):
        raise OptionError(
            f"A run of {name!r}'s projects is queued or running; nothing was removed. Wait "
            "until it ends (or restart 'semwb serve', which marks it interrupted) and try again.")
    removed = removal.remove_user(store.db, user, with_projects=with_projects)
    for stored_name in removed.stored_names:
        (store.files_dir / stored_name).unlink(missing_ok=True)
    for run_id in removed.run_ids:
        shutil.rmtree(store.run_dir(run_id), ignore_errors=True)
    return removed


def authenticate(store: Store, name: str, password: str) -> User | None:
    """Return the user when ``password`` is right, else None (same answer for unknown names)."""
    found = store.accounts.user_by_name(name.strip())
    if found is None:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    user, stored_hash = found
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(stored_hash):
        store.accounts.set_password_hash(user.id, hash_password(password))
    return user



def load_session(request: Request) -> Session | None:
    """Return the request's session, caching it on ``request.state``.

    A signed-in session comes from the store; an anonymous visitor of the sign-in page gets an
    unsaved session whose CSRF token is the ``semwb_login`` cookie.
    """
    if not hasattr(request.state, "session"):
        token = request.cookies.get(COOKIE)
        session = store_of(request).accounts.get_session(token) if token else None
        login_token = request.cookies.get(LOGIN_COOKIE)
        if session is None and login_token:
            session = Session(token="", user=None, csrf=login_token)
        request.state.session = session
    found: Session | None = request.state.session
    return found


def set_session_cookie(request: Request, response: Response, session: Session) -> None:
    """Attach the session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    response.set_cookie(
        COOKIE, session.token, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )


def require_user(request: Request) -> User:
    """Dependency: the signed-in user, or a redirect to the sign-in page."""
    session = load_session(request)
    if session is None or session.user is None:
        raise SignInRequiredError(request.url.path)
    return session.user


async def require_csrf(request: Request) -> Session:
    """Dependency for every form POST: 403 unless the form's ``csrf_token`` matches the session."""
    session = load_session(request)
    form = await request.form()
    sent = form.get("csrf_token")
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), session.csrf.encode()
    ):
        raise HTTPException(403, "This form has expired or did not come from this site. "
                                 "Reload the page and try again.")
    return session


async def require_user_form(
    user: Annotated[User, Depends(require_user)],
    session: Annotated[Session, Depends(require_csrf)],
) -> User:
    """Dependency for signed-in form POSTs: the user, after the CSRF check."""
    return user


CurrentUser = Annotated[User, Depends(require_user)]
FormUser = Annotated[User, Depends(require_user_form)]


def _safe_next(next_path: str) -> str:
    """Keep a post-sign-in target on this site (a path, never ``//host`` or a URL)."""
    if next_path.startswith("/") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """Show the sign-in form; a new visitor gets its CSRF token in the ``semwb_login`` cookie."""
    session = load_session(request)
    fresh = session is None
    if session is None:
        session = Session(token="", user=None, csrf=secrets.token_urlsafe(32))
        request.state.session = session
    response = render(request, "login.html", next=_safe_next(next), error="")
    if fresh:
        response.set_cookie(LOGIN_COOKIE, session.csrf, max_age=3600, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login")
async def login(request: Request,
                session: Annotated[Session, Depends(require_csrf)]) -> Response:
    """Check the password (unless throttled); on success start a signed-in session."""
    form = await request.form()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    next_path = _safe_next(str(form.get("next", "/")))
    store = store_of(request)
    by_name, by_client = request.app.state.throttles
    keys = (by_name, name_key(name.strip())), (by_client, _client(request))
    wait = max(throttle.wait(key) for throttle, key in keys)
    if wait > 0:
        return render(request, "login.html", status_code=429, next=next_path,
                      error=f"Too many failed sign-ins. Try again in {wait / 60:.0f} "
                            "minute(s), or ask the administrator to reset the password.")
    user = await run_in_threadpool(authenticate, store, name, password)
    if user is None:
        for throttle, key in keys:
            throttle.failed(key)
        return render(request, "login.html", status_code=401, next=next_path,
                      error="Wrong user name or password.")
    by_name.clear(keys[0][1])
    if session.user is not None:
        store.accounts.delete_session(session.token)
    new = store.accounts.create_session(user)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, new)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request,
                 session: Annotated[Session, Depends(require_csrf)]) -> Response:
    """End the session and go back to the sign-in page."""
    store_of(request).accounts.delete_session(session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def login_redirect(exc: SignInRequiredError) -> RedirectResponse:
    """Return the redirect to the sign-in page that remembers where the user was going."""
    return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)
