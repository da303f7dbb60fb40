"""The officers' view of every signed contract: reviews coming up, missions late to start,
money received against what was expected by today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..errors import BadInput
from ..store.models import AciContract, Project
from ..views import View
from .calendar import chosen_missions, flags_for, mission_rows
from .contract import year_of, year_start
from .payments import schedule_in

if TYPE_CHECKING:
    from ..workspace import Workspace

REVIEW_WITHIN_DAYS = 60


@dataclass(frozen=True)
class ContractStatus(View):
    project_slug: str
    project_name: str
    officer: str | None
    signed_on: date
    contract_year: int | None
    next_review_on: date | None  # the next anniversary, when the year's review falls
    days_to_review: int | None
    review_due: bool  # within the window asked for
    late_missions: list[str]  # missions past their start deadline and not started
    expected_to_date_cents: int
    received_cents: int
    missing_payments: int


def portfolio(
    ws: Workspace, *, within: int = REVIEW_WITHIN_DAYS, officer: str | None = None
) -> list[ContractStatus]:
    """Every project with a contract, the review due soonest first."""
    if within < 0 or within > 3660:
        raise BadInput(f"Fenêtre de {within} jours invalide.", "Donnez un nombre de jours, ex. 60.")
    today = ws.now().date()
    out = []
    with ws.session() as session:
        query = select(Project, AciContract).join(AciContract, AciContract.project_id == Project.id)
        if officer:
            query = query.where(Project.officer == officer)
        pairs = list(session.execute(query))
        rows = mission_rows(session, [p.id for p, _ in pairs])
        for project, contract in pairs:
            year = year_of(contract.signed_on, contract.years, today)
            review = year_start(contract.signed_on, year + 1) if year else None
            days = (review - today).days if review else None
            missions = chosen_missions(rows[project.id])
            flags = flags_for(project, contract.signed_on, missions, rows[project.id], today)
            schedule = schedule_in(ws, session, project, contract)
            out.append(
                ContractStatus(
                    project.slug,
                    project.name,
                    project.officer,
                    contract.signed_on,
                    year,
                    review,
                    days,
                    days is not None and days <= within,
                    [f.mission for f in flags if f.kind == "start_overdue"],
                    schedule.expected_to_date_cents,
                    schedule.received_total_cents,
                    sum(1 for f in schedule.flags if f.kind == "missing"),
                )
            )
    return sorted(out, key=lambda s: (s.days_to_review is None, s.days_to_review or 0, s.project_name))
