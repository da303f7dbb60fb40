"""The people an officer deals with for a project: the porteur, the ARS and CPAM referents,
the coordinator. Personal data: the privacy module exports and erases them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import identifiers, limits
from .errors import BadInput
from .folding import pick
from .project_rows import read_row, row_of
from .store.models import Contact
from .views import View

if TYPE_CHECKING:
    from .permissions import Operation
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


def _person(name: str) -> str:
    return limits.clean_text(name, "Le nom du contact", max_length=limits.NAME, required=True) or ""


def _email(email: str | None) -> str | None:
    mail = limits.clean_text(email, "L'adresse e-mail", max_length=limits.NAME)
    return identifiers.clean_email(mail) if mail else None


def _phone(phone: str | None) -> str | None:
    tel = limits.clean_text(phone, "Le téléphone", max_length=limits.PHONE)
    return identifiers.clean_phone(tel) if tel else None


def add_contact(ws: Workspace, ref: str | int, role: str, name: str, *,
                email: str | None = None, phone: str | None = None,
                expected_version: int | None = None) -> ContactView:
    """Record a contact of a project (e-mail and phone checked), audited."""
    key = pick(role, CONTACT_ROLES, "Rôle de contact inconnu")
    person, mail, tel = _person(name), _email(email), _phone(phone)
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


def update_contact(ws: Workspace, ref: str | int, contact_id: int | str, *,
                   role: str | None = None, name: str | None = None, email: str | None = None,
                   phone: str | None = None, expected_version: int | None = None) -> ContactView:
    """Change a contact (pass only what changes; `""` clears the e-mail or the phone),
    audited. The event names the fields changed, never their former values: an erasure
    (RGPD) then leaves nothing of the person in the history."""
    values: dict[str, str | None] = {}
    if role is not None:
        values["role"] = pick(role, CONTACT_ROLES, "Rôle de contact inconnu")
    if name is not None:
        values["name"] = _person(name)
    if email is not None:
        values["email"] = _email(email)
    if phone is not None:
        values["phone"] = _phone(phone)
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        contact = row_of(session, Contact, project, contact_id, "Contact", "unknown_contact")
        if contact.erased_at is not None:
            raise BadInput(f"Le contact n° {contact.id} a été effacé (RGPD) : il ne peut plus "
                           "être modifié.", "Retirez-le puis ajoutez la personne de nouveau.")
        changed = sorted(k for k, v in values.items() if getattr(contact, k) != v)
        for key in changed:
            setattr(contact, key, values[key])
        if changed:
            contact.updated_at = ws.now()
            ws.record_event(session, project, "contact_updated", payload={
                "contact_id": contact.id, "role": contact.role, "contact_name": contact.name,
                "fields": changed})
            session.flush()
        return contact_view(contact, project.slug)


def get_contact(ws: Workspace, ref: str | int, contact_id: int | str,
                operation: Operation = "read") -> ContactView:
    """One contact of a project, for `operation` (`follow_up`: to change it)."""
    return read_row(ws, ref, Contact, contact_id, "Contact", "unknown_contact", operation,
                    contact_view)


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
