"""Invariants of a base, checked after a crash, a restore or an upgrade (`cpts doctor`).

A stage change and its audit event are written in one transaction, so after any crash the
history must still tell where each project stands: replaying its stage events from the
first one gives the stage it is at. These checks read only; they never repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from .errors import CptsError
from .limits import slug_problem
from .store.models import ChecklistState, Event, Project
from .views import View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workflow.definition import WorkflowDefinition
    from .workspace import Workspace

MIGRATED = "workflow_migrated"


@dataclass(frozen=True)
class IntegrityProblem(View):
    project: str
    message: str


@dataclass(frozen=True)
class IntegrityReport(View):
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
        found += illegal_moves(ws, project, stage_events)
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
    if (problem := slug_problem(project.slug)) is not None:
        found.append(problem)
    return found


def _legal(definition: WorkflowDefinition, kind: str, source: str | None, dest: str | None) -> bool:
    """Whether an event of `kind` may move a project from `source` to `dest` (engine rules)."""
    stages = definition.stage_ids
    pause, end = definition.side_state("pause"), definition.side_state("end")
    advances = {(t.source, t.dest) for t in definition.transitions if t.trigger == "advance"}
    if kind == "created":
        return source is None and dest == definition.initial
    if kind == "advanced":
        return (source, dest) in advances
    if kind == "back":
        return (dest, source) in advances
    if kind == "paused":
        return pause is not None and source in stages and dest == pause.id
    if kind == "resumed":
        return pause is not None and source == pause.id and dest in stages
    if kind == "abandoned":
        return end is not None and dest == end.id and source != end.id
    if kind == "objection":  # back to the projet de santé, or no move at all
        return source == dest or (source in stages and dest in stages
                                   and stages.index(dest) < stages.index(source))
    return False


def illegal_moves(ws: Workspace, project: Project, stage_events: Sequence[Event]) -> list[str]:
    """Stage changes the workflow never allows, replayed from the project's creation.

    The workflow version in force changes with each `workflow_migrated` event; a version
    this program does not know is not judged.
    """
    migrations = [e for e in stage_events if e.kind == MIGRATED and isinstance(e.payload, dict)]
    version = (migrations[0].payload or {}).get("from_version") if migrations else project.workflow_version
    found = []
    for event in stage_events:
        try:
            definition = ws.catalog.get(project.workflow_id, version)
        except CptsError:
            definition = None
        if event.kind == MIGRATED:
            version = (event.payload or {}).get("to_version", version)
            continue
        if definition is not None and not _legal(definition, event.kind, event.from_stage,
                                                 event.to_stage):
            found.append(
                f"événement n° {event.id} ({event.kind}) : passage de « {event.from_stage or '—'} » "
                f"à « {event.to_stage} » impossible dans le workflow {project.workflow_id} "
                f"v{version}"
            )
    return found
