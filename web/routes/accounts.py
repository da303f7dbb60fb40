"""Signing in and out, one's own password, and the admin page for accounts.

The library decides (sign-in throttling, one answer whatever the login, who may manage
accounts); these routes set and clear the session cookie.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow import accounts
from cpts_workflow.app import App
from cpts_workflow.errors import CptsError, Throttled
from cpts_workflow.permissions import ROLE_LABELS, ROLES

from ..context import SESSION_COOKIE, CurrentWorkspace, load_account
from ..render import page
from ..security import CSRF_COOKIE, client_address, cookie_options, read_form, text

router = APIRouter()


def _next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:500]
    return "/"


@router.get("/connexion")
def login_form(request: Request) -> Response:
    return page(request, "login.html.j2", title="Connexion", error=None, hide_nav=True,
                suite=_next(request.query_params.get("suite")), login="")


@router.post("/connexion")
async def login(request: Request) -> Response:
    form = await read_form(request)
    core: App = request.app.state.core
    login_text = text(form, "login") or ""
    suite = _next(text(form, "suite"))
    try:
        account = core.authenticate(login_text, str(form.get("password") or ""),
                                    address=client_address(request))
    except CptsError as exc:
        refused = page(request, "login.html.j2", status_code=429 if isinstance(exc, Throttled) else 401,
                       title="Connexion", error=exc, hide_nav=True, suite=suite, login=login_text[:80])
        if isinstance(exc, Throttled):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    opened = core.open_session(account)
    response = RedirectResponse(suite, status_code=303)
    response.set_cookie(SESSION_COOKIE, opened.token, max_age=int(
        (opened.expires_at - core.now()).total_seconds()), **cookie_options(request))
    return response


@router.post("/deconnexion")
async def logout(request: Request) -> Response:
    # Any page's form may sign out: one carrying the session's token (a signed-in page)
    # or the browser's cookie token (an error page, rendered without the session).
    form = await request.form(max_files=0, max_fields=10)
    sent = str(form.get("csrf") or "")
    load_account(request)
    accepted = {getattr(request.state, "csrf", ""), request.cookies.get(CSRF_COOKIE, "")} - {""}
    if not any(hmac.compare_digest(sent.encode(), token.encode()) for token in accepted):
        await read_form(request)  # refuses, with the usual sentence
    core: App = request.app.state.core
    core.close_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/compte/mot-de-passe")
def password_form(request: Request, ws: CurrentWorkspace) -> Response:
    return page(request, "password.html.j2", title="Changer mon mot de passe", error=None, done=False)


@router.post("/compte/mot-de-passe")
async def change_password(request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    account = ws.account
    if account is None:
        return page(request, "password.html.j2", status_code=400, title="Changer mon mot de passe",
                    error=CptsError("Aucun compte n'est connecté : il n'y a pas de mot de passe à changer."),
                    done=False)
    new = str(form.get("new") or "")
    try:
        if new != str(form.get("confirm") or ""):
            from cpts_workflow.errors import BadInput

            raise BadInput("Les deux saisies du nouveau mot de passe diffèrent.")
        accounts.change_own_password(request.app.state.core, account.login,
                                     str(form.get("current") or ""), new)
    except CptsError as exc:
        return page(request, "password.html.j2", status_code=400, title="Changer mon mot de passe",
                    error=exc, done=False)
    # Every session of the account ended: sign in again, with the new password.
    response = RedirectResponse("/connexion?suite=/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


JOURNAL_ON_PAGE = 30


@router.get("/admin/comptes")
def admin(request: Request, ws: CurrentWorkspace) -> Response:
    return _admin_page(request, ws, None, None)


def _admin_page(request: Request, ws, error: CptsError | None, message: str | None,
                status_code: int = 200) -> Response:
    from cpts_workflow.base_journal import base_journal

    return page(request, "admin.html.j2", status_code=status_code, title="Comptes",
                accounts=accounts.list_accounts(ws), roles=[(r, ROLE_LABELS[r]) for r in ROLES],
                journal=base_journal(ws, limit=JOURNAL_ON_PAGE), error=error, message=message)


@router.post("/admin/comptes")
async def admin_change(request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    login = text(form, "login") or ""
    try:
        if action == "add":
            accounts.add_account(ws, login, name=text(form, "name") or "",
                                 role=text(form, "role") or "", password=str(form.get("password") or ""))
            message = f"Compte « {login} » créé."
        elif action == "role":
            accounts.set_role(ws, login, text(form, "role") or "")
            message = f"Rôle de « {login} » modifié."
        elif action in ("disable", "enable"):
            accounts.set_active(ws, login, action == "enable")
            message = f"Compte « {login} » {'réactivé' if action == 'enable' else 'désactivé'}."
        elif action == "password":
            accounts.set_password(ws, login, str(form.get("password") or ""))
            message = f"Mot de passe de « {login} » changé ; ses sessions sont fermées."
        elif action in ("attach", "detach"):
            project = text(form, "project") or ""
            (accounts.attach if action == "attach" else accounts.detach)(ws, login, project)
            message = f"Compte « {login} » {'rattaché à' if action == 'attach' else 'détaché de'} « {project} »."
        else:
            from cpts_workflow.errors import BadInput

            raise BadInput("Action inconnue sur les comptes.")
    except CptsError as exc:
        if getattr(exc, "code", None) == "forbidden":
            raise
        return _admin_page(request, ws, exc, None, 400)
    return _admin_page(request, ws, None, message)
