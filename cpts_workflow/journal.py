"""A project's journal: dated notes (a meeting held, who was there) and the next step.

The next step of a project is the one of its latest note that has one: a newer note
replaces it (the officer writes what comes next after each meeting). When it is dated, it
is one of the project's deadlines (`deadlines`), in the lists and the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import french, limits
from .errors import BadInput
from .store.models import JournalNote
from .views import View

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from .workspace import Workspace


@dataclass(frozen=True)
class NoteView(View):
    id: int
    project_slug: str
    noted_on: date
    text: str
    participants: str | None
    next_step: str | None
    next_date: date | None
    written_by: str
    written_at: datetime


def note_view(note: JournalNote, slug: str) -> NoteView:
    return NoteView(note.id, slug, note.noted_on, note.text, note.participants,
                    note.next_step, note.next_date, note.written_by, note.written_at)


def add_note(
    ws: Workspace,
    ref: str | int,
    text: str,
    *,
    on: date | str | None = None,
    participants: str | None = None,
    next_step: str | None = None,
    next_date: date | str | None = None,
    expected_version: int | None = None,
) -> NoteView:
    """Write a note in a project's journal (default date: today), audited."""
    body = limits.clean_text(text, "Le texte de la note", required=True) or ""
    people = limits.clean_text(participants, "La liste des participants", max_length=limits.NAME * 5)
    step = limits.clean_text(next_step, "La prochaine étape")
    noted_on = french.parse_date(on) if on else ws.now().date()
    step_date = french.parse_date(next_date) if next_date else None
    if step_date is not None and not step:
        raise BadInput("Une date de prochaine étape demande de dire quelle est cette étape.",
                       "Écrivez la prochaine étape avec sa date.")
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        note = JournalNote(project_id=project.id, noted_on=noted_on, text=body,
                           participants=people, next_step=step, next_date=step_date,
                           written_by=ws.actor, written_at=ws.now())
        session.add(note)
        session.flush()
        ws.record_event(session, project, "note_added", comment=body, payload={
            "note_id": note.id, "noted_on": noted_on.isoformat(), "participants": people,
            "next_step": step, "next_date": step_date.isoformat() if step_date else None,
        })
        session.flush()
        return note_view(note, project.slug)


def list_notes(ws: Workspace, ref: str | int, *, limit: int | None = None) -> list[NoteView]:
    """A project's notes, the newest first."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        query = (select(JournalNote).where(JournalNote.project_id == project.id)
                 .order_by(JournalNote.noted_on.desc(), JournalNote.id.desc()))
        if limit:
            query = query.limit(limit)
        return [note_view(n, project.slug) for n in session.scalars(query)]


def latest_notes(session: Session, project_ids: Iterable[int] | None = None
                 ) -> tuple[dict[int, JournalNote], dict[int, JournalNote]]:
    """Per project: its latest note, and its latest note with a next step (the one that
    holds). `project_ids` None: every project."""
    query = select(JournalNote).order_by(JournalNote.project_id, JournalNote.noted_on,
                                         JournalNote.id)
    if project_ids is not None:
        query = query.where(JournalNote.project_id.in_(list(project_ids)))
    last: dict[int, JournalNote] = {}
    steps: dict[int, JournalNote] = {}
    for note in session.scalars(query):
        last[note.project_id] = note
        if note.next_step:
            steps[note.project_id] = note
    return last, steps
