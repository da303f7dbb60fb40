"""A project's territory: commune suggestions as one types, add and remove communes,
the map of the territory and its neighbours; population and taille updated in place."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from cpts_workflow.errors import BadInput, Conflict, CptsError, Refused
from cpts_workflow.territory.changes import add_communes, remove_communes
from cpts_workflow.territory.coverage import territory as territory_of
from cpts_workflow.territory.coverage_map import map_svg
from cpts_workflow.territory.reference import reference_for
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text

router = APIRouter(prefix="/projets")
SUGGESTIONS = 8


def _context(ws: Workspace, ref: str, **extra: Any) -> dict[str, Any]:
    summary = ws.project(ref)
    view = territory_of(ws, ref)
    svg = None
    departments = Counter(c.departement for c in view.communes)
    if departments:
        try:  # the department holding most of the territory, with its neighbours
            svg = Markup(map_svg(ws, department=departments.most_common(1)[0][0]))
        except CptsError:
            svg = None  # no outlines shipped for this department
    return {"title": f"Territoire — {summary.name}", "summary": summary, "view": view,
            "map_svg": svg, "error": None, "message": None, "query": "", **extra}


def _names(ws: Workspace, codes: list[str]) -> str:
    with ws.session(read_only=True) as session:
        reference = reference_for(session)
    return ", ".join(f"{c.nom} ({c.insee})" if (c := reference.get(code)) else code for code in codes)


@router.get("/{ref}/territoire")
def territory(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    return page(request, "territory.html.j2", **_context(ws, ref))


@router.get("/{ref}/territoire/suggestions")
def suggestions(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """Communes whose name contains what is typed (accents and case ignored), or the code."""
    summary = ws.project(ref)
    typed = (request.query_params.get("commune") or "").strip()[:100]
    found = []
    if len(typed) >= 2:
        with ws.session(read_only=True) as session:
            reference = reference_for(session)
            found = reference.search(typed, limit=SUGGESTIONS)
    return page(request, "_suggestions.html.j2", summary=summary, found=found, typed=typed)


@router.post("/{ref}/territoire")
async def change(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    codes = [c for c in form.getlist("commune") if isinstance(c, str) and c.strip()][:200]
    error: CptsError | None = None
    message = None
    try:
        if action == "add":
            done = add_communes(ws, ref, codes, force=text(form, "force") == "oui",
                                reason=text(form, "reason"))
            message = (f"Ajouté au territoire : {_names(ws, done.codes)}." if done.codes
                       else "Ces communes sont déjà dans le territoire.")
        elif action == "remove":
            done = remove_communes(ws, ref, codes)
            message = f"Retiré du territoire : {_names(ws, done.codes)}."
        else:
            raise BadInput("Action inconnue sur le territoire.")
    except (BadInput, Conflict, Refused) as exc:
        error = exc
    if request.headers.get("HX-Request") == "true":
        return page(request, "_territory.html.j2", status_code=200,
                    **_context(ws, ref, error=error, message=message))
    if error is None:
        return RedirectResponse(f"/projets/{quote(ws.project(ref).slug)}/territoire", status_code=303)
    return page(request, "territory.html.j2", status_code=409 if isinstance(error, Refused | Conflict) else 400,
                **_context(ws, ref, error=error))
