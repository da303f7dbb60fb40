"""The structures a project works with (GHT, DAC, SAS, hôpital de proximité,
établissements, France Santé structures) and where each relation stands."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import french, limits
from .folding import pick
from .project_rows import read_row, row_of
from .store.models import Partner
from .views import View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .permissions import Operation
    from .workspace import Workspace

PARTNER_KINDS = {
    "ght": "GHT (groupement hospitalier de territoire)",
    "dac": "DAC (dispositif d'appui à la coordination)",
    "sas": "SAS (service d'accès aux soins)",
    "hopital_proximite": "hôpital de proximité",
    "etablissement": "établissement sanitaire ou médico-social",
    "france_sante": "structure France Santé",
    "other": "autre partenaire",
}
# Short forms for lists and reports.
KIND_SHORT = {**{k: v.split(" (")[0] for k, v in PARTNER_KINDS.items()}}
PARTNER_STATES = {
    "contact": "contact pris",
    "convention_in_progress": "convention en cours",
    "convention_signed": "convention signée",
}


@dataclass(frozen=True)
class PartnerView(View):
    id: int
    project_slug: str
    kind: str
    kind_label: str
    name: str
    state: str
    state_label: str
    state_date: date | None
    updated_by: str
    updated_at: datetime


def partner_view(partner: Partner, slug: str) -> PartnerView:
    return PartnerView(partner.id, slug, partner.kind, KIND_SHORT.get(partner.kind, partner.kind),
                       partner.name, partner.state,
                       PARTNER_STATES.get(partner.state, partner.state), partner.state_date,
                       partner.updated_by, partner.updated_at)


def _state(state: str) -> str:
    return pick(state, PARTNER_STATES, "État de la relation inconnu")


def add_partner(ws: Workspace, ref: str | int, kind: str, name: str, *,
                state: str = "contact", on: date | str | None = None,
                expected_version: int | None = None) -> PartnerView:
    """Record a partner of a project and where the relation stands (default: contact
    taken today), audited."""
    key = pick(kind, PARTNER_KINDS, "Type de partenaire inconnu")
    label = limits.clean_text(name, "Le nom du partenaire", max_length=limits.NAME, required=True)
    state_key = _state(state)
    when = french.parse_date(on) if on else ws.now().date()
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        partner = Partner(project_id=project.id, kind=key, name=label, state=state_key,
                          state_date=when, updated_by=ws.actor, updated_at=ws.now())
        session.add(partner)
        session.flush()
        ws.record_event(session, project, "partner_added", payload={
            "partner_id": partner.id, "kind": key, "partner_name": label, "state": state_key,
            "state_date": when.isoformat()})
        session.flush()
        return partner_view(partner, project.slug)


def set_partner(ws: Workspace, ref: str | int, partner_id: int | str, *,
                state: str | None = None, on: date | str | None = None,
                name: str | None = None, kind: str | None = None,
                expected_version: int | None = None) -> PartnerView:
    """Change where a relation stands and since when (`on`; a new state without a date
    dates from today), the partner's name or its type; audited when something changed."""
    state_key = _state(state) if state else None
    kind_key = pick(kind, PARTNER_KINDS, "Type de partenaire inconnu") if kind else None
    label = (limits.clean_text(name, "Le nom du partenaire", max_length=limits.NAME, required=True)
             if name is not None else None)
    on_date = french.parse_date(on) if on else None
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        partner = row_of(session, Partner, project, partner_id, "Partenaire", "unknown_partner")
        changes: dict[str, object] = {}
        if state_key and state_key != partner.state:
            changes["state"] = {"from": partner.state, "to": state_key}
            partner.state = state_key
        when = on_date or (ws.now().date() if "state" in changes else None)
        if when is not None and when != partner.state_date:
            changes["state_date"] = {"from": partner.state_date and partner.state_date.isoformat(),
                                     "to": when.isoformat()}
            partner.state_date = when
        if label and label != partner.name:
            changes["name"] = {"from": partner.name, "to": label}
            partner.name = label
        if kind_key and kind_key != partner.kind:
            changes["kind"] = {"from": partner.kind, "to": kind_key}
            partner.kind = kind_key
        if changes:
            partner.updated_by, partner.updated_at = ws.actor, ws.now()
            ws.record_event(session, project, "partner_changed", payload={
                "partner_id": partner.id, "partner_name": partner.name, **changes})
            session.flush()
        return partner_view(partner, project.slug)


def get_partner(ws: Workspace, ref: str | int, partner_id: int | str,
                operation: Operation = "read") -> PartnerView:
    """One partner of a project, for `operation` (`follow_up`: to change it)."""
    return read_row(ws, ref, Partner, partner_id, "Partenaire", "unknown_partner", operation,
                    partner_view)


def list_partners(ws: Workspace, ref: str | int) -> list[PartnerView]:
    """A project's partners, by type then name."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        rows = session.scalars(select(Partner).where(Partner.project_id == project.id))
        return sorted((partner_view(p, project.slug) for p in rows), key=_order)


def _order(p: PartnerView) -> tuple[int, str, int]:
    return list(PARTNER_KINDS).index(p.kind) if p.kind in PARTNER_KINDS else 99, p.name.casefold(), p.id


def remove_partner(ws: Workspace, ref: str | int, partner_id: int | str, *,
                   expected_version: int | None = None) -> PartnerView:
    with ws.changing(ref, "follow_up", expected_version) as (session, project):
        partner = row_of(session, Partner, project, partner_id, "Partenaire", "unknown_partner")
        view = partner_view(partner, project.slug)
        session.delete(partner)
        ws.record_event(session, project, "partner_removed", payload={
            "partner_id": view.id, "kind": view.kind, "partner_name": view.name})
        session.flush()
        return view


def partners_by_project(session: Session, project_ids: Iterable[int] | None = None
                        ) -> dict[int, list[PartnerView]]:
    """Per project, its partners (for the reports): one query."""
    query = select(Partner)
    if project_ids is not None:
        query = query.where(Partner.project_id.in_(list(project_ids)))
    out: dict[int, list[PartnerView]] = defaultdict(list)
    for p in session.scalars(query):
        out[p.project_id].append(partner_view(p, ""))
    for views in out.values():
        views.sort(key=_order)
    return out


def partners_text(partners: list[PartnerView]) -> str:
    """« GHT Provence (convention signée) ; DAC 13 (contact pris) » for one cell."""
    return " ; ".join(f"{p.name} ({p.state_label})" for p in partners)
