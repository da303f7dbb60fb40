"""The ACI contract's missions and calendar: what a CPTS must start, and by when.

Deadlines after signature (ARS Hauts-de-France PAPS; domain README §3): accès aux soins
and crises sanitaires graves start within 6 months and are fully deployed within 18;
parcours and prévention within 12 and 24; the two complementary missions follow the
CPTS's own calendar. The contract runs five years; each anniversary brings the yearly
activity report and the assessment of the variable part.

`aci_calendar` is the one place these dates are computed: `cpts aci calendar`, the
mission flags and the deadlines of `cpts deadlines` all call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, NotFound, Refused
from ..months import add_months
from ..store.models import ChecklistState, Project, ProjectMission
from ..views import View
from .missions import MISSIONS, MISSIONS_BY_ID, mission, parse_missions

if TYPE_CHECKING:
    from ..workspace import Workspace

CONTRACT_YEARS = 5
SIGNATURE_ITEM = "aci_signed"


# --- the calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry(View):
    """One date of the contract's calendar; `key` is stable (used for .ics UIDs)."""

    key: str
    kind: str  # signature | mission_start | mission_deployment | anniversary | contract_end
    mission: str | None
    label: str
    due_date: date
    done_on: date | None
    action: str


@dataclass(frozen=True)
class MissionState(View):
    mission: str
    label: str
    core: bool
    start_deadline: date | None
    deployment_deadline: date | None
    started_on: date | None
    deployed_on: date | None
    state: str  # not_started | started | deployed
    state_label: str


@dataclass(frozen=True)
class MissionFlag(View):
    project_id: int
    project_slug: str
    mission: str
    kind: str  # start_overdue | deployment_overdue | started_late | deployed_late
    deadline: date
    days_late: int
    message: str


@dataclass(frozen=True)
class AciCalendar(View):
    project_slug: str
    project_name: str
    signed_on: date | None
    ends_on: date | None
    missions: list[MissionState]
    entries: list[CalendarEntry]
    flags: list[MissionFlag]
    signature_item: str


STATE_LABELS = {"not_started": "non démarrée", "started": "démarrée", "deployed": "déployée"}


def _dates(row: Any) -> tuple[date | None, date | None]:
    return (
        (getattr(row, "started_on", None), getattr(row, "deployed_on", None))
        if row
        else (None, None)
    )


def aci_calendar(
    signed_on: date, missions: Iterable[str], states: Mapping[str, Any] | None = None
) -> list[CalendarEntry]:
    """Every date of a contract signed on `signed_on`, soonest first.

    `states` maps a mission id to anything with `started_on` / `deployed_on` (a
    `ProjectMission` row), so that reached milestones carry their date.
    """
    states = states or {}
    entries = [
        CalendarEntry(
            "signature",
            "signature",
            None,
            "Signature du contrat ACI",
            signed_on,
            signed_on,
            "Versement du fonctionnement ; démarrage des délais.",
        )
    ]
    for mission_id in missions:
        m = MISSIONS_BY_ID[mission_id]
        if m.start_months is None:
            continue  # complementary mission: the CPTS's own calendar, no deadline
        started, deployed = _dates(states.get(mission_id))
        entries.append(
            CalendarEntry(
                f"mission-{m.id}-start",
                "mission_start",
                m.id,
                f"Démarrage de la mission « {m.label} »",
                add_months(signed_on, m.start_months),
                started,
                "Démarrer la mission (avance de 75 % de la part fixe au démarrage).",
            )
        )
        entries.append(
            CalendarEntry(
                f"mission-{m.id}-deployment",
                "mission_deployment",
                m.id,
                f"Déploiement complet de la mission « {m.label} »",
                add_months(signed_on, m.deploy_months or m.start_months),
                deployed,
                "Déployer entièrement la mission et en réunir les justificatifs.",
            )
        )
    for year in range(1, CONTRACT_YEARS):
        entries.append(
            CalendarEntry(
                f"anniversary-{year}",
                "anniversary",
                None,
                f"{year}{'er' if year == 1 else 'e'} anniversaire du contrat",
                add_months(signed_on, 12 * year),
                None,
                "Remettre le rapport d'activité annuel ; évaluation de la part variable.",
            )
        )
    entries.append(
        CalendarEntry(
            "contract-end",
            "contract_end",
            None,
            "Fin du contrat ACI (cinq ans)",
            add_months(signed_on, 12 * CONTRACT_YEARS),
            None,
            "Dernier rapport d'activité ; préparer le renouvellement du contrat.",
        )
    )
    return sorted(entries, key=lambda e: (e.due_date, e.key))


