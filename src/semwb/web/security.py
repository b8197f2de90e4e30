"""Two ASGI middlewares: security headers on every response, and the upload size limit.

The pages' Content-Security-Policy allows scripts and styles only from this site's ``/static/``
(no inline script anywhere); reports, which carry their own inline CSS and SVG, are served with a
stricter policy that allows no script at all and sandboxes the document (see :data:`REPORT_CSP`).
"""

from __future__ import annotations

import html

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'"
)


def report_csp(*, framed: bool) -> str:
    """Return the policy of a report document: no script, sandboxed, inline CSS and images only.

    Parameters
    ----------
    framed
        True for the copy shown inside the app's report page (framed by this site only); False
        for a share link, which no site may frame.
    """
    ancestors = "'self'" if framed else "'none'"
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}; sandbox"
    )


_DEFAULT_HEADERS = {
    b"content-security-policy": PAGE_CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"cache-control": b"no-store",
}


class SecurityHeaders:
    """Add the default security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _DEFAULT_HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLargeError(Exception):
    """Raised into the app when its body passes the limit; the middleware answers 413."""


def too_large_page(limit: int) -> str:
    """Return the 413 page: what happened and what to do."""
    megabytes = limit / 1_000_000
    text = (
        f"The upload is larger than this server's limit of {megabytes:g} MB. "
        "Split or compress the file, or ask the administrator to start the server with a "
        "larger --max-upload-mb."
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Upload too large</title>"
        '<link rel=stylesheet href="/static/app.css"></head><body><main class=narrow>'
        f"<h1>Upload too large (413)</h1><p class=error>{html.escape(text)}</p>"
        '<p><a href="/">Back to projects</a></p></main></body></html>'
    )


class UploadLimit:
    """Answer 413 to any request body larger than ``limit`` bytes, before the app parses it.

    A declared ``Content-Length`` over the limit is refused at once; a body without one is
    counted as it streams in and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, send: Send) -> None:
        body = too_large_page(self.limit).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    too_large = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app makes of the interrupted body (FastAPI turns it into a 400),
            # the client gets the 413 below instead.
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await self._refuse(send)
