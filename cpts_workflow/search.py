"""Finding a project by what one remembers of it: its name, a commune, a member, a note.

Case, accents and spacing are ignored (« sainte-baume » finds « Sainte-Baume »). Results
are ranked by where the text was found: in the name first, then a commune of the
territory, a member, a note of the journal; within a rank, by name. A porteur finds only
its own projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import BadInput
from .folding import fold
from .store.models import JournalNote, Member, Project, ProjectCommune
from .views import View

if TYPE_CHECKING:
    from .workspace import Workspace

# Where a text was found, best first.
FIELDS = ("name", "commune", "member", "note")
FIELD_LABELS = {"name": "nom", "commune": "commune", "member": "membre", "note": "note du journal"}
EXCERPT = 80


@dataclass(frozen=True)
class SearchHit(View):
    project_id: int
    slug: str
    name: str
    officer: str | None
    stage: str
    stage_label: str
    found_in: str  # name | commune | member | note
    found_in_label: str
    excerpt: str  # what matched: the name, the commune, the member, a piece of the note


def _loose(text: str | None) -> str:
    """Folded, with hyphens and apostrophes as spaces: « sainte victoire » finds
    « Sainte-Victoire »."""
    return " ".join(fold(text).replace("-", " ").replace("'", " ").split())


def _excerpt(text: str, wanted: str) -> str:
    """The part of a long text around the first match (folding keeps most lengths)."""
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT:
        return flat
    at = max(_loose(flat).find(wanted), 0)
    start = max(at - EXCERPT // 3, 0)
    piece = flat[start:start + EXCERPT]
    return ("…" if start else "") + piece + ("…" if start + EXCERPT < len(flat) else "")


def search(ws: Workspace, text: str, *, limit: int = 50) -> list[SearchHit]:
    """The projects where `text` appears, best matches first (one hit per project)."""
    wanted = _loose(text)
    if len(wanted) < 2:
        raise BadInput("Cherchez au moins deux caractères.", "Exemple : un nom de commune.")
    with ws.session(read_only=True) as session:
        columns = [Project.id, Project.slug, Project.name, Project.officer, Project.stage,
                   Project.workflow_id, Project.workflow_version]
        query = select(*columns)
        visible = ws.visible_clause(Project.id)
        if visible is not None:
            query = query.where(visible)
        projects: dict[int, tuple[Any, ...]] = {
            row[0]: tuple(row) for row in session.execute(query)}  # type: ignore[misc]  # an id column
        found: dict[int, tuple[int, str]] = {}

        def hit(pid: int, field: str, shown: str) -> None:
            rank = FIELDS.index(field)
            if pid in projects and (pid not in found or rank < found[pid][0]):
                found[pid] = (rank, shown)

        for pid, row in projects.items():
            name, slug = str(row[2]), str(row[1])
            if wanted in _loose(name) or wanted in _loose(slug):
                hit(pid, "name", name)
        codes = session.execute(select(ProjectCommune.project_id, ProjectCommune.insee)).all()
        if codes:
            from .territory.reference import reference_for

            communes = reference_for(session).communes
            for pid, insee in codes:
                commune = communes.get(insee)
                if (commune is not None and wanted in _loose(commune.nom)) or wanted == insee:
                    hit(pid, "commune", f"{commune.nom} ({insee})" if commune else insee)
        for pid, name, profession in session.execute(
                select(Member.project_id, Member.name, Member.profession)
                .where(Member.erased_at.is_(None))):
            if wanted in _loose(name):
                hit(pid, "member", f"{name}, {profession}" if profession else name)
        for pid, body, people, step in session.execute(
                select(JournalNote.project_id, JournalNote.text, JournalNote.participants,
                       JournalNote.next_step)):
            for part in (body, people, step):
                if part and wanted in _loose(part):
                    hit(pid, "note", _excerpt(part, wanted))
                    break
    hits = []
    for pid, (rank, shown) in found.items():
        _, slug, name, officer, stage, workflow_id, version = projects[pid]
        label = ws.definition(workflow_id, version).state_label(stage)
        field = FIELDS[rank]
        hits.append(SearchHit(pid, slug, name, officer, stage, label, field, FIELD_LABELS[field],
                              shown))
    hits.sort(key=lambda h: (FIELDS.index(h.found_in), _loose(h.name), h.project_id))
    return hits[:limit]
