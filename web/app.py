"""The application factory: one shared workspace per process, one cheap view per request."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from cpts_workflow.clock import Clock, system_now
from cpts_workflow.snapshots import Snapshots

from . import errors, security
from .settings import Settings

log = logging.getLogger("cpts_web")
STATIC = Path(__file__).parent / "static"


def create_app(
    url: str | None = None,
    *,
    now: Clock = system_now,
    workflow_files: list[Path] | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The web app over the base at `url` (default: `CPTS_DATABASE_URL`, else the user's base)."""
    settings = settings or Settings()
    app = FastAPI(title="cpts-workflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    from cpts_workflow.app import App

    app.state.core = App(url, workflow_files=workflow_files, now=now)
    _ = app.state.core.catalog  # built once, before the first request needs it
    app.state.accounts_seen = False
    # Rendered pages kept until the base changes (`render.kept_page`), ≈ 50 KB each.
    app.state.pages = Snapshots(size=512)

    @app.middleware("http")
    async def per_request(request: Request, call_next) -> Response:
        request.state.request_id = uuid.uuid4().hex[:12]
        request.state.csrf = security.csrf_token(request)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as exc:  # noqa: BLE001 - answered here so that headers still apply
            response = await errors.server_error(request, exc)
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(security.CSRF_COOKIE, new, **security.cookie_options(request))
        response.headers["X-Request-Id"] = request.state.request_id
        if request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=3600"
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        log.debug("%s %s %s %.1f ms", request.method, request.url.path, response.status_code,
                  (time.perf_counter() - started) * 1000)
        return response

    app.add_middleware(security.SecurityHeaders)
    app.add_middleware(security.BodyLimit, limit=settings.max_body,
                       upload_limit=settings.max_upload)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    app.add_exception_handler(RequestValidationError, errors.validation_error)
    app.add_exception_handler(Exception, errors.server_error)
    from cpts_workflow.errors import CptsError

    app.add_exception_handler(CptsError, errors.library_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from .routes import (
        accounts,
        calendar,
        contacts_partners,
        contract,
        deadlines,
        documents,
        evidence,
        exports,
        follow_up,
        health,
        interview,
        members,
        porteurs,
        portfolio,
        project,
        region,
        territory,
    )

    for module in (health, accounts, portfolio, documents, project, follow_up, deadlines, region,
                   exports, calendar, porteurs, evidence, members, territory, interview, contract,
                   contacts_partners):
        app.include_router(module.router)
    return app
