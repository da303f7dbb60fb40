"""Personal data (RGPD): everything the base holds about a person, and its erasure.

A person is found by a member number, an exact name or an exact e-mail address (case,
spaces and Unicode spelling ignored: « Élise » typed with a combining accent is the same
name), across every project: the same professional often belongs to several. Erasure
keeps the member rows (collège counts and bureau history stay right) and the audit events
(what happened stays known), but removes what identifies the person: name, profession,
RPPS, SIRET, FINESS, e-mail, phone, free fields, and their traces in event payloads and
comments, checklist notes, values and reasons, document answers, the names of
generated documents, the ACI contract's spending lines and the journal's notes. A
project's contacts (porteur, referents) are persons too: found by name or e-mail, exported,
and erased the same way (the row stays with its role, without name, e-mail nor phone). It is
itself audited, without personal data.

Evidence files (proofs attached to checklist items) cannot be rewritten: a file whose name
names the person, or that the person attached themselves (uploaded under their name), is
deleted with its bytes; the erasure report counts them and the history keeps that a file
was there (its checksum, its name scrubbed). Other files of the project stay: the ARS
letter of a project is not a member's data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import BadInput, NotFound
from .limits import as_id
from .store.models import (
    ChecklistState,
    Contact,
    ContractSpending,
    DocumentAnswers,
    Event,
    Evidence,
    GeneratedDocument,
    JournalNote,
    Member,
    Project,
)
from .views import View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workspace import Workspace

# Fields of a member that describe the person; `legal`, `college`, `role` stay (they are
# what the collège and bureau counts need, and say nothing of who the person was).
PERSONAL_FIELDS = (
    "profession", "structure_kind", "rpps", "siret", "finess", "email", "phone", "extra",
)
MEMBER_FIELDS = (
    "id", "legal", "name", "profession", "structure_kind", "college", "role", "rpps",
    "siret", "finess", "email", "phone", "extra", "created_at", "updated_at", "erased_at",
)


def erased_name(member_id: int) -> str:
    return f"Personne effacée n° {member_id}"


@dataclass(frozen=True)
class ErasureReport(View):
    members: list[int]
    projects: list[str]
    events_scrubbed: int
    answers_scrubbed: int
    checklist_scrubbed: int = 0  # checklist rows and journal notes
    # Files generated for these projects while the person was a member: the base cannot
    # rewrite them, the user deletes or regenerates them.
    documents: list[str] = field(default_factory=list)
    # Evidence files deleted because they named the person or were attached by them.
    evidence_deleted: int = 0
    contacts: list[int] = field(default_factory=list)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _norm(text: str | None) -> str:
    """A name as compared: NFC, spaces collapsed, case folded."""
    return " ".join(_nfc(text or "").split()).casefold()


def _find(session: Session, person: str) -> tuple[list[Member], list[Contact]]:
    """Members matching a number, an exact name or e-mail, plus every namesake row elsewhere;
    and the project contacts (porteur, referents…) with that name or e-mail."""
    wanted = _norm(person)
    if not wanted:
        raise BadInput(
            "Désignez la personne par son numéro de membre, son nom exact ou son e-mail."
        )
    keys = {wanted}
    if (number := as_id(wanted)) is not None:
        member = session.get(Member, number)
        if member is not None:
            keys = {k for k in (_norm(member.name), _norm(member.email)) if k}
    members = [
        m
        for m in session.scalars(
            select(Member).where(Member.erased_at.is_(None)).order_by(Member.id)
        )
        if _norm(m.name) in keys or (m.email and _norm(m.email) in keys)
    ]
    contacts = [
        c
        for c in session.scalars(
            select(Contact).where(Contact.erased_at.is_(None)).order_by(Contact.id)
        )
        if _norm(c.name) in keys or (c.email and _norm(c.email) in keys)
    ]
    if not members and not contacts:
        raise NotFound(
            f"Aucune personne « {person.strip()} » parmi les membres ni les contacts "
            "(déjà effacée ?).",
            "Donnez le numéro de membre, le nom exact ou l'adresse e-mail.",
        )
    return members, contacts


def erased_contact_name(contact_id: int) -> str:
    return f"Contact effacé n° {contact_id}"


def _notes(session: Session, project_ids: set[int] | list[int]):
    return session.scalars(
        select(JournalNote).where(JournalNote.project_id.in_(project_ids))
        .order_by(JournalNote.project_id, JournalNote.id)
    )


# Identifying fields searched for in free text (a member's name, contact and numbers).
IDENTIFYING = ("name", "email", "phone", "rpps", "siret", "finess")


def _identifiers(members: list[Member] | list[Member | Contact] | list[Any]) -> set[str]:
    """The strings that identify the person, to find and scrub them elsewhere."""
    found = set()
    for m in members:
        found |= {_nfc(v).strip() for f in IDENTIFYING
                  if (v := getattr(m, f, None)) and len(v.strip()) >= 3}
    return found


def _pattern(identifiers: set[str]) -> re.Pattern[str] | None:
    """One pattern finding any identifier in NFC text, whatever its case and spacing
    (« Élise  DURAND »), a phone number with or without separators."""
    alternatives = []
    for ident in sorted(identifiers, key=len, reverse=True):
        digits = re.sub(r"[\s.\-/]", "", ident)
        if digits.isdigit() and len(digits) >= 6:
            alternatives.append(r"[\s.\-/]*".join(digits))
        else:
            alternatives.append(r"\s+".join(re.escape(word) for word in ident.split()))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def _mentions(value: Any, pattern: re.Pattern[str] | None) -> bool:
    if pattern is None:
        return False
    if isinstance(value, str):
        return pattern.search(_nfc(value)) is not None
    if isinstance(value, dict):
        return any(_mentions(k, pattern) or _mentions(v, pattern) for k, v in value.items())
    if isinstance(value, list):
        return any(_mentions(v, pattern) for v in value)
    return False


def _scrub(value: Any, pattern: re.Pattern[str] | None, placeholder: str) -> Any:
    """`value` with every mention of the person replaced by `placeholder` (keys too)."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(placeholder, _nfc(value)) if _mentions(value, pattern) else value
    if isinstance(value, dict):
        return {_scrub(k, pattern, placeholder): _scrub(v, pattern, placeholder)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern, placeholder) for v in value]
    return value


