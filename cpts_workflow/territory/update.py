"""Bringing project territories up to date with the reference (`cpts communes update`).

A territory may hold the code of a commune since merged into a commune nouvelle (a
commune déléguée or associée of the COG): the code is replaced by the commune nouvelle's.
Each project's taille is then recomputed; when it differs from the last one recorded in
its history (or, the first time, from the one before the move), an event says so. One
transaction and events per project; a dry run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..store.models import Event, Project, ProjectCommune
from ..views import View
from .claims import project_codes, taille_or_none
from .reference import Reference, merged_communes, reference_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..workspace import Workspace

# Events whose payload records the taille a territory had then.
TAILLE_EVENTS = ("territory_added", "territory_removed", "territory_updated", "taille_changed")


@dataclass(frozen=True)
class ProjectUpdate(View):
    project: str
    project_name: str
    moved: dict[str, str]  # former code → commune nouvelle
    population: int
    taille_before: int | None
    taille: int | None


@dataclass(frozen=True)
class UpdateReport(View):
    vintage: str
    dry_run: bool
    projects: list[ProjectUpdate] = field(default_factory=list)
    checked: int = 0  # projects looked at


def _last_taille(session: Session, project_id: int) -> tuple[bool, int | None]:
    """(recorded?, taille) from the newest territory event that recorded one."""
    rows = session.execute(
        select(Event.payload)
        .where(Event.project_id == project_id, Event.kind.in_(TAILLE_EVENTS))
        .order_by(Event.at.desc(), Event.id.desc())
    )
    for (payload,) in rows:
        if isinstance(payload, dict) and "taille" in payload:
            return True, payload["taille"]
    return False, None


def _plan(
    session: Session, reference: Reference, project: Project
) -> tuple[dict[str, str], dict[str, str | None], ProjectUpdate] | None:
    current = project_codes(session, project.id)
    if not current:
        return None
    merged = merged_communes()
    moved = {
        code: merged[code].commune
        for code in sorted(current)
        if code not in reference.communes and code in merged
    }
    after = {c: r for c, r in current.items() if c not in moved}
    for old, new in moved.items():
        after.setdefault(new, current[old])
    population, _ = reference.population(after)
    size = taille_or_none(after, population)
    recorded, before = _last_taille(session, project.id)
    if not recorded:
        old_population, _ = reference.population(current)
        before = taille_or_none(current, old_population)
    if not moved and before == size:
        return None
    return moved, after, ProjectUpdate(project.slug, project.name, moved, population, before, size)


def _ends(ws: Workspace, project: Project) -> set[str]:
    end = ws.definition_of(project).side_state("end")
    return {end.id} if end else set()


def update_territories(ws: Workspace, *, dry_run: bool = False) -> UpdateReport:
    """Move merged communes to their commune nouvelle and record changed tailles."""
    with ws.session() as session:
        reference = reference_for(session)
        projects = list(session.scalars(select(Project).order_by(Project.name)))
        ids = [p.id for p in projects]
        # An abandoned project is frozen: its territory stays as it was left.
        live = [p for p in projects if p.stage not in _ends(ws, p)]
        planned = [plan for plan in (_plan(session, reference, p) for p in live) if plan]
    if dry_run:
        return UpdateReport(reference.label, True, [p[2] for p in planned], len(ids))
    done = []
    for _, _, seen in planned:
        with ws.session() as session:
            project = ws.get_project(session, seen.project, lock=True)
            fresh = _plan(session, reference, project)  # the territory may have changed since
            if fresh is None:
                continue
            moved, _, update = fresh
            _apply(ws, session, reference, project, moved, update)
            done.append(update)
    return UpdateReport(reference.label, False, done, len(ids))


def _apply(
    ws: Workspace,
    session: Session,
    reference: Reference,
    project: Project,
    moved: dict[str, str],
    update: ProjectUpdate,
) -> None:
    base: dict[str, Any] = {
        "vintage": reference.label,
        "population": update.population,
        "taille": update.taille,
    }
    if moved:
        rows = session.scalars(
            select(ProjectCommune).where(
                ProjectCommune.project_id == project.id, ProjectCommune.insee.in_(list(moved))
            )
        )
        held = set(project_codes(session, project.id))
        for row in rows:
            new = moved[row.insee]
            if new in held:
                session.delete(row)  # the commune nouvelle is already there
            else:
                row.insee = new
                held.add(new)
        session.flush()
        ws.record_event(
            session,
            project,
            "territory_updated",
            comment="Communes fusionnées remplacées par leur commune nouvelle.",
            payload={"moved": moved, **base},
        )
    if update.taille != update.taille_before:
        ws.record_event(
            session,
            project,
            "taille_changed",
            payload={"from": update.taille_before, "to": update.taille, **base},
        )
    session.flush()
