"""Invariants of a base, checked after a crash, a restore or an upgrade (`cpts doctor`).

A stage change and its audit event are written in one transaction, so after any crash the
history must still tell where each project stands: replaying its stage events from the
first one gives the stage it is at. These checks read only; they never repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from .errors import CptsError
from .store.models import ChecklistState, Event, Project
from .views import _View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workspace import Workspace


@dataclass(frozen=True)
class IntegrityProblem(_View):
    project: str
    message: str


@dataclass(frozen=True)
class IntegrityReport(_View):
    projects: int
    events: int
    problems: list[IntegrityProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_integrity(ws: Workspace) -> IntegrityReport:
    """Check every project of the base; return what is wrong (nothing when consistent)."""
    problems: list[IntegrityProblem] = []
    with ws.session(read_only=True) as session:
        projects = list(session.scalars(select(Project).order_by(Project.id)))
        events_total = session.scalar(select(func.count()).select_from(Event)) or 0
        for project in projects:
            problems += [
                IntegrityProblem(project.slug, message)
                for message in project_problems(ws, session, project)
            ]
    return IntegrityReport(projects=len(projects), events=events_total, problems=problems)


def project_problems(ws: Workspace, session: Session, project: Project) -> list[str]:
    """What is wrong with one project, read in the caller's transaction."""
    # By id, not by time: officers' clocks may differ, the row lock orders the writes.
    stage_events = session.scalars(
        select(Event)
        .where(Event.project_id == project.id, Event.to_stage.is_not(None))
        .order_by(Event.id)
    ).all()
    items = session.scalars(
        select(ChecklistState.item_id).where(ChecklistState.project_id == project.id)
    ).all()
    found: list[str] = []
    try:
        definition = ws.definition_of(project)
    except CptsError as exc:
        workflow = f"{project.workflow_id} v{project.workflow_version}"
        return [f"workflow {workflow} introuvable ({exc.message})"]
    known = {*definition.stage_ids, *(s.id for s in definition.side_states)}
    if project.stage not in known:
        found.append(f"étape « {project.stage} » inconnue du workflow")
    if not stage_events:
        found.append("aucun événement d'étape dans l'historique")
    else:
        if stage_events[0].kind != "created":
            found.append("l'historique ne commence pas par la création du projet")
        # Replaying the history: each change must start where the previous one ended.
        for previous, event in zip(stage_events, stage_events[1:], strict=False):
            if event.from_stage != previous.to_stage:
                found.append(
                    f"événement n° {event.id} ({event.kind}) part de « {event.from_stage} » "
                    f"alors que le précédent menait à « {previous.to_stage} »"
                )
        last = stage_events[-1].to_stage
        if last != project.stage:
            found.append(
                f"l'étape enregistrée « {project.stage} » diffère de celle du dernier "
                f"événement d'étape « {last} »"
            )
    pause = definition.side_state("pause")
    paused = pause is not None and project.stage == pause.id
    if paused and project.resume_stage not in definition.stage_ids:
        found.append("projet en pause sans étape de reprise valide")
    if not paused and project.resume_stage is not None:
        found.append(
            f"étape de reprise « {project.resume_stage} » alors que le projet n'est pas en pause"
        )
    unknown = sorted(i for i in items if not definition.has_item(i))
    if unknown:
        found.append(f"éléments de checklist inconnus du workflow : {', '.join(unknown)}")
    if project.row_version is None or project.row_version < 1:
        found.append("numéro de version de ligne invalide")
    return found