def _member_dict(member: Member, project: Project) -> dict[str, Any]:
    data = {field: getattr(member, field) for field in MEMBER_FIELDS}
    return {**data, "project": project.slug, "project_name": project.name}


def _checklist_rows(session: Session, project_ids: set[int] | list[int]):
    return session.scalars(
        select(ChecklistState).where(ChecklistState.project_id.in_(project_ids))
        .order_by(ChecklistState.project_id, ChecklistState.item_id)
    )


def _documents_of(session: Session, members: list[Member]) -> list[GeneratedDocument]:
    """Documents generated for a member's project since they joined: they may cite them."""
    joined: dict[int, Any] = {}
    for m in members:
        joined[m.project_id] = min(joined.get(m.project_id, m.created_at), m.created_at)
    rows = session.scalars(
        select(GeneratedDocument).where(GeneratedDocument.project_id.in_(list(joined)))
        .order_by(GeneratedDocument.id)
    )
    return [d for d in rows if d.created_at >= joined[d.project_id]]


def _evidence_of(session: Session, project_ids: set[int] | list[int],
                 pattern: re.Pattern[str] | None) -> list[Evidence]:
    """Evidence files naming the person, or attached under their name."""
    rows = session.scalars(select(Evidence).where(Evidence.project_id.in_(list(project_ids)))
                           .order_by(Evidence.id))
    return [e for e in rows if _mentions([e.filename, e.uploaded_by], pattern)]


