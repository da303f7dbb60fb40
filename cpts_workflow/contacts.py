"""The people an officer deals with for a project: the porteur, the ARS and CPAM referents,
the coordinator. Personal data: the privacy module exports and erases them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import identifiers, limits
from .folding import pick
from .project_rows import row_of
from .store.models import Contact
from .views import View

if TYPE_CHECKING:
    from .workspace import Workspace

CONTACT_ROLES = {
    "porteur": "porteur du projet",
    "ars": "référent·e ARS",
    "cpam": "référent·e CPAM",
    "coordinator": "coordinateur·rice",
    "other": "autre",
}


@dataclass(frozen=True)
class ContactView(View):
    id: int
    project_slug: str
    role: str
    role_label: str
    name: str
    email: str | None
    phone: str | None
    erased: bool


def contact_view(contact: Contact, slug: str) -> ContactView:
    return ContactView(contact.id, slug, contact.role,
                       CONTACT_ROLES.get(contact.role, contact.role), contact.name,
                       contact.email, contact.phone, contact.erased_at is not None)


def add_contact(ws: Workspace, ref: str | int, role: str, name: str, *,
                email: str | None = None, phone: str | None = None,
                expected_version: int | None = None) -> ContactView:
    """Record a contact of a project (e-mail and phone checked), audited."""
    key = pick(role, CONTACT_ROLES, "Rôle de contact inconnu")
    person = limits.clean_text(name, "Le nom du contact", max_length=limits.NAME, required=True)
    mail = limits.clean_text(email, "L'adresse e-mail", max_length=limits.NAME)
    tel = limits.clean_text(phone, "Le téléphone", max_length=limits.PHONE)
    mail = identifiers.clean_email(mail) if mail else None
    tel = identifiers.clean_phone(tel) if tel else None
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        now = ws.now()
        contact = Contact(project_id=project.id, role=key, name=person, email=mail, phone=tel,
                          created_at=now, updated_at=now)
        session.add(contact)
        session.flush()
        ws.record_event(session, project, "contact_added", payload={
            "contact_id": contact.id, "role": key, "contact_name": person})
        session.flush()
        return contact_view(contact, project.slug)


def list_contacts(ws: Workspace, ref: str | int) -> list[ContactView]:
    """A project's contacts, by role then name."""
    order = {k: i for i, k in enumerate(CONTACT_ROLES)}
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        rows = session.scalars(select(Contact).where(Contact.project_id == project.id))
        views = [contact_view(c, project.slug) for c in rows]
    return sorted(views, key=lambda c: (order.get(c.role, 99), c.name.casefold(), c.id))


def remove_contact(ws: Workspace, ref: str | int, contact_id: int | str, *,
                   expected_version: int | None = None) -> ContactView:
    """Remove a contact (the history keeps that it was removed, by role)."""
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        contact = row_of(session, Contact, project, contact_id, "Contact", "unknown_contact")
        view = contact_view(contact, project.slug)
        session.delete(contact)
        ws.record_event(session, project, "contact_removed", payload={
            "contact_id": view.id, "role": view.role, "contact_name": view.name})
        session.flush()
        return view
