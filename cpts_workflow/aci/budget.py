"""Spending by mission (and fonctionnement) and category, against the money received.

What ACI money may pay (décret n° 2022-375 du 16 mars 2022): the coordination, the
professionals' time — at most the plafond annuel de la sécurité sociale per professional
per calendar year —, premises, IT, communication; never acts of care. Warnings: an
envelope spent beyond what it received, a professional paid beyond the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput
from ..limits import NAME, clean_text
from ..store.models import AciContract, ContractSpending, Project
from ..views import View
from .amounts import require_chosen
from .calendar import chosen_missions, mission_rows
from .contract import cap_for, contract_row, year_of
from .missions import MISSIONS_BY_ID, mission
from .money import parse_cents
from .payments import OPERATING, schedule_in

if TYPE_CHECKING:
    from ..workspace import Workspace

CATEGORIES = {
    "coordination": "coordination",
    "professionnels": "temps des professionnels",
    "locaux": "locaux",
    "informatique": "informatique",
    "communication": "communication",
}
PROFESSIONALS = "professionnels"


@dataclass(frozen=True)
class SpendingView(View):
    id: int
    envelope: str
    category: str
    category_label: str
    spent_on: date
    contract_year: int | None
    amount_cents: int
    professional: str | None
    label: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class EnvelopeView(View):
    envelope: str
    label: str
    received_cents: int
    spent_cents: int
    by_category: dict[str, int]
    balance_cents: int
    overspent: bool


@dataclass(frozen=True)
class ProfessionalYear(View):
    professional: str
    year: int
    paid_cents: int
    cap_cents: int | None
    cap_source: str
    over_cap: bool


@dataclass(frozen=True)
class BudgetView(View):
    project_slug: str
    project_name: str
    year: int | None  # a contract year, or None for the whole contract
    envelopes: list[EnvelopeView]
    professionals: list[ProfessionalYear]
    spending: list[SpendingView]
    warnings: list[str]


def envelope_label(envelope: str) -> str:
    return "Fonctionnement" if envelope == OPERATING else MISSIONS_BY_ID[envelope].label


def _envelope(text: str) -> str:
    key = text.strip().lower()
    return OPERATING if key == OPERATING else mission(key).id


def budget_in(
    ws: Workspace, session: Session, project: Project, contract: AciContract, year: int | None = None
) -> BudgetView:
    schedule = schedule_in(ws, session, project, contract)
    rows = list(
        session.scalars(
            select(ContractSpending)
            .where(ContractSpending.project_id == project.id)
            .order_by(ContractSpending.spent_on, ContractSpending.id)
        )
    )
    spending = [
        SpendingView(
            r.id,
            r.envelope,
            r.category,
            CATEGORIES[r.category],
            r.spent_on,
            year_of(contract.signed_on, contract.years, r.spent_on),
            r.amount_cents,
            r.professional,
            r.label,
            r.recorded_by,
            r.recorded_at,
        )
        for r in rows
    ]
    if year is not None:
        spending = [s for s in spending if s.contract_year == year]
    lines = [line for line in schedule.lines if year is None or line.year == year]
    names = [OPERATING, *chosen_missions(mission_rows(session, [project.id])[project.id])]
    names += sorted({s.envelope for s in spending} - set(names))
    envelopes, warnings = [], []
    for name in names:
        received = sum(line.received_cents for line in lines if line.envelope == name)
        mine = [s for s in spending if s.envelope == name]
        by_category = {c: sum(s.amount_cents for s in mine if s.category == c) for c in CATEGORIES}
        spent = sum(by_category.values())
        over = spent > received
        envelopes.append(
            EnvelopeView(
                name,
                envelope_label(name),
                received,
                spent,
                {c: v for c, v in by_category.items() if v},
                received - spent,
                over,
            )
        )
        if over:
            warnings.append(
                f"« {envelope_label(name)} » : {french.cents(spent)} dépensés pour "
                f"{french.cents(received)} reçus (dépassement de {french.cents(spent - received)})."
            )
    # The cap is per calendar year, over every envelope.
    paid: dict[tuple[str, int], int] = {}
    for r in rows:
        if r.category == PROFESSIONALS and r.professional:
            key = (r.professional, r.spent_on.year)
            paid[key] = paid.get(key, 0) + r.amount_cents
    professionals = []
    for (name, cal_year), total in sorted(paid.items()):
        cap = cap_for(contract, cal_year)
        over = cap.amount_cents is not None and total > cap.amount_cents
        professionals.append(ProfessionalYear(name, cal_year, total, cap.amount_cents, cap.source, over))
        if over:
            warnings.append(
                f"{name} : {french.cents(total)} versés en {cal_year}, au-delà du plafond annuel "
                f"de la sécurité sociale ({french.cents(cap.amount_cents)})."
            )
        elif cap.amount_cents is None:
            warnings.append(
                f"{name} : plafond annuel de la sécurité sociale {cal_year} inconnu, "
                f"dépassement non vérifié (donnez le plafond {cal_year} dans le contrat)."
            )
    return BudgetView(project.slug, project.name, year, envelopes, professionals, spending, warnings)


def budget(ws: Workspace, ref: str | int, *, year: int | None = None) -> BudgetView:
    """Received, spent and balance by envelope; professionals against their cap; warnings."""
    with ws.session() as session:
        project = ws.get_project(session, ref)
        contract = contract_row(session, project)
        if year is not None:
            from .contract import check_year

            check_year(year, contract.years)
        return budget_in(ws, session, project, contract, year)


def record_spending(
    ws: Workspace,
    ref: str | int,
    envelope: str,
    *,
    category: str,
    amount: object,
    spent_on: date | str,
    professional: str | None = None,
    label: str | None = None,
) -> BudgetView:
    """Record money spent; audited. Returns the budget with its warnings."""
    name = _envelope(envelope)
    key = category.strip().lower()
    if key not in CATEGORIES:
        raise BadInput(f"Catégorie « {category} » inconnue.", f"Catégories : {', '.join(CATEGORIES)}.")
    cents = parse_cents(amount, "Dépense")
    if cents == 0:
        raise BadInput("Une dépense a un montant positif.")
    day = french.parse_date(spent_on)
    professional = (professional or "").strip() or None
    professional = clean_text(professional, "Le nom du professionnel", max_length=NAME)
    label = clean_text(label, "Le libellé de la dépense")
    if key == PROFESSIONALS and not professional:
        raise BadInput(
            "Le temps des professionnels se rattache à un professionnel.",
            "Donnez son nom, pour vérifier son plafond annuel.",
        )
    with ws.changing(ref, "contract") as (session, project):
        contract = contract_row(session, project)
        if name != OPERATING:
            require_chosen(session, project, name)
        session.add(
            ContractSpending(
                project_id=project.id,
                envelope=name,
                category=key,
                spent_on=day,
                amount_cents=cents,
                professional=professional,
                label=label,
                recorded_by=ws.actor,
                recorded_at=ws.now(),
            )
        )
        session.flush()
        ws.record_event(
            session,
            project,
            "spending_recorded",
            comment=f"{name}, {CATEGORIES[key]} : {french.cents(cents)} le {french.short_date(day)}",
            payload={
                "envelope": name,
                "category": key,
                "amount_cents": cents,
                "spent_on": day.isoformat(),
                "professional": professional,
            },
        )
        return budget_in(ws, session, project, contract)
