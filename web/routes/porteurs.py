"""Porteurs: invited from the project's page by an officer, they choose a password
through a single-use link, then find their project(s) on the home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow import invitations
from cpts_workflow.app import App
from cpts_workflow.errors import BadInput, Conflict, Refused
from cpts_workflow.workspace import Workspace

from ..context import SESSION_COOKIE, CurrentWorkspace
from ..render import page
from ..security import cookie_options, read_form, text
from .project import project_context, project_url

router = APIRouter()


def invitation_link(request: Request, token: str) -> str:
    return str(request.base_url).rstrip("/") + "/invitation/" + token


@router.post("/projets/{ref}/porteurs")
async def manage(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    login = text(form, "login") or ""
    try:
        if action == "invite":
            issued = invitations.invite_porteur(ws, ref, login, name=text(form, "name") or "",
                                                email=text(form, "email"))
        elif action == "renew":
            issued = invitations.renew_invitation(ws, ref, login)
        elif action == "detach":
            invitations.detach_porteur(ws, ref, login)
            return RedirectResponse(project_url(ws.project(ref).slug, "porteur_detached", "#porteurs"),
                                    status_code=303)
        else:
            raise BadInput("Action inconnue sur les porteurs du projet.")
    except (BadInput, Conflict, Refused) as exc:
        return page(request, "project.html.j2", status_code=409 if isinstance(exc, Conflict | Refused) else 400,
                    message=None, error=exc, **project_context(ws, ref))
    # The link is shown this once: only its fingerprint is kept.
    context = project_context(ws, ref)
    context["invitation"] = {
        "issued": issued,
        "link": invitation_link(request, issued.token) if issued.token else None,
    }
    return page(request, "project.html.j2", message=None, error=None, **context)


@router.get("/invitation/{token}")
def invitation_form(token: str, request: Request) -> Response:
    core: App = request.app.state.core
    account = invitations.invitation_account(core, token)
    return page(request, "invitation.html.j2", title="Choisir mon mot de passe", hide_nav=True,
                invited=account, error=None, token=token)


@router.post("/invitation/{token}")
async def accept(token: str, request: Request) -> Response:
    form = await read_form(request)
    core: App = request.app.state.core
    password = str(form.get("password") or "")
    try:
        if password != str(form.get("confirm") or ""):
            raise BadInput("Les deux saisies du mot de passe diffèrent.")
        account = invitations.accept_invitation(core, token, password)
    except BadInput as exc:
        invited = invitations.invitation_account(core, token)
        return page(request, "invitation.html.j2", status_code=400, title="Choisir mon mot de passe",
                    hide_nav=True, invited=invited, error=exc, token=token)
    opened = core.open_session(account)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, opened.token, max_age=int(
        (opened.expires_at - core.now()).total_seconds()), **cookie_options(request))
    return response


def porteur_home(request: Request, ws: Workspace) -> Response | None:
    """A porteur's home: their one project, or the choice among theirs."""
    account = ws.account
    if account is None or account.role != "porteur":
        return None
    projects = ws.list_projects()
    if len(projects) == 1:
        return RedirectResponse(project_url(projects[0].slug), status_code=303)
    return page(request, "porteur_home.html.j2", title="Mes projets", projects=projects)

