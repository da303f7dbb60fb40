"""A row of one project's follow-up (contact, partner, note) by its number."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import limits
from .errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .permissions import Operation
    from .store.models import Project
    from .workspace import Workspace

Row = TypeVar("Row")
View = TypeVar("View")


def row_of(session: Session, model: type[Row], project: Project, number: int | str,
           what: str, topic: str) -> Row:
    """The `model` row numbered `number` of `project`, or `NotFound` (« Contact n° 4
    introuvable… »); `what` is the French noun with its article-less gender agreement."""
    text = str(number).strip()
    found: Any = None
    if (as_int := limits.as_id(text)) is not None:
        found = session.get(model, as_int)
    if found is None or found.project_id != project.id:
        raise NotFound(f"{what} n° {text} introuvable dans le projet « {project.name} ».",
                       "La liste du projet donne les numéros.", topic=topic,
                       details={"project": project.slug})
    return found


def read_row(ws: Workspace, ref: str | int, model: type[Row], number: int | str, what: str,
             topic: str, operation: Operation, view: Callable[[Row, str], View]) -> View:
    """`row_of` read in its own session, for `operation` (`follow_up`: to change it), as
    `view(row, project_slug)`."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref, operation)
        return view(row_of(session, model, project, number, what, topic), project.slug)
