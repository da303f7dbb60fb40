"""A project's documents: generate one from the page, list and download those made.

A document generated here goes straight to the browser as a download (the server keeps
no copy, the project's history records it). One generated on the command line into a
file is downloaded here while that file is still the one generated (same checksum).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpts_workflow.documents.convert import MEDIA_TYPES
from cpts_workflow.documents.service import Documents
from cpts_workflow.errors import BadInput, Busy, CptsError, Forbidden, NotFound
from cpts_workflow.files import safe_stem

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .project import version_of

router = APIRouter(prefix="/projets")
# What an officer opens or sends on: word processors' formats and PDF first.
FORMATS = {"docx": "Word (.docx)", "odt": "LibreOffice (.odt)", "pdf": "PDF", "html": "page web (.html)",
           "md": "texte Markdown (.md)"}


def attachment(data: bytes, file_name: str, media_type: str) -> Response:
    """A download: the name as given (UTF-8) and a plain ASCII fallback for old clients."""
    stem, _, ext = file_name.rpartition(".")
    ascii_name = f"{safe_stem(stem) or 'document'}.{ext}".encode("ascii", "ignore").decode() or "document"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(file_name)}"})


def _page(request: Request, ws, ref: str, error: CptsError | None = None,
          status_code: int = 200, chosen: dict | None = None) -> Response:
    documents = Documents(ws)
    summary = ws.project(ref)
    made = list(reversed(documents.history(ref)))
    return page(request, "documents.html.j2", status_code=status_code, title=f"Documents — {summary.name}",
                summary=summary, documents=made, templates=documents.templates(), formats=FORMATS,
                downloadable={d.id for d in made if Path(d.path).is_absolute()}, error=error,
                chosen=chosen or {})


@router.get("/{ref}/documents")
def documents_page(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    return _page(request, ws, ref)


@router.post("/{ref}/documents")
async def generate(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """Generate a document and send it as a download; a refusal shows on the page."""
    form = await read_form(request)
    chosen = {"template": text(form, "template") or "", "format": text(form, "format") or ""}
    try:
        if chosen["format"] not in FORMATS:
            raise BadInput("Choisissez un format de document proposé.")
        made = Documents(ws).generate(ref, chosen["template"], chosen["format"],
                                      expected_version=version_of(form))
    except (NotFound, Forbidden, Busy):  # the error page: not this form's fault
        raise
    except CptsError as exc:
        status = 409 if getattr(exc, "code", "") in ("conflict", "refused") else 400
        return _page(request, ws, ref, exc, status, chosen)
    return attachment(made.data, made.file_name, made.media_type)


@router.get("/{ref}/documents/{document_id}")
def download(ref: str, document_id: int, ws: CurrentWorkspace) -> Response:
    """A document generated into a file, only while that file is the one generated."""
    found = next((d for d in Documents(ws).history(ref) if d.id == document_id), None)
    if found is None:
        raise NotFound("Ce document n'existe pas pour ce projet.")
    path = Path(found.path)
    if not path.is_absolute():
        raise NotFound("Ce document a été remis au navigateur lors de sa génération ; le serveur "
                       "n'en garde pas de copie.", "Générez-le à nouveau.")
    try:
        data = path.read_bytes()
    except OSError:
        raise NotFound("Le fichier de ce document n'est plus à l'endroit où il a été écrit.",
                       "Générez-le à nouveau.") from None
    if hashlib.sha256(data).hexdigest() != found.checksum:
        raise NotFound("Le fichier de ce document a été modifié depuis sa génération.",
                       "Générez-le à nouveau.")
    return attachment(data, found.file_name, MEDIA_TYPES.get(found.format, "application/octet-stream"))
