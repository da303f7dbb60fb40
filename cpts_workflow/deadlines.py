"""Every clock a CPTS project runs on, in one place: the clocks of the workflow
definition (ARS objection delay, reminders, the ACI calendar) and the due dates officers
set on checklist items.

A clock is data (`clocks:` in the workflow YAML): it starts when a dated item is done
and stops when one of its stop items is done on or after that date. The ACI calendar is
computed by `aci.aci_calendar`, never here. Reads only: nothing is written, a tacitly
validated projet de santé is *shown* as such (« réputé validé le … »).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, or_, select

from . import french
from .aci.calendar import aci_calendar, chosen_missions, date_value
from .errors import BadInput, Refused
from .ics import IcsEvent, to_ics, uid
from .journal import latest_notes
from .months import add_months
from .officers import matching_officers
from .store.models import ChecklistState, JournalNote, Project, ProjectCommune, ProjectMission
from .views import View
from .workflow.definition import Clock, WorkflowDefinition

if TYPE_CHECKING:
    from .workspace import Workspace

_DEPARTMENT = re.compile(r"^(\d{2}|2A|2B|97\d)$")
STATUS_LABELS = {"upcoming": "à venir", "overdue": "en retard", "expired": "délai écoulé"}


@dataclass(frozen=True)
class Deadline(View):
    project_id: int
    project_slug: str
    project_name: str
    officer: str | None
    stage: str
    stage_label: str
    source: str  # clock | aci | item_due | journal
    key: str  # stable within the project (UIDs, updates)
    label: str
    due_date: date
    days: int  # due_date - today: negative when past
    status: str  # upcoming | overdue | expired (a clock ran out: its expiry applies)
    status_label: str  # « dans 12 jours », « en retard de 3 jours », « réputé validé le … »
    action: str
    uid: str


@dataclass(frozen=True)
class ProjectDeadlines(View):
    """What the reports need per project: what is overdue and what comes next."""

    project_id: int
    overdue: list[Deadline]
    next: Deadline | None


def clock_due(clock: Clock, start: date) -> date:
    """When a months/days clock started on `start` falls due (calendar-correct)."""
    if clock.months is not None:
        return add_months(start, clock.months)
    return start + timedelta(days=clock.days or 0)


def _stop_date(state: ChecklistState) -> date:
    return date_value(state) or state.updated_at.date()


def is_stopped(clock: Clock, start: date, states: dict[str, ChecklistState]) -> bool:
    """A stop item done on or after the start stops the clock (an older one does not:
    after an objection the projet is re-sent and its clock runs again)."""
    return any(
        (s := states.get(item)) is not None and s.status == "done" and _stop_date(s) >= start
        for item in clock.stop_items
    )


def _status(due: date, today: date, expired_label: str | None = None) -> tuple[str, str]:
    days = (due - today).days
    if days >= 0:
        return "upcoming", ("aujourd'hui" if days == 0 else f"dans {french.plural(days, 'jour')}")
    if expired_label:
        return "expired", expired_label.format(date=french.short_date(due))
    return "overdue", f"en retard de {french.plural(-days, 'jour')}"


def project_deadlines(
    project: Project,
    definition: WorkflowDefinition,
    states: dict[str, ChecklistState],
    missions: dict[str, ProjectMission],
    today: date,
    next_step: JournalNote | None = None,
) -> list[Deadline]:
    """Deadlines of one project from rows already loaded (no query); `next_step`: the
    journal note whose dated next step holds (see `journal`)."""
    out: list[Deadline] = []
    stage_label = definition.state_label(project.stage)

    def add(
        source: str, key: str, label: str, due: date, action: str, expired_label: str | None = None
    ) -> None:
        status, status_label = _status(due, today, expired_label)
        out.append(
            Deadline(
                project.id,
                project.slug,
                project.name,
                project.officer,
                project.stage,
                stage_label,
                source,
                key,
                label,
                due,
                (due - today).days,
                status,
                status_label,
                action,
                uid(project.slug, key),
            )
        )

    for clock in definition.clocks:
        start = date_value(states.get(clock.start_item))
        if start is None:
            continue
        if clock.schedule == "aci":
            _add_aci(add, clock, start, missions, today)
        elif not is_stopped(clock, start, states):
            add(
                "clock",
                f"clock-{clock.id}",
                clock.label,
                clock_due(clock, start),
                clock.action,
                clock.expired_label,
            )
    for item_id, state in states.items():
        if state.due_date and state.status == "todo" and definition.has_item(item_id):
            item = definition.item(item_id)[1]
            add(
                "item_due",
                f"due-{item_id}",
                item.label,
                state.due_date,
                f"Faire : {item.label}.",
            )
    if next_step is not None and next_step.next_date and next_step.next_step:
        add("journal", f"journal-{next_step.id}", next_step.next_step, next_step.next_date,
            f"Prochaine étape notée au journal le {french.short_date(next_step.noted_on)} : "
            f"{next_step.next_step}")
    return sorted(out, key=lambda d: (d.due_date, d.key))


def _add_aci(
    add, clock: Clock, signed_on: date, missions: dict[str, ProjectMission], today: date
) -> None:
    """Open mission milestones, and the next anniversary (or the end) of the contract."""
    yearly_shown = False
    for entry in aci_calendar(signed_on, chosen_missions(missions), missions):
        if entry.kind in ("mission_start", "mission_deployment") and entry.done_on is None:
            add("aci", f"aci-{entry.key}", entry.label, entry.due_date, entry.action)
        elif (
            entry.kind in ("anniversary", "contract_end")
            and entry.due_date >= today
            and not yearly_shown
        ):
            # Past anniversaries are history, not debts; only the next one is listed.
            yearly_shown = True
            add("aci", f"aci-{entry.key}", entry.label, entry.due_date, entry.action)


def _projects_query(
    ws: Workspace, officer: str | None, department: str | None, project: str | int | None
) -> Select:
    query = select(Project)
    visible = ws.visible_clause(Project.id)
    if visible is not None:
        query = query.where(visible)
    if officer or project is not None:
        with ws.session(read_only=True) as session:
            if officer:
                query = query.where(Project.officer.in_(matching_officers(session, officer)))
            if project is not None:
                query = query.where(Project.id == ws.get_project(session, project).id)
    if department:
        dept = department.strip().upper()
        if not _DEPARTMENT.match(dept):
            raise BadInput(
                f"« {department} » n'est pas un code de département.", "Exemples : 13, 2A, 974."
            )
        # A commune's INSEE code starts with its department's code (2A004, 97411, 13201).
        query = query.where(
            Project.id.in_(
                select(ProjectCommune.project_id).where(ProjectCommune.insee.like(f"{dept}%"))
            )
        )
    return query


def deadlines(
    ws: Workspace,
    *,
    officer: str | None = None,
    department: str | None = None,
    within: int | None = None,
    overdue_only: bool = False,
    project: str | int | None = None,
    today: date | None = None,
) -> list[Deadline]:
    """Upcoming and overdue dates across the portfolio, soonest first.

    Three queries whatever the number of projects (projects, checklist rows, missions).
    `within`: only what falls due in the next N days (overdue ones always included);
    `overdue_only`: only what is past (overdue, or a clock that ran out).
    """
    today = today or ws.now().date()
    if within is not None and within < 0:
        raise BadInput("Le délai doit être un nombre de jours positif.")
    query = _projects_query(ws, officer, department, project)
    ids = query.with_only_columns(Project.id)
    with ws.session(read_only=True) as session:
        if department and session.scalar(select(ProjectCommune.insee).limit(1)) is None:
            raise Refused(
                "Aucun projet n'a encore de territoire enregistré : le filtre par "
                "département ne peut rien trouver.",
                "Ajoutez les communes des projets, ou ne filtrez pas par département.",
            )
        projects = list(session.scalars(query))
        definitions = {p.id: ws.definition_of(p) for p in projects}
        clock_items = {
            i for d in definitions.values() for c in d.clocks for i in (c.start_item, *c.stop_items)
        }
        states: dict[int, dict[str, ChecklistState]] = defaultdict(dict)
        for row in session.scalars(
            select(ChecklistState).where(
                ChecklistState.project_id.in_(ids),
                or_(ChecklistState.due_date.is_not(None), ChecklistState.item_id.in_(clock_items)),
            )
        ):
            states[row.project_id][row.item_id] = row
        missions: dict[int, dict[str, ProjectMission]] = defaultdict(dict)
        for mission in session.scalars(
            select(ProjectMission).where(ProjectMission.project_id.in_(ids))
        ):
            missions[mission.project_id][mission.mission] = mission
        _, steps = latest_notes(session, [p.id for p in projects])
        out = []
        for p in projects:
            definition = definitions[p.id]
            end = definition.side_state("end")
            if end is not None and p.stage == end.id:
                continue  # an abandoned project has no deadline left
            out.extend(project_deadlines(p, definition, states[p.id], missions[p.id], today,
                                         steps.get(p.id)))
    if overdue_only:
        out = [d for d in out if d.status != "upcoming"]
    if within is not None:
        out = [d for d in out if d.days <= within]
    return sorted(out, key=lambda d: (d.due_date, d.project_name, d.key))


def next_deadlines(ws: Workspace, project: str | int, count: int = 3) -> list[Deadline]:
    """A project's next `count` dates (overdue ones first, since they come earliest)."""
    return deadlines(ws, project=project)[:count]


def portfolio_deadlines(
    ws: Workspace, *, officer: str | None = None, today: date | None = None
) -> dict[int, ProjectDeadlines]:
    """Per project: its overdue deadlines and its next upcoming one (for the reports)."""
    grouped: dict[int, list[Deadline]] = defaultdict(list)
    for d in deadlines(ws, officer=officer, today=today):
        grouped[d.project_id].append(d)
    return {
        pid: ProjectDeadlines(
            pid,
            [d for d in items if d.status != "upcoming"],
            next((d for d in items if d.status == "upcoming"), None),
        )
        for pid, items in grouped.items()
    }


def deadlines_ics(ws: Workspace, items: list[Deadline]) -> bytes:
    """The deadlines as an .ics calendar (one event each, stable UIDs)."""
    return to_ics(
        (
            IcsEvent(
                d.uid,
                f"{d.project_name} : {d.label}",
                d.due_date,
                f"{d.action}\nProjet : {d.project_slug} (étape : {d.stage_label})",
            )
            for d in items
        ),
        name="Échéances CPTS",
        stamp=ws.now(),
    )
