"""Files proving a checklist item: the ARS validation letter, the signed statutes…

Accepted: PDF, DOCX, ODT, PNG and JPEG, at most 10 Mo each. The type is read from the
bytes, never from the name: a PDF starts with `%PDF-`, a PNG or a JPEG with its
signature, a DOCX or an ODT is a zip archive whose `[Content_Types].xml` or `mimetype`
entry says so. The name is cleaned (no path, no control character) and takes the
extension of the type found.

Files live in the base (table `evidence`) with their SHA-256: backups carry them, a
download is refused when the bytes no longer match. Whoever may change an item
(`permissions.require_item`) may attach or delete its files; whoever reads the project may
download them. Each addition and deletion is an event of the project's history naming
the file, its size and its checksum.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import french, permissions
from .errors import BadInput, NotFound
from .limits import as_id
from .store.models import Evidence
from .views import View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .store.models import Project
    from .workspace import Workspace

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 120
# Extension → media type, in the order the page lists them.
TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
}
ACCEPTED = "PDF, DOCX, ODT, PNG ou JPEG"
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# Entries of an office file read to recognise it: small by nature, bounded against bombs.
_MAX_ENTRY = 64 * 1024


@dataclass(frozen=True)
class EvidenceView(View):
    id: int
    project: str
    item_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @property
    def size_label(self) -> str:
        return size_label(self.size)


def size_label(size: int) -> str:
    """`845 octets`, `12,5 Ko`, `3,2 Mo`."""
    if size < 1024:
        return f"{french.number(size)} octet{'s' if size > 1 else ''}"
    value, unit = (size / 1024, "Ko") if size < 1024 * 1024 else (size / (1024 * 1024), "Mo")
    return f"{french.number(value, 0 if value.is_integer() else 1)} {unit}"


def _zip_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = {info.filename: info for info in archive.infolist()}

        def read(name: str) -> bytes | None:
            info = entries.get(name)
            if info is None or info.file_size > _MAX_ENTRY:
                return None
            return archive.read(info)[:_MAX_ENTRY]

        mimetype = read("mimetype")
        if mimetype is not None and mimetype.strip() == TYPES["odt"].encode():
            return "odt"
        types = read("[Content_Types].xml")
        if types is not None and _DOCX_MAIN in types and "word/document.xml" in entries:
            return "docx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError,
            EOFError, RuntimeError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The extension of what these bytes are (among the accepted types), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def safe_filename(name: str | None, extension: str) -> str:
    """A file name fit to store and to send back: no directory, no control or odd
    character, bounded, ending with the extension of the type found."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    stem = text.rsplit(".", 1)[0] if "." in text.strip(".") else text
    stem = "".join(c if (c.isalnum() or c in " -_()'") else "_" for c in stem)
    stem = re.sub(r"[\s_]+", lambda m: " " if m.group().isspace() else "_", stem).strip(" ._-")
    stem = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" ._-") or "justificatif"
    return f"{stem}.{extension}"


def check_file(filename: str | None, data: bytes) -> tuple[str, str]:
    """The stored name and media type of an uploaded file, or `BadInput` saying why not."""
    if not data:
        raise BadInput("Le fichier est vide.", f"Choisissez un fichier {ACCEPTED}.")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise BadInput(
            f"Le fichier dépasse {size_label(MAX_EVIDENCE_BYTES)} ({size_label(len(data))}).",
            "Réduisez-le (un PDF moins résolu, une image plus petite) puis recommencez.",
        )
    kind = sniff(data)
    if kind is None:
        raise BadInput(
            f"Le contenu de « {safe_filename(filename, 'x')[:-2]} » n'est pas un fichier {ACCEPTED}.",
            "Le type est lu dans le fichier lui-même, pas dans son nom : enregistrez-le au "
            "format PDF, par exemple, puis recommencez.",
        )
    return safe_filename(filename, kind), TYPES[kind]


def _view(row: Evidence, slug: str) -> EvidenceView:
    return EvidenceView(row.id, slug, row.item_id, row.filename, row.media_type, row.size,
                        row.sha256, row.uploaded_by, row.uploaded_at)


def _item_role(ws: Workspace, project: Project, item_id: str) -> str:
    definition = ws.definition_of(project)
    if not definition.has_item(item_id):
        raise NotFound(f"Élément « {item_id} » inconnu dans le workflow.")
    return definition.item(item_id)[1].role


def add_evidence(ws: Workspace, ref: str | int, item_id: str, filename: str | None,
                 data: bytes) -> EvidenceView:
    """Attach a file to a checklist item (whoever may change the item)."""
    name, media_type = check_file(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    with ws.changing(ref, "check") as (session, project):
        permissions.require_item(ws.account, item_id, _item_role(ws, project, item_id))
        row = Evidence(project_id=project.id, item_id=item_id, filename=name,
                       media_type=media_type, size=len(data), sha256=digest, content=data,
                       uploaded_by=ws.actor, uploaded_at=ws.now())
        session.add(row)
        session.flush()
        ws.record_event(session, project, "evidence_added", item_id=item_id,
                        payload={"evidence_id": row.id, "filename": name, "size": len(data),
                                 "sha256": digest, "media_type": media_type})
        return _view(row, project.slug)


def _get(session: Session, project: Project, evidence_id: int | str) -> Evidence:
    number = as_id(str(evidence_id))
    row = session.get(Evidence, number) if number is not None else None
    if row is None or row.project_id != project.id:
        raise NotFound(f"Justificatif n° {evidence_id} introuvable dans ce projet.")
    return row


def remove_evidence(ws: Workspace, ref: str | int, evidence_id: int | str) -> EvidenceView:
    """Delete a file (whoever may change its item); the history keeps its name and checksum."""
    with ws.changing(ref, "check") as (session, project):
        row = _get(session, project, evidence_id)
        permissions.require_item(ws.account, row.item_id, _item_role(ws, project, row.item_id))
        view = _view(row, project.slug)
        ws.record_event(session, project, "evidence_removed", item_id=row.item_id,
                        payload={"evidence_id": row.id, "filename": row.filename,
                                 "size": row.size, "sha256": row.sha256})
        session.delete(row)
        session.flush()
        return view


def list_evidence(ws: Workspace, ref: str | int) -> list[EvidenceView]:
    """A project's files (without their bytes), by item then upload order."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        rows = session.scalars(select(Evidence).where(Evidence.project_id == project.id)
                               .order_by(Evidence.item_id, Evidence.id))
        return [_view(row, project.slug) for row in rows]


def evidence_file(ws: Workspace, ref: str | int, evidence_id: int | str) -> tuple[EvidenceView, bytes]:
    """A file and its bytes, for whoever reads the project; refused if they were altered."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        row = _get(session, project, evidence_id)
        data = bytes(row.content)
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise NotFound("Ce justificatif a été altéré dans la base : son empreinte ne "
                           "correspond plus.", "Déposez-le à nouveau.")
        return _view(row, project.slug), data
