"""Failures as French pages (or JSON for the machine-read endpoints); never a traceback."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cpts_workflow.errors import BadInput, Conflict, CptsError, NotFound, Refused

from .render import page, web_hint

log = logging.getLogger("cpts_web")

# Each library error's stable code, and the HTTP status it answers with.
STATUS = {"bad_input": 400, "csrf": 403, "forbidden": 403, "not_found": 404, "conflict": 409,
          "refused": 409, "too_large": 413, "throttled": 429, "unauthenticated": 401, "schema_outdated": 503,
          # The base stayed locked by another writer longer than the wait: not a conflict
          # (nothing of anyone's changed), try again shortly.
          "busy": 503}
TITLES = {400: "Demande incorrecte", 401: "Connexion nécessaire", 403: "Accès refusé",
          404: "Page introuvable", 405: "Méthode non permise", 409: "Action impossible",
          413: "Requête trop volumineuse", 429: "Trop de tentatives", 500: "Erreur inattendue",
          503: "Service momentanément indisponible"}


def error_code(exc: CptsError) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    for cls, name in ((Conflict, "conflict"), (Refused, "refused"), (NotFound, "not_found"),
                      (BadInput, "bad_input")):
        if isinstance(exc, cls):
            return name
    return "error"


def wants_json(request: Request) -> bool:
    """Machine-read endpoints answer errors in JSON: `.json` exports, `/sante`, JSON callers."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return (path.endswith(".json") or path.startswith("/api/") or path == "/sante"
            or ("application/json" in accept and "text/html" not in accept))


def error_response(request: Request, status: int, code: str, message: str,
                   hint: str | None = None, reasons: list[str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message, "hint": hint,
                                       "reasons": reasons or []}}, status_code=status)
    response = page(request, "error.html.j2", status_code=status,
                    title=TITLES.get(status, "Erreur"), message=message, hint=web_hint(hint),
                    reasons=reasons or [], request_id=getattr(request.state, "request_id", ""))
    if request.headers.get("HX-Request") == "true":
        # htmx shows the message in the page's message area, not in place of a fragment.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


async def library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CptsError)
    code = error_code(exc)
    if code == "unauthenticated" and request.method == "GET" and not wants_json(request):
        # A page asked without a session: to the sign-in page, then back here.
        target = "/connexion?" + urlencode({"suite": request.url.path})
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    status = STATUS.get(code, 400)
    response = error_response(request, status, code, exc.message, exc.hint,
                              getattr(exc, "reasons", None))
    if status in (429, 503):
        response.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 5)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {404: "Cette page n'existe pas.", 405: "Cette adresse ne s'utilise pas ainsi."}
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = messages.get(exc.status_code, "La demande n'a pas pu être traitée.")
    response = error_response(request, exc.status_code, code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, "bad_input",
                          "Un paramètre de la demande est incorrect.",
                          "Vérifiez l'adresse ou le formulaire puis recommencez.")


async def server_error(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "?")
    log.error("request %s failed: %s %s", request_id, request.method, request.url.path,
              exc_info=exc)
    return error_response(request, 500, "internal",
                          "Une erreur inattendue s'est produite ; rien n'a été enregistré.",
                          f"Signalez-la à l'administrateur avec la référence {request_id}.")
