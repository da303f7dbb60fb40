"""The one writer of checklist states: a check, a document that satisfies an item, an
ARS objection all write through `write_item`, which stamps who and when and records the
change's audit event in the same transaction.

Core statements rather than ORM objects: a check is the most frequent change of all, and
the unit of work's bookkeeping cost more than its SQL. A state already loaded as an ORM
object in the same session is expired, so that a later read in the transaction (inside
`ws.atomic()`) sees the new values.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as select_
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from .store.models import ChecklistState

if TYPE_CHECKING:
    from .store.models import Project
    from .workspace import Workspace

STATUSES = ("todo", "done", "not_applicable")
# What a write may change; the rest of a state (who, when) is stamped by the writer.
FIELDS = ("status", "note", "value", "reason", "due_date")

_STATES: Table = ChecklistState.__table__  # type: ignore[assignment]  # a mapped class's table is a Table
_STATE = select_(_STATES).where(_STATES.c.project_id == bindparam("project"),
                                _STATES.c.item_id == bindparam("item"))
_INSERT = insert(_STATES)
_UPDATE = update(_STATES).where(_STATES.c.id == bindparam("state_id"))


def write_item(
    ws: Workspace,
    session: Session,
    project: Project,
    item_id: str,
    changes: dict[str, Any],
    *,
    kind: str | None,
    comment: str | None = None,
    payload: dict[str, Any] | None = None,
) -> ChecklistState:
    """Change one item's state (`changes`: some of `FIELDS`) and audit it.

    `kind` is the event recorded (`checked`, `unchecked`, `skipped`, `due_set`), with
    `{"previous": <status before>, **payload}`; None when the caller's own event already
    tells the change (an objection reopening a validation). Returns the new state
    (detached, for views).
    """
    unknown = set(changes) - set(FIELDS)
    if unknown or changes.get("status", "todo") not in STATUSES:
        raise ValueError(f"not a checklist change: {changes}")
    conn = session.connection()
    row = conn.execute(_STATE, {"project": project.id, "item": item_id}).mappings().first()
    state: dict[str, Any] = {k: v for k, v in row.items() if k != "id"} if row else {
        "project_id": project.id, "item_id": item_id, "status": "todo",
        "note": None, "value": None, "reason": None, "due_date": None,
    }
    previous = state["status"]
    state.update(changes, updated_by=ws.actor, updated_at=ws.now())
    if row:
        conn.execute(_UPDATE, {**state, "state_id": row["id"]})
        loaded = session.identity_map.get(identity_key(ChecklistState, (row["id"],)))
        if loaded is not None:
            session.expire(loaded)
    else:
        conn.execute(_INSERT, state)
    if kind is not None:
        ws.record_event(session, project, kind, item_id=item_id, comment=comment,
                        payload={"previous": previous, **(payload or {})})
    return ChecklistState(**state)


def item_payload(value: str | None = None, due: date | None = None) -> dict[str, Any]:
    """What a check's event keeps besides the previous status: the value, the due date."""
    payload: dict[str, Any] = {}
    if value is not None:
        payload["value"] = value
    if due is not None:
        payload["due_date"] = due.isoformat()
    return payload
