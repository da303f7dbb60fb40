"""The officer's follow-up from a project's page: a note added to the journal.

Contacts and partners are listed on the project page (read-only); the journal's form
posts here, with the CSRF token and the project's row version.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow.errors import BadInput, Conflict, Refused
from cpts_workflow.journal import add_note

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .project import project_context, project_url, version_of

router = APIRouter(prefix="/projets")


@router.post("/{ref}/journal")
async def note(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    try:
        view = add_note(ws, ref, text(form, "text") or "", on=text(form, "date"),
                        participants=text(form, "participants"),
                        next_step=text(form, "next_step"), next_date=text(form, "next_date"),
                        expected_version=version_of(form))
    except (BadInput, Conflict, Refused) as exc:
        return page(request, "project.html.j2", status_code=409 if isinstance(exc, Conflict) else 400,
                    message=None, error=exc, **project_context(ws, ref))
    return RedirectResponse(project_url(view.project_slug, "note", "#journal-title"), status_code=303)
