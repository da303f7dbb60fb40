"""What an audit event changed, in one French sentence: names, communes, item labels,
stages, rather than the event's kind (« Communes ajoutées : Aix-en-Provence, Meyreuil »)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import french

if TYPE_CHECKING:
    from .views import EventView
    from .workflow.definition import WorkflowDefinition

SHOWN_COMMUNES = 5
UNASSIGNED = "non attribué"


def _quoted(value: Any) -> str:
    return f"« {value} »" if value else UNASSIGNED


def _communes(codes: list[str], name_of: Callable[[str], str]) -> str:
    names = [name_of(c) for c in codes[:SHOWN_COMMUNES]]
    more = len(codes) - len(names)
    return ", ".join(names) + (f" et {french.plural(more, 'autre')}" if more > 0 else "")


def _item_label(definition: WorkflowDefinition, item_id: str | None) -> str:
    if item_id and definition.has_item(item_id):
        return f"« {definition.item(item_id)[1].label} »"
    return f"« {item_id} »" if item_id else ""


def _updated(payload: dict[str, Any]) -> str:
    parts = []
    labels = {"name": "nom", "officer": "chargé·e de mission", "slug": "identifiant court"}
    for key, label in labels.items():
        change = payload.get(key)
        if isinstance(change, dict):
            parts.append(f"{label} {_quoted(change.get('from'))} → {_quoted(change.get('to'))}")
    text = " ; ".join(parts)
    return text[:1].upper() + text[1:]


def describe(event: EventView, definition: WorkflowDefinition,
             commune_name: Callable[[str], str] = str) -> str:
    """The sentence the history shows for `event` (its kind's label when nothing more is
    known)."""
    p = event.payload or {}
    kind = event.kind
    detail = ""
    if kind == "created":
        detail = f"« {p.get('name', '')} »" + (f", confié à {p['officer']}" if p.get("officer") else "")
    elif kind == "updated":
        detail = _updated(p)
    elif kind in ("checked", "unchecked", "skipped", "due_set"):
        detail = _item_label(definition, event.item_id)
        if kind == "due_set" and p.get("due_date"):
            detail += f" pour le {french.short_date(french.parse_date(p['due_date']))}"
        elif kind == "checked" and p.get("value"):
            detail += f" ({_value_text(str(p['value']))})"
    elif event.to_stage and kind in ("advanced", "back", "paused", "resumed", "abandoned",
                                     "objection", "workflow_migrated"):
        source = definition.state_label(event.from_stage) if event.from_stage else None
        target = definition.state_label(event.to_stage)
        detail = f"{source} → {target}" if source and source != target else target
    elif kind in ("member_added", "member_updated", "member_removed"):
        detail = str(p.get("member_name") or "")
    elif kind in ("territory_added", "territory_removed") and p.get("codes"):
        detail = _communes(list(p["codes"]), commune_name)
    elif kind == "note_added":
        detail = _short(event.comment or "")
        if p.get("next_step"):
            when = (f" (le {french.short_date(french.parse_date(p['next_date']))})"
                    if p.get("next_date") else "")
            detail += f" — prochaine étape : {_short(p['next_step'])}{when}"
    elif kind in ("contact_added", "contact_updated", "contact_removed"):
        from .contacts import CONTACT_ROLES

        detail = f"{p.get('contact_name', '')} ({CONTACT_ROLES.get(p.get('role', ''), '')})"
    elif kind in ("partner_added", "partner_changed", "partner_removed"):
        from .partners import PARTNER_STATES

        detail = str(p.get("partner_name", ""))
        state = p.get("state")
        state = state.get("to") if isinstance(state, dict) else state
        if state and kind != "partner_removed":
            detail += f" ({PARTNER_STATES.get(state, state)})"
    elif kind == "members_added" and p.get("count"):
        detail = french.plural(int(p["count"]), "membre")
    return f"{event.kind_label} : {detail}" if detail else event.kind_label


def _value_text(value: str) -> str:
    """A checked item's value as a French reader expects it: a stored date as 12/10/2026."""
    from datetime import date

    try:
        return french.short_date(date.fromisoformat(value))
    except ValueError:
        return value


def _short(text: str, size: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"
