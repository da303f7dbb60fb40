"""The one seam between requests and the library: `current_workspace(request)`.

One `Shared` per process holds the workspace (engine, pool, workflow catalogue) built
once; each request gets a cheap copy naming its actor, recorded on every change.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from cpts_workflow.clock import Clock
from cpts_workflow.workspace import Workspace

LOCAL_ACTOR = "opérateur local (web)"


class Shared:
    """What every request of the process shares."""

    def __init__(self, url: str | None, *, now: Clock, workflow_files: list[Path] | None) -> None:
        self.workspace = Workspace(url, actor=LOCAL_ACTOR, now=now, workflow_files=workflow_files)
        _ = self.workspace.catalog  # built once, before the first request needs it

    def for_actor(self, actor: str) -> Workspace:
        view = copy.copy(self.workspace)  # shares the engine, catalogue and stage facts
        view.actor = actor
        return view


def current_workspace(request: Request) -> Workspace:
    """The workspace of the person behind this request."""
    return request.app.state.shared.for_actor(LOCAL_ACTOR)


def display_name(request: Request) -> str | None:
    """The signed-in person's name (for « mes projets »), `None` for the local operator."""
    account = getattr(request.state, "account", None)
    return getattr(account, "name", None)


# The request's workspace, as a route parameter: `ws: CurrentWorkspace`.
CurrentWorkspace = Annotated[Workspace, Depends(current_workspace)]
