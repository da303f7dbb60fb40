"""The base's own journal: reference data imported or removed (communes, funding grids),
next to what was done to the accounts.

A project's changes are audited in its history (`events`); these change every project at
once (a population vintage moves every taille) and deserve a trail of their own, written
in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from .permissions import allowed
from .views import View

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workspace import Workspace

KIND_LABELS = {
    "reference_imported": "Millésime des communes importé",
    "reference_removed": "Millésime des communes retiré",
    "grid_imported": "Grille de financement importée",
    "grid_replaced": "Grille de financement remplacée",
}


@dataclass(frozen=True)
class JournalEntry(View):
    """One line of the base's journal, newest first."""

    at: datetime
    actor: str
    actor_login: str | None
    kind: str
    kind_label: str
    subject: str
    payload: dict[str, Any] | None


def record(ws: Workspace, session: Session, kind: str, subject: str,
           payload: dict[str, Any] | None = None) -> None:
    """Write one line of the journal, in the caller's transaction (with the change)."""
    from .store.models import BaseEvent

    session.execute(insert(BaseEvent).values(
        at=ws.now(), actor=ws.actor, actor_login=ws.account_login, kind=kind,
        subject=subject[:200], payload=payload,
    ))


def base_journal(ws: Workspace, *, limit: int | None = None) -> list[JournalEntry]:
    """What was done to the base, newest first: reference data for whoever may import it,
    the accounts too for whoever may manage them."""
    from .store.models import BaseEvent

    ws.require("reference")
    with ws.session(read_only=True) as session:
        entries = [
            JournalEntry(e.at, e.actor, e.actor_login, e.kind, KIND_LABELS.get(e.kind, e.kind),
                         e.subject, e.payload)
            for e in session.scalars(select(BaseEvent).order_by(BaseEvent.id.desc()))
        ]
    if allowed(ws.account, "accounts"):
        from .accounts import account_history

        entries += [
            JournalEntry(e.at, e.actor, e.actor_login, e.kind, e.kind_label,
                         f"compte « {e.login} »", e.payload)
            for e in reversed(account_history(ws))
        ]
    entries.sort(key=lambda e: e.at, reverse=True)  # stable: ties stay newest first
    return entries[:limit] if limit is not None else entries
