"""A project's members: list, add, edit, remove, identifiers checked as one types (htmx),
import from a CSV with a preview, and the bulletin d'adhésion to download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape
from starlette.datastructures import UploadFile

from cpts_workflow import identifiers
from cpts_workflow.errors import BadInput, Conflict, CptsError, Refused
from cpts_workflow.members import (
    COLLEGES,
    ROLES,
    STRUCTURE_KINDS,
    add_member,
    edit_member,
    get_member,
    list_members,
    remove_member,
)
from cpts_workflow.members_import import decode, import_members
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .evidence import attachment

router = APIRouter(prefix="/projets")
FIELDS = ("name", "profession", "structure_kind", "college", "role", "rpps", "siret", "finess",
          "email", "phone")
# Identifiers checked as one types: the library's own checks.
CHECKS = {"rpps": identifiers.clean_rpps, "siret": identifiers.clean_siret,
          "finess": identifiers.clean_finess, "email": identifiers.clean_email}
MESSAGES = {"added": "Membre ajouté.", "updated": "Membre modifié.", "removed": "Membre retiré.",
            "imported": "Membres importés."}


def _url(slug: str, message: str | None = None) -> str:
    return f"/projets/{quote(slug)}/membres" + (f"?message={message}" if message else "")


def _context(ws: Workspace, ref: str, **extra: Any) -> dict[str, Any]:
    summary = ws.project(ref)
    return {"title": f"Membres — {summary.name}", "summary": summary,
            "members": list_members(ws, ref), "colleges": COLLEGES, "roles": ROLES,
            "kinds": STRUCTURE_KINDS, "values": {}, "error": None, "message": None,
            "preview": None, "csv_text": None, "editing": None, **extra}


def _values(form: Any) -> dict[str, Any]:
    return {f: text(form, f) for f in FIELDS}


@router.get("/{ref}/membres")
def members(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    message = MESSAGES.get(request.query_params.get("message", ""))
    return page(request, "members.html.j2", **_context(ws, ref, message=message))


@router.post("/{ref}/membres")
async def add(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    values = _values(form)
    legal = text(form, "legal") == "morale"
    try:
        added = add_member(ws, ref, values.pop("name") or "", legal=legal, **values)
    except (BadInput, Conflict, Refused) as exc:
        return page(request, "members.html.j2", status_code=400,
                    **_context(ws, ref, error=exc, values={**_values(form), "legal": legal}))
    return RedirectResponse(_url(added.project, "added"), status_code=303)


@router.post("/{ref}/membres/verifier")
async def check_field(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """One identifier checked as it is typed: a short French sentence for the field."""
    form = await read_form(request)
    ws.project(ref)  # the project must exist for this account
    name = text(form, "field") or ""
    value = text(form, name) if name in CHECKS else None
    if name not in CHECKS or not value:
        return HTMLResponse("")
    try:
        cleaned = CHECKS[name](value)
    except BadInput as exc:
        return HTMLResponse(f'<span class="field-error">{escape(exc.message)}</span>')
    warning = identifiers.rpps_warning(cleaned) if name == "rpps" else None
    if warning:
        return HTMLResponse(f'<span class="field-warning">{escape(warning)}</span>')
    return HTMLResponse(f'<span class="field-ok">✓ {escape(cleaned)} : valide.</span>')


@router.get("/{ref}/membres/{member_id}")
def edit_form(ref: str, member_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    member = get_member(ws, ref, member_id)
    values = {f: getattr(member, f) for f in FIELDS} | {"legal": member.legal}
    return page(request, "member_edit.html.j2", **_context(ws, ref, editing=member, values=values))


@router.post("/{ref}/membres/{member_id}")
async def edit(ref: str, member_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    # Every field of the form is sent: an emptied field is cleared ("").
    changes = {f: text(form, f) or "" for f in FIELDS}
    try:
        edited = edit_member(ws, ref, member_id, **changes)
    except (BadInput, Conflict, Refused) as exc:
        member = get_member(ws, ref, member_id)
        return page(request, "member_edit.html.j2", status_code=400, **_context(
            ws, ref, editing=member, error=exc, values={**_values(form), "legal": member.legal}))
    return RedirectResponse(_url(edited.project, "updated"), status_code=303)


@router.post("/{ref}/membres/{member_id}/supprimer")
async def remove(ref: str, member_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    await read_form(request)
    removed = remove_member(ws, ref, member_id)
    return RedirectResponse(_url(removed.project, "removed"), status_code=303)


@router.post("/{ref}/import-membres")
async def import_csv(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """First the file and a preview (nothing written), then the same text confirmed."""
    form = await read_form(request, max_files=1)
    try:
        file = form.get("file")
        if isinstance(file, UploadFile):
            csv_text = decode(await file.read(600 * 1024))
        else:
            csv_text = str(form.get("csv_text") or "")
        apply = text(form, "action") == "apply"
        result = import_members(ws, ref, csv_text, apply=apply)
    except (BadInput, Conflict, Refused) as exc:
        return page(request, "members.html.j2", status_code=400, **_context(ws, ref, error=exc))
    finally:
        await form.close()
    if result.applied:
        return RedirectResponse(_url(ws.project(ref).slug, "imported"), status_code=303)
    return page(request, "members.html.j2", status_code=400 if apply else 200,
                **_context(ws, ref, preview=result, csv_text=csv_text))


@router.post("/{ref}/bulletin")
async def bulletin(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """The bulletin d'adhésion, generated now (recorded in the history like any document)."""
    from cpts_workflow.documents.service import Documents

    form = await read_form(request)
    fmt = text(form, "format") or "docx"
    try:
        document = Documents(ws).generate(ref, "bulletin_adhesion", fmt)
    except CptsError as exc:
        if getattr(exc, "code", None) in ("forbidden", "not_found"):
            raise
        return page(request, "members.html.j2", status_code=400, **_context(ws, ref, error=exc))
    return Response(document.data, media_type=document.media_type,
                    headers={"Content-Disposition": attachment(document.file_name)})
