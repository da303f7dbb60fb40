"""Personal data (RGPD): everything the base holds about a person, and its erasure.

A person is found by a member number, an exact name or an exact e-mail address (case and
surrounding spaces ignored), across every project: the same professional often belongs
to several. Erasure keeps the member rows (collège counts and bureau history stay right)
and the audit events (what happened stays known), but removes what identifies the person:
name, profession, RPPS, SIRET, FINESS, e-mail, phone, free fields, and their traces in
event payloads, comments, document answers and the ACI contract's spending lines. It is itself audited, without personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import BadInput, NotFound
from .store.models import ContractSpending, DocumentAnswers, Event, Member, Project
from .views import _View

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
class ErasureReport(_View):
    members: list[int]
    projects: list[str]
    events_scrubbed: int
    answers_scrubbed: int


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _find(session: Session, person: str) -> list[Member]:
    """Members matching a number, an exact name or e-mail, plus every namesake row elsewhere."""
    wanted = _norm(person)
    if not wanted:
        raise BadInput(
            "Désignez la personne par son numéro de membre, son nom exact ou son e-mail."
        )
    keys = {wanted}
    if wanted.isdigit():
        member = session.get(Member, int(wanted))
        if member is not None:
            keys = {k for k in (_norm(member.name), _norm(member.email)) if k}
    members = [
        m
        for m in session.scalars(
            select(Member).where(Member.erased_at.is_(None)).order_by(Member.id)
        )
        if _norm(m.name) in keys or (m.email and _norm(m.email) in keys)
    ]
    if not members:
        raise NotFound(
            f"Aucune personne « {person.strip()} » parmi les membres (déjà effacée ?).",
            "Donnez le numéro de membre, le nom exact ou l'adresse e-mail.",
        )
    return members


def _identifiers(members: list[Member]) -> set[str]:
    """The strings that identify the person, to find and scrub them elsewhere."""
    found = set()
    for m in members:
        found |= {v for v in (m.name, m.email, m.phone, m.rpps) if v and len(v.strip()) >= 3}
    return {v.strip() for v in found}


def _mentions(value: Any, identifiers: set[str]) -> bool:
    if isinstance(value, str):
        return any(i.casefold() in value.casefold() for i in identifiers)
    if isinstance(value, dict):
        return any(_mentions(v, identifiers) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, identifiers) for v in value)
    return False


def _scrub(value: Any, identifiers: set[str], placeholder: str) -> Any:
    """`value` with every occurrence of an identifier replaced by `placeholder`."""
    if isinstance(value, str):
        for ident in sorted(identifiers, key=len, reverse=True):
            if ident.casefold() in value.casefold():
                value = _replace_casefold(value, ident, placeholder)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, identifiers, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, identifiers, placeholder) for v in value]
    return value


def _replace_casefold(text: str, needle: str, replacement: str) -> str:
    import re

    return re.sub(re.escape(needle), replacement, text, flags=re.IGNORECASE)


def _member_dict(member: Member, project: Project) -> dict[str, Any]:
    data = {field: getattr(member, field) for field in MEMBER_FIELDS}
    return {**data, "project": project.slug, "project_name": project.name}


def export_person(ws: Workspace, person: str) -> dict[str, Any]:
    """Everything about a person (RGPD right of access): member rows, events, answers."""
    from .views import to_jsonable
    from .workspace import event_view

    with ws.session() as session:
        members = _find(session, person)
        identifiers = _identifiers(members)
        ids = {m.id for m in members}
        project_ids = {m.project_id for m in members}
        query = select(Project).where(Project.id.in_(project_ids))
        projects = {p.id: p for p in session.scalars(query)}
        events = [
            {**event_view(e).to_dict(), "project": projects[e.project_id].slug}
            for e in session.scalars(
                select(Event).where(Event.project_id.in_(project_ids)).order_by(Event.at, Event.id))
            if _event_concerns(e, ids, identifiers)
        ]
        answers = [
            {"project": projects[a.project_id].slug, "template": a.template, "answers": a.answers}
            for a in session.scalars(
                select(DocumentAnswers).where(DocumentAnswers.project_id.in_(project_ids)))
            if _mentions(a.answers, identifiers)
        ]
        spending = [
            {"project": projects[r.project_id].slug, "envelope": r.envelope, "category": r.category,
             "spent_on": r.spent_on, "amount_cents": r.amount_cents, "professional": r.professional,
             "label": r.label}
            for r in session.scalars(
                select(ContractSpending).where(ContractSpending.project_id.in_(project_ids)))
            if _mentions([r.professional, r.label], identifiers)
        ]
        return to_jsonable({
            "person": person.strip(),
            "generated_at": ws.now().astimezone(UTC),
            "members": [_member_dict(m, projects[m.project_id]) for m in members],
            "events": events,
            "document_answers": answers,
            "contract_spending": spending,
        })


def _event_concerns(event: Event, ids: set[int], identifiers: set[str]) -> bool:
    payload = event.payload or {}
    return (
        payload.get("member_id") in ids
        or _mentions(payload, identifiers)
        or _mentions(event.comment, identifiers)
    )


def erase_person(ws: Workspace, person: str, *, reason: str) -> ErasureReport:
    """Erase a person's data everywhere (RGPD right to erasure), in one audited transaction."""
    from .workspace import _clean_text

    reason = _clean_text(reason, "La raison", required=True) or ""
    with ws.session() as session:
        members = _find(session, person)
        identifiers = _identifiers(members)
        ids = {m.id for m in members}
        # Lock the projects in id order: two erasures never wait on each other in a cycle.
        project_ids = sorted({m.project_id for m in members})
        projects = {pid: ws.get_project(session, pid, lock=True) for pid in project_ids}
        now = ws.now()
        for member in members:
            placeholder = erased_name(member.id)
            member.name = placeholder
            for name in PERSONAL_FIELDS:
                setattr(member, name, None)
            member.erased_at = member.updated_at = now
        placeholder = erased_name(min(ids))
        events_scrubbed = answers_scrubbed = 0
        for event in session.scalars(select(Event).where(Event.project_id.in_(project_ids))):
            if not _event_concerns(event, ids, identifiers):
                continue
            payload = dict(event.payload or {})
            if payload.get("member_id") in ids and "member_name" in payload:
                payload["member_name"] = erased_name(payload["member_id"])
            # A fresh dict: the JSON column only notices a new value, not an in-place edit.
            if event.payload is not None:
                event.payload = _scrub(payload, identifiers, placeholder)
            event.comment = _scrub(event.comment, identifiers, placeholder)
            events_scrubbed += 1
        for answer in session.scalars(
            select(DocumentAnswers).where(DocumentAnswers.project_id.in_(project_ids))
        ):
            if _mentions(answer.answers, identifiers):
                answer.answers = _scrub(answer.answers, identifiers, placeholder)
                answer.updated_by, answer.updated_at = ws.actor, now
                answers_scrubbed += 1
        # Spending on a professional's time names them (ACI contract budget).
        for spending in session.scalars(
            select(ContractSpending).where(ContractSpending.project_id.in_(project_ids))
        ):
            if _mentions([spending.professional, spending.label], identifiers):
                spending.professional = _scrub(spending.professional, identifiers, placeholder)
                spending.label = _scrub(spending.label, identifiers, placeholder)
        for pid, project in projects.items():
            erased = sorted(m.id for m in members if m.project_id == pid)
            # The reason is free text: scrub it too, the audit event must not name the person.
            ws.record_event(session, project, "member_erased",
                            comment=_scrub(reason, identifiers, placeholder),
                            payload={"member_ids": erased})
        session.flush()
        return ErasureReport(
            members=sorted(ids),
            projects=[projects[p].slug for p in project_ids],
            events_scrubbed=events_scrubbed,
            answers_scrubbed=answers_scrubbed,
        )