def export_person(ws: Workspace, person: str) -> dict[str, Any]:
    """Everything about a person (RGPD right of access): member rows, events, checklist
    notes, document answers and the documents generated while they were a member."""
    from .views import to_jsonable
    from .workspace import event_view

    ws.require("privacy")
    with ws.session(read_only=True) as session:
        members, contacts = _find(session, person)
        pattern = _pattern(_identifiers([*members, *contacts]))
        ids = {m.id for m in members}
        contact_ids = {c.id for c in contacts}
        project_ids = {m.project_id for m in members} | {c.project_id for c in contacts}
        query = select(Project).where(Project.id.in_(project_ids))
        projects = {p.id: p for p in session.scalars(query)}
        events = [
            {**event_view(e).to_dict(), "project": projects[e.project_id].slug}
            for e in session.scalars(
                select(Event).where(Event.project_id.in_(project_ids)).order_by(Event.at, Event.id))
            if _event_concerns(e, ids, pattern, contact_ids)
        ]
        checklist = [
            {"project": projects[c.project_id].slug, "item_id": c.item_id, "status": c.status,
             "note": c.note, "value": c.value, "reason": c.reason,
             "updated_by": c.updated_by, "updated_at": c.updated_at}
            for c in _checklist_rows(session, project_ids)
            if _mentions([c.note, c.value, c.reason], pattern)
        ]
        answers = [
            {"project": projects[a.project_id].slug, "template": a.template, "answers": a.answers}
            for a in session.scalars(
                select(DocumentAnswers).where(DocumentAnswers.project_id.in_(project_ids)))
            if _mentions(a.answers, pattern)
        ]
        documents = [
            {"project": projects[d.project_id].slug, "template": d.template, "format": d.format,
             "path": d.path, "created_at": d.created_at, "created_by": d.created_by}
            for d in _documents_of(session, members)
        ]
        spending = [
            {"project": projects[r.project_id].slug, "envelope": r.envelope, "category": r.category,
             "spent_on": r.spent_on, "amount_cents": r.amount_cents, "professional": r.professional,
             "label": r.label}
            for r in session.scalars(
                select(ContractSpending).where(ContractSpending.project_id.in_(project_ids)))
            if _mentions([r.professional, r.label], pattern)
        ]
        evidence = [
            {"project": projects[e.project_id].slug, "item_id": e.item_id, "filename": e.filename,
             "size": e.size, "sha256": e.sha256, "uploaded_by": e.uploaded_by,
             "uploaded_at": e.uploaded_at}
            for e in _evidence_of(session, project_ids, pattern)
        ]
        return to_jsonable({
            "person": _nfc(person.strip()),
            "generated_at": ws.now().astimezone(UTC),
            "members": [_member_dict(m, projects[m.project_id]) for m in members],
            "events": events,
            "checklist": checklist,
            "document_answers": answers,
            "documents": documents,
            "contract_spending": spending,
            "evidence": evidence,
            "contacts": [
                {"id": c.id, "project": projects[c.project_id].slug, "role": c.role,
                 "name": c.name, "email": c.email, "phone": c.phone,
                 "created_at": c.created_at, "updated_at": c.updated_at}
                for c in contacts
            ],
            "journal": [
                {"project": projects[n.project_id].slug, "noted_on": n.noted_on, "text": n.text,
                 "participants": n.participants, "next_step": n.next_step,
                 "next_date": n.next_date, "written_by": n.written_by}
                for n in _notes(session, project_ids)
                if _mentions([n.text, n.participants, n.next_step], pattern)
            ],
        })


def _event_concerns(event: Event, ids: set[int], pattern: re.Pattern[str] | None,
                    contact_ids: set[int] | None = None) -> bool:
    payload = event.payload or {}
    return (
        payload.get("member_id") in ids
        or (contact_ids is not None and payload.get("contact_id") in contact_ids)
        or _mentions(payload, pattern)
        or _mentions(event.comment, pattern)
    )


