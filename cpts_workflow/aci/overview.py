"""Everything a project's contract page shows, read in one transaction: the contract and
its annex, the payment calendar with what came in, the indicators, the budget.

Before the contract is recorded, only the signature date the checklist gives (if any),
so that a form can offer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..store.models import AciContract
from ..views import View
from .amounts import AmountView, amount_views
from .budget import BudgetView, budget_in
from .calendar import signature_item, signed_on_date
from .contract import ContractView, contract_view
from .indicators import IndicatorView, indicator_views
from .payments import PaymentSchedule, schedule_in

if TYPE_CHECKING:
    from ..workspace import Workspace


@dataclass(frozen=True)
class ContractOverview(View):
    project_slug: str
    checklist_signed_on: date | None  # the date ticked in the checklist, if any
    contract: ContractView | None  # None: no contract recorded yet
    amounts: list[AmountView]
    schedule: PaymentSchedule | None
    indicators: list[IndicatorView]
    budget: BudgetView | None


def contract_overview(ws: Workspace, ref: str | int) -> ContractOverview:
    """The contract of a project with its calendar, indicators and budget (read only)."""
    with ws.session() as session:
        project = ws.get_project(session, ref)
        ticked = signed_on_date(session, project, signature_item(ws, project))
        row = session.get(AciContract, project.id)
        if row is None:
            return ContractOverview(project.slug, ticked, None, [], None, [], None)
        return ContractOverview(
            project.slug,
            ticked,
            contract_view(ws, session, project, row),
            amount_views(ws, session, project, row),
            schedule_in(ws, session, project, row),
            indicator_views(session, project),
            budget_in(ws, session, project, row),
        )
