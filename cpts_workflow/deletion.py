"""Deleting a project created by mistake, with a reason, kept in the base's own audit.

The project's events go with it, so the deletion is recorded in `deleted_projects`, a
table of the base that outlives the project: who deleted which project, when and why. A
project with history beyond its creation (an item ticked, a member, a note…) is refused
unless forced: its work would be lost, abandoning it keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from . import limits
from .errors import Refused
from .store.models import Base, DeletedProject, Event, Project
from .views import View

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass(frozen=True)
class DeletionView(View):
    project_number: int
    slug: str
    name: str
    deleted_at: datetime
    actor: str
    account_login: str | None
    reason: str
    forced: bool
    events: int


def _view(row: DeletedProject) -> DeletionView:
    return DeletionView(row.project_number, row.slug, row.name, row.deleted_at, row.actor,
                        row.account_login, row.reason, row.forced, row.events)


def delete_project(ws: Workspace, ref: str | int, *, reason: str, force: bool = False) -> DeletionView:
    """Delete a project and everything attached to it, in one transaction."""
    why = limits.clean_text(reason, "La raison de la suppression", required=True) or ""
    with ws.session() as session:
        project = ws.get_project(session, ref, "delete", lock=True)
        events = session.scalar(
            select(func.count()).select_from(Event).where(Event.project_id == project.id)) or 0
        if events > 1 and not force:
            raise Refused(
                f"Le projet « {project.name} » a un historique ({events} événements) : le "
                "supprimer effacerait ce travail.",
                "Abandonnez-le plutôt (il reste consultable), ou confirmez la suppression "
                "en la forçant.",
                topic="delete_history",
            )
        row = DeletedProject(project_number=project.id, slug=project.slug, name=project.name,
                             deleted_at=ws.now(), actor=ws.actor,
                             account_login=ws.account_login, reason=why, forced=force,
                             events=events)
        session.add(row)
        pid = project.id
        # Every table hanging from the project, children first, then the project itself.
        for table in reversed(Base.metadata.sorted_tables):
            for fk in table.foreign_keys:
                if fk.column.table.name == Project.__tablename__:
                    session.execute(delete(table).where(fk.parent == pid))
        session.execute(delete(Project).where(Project.id == pid),
                        execution_options={"synchronize_session": False})
        session.expunge(project)
        session.flush()
        return _view(row)


def deletions(ws: Workspace) -> list[DeletionView]:
    """The projects deleted from the base, most recent first (every account that may
    delete sees them)."""
    ws.require("create")
    with ws.session(read_only=True) as session:
        rows = session.scalars(select(DeletedProject).order_by(DeletedProject.deleted_at.desc(),
                                                               DeletedProject.id.desc()))
        return [_view(r) for r in rows]