def erase_person(ws: Workspace, person: str, *, reason: str) -> ErasureReport:
    """Erase a person's data everywhere (RGPD right to erasure), in one audited transaction."""
    from .limits import clean_text

    ws.require("privacy")
    reason = clean_text(reason, "La raison", required=True) or ""
    with ws.session() as session:
        members, contacts = _find(session, person)
        pattern = _pattern(_identifiers([*members, *contacts]))
        ids = {m.id for m in members}
        contact_ids = {c.id for c in contacts}
        # Lock the projects in id order: two erasures never wait on each other in a cycle.
        project_ids = sorted({m.project_id for m in members} | {c.project_id for c in contacts})
        projects = {pid: ws.get_project(session, pid, "delete", lock=True) for pid in project_ids}
        documents = _documents_of(session, members)
        now = ws.now()
        for member in members:
            placeholder = erased_name(member.id)
            member.name = placeholder
            for name in PERSONAL_FIELDS:
                setattr(member, name, None)
            member.erased_at = member.updated_at = now
        for contact in contacts:
            contact.name = erased_contact_name(contact.id)
            contact.email = contact.phone = None
            contact.erased_at = contact.updated_at = now
        placeholder = erased_name(min(ids)) if ids else erased_contact_name(min(contact_ids))
        events_scrubbed = answers_scrubbed = checklist_scrubbed = 0
        for event in session.scalars(select(Event).where(Event.project_id.in_(project_ids))):
            if not _event_concerns(event, ids, pattern, contact_ids):
                continue
            payload = dict(event.payload or {})
            if payload.get("member_id") in ids and "member_name" in payload:
                payload["member_name"] = erased_name(payload["member_id"])
            if payload.get("contact_id") in contact_ids and "contact_name" in payload:
                payload["contact_name"] = erased_contact_name(payload["contact_id"])
            # A fresh dict: the JSON column only notices a new value, not an in-place edit.
            if event.payload is not None:
                event.payload = _scrub(payload, pattern, placeholder)
            event.comment = _scrub(event.comment, pattern, placeholder)
            events_scrubbed += 1
        for state in _checklist_rows(session, project_ids):
            if _mentions([state.note, state.value, state.reason], pattern):
                state.note = _scrub(state.note, pattern, placeholder)
                state.value = _scrub(state.value, pattern, placeholder)
                state.reason = _scrub(state.reason, pattern, placeholder)
                checklist_scrubbed += 1
        for note in _notes(session, project_ids):
            if _mentions([note.text, note.participants, note.next_step], pattern):
                note.text = _scrub(note.text, pattern, placeholder)
                note.participants = _scrub(note.participants, pattern, placeholder)
                note.next_step = _scrub(note.next_step, pattern, placeholder)
                checklist_scrubbed += 1
        for answer in session.scalars(
            select(DocumentAnswers).where(DocumentAnswers.project_id.in_(project_ids))
        ):
            if _mentions(answer.answers, pattern):
                answer.answers = _scrub(answer.answers, pattern, placeholder)
                answer.updated_by, answer.updated_at = ws.actor, now
                answers_scrubbed += 1
        paths = [d.path for d in documents]
        for document in documents:
            # The record keeps its file's name only if the name does not cite the person.
            document.path = _scrub(document.path, pattern, placeholder)
        # Spending on a professional's time names them (ACI contract budget).
        for spending in session.scalars(
            select(ContractSpending).where(ContractSpending.project_id.in_(project_ids))
        ):
            if _mentions([spending.professional, spending.label], pattern):
                spending.professional = _scrub(spending.professional, pattern, placeholder)
                spending.label = _scrub(spending.label, pattern, placeholder)
        evidence = _evidence_of(session, project_ids, pattern)
        for row in evidence:
            session.delete(row)
        for pid, project in projects.items():
            erased = sorted(m.id for m in members if m.project_id == pid)
            erased_contacts = sorted(c.id for c in contacts if c.project_id == pid)
            # The reason is free text: scrub it too, the audit event must not name the person.
            ws.record_event(session, project, "member_erased",
                            comment=_scrub(reason, pattern, placeholder),
                            payload={"member_ids": erased, "evidence_deleted": sum(
                                1 for e in evidence if e.project_id == pid),
                                     **({"contact_ids": erased_contacts} if erased_contacts else {})})
        session.flush()
        return ErasureReport(
            members=sorted(ids),
            contacts=sorted(contact_ids),
            projects=[projects[p].slug for p in project_ids],
            events_scrubbed=events_scrubbed,
            answers_scrubbed=answers_scrubbed,
            checklist_scrubbed=checklist_scrubbed,
            documents=paths,
            evidence_deleted=len(evidence),
        )