def mission_states(
    signed_on: date | None, missions: Iterable[str], rows: Mapping[str, Any]
) -> list[MissionState]:
    """State and deadlines of each chosen mission."""
    out = []
    for mission_id in missions:
        m = MISSIONS_BY_ID[mission_id]
        started, deployed = _dates(rows.get(mission_id))
        state = "deployed" if deployed else "started" if started else "not_started"
        has_deadline = signed_on is not None and m.start_months is not None
        out.append(
            MissionState(
                m.id,
                m.label,
                m.core,
                add_months(signed_on, m.start_months) if has_deadline else None,  # type: ignore[arg-type]
                add_months(signed_on, m.deploy_months) if has_deadline else None,  # type: ignore[arg-type]
                started,
                deployed,
                state,
                STATE_LABELS[state],
            )
        )
    return out


def flags_for(
    project: Project,
    signed_on: date | None,
    missions: Iterable[str],
    rows: Mapping[str, Any],
    today: date,
) -> list[MissionFlag]:
    """Missions past a deadline (not reached by then, or reached late)."""
    if signed_on is None:
        return []
    flags = []
    for entry in aci_calendar(signed_on, missions, rows):
        if entry.kind not in ("mission_start", "mission_deployment"):
            continue
        what = "démarrage" if entry.kind == "mission_start" else "déploiement"
        label = MISSIONS_BY_ID[entry.mission or ""].label
        stem = "start" if entry.kind == "mission_start" else "deployment"
        if entry.done_on is None and today > entry.due_date:
            late = (today - entry.due_date).days
            flags.append(
                MissionFlag(
                    project.id,
                    project.slug,
                    entry.mission or "",
                    f"{stem}_overdue",
                    entry.due_date,
                    late,
                    f"Mission « {label} » : {what} attendu au plus tard le "
                    f"{french.short_date(entry.due_date)}, "
                    f"en retard de {french.plural(late, 'jour')}.",
                )
            )
        elif entry.done_on is not None and entry.done_on > entry.due_date:
            late = (entry.done_on - entry.due_date).days
            kind = "started_late" if stem == "start" else "deployed_late"
            flags.append(
                MissionFlag(
                    project.id,
                    project.slug,
                    entry.mission or "",
                    kind,
                    entry.due_date,
                    late,
                    f"Mission « {label} » : {what} le {french.short_date(entry.done_on)}, "
                    f"{french.plural(late, 'jour')} après l'échéance du "
                    f"{french.short_date(entry.due_date)}.",
                )
            )
    return flags


# --- what a project recorded --------------------------------------------------------------


def chosen_missions(rows: Mapping[str, ProjectMission]) -> list[str]:
    """The four core missions always, plus the complementary ones chosen."""
    return [m.id for m in MISSIONS if m.core or (m.id in rows and rows[m.id].chosen)]


def mission_rows(
    session: Session, project_ids: Iterable[int]
) -> dict[int, dict[str, ProjectMission]]:
    """Mission rows of many projects in one query."""
    ids = list(project_ids)
    out: dict[int, dict[str, ProjectMission]] = {i: {} for i in ids}
    if ids:
        for row in session.scalars(
            select(ProjectMission).where(ProjectMission.project_id.in_(ids))
        ):
            out[row.project_id][row.mission] = row
    return out


def date_value(state: ChecklistState | None) -> date | None:
    """The date a done checklist item carries (its evidence), else None."""
    if state is None or state.status != "done" or not state.value:
        return None
    try:
        return date.fromisoformat(state.value)
    except ValueError:
        return None


