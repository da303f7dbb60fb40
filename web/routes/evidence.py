"""Evidence files of checklist items: upload (multipart, bounded), download as an
attachment only, delete. The library checks the type by content and who may do what."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from cpts_workflow.errors import BadInput, Conflict, CptsError, Refused
from cpts_workflow.evidence import MAX_EVIDENCE_BYTES, add_evidence, evidence_file, remove_evidence

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .project import project_context, project_url

router = APIRouter(prefix="/projets")


def attachment(filename: str) -> str:
    """`Content-Disposition` of a download: never shown in the page, an ASCII fallback name."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in " ._-()") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.post("/{ref}/justificatifs")
async def upload(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request, max_files=1)
    item_id = text(form, "item_id") or ""
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile):
            raise BadInput("Choisissez un fichier à déposer.")
        # One byte more than allowed is enough to refuse: never more in memory.
        data = await file.read(MAX_EVIDENCE_BYTES + 1)
        add_evidence(ws, ref, item_id, file.filename, data)
    except (BadInput, Conflict, Refused) as exc:
        return _page_with(request, ws, ref, exc)
    finally:
        await form.close()
    return RedirectResponse(project_url(ws.project(ref).slug, "evidence", f"#item-{item_id}"),
                            status_code=303)


def _page_with(request: Request, ws, ref: str, error: CptsError) -> Response:
    status = 409 if isinstance(error, Conflict | Refused) else 400
    return page(request, "project.html.j2", status_code=status, message=None, error=error,
                **project_context(ws, ref))


@router.get("/{ref}/justificatifs/{evidence_id}")
def download(ref: str, evidence_id: str, ws: CurrentWorkspace) -> Response:
    view, data = evidence_file(ws, ref, evidence_id)
    return Response(data, media_type=view.media_type, headers={
        "Content-Disposition": attachment(view.filename), "X-Content-Type-Options": "nosniff"})


@router.post("/{ref}/justificatifs/{evidence_id}/supprimer")
async def delete(ref: str, evidence_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    await read_form(request)
    try:
        removed = remove_evidence(ws, ref, evidence_id)
    except (Conflict, Refused) as exc:
        return _page_with(request, ws, ref, exc)
    return RedirectResponse(project_url(removed.project, "evidence_removed", f"#item-{removed.item_id}"),
                            status_code=303)
