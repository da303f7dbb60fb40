"""The one seam between requests and the library: `current_workspace(request)`.

One `App` per process holds the engine, its pool and the workflow catalogue; each request
gets a cheap workspace acting as its signed-in account, whose rights the library checks.
While the base has no account at all, the server (loopback only, see `cpts serve`) acts
as the local operator, as the command line does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cpts_workflow.app import App
from cpts_workflow.errors import Unauthenticated
from cpts_workflow.workspace import Workspace

LOCAL_ACTOR = "opérateur local (web)"
SESSION_COOKIE = "cpts_session"


def accounts_exist(request: Request) -> bool:
    """Whether sign-in is required: once an account exists, it stays required."""
    state = request.app.state
    if state.settings.require_login is not None:
        return state.settings.require_login
    if not state.accounts_seen:
        from sqlalchemy import func, select

        from cpts_workflow.store.models import AccountRow

        with state.core.db.session(read_only=True) as session:
            state.accounts_seen = bool(session.scalar(select(func.count(AccountRow.id))))
    return state.accounts_seen


def load_account(request: Request) -> None:
    """Look the session cookie up (once per request): `request.state.account`, its CSRF token."""
    if getattr(request.state, "session_checked", False):
        return
    request.state.session_checked = True
    core: App = request.app.state.core
    found = core.lookup_session(request.cookies.get(SESSION_COOKIE))
    if found is not None:
        request.state.account = found.account
        request.state.csrf = found.csrf_token  # forms of a signed-in page carry the session's token


def current_workspace(request: Request) -> Workspace:
    """The workspace of the person behind this request, or `Unauthenticated`."""
    core: App = request.app.state.core
    load_account(request)
    account = getattr(request.state, "account", None)
    if account is not None:
        return core.workspace(account)
    if accounts_exist(request):
        raise Unauthenticated("Connectez-vous pour continuer.")
    return core.workspace(None, actor=LOCAL_ACTOR)


def display_name(request: Request) -> str | None:
    """The signed-in person's name (for « mes projets »), `None` for the local operator."""
    account = getattr(request.state, "account", None)
    return getattr(account, "name", None)


# The request's workspace, as a route parameter: `ws: CurrentWorkspace`.
CurrentWorkspace = Annotated[Workspace, Depends(current_workspace)]