def signature_item(ws: Workspace, project: Project) -> str:
    """The dated item that starts the ACI calendar (the `schedule: aci` clock's start)."""
    clock = next((c for c in ws.definition_of(project).clocks if c.schedule == "aci"), None)
    return clock.start_item if clock else SIGNATURE_ITEM


def signed_on_date(session: Session, project: Project, item: str = SIGNATURE_ITEM) -> date | None:
    return date_value(
        session.scalar(
            select(ChecklistState).where(
                ChecklistState.project_id == project.id, ChecklistState.item_id == item
            )
        )
    )


def project_calendar(ws: Workspace, ref: str | int) -> AciCalendar:
    """Signature, missions with their state and deadlines, anniversaries and end."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        rows = mission_rows(session, [project.id])[project.id]
        missions = chosen_missions(rows)
        signed_on = signed_on_date(session, project, signature_item(ws, project))
        return AciCalendar(
            project.slug,
            project.name,
            signed_on,
            add_months(signed_on, 12 * CONTRACT_YEARS) if signed_on else None,
            mission_states(signed_on, missions, rows),
            aci_calendar(signed_on, missions, rows) if signed_on else [],
            flags_for(project, signed_on, missions, rows, ws.now().date()),
            signature_item(ws, project),
        )


def mission_flags(
    source: Workspace | Session, project: Project | str | int, *, today: date | None = None
) -> list[MissionFlag]:
    """Overdue or late missions of one project (for `cpts show` and the reports).

    `source` is a Workspace (opens its own transaction, uses its clock) or an open
    Session (then `project` is a `Project` row or its slug, `today` defaults to now).
    """
    from sqlalchemy.orm import Session as SessionType

    from ..clock import system_now

    if not isinstance(source, SessionType):
        with source.session(read_only=True) as session:
            row = project if isinstance(project, Project) else source.get_project(session, project)
            return _flags_in(
                session, row, signature_item(source, row), today or source.now().date()
            )
    found: Project | None = (
        project
        if isinstance(project, Project)
        else source.scalar(select(Project).where(Project.slug == str(project)))
    )
    if found is None:
        raise NotFound(f"Projet « {project} » introuvable.")
    return _flags_in(source, found, SIGNATURE_ITEM, today or system_now().date())


def _flags_in(session: Session, project: Project, item: str, today: date) -> list[MissionFlag]:
    rows = mission_rows(session, [project.id])[project.id]
    return flags_for(
        project, signed_on_date(session, project, item), chosen_missions(rows), rows, today
    )


# --- changes -------------------------------------------------------------------------------


def _row(session: Session, project: Project, mission_id: str) -> ProjectMission | None:
    return session.get(ProjectMission, (project.id, mission_id))


def set_missions(
    ws: Workspace, ref: str | int, *, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> list[str]:
    """Choose or drop complementary missions (the core ones cannot be dropped); audited."""
    add_ids, remove_ids = parse_missions(list(add)), parse_missions(list(remove))
    if set(add_ids) & set(remove_ids):
        raise BadInput("Une même mission ne peut pas être ajoutée et retirée à la fois.")
    core = [m for m in remove_ids if MISSIONS_BY_ID[m].core]
    if core:
        raise Refused(
            f"La mission « {MISSIONS_BY_ID[core[0]].label} » est une mission socle : "
            "elle est obligatoire et ne peut pas être retirée."
        )
    with ws.changing(ref, "missions") as (session, project):
        for mission_id, chosen in [
            *((m, True) for m in add_ids),
            *((m, False) for m in remove_ids),
        ]:
            row = _row(session, project, mission_id)
            if row is None:
                row = ProjectMission(project_id=project.id, mission=mission_id)
                session.add(row)
            elif not chosen and (row.started_on or row.deployed_on):
                raise Refused(
                    f"La mission « {MISSIONS_BY_ID[mission_id].label} » a déjà démarré : "
                    "elle ne peut plus être retirée."
                )
            row.chosen = chosen
            row.updated_by, row.updated_at = ws.actor, ws.now()
        session.flush()
        missions = chosen_missions(mission_rows(session, [project.id])[project.id])
        ws.record_event(
            session,
            project,
            "missions_changed",
            comment="; ".join(
                part
                for part in (
                    add_ids and f"ajout : {', '.join(add_ids)}",
                    remove_ids and f"retrait : {', '.join(remove_ids)}",
                )
                if part
            ),
            payload={"added": add_ids, "removed": remove_ids, "missions": missions},
        )
        return missions


def record_mission(
    ws: Workspace,
    ref: str | int,
    mission_id: str,
    *,
    started: date | str | None = None,
    deployed: date | str | None = None,
) -> MissionState:
    """Record when a mission started and/or was fully deployed; audited."""
    m = mission(mission_id)
    started_on = french.parse_date(started) if started else None
    deployed_on = french.parse_date(deployed) if deployed else None
    if started_on is None and deployed_on is None:
        raise BadInput("Rien à enregistrer.", "Donnez une date de démarrage et/ou de déploiement.")
    with ws.changing(ref, "missions") as (session, project):
        rows = mission_rows(session, [project.id])[project.id]
        if m.id not in chosen_missions(rows):
            raise Refused(
                f"La mission « {m.label} » n'a pas été retenue par ce projet.",
                "Ajoutez-la d'abord aux missions du projet.",
                topic="mission_not_chosen",
                details={"project": project.slug, "mission": m.id},
            )
        signed_on = signed_on_date(session, project, signature_item(ws, project))
        if signed_on is None:
            raise Refused(
                "Le contrat ACI n'est pas signé : aucune mission ne peut démarrer.",
                f"Cochez d'abord la signature ({signature_item(ws, project)}) avec sa date.",
                topic="date_item_needed",
                details={"project": project.slug, "item": signature_item(ws, project)},
            )
        row = rows.get(m.id)
        if row is None:
            row = ProjectMission(project_id=project.id, mission=m.id, chosen=True)
            session.add(row)
        new_start = started_on or row.started_on
        new_deploy = deployed_on or row.deployed_on
        if new_deploy and not new_start:
            raise Refused(
                f"La mission « {m.label} » ne peut pas être déployée avant d'avoir démarré.",
                "Donnez aussi sa date de démarrage.",
            )
        if new_start and new_start < signed_on:
            raise BadInput(
                f"Le démarrage ({french.short_date(new_start)}) précède la signature du "
                f"contrat ({french.short_date(signed_on)})."
            )
        if new_start and new_deploy and new_deploy < new_start:
            raise BadInput(
                f"Le déploiement ({french.short_date(new_deploy)}) précède le démarrage "
                f"({french.short_date(new_start)})."
            )
        row.started_on, row.deployed_on = new_start, new_deploy
        row.updated_by, row.updated_at = ws.actor, ws.now()
        ws.record_event(
            session,
            project,
            "mission_updated",
            comment=f"{m.id} : démarrée le {french.short_date(new_start)}"
            + (f", déployée le {french.short_date(new_deploy)}" if new_deploy else ""),
            payload={
                "mission": m.id,
                "started_on": new_start and new_start.isoformat(),
                "deployed_on": new_deploy and new_deploy.isoformat(),
            },
        )
        session.flush()
        rows[m.id] = row
        return mission_states(signed_on, [m.id], rows)[0]


def missions_of(ws: Workspace, ref: str | int) -> list[MissionState]:
    """Chosen missions of a project with their state."""
    return project_calendar(ws, ref).missions


def calendar_ics(ws: Workspace, cal: AciCalendar) -> bytes:
    """The contract calendar as .ics; UIDs match those of `cpts deadlines --ics`."""
    from ..ics import IcsEvent, to_ics, uid

    return to_ics(
        (
            IcsEvent(
                uid(cal.project_slug, f"aci-{e.key}"),
                f"{cal.project_name} : {e.label}",
                e.due_date,
                e.action,
            )
            for e in cal.entries
        ),
        name=f"Contrat ACI — {cal.project_name}",
        stamp=ws.now(),
    )
