"""Request hygiene: bounded bodies, security headers, the CSRF token, proxies.

CSRF: a random token in a cookie (HttpOnly, SameSite=Lax) that every form repeats in a
hidden field (or htmx in the `X-CSRF-Token` header); a POST whose two copies differ is
refused. A page of another site can neither read the cookie nor guess the token.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cpts_workflow.errors import CptsError

CSRF_COOKIE = "cpts_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
MAX_FIELDS = 200
# Pages load only their own scripts and styles; SVG charts carry inline style attributes.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode()),
]


class TooLarge(CptsError):
    code = "too_large"


class CsrfRefused(CptsError):
    code = "csrf"


# Evidence uploads: one file of at most 10 Mo, with the form's few fields around it.
UPLOAD_PATH = re.compile(r"/projets/[^/]+/justificatifs")


class BodyLimit:
    """Refuse (413) a request body larger than `limit` bytes (`upload_limit` for an
    evidence upload), declared or streamed: nothing larger is ever read into memory."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit or limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = (self.upload_limit if scope.get("method") == "POST"
                 and UPLOAD_PATH.fullmatch(scope.get("path", "")) else self.limit)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge("La requête est trop volumineuse.")
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send) -> None:
    body = "La requête est trop volumineuse.".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """The same protective headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


def is_https(request: Request) -> bool:
    """HTTPS as the browser sees it: the socket's scheme, or a trusted proxy's word."""
    settings = request.app.state.settings
    if settings.secure_cookies or request.url.scheme == "https":
        return True
    client = request.client.host if request.client else None
    return settings.trusts(client) and request.headers.get("x-forwarded-proto", "") == "https"


def client_address(request: Request) -> str:
    """The browser's address: the first `X-Forwarded-For` hop when a trusted proxy sent it."""
    client = request.client.host if request.client else "inconnu"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and request.app.state.settings.trusts(client):
        return forwarded.split(",")[0].strip() or client
    return client


def cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": is_https(request), "path": "/"}


def csrf_token(request: Request) -> str:
    """This browser's token (a new one when it has none yet)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


async def read_form(request: Request, *, max_files: int = 0) -> FormData:
    """The posted form, once its CSRF token matched (no files unless said, bounded field
    count; a file part is spooled to disk by the parser, never held whole in memory)."""
    form = await request.form(max_files=max_files, max_fields=MAX_FIELDS)
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    # Signed in: the session's own token (kept in the base); else the cookie's.
    expected = getattr(request.state, "csrf", "") or request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused(
            "Le formulaire a expiré ou ne vient pas de ce site : rien n'a été enregistré.",
            "Rechargez la page puis recommencez.",
        )
    return form


def text(form: FormData, name: str) -> str | None:
    """A text field, `None` when absent or blank."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None
