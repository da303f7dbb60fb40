"""« Mon compte » and the calendar subscription: a secret `.ics` address per account.

Calendar programs (Outlook, Google Agenda, Thunderbird) poll the address without
signing in: the secret in it is the credential. It serves the deadlines its account may
see, as the account sees them now; an unknown or revoked secret, or a disabled account,
is « not found » alike. The base keeps the secret's hash only: the address is shown once,
when made; « Régénérer » makes a new one and the old one stops answering.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpts_workflow import accounts
from cpts_workflow.app import App
from cpts_workflow.deadlines import deadlines, deadlines_ics
from cpts_workflow.errors import BadInput, NotFound

from ..context import CurrentWorkspace
from ..render import page
from ..security import is_https, read_form, text

router = APIRouter()


def feed_url(request: Request, token: str) -> str:
    """The address as the browser reached this site (the proxy's HTTPS included)."""
    scheme = "https" if is_https(request) else request.url.scheme
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}/calendrier/{token}.ics"


def _account_page(request: Request, ws, *, made: str | None = None, message: str | None = None,
                  status_code: int = 200) -> Response:
    address = accounts.calendar_address(ws) if ws.account is not None else None
    return page(request, "account.html.j2", status_code=status_code, title="Mon compte",
                address=address, new_url=feed_url(request, made) if made else None,
                message=message, error=None)


@router.get("/compte")
def account(request: Request, ws: CurrentWorkspace) -> Response:
    return _account_page(request, ws)


@router.post("/compte/calendrier")
async def calendar_change(request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    if ws.account is None:
        raise BadInput("Aucun compte n'est connecté : l'adresse d'agenda appartient à un compte.",
                       "Connectez-vous avec votre compte.")
    action = text(form, "action")
    if action == "new":
        made = accounts.new_calendar_address(ws)
        return _account_page(request, ws, made=made.token,
                             message="Nouvelle adresse d'agenda créée ; l'ancienne ne répond plus.")
    if action == "revoke":
        done = accounts.revoke_calendar_address(ws)
        return _account_page(request, ws, message="Adresse d'agenda révoquée : elle ne répond plus."
                             if done else "Aucune adresse d'agenda n'était active.")
    raise BadInput("Action inconnue sur l'adresse d'agenda.")


@router.get("/calendrier/{token}.ics")
def calendar_feed(token: str, request: Request) -> Response:
    core: App = request.app.state.core
    account_ = core.calendar_account(token)
    if account_ is None:
        raise NotFound("Cette adresse d'agenda n'existe pas ou a été révoquée.",
                       "Demandez une nouvelle adresse sur la page « Mon compte ».")
    ws = core.workspace(account_)
    body = deadlines_ics(ws, deadlines(ws))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="echeances-cpts.ics"'})
