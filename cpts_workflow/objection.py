"""The ARS director general's objection to a projet de santé (article L1434-12 CSP).

Since 30 June 2022 a projet de santé sent to the ARS is deemed validated unless the
director general objects within two months, and only on two grounds: the projet does
not meet the regional health plan's objectives, or the territory is not pertinent. An
objection sends the project back to the projet de santé stage, audited.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from . import french
from .aci.calendar import date_value
from .checklist import write_item
from .deadlines import clock_due
from .errors import BadInput, Refused
from .limits import LONG_TEXT, clean_text
from .store.models import ChecklistState
from .views import ProjectSummary

if TYPE_CHECKING:
    from .workspace import Workspace

OBJECTION_ITEM = "health_project_objection"
GROUNDS = {
    "sraps": "le projet ne répond pas aux objectifs du projet régional de santé",
    "territoire": "le territoire n'est pas pertinent",
}


def record_objection(
    ws: Workspace, ref: str | int, *, ground: str, on: date | str, note: str | None = None
) -> ProjectSummary:
    """Record an objection (ground `sraps` or `territoire`) received on `on`."""
    note = clean_text(note, "La note", max_length=LONG_TEXT - 100)  # room for the ground
    key = ground.strip().lower()
    if key not in GROUNDS:
        raise BadInput(
            f"Motif « {ground} » non prévu par l'article L1434-12.",
            "Motifs possibles : sraps (objectifs du projet régional de santé), "
            "territoire (territoire non pertinent).",
        )
    received = french.parse_date(on)
    if received > ws.now().date():
        raise BadInput(f"La date d'opposition ({french.short_date(received)}) est dans le futur.")
    with ws.changing(ref, "objection") as (session, project):
        definition = ws.definition_of(project)
        clock = next((c for c in definition.clocks if OBJECTION_ITEM in c.stop_items), None)
        if not definition.has_item(OBJECTION_ITEM) or clock is None:
            raise Refused("Ce workflow ne prévoit pas d'opposition au projet de santé.")
        states = {
            s.item_id: s
            for s in session.scalars(
                select(ChecklistState).where(ChecklistState.project_id == project.id)
            )
        }
        sent = date_value(states.get(clock.start_item))
        if sent is None:
            raise Refused(
                "Le projet de santé n'a pas été adressé à l'ARS : il n'y a pas de délai "
                "d'opposition en cours.",
                f"Cochez d'abord l'envoi ({clock.start_item}) avec sa date.",
                topic="date_item_needed",
                details={"project": project.slug, "item": clock.start_item},
            )
        if received < sent:
            raise BadInput(
                f"L'opposition ({french.short_date(received)}) précède l'envoi du "
                f"projet de santé ({french.short_date(sent)})."
            )
        previous = date_value(states.get(OBJECTION_ITEM))
        if previous is not None and previous >= sent:
            raise Refused(
                f"Une opposition du {french.short_date(previous)} est déjà enregistrée "
                f"pour l'envoi du {french.short_date(sent)}.",
                "Après correction, cochez à nouveau l'envoi du projet de santé avec "
                "sa nouvelle date : le délai repart.",
            )
        due = clock_due(clock, sent)
        if received > due:
            raise Refused(
                f"L'opposition du {french.short_date(received)} arrive après la fin du délai "
                f"({french.short_date(due)}) : le projet de santé est réputé validé.",
                "Vérifiez la date de réception du projet par l'ARS, ou cochez "
                "health_project_validated.",
            )
        comment = f"Motif : {GROUNDS[key]}" + (f". {note.strip()}" if note and note.strip() else "")
        write_item(ws, session, project, OBJECTION_ITEM,
                   {"status": "done", "value": received.isoformat(), "note": comment, "reason": None},
                   kind=None)
        # An objection undoes any validation recorded for this sending.
        reopened = []
        for stop in clock.stop_items:
            other = states.get(stop)
            if stop != OBJECTION_ITEM and other is not None and other.status == "done":
                write_item(ws, session, project, stop, {"status": "todo"}, kind=None)
                reopened.append(stop)
        # The projet de santé is worked on again: a project past it goes back to it, a
        # paused one will resume there.
        target = definition.item(OBJECTION_ITEM)[0].id
        index = definition.stage_index
        stages = definition.stage_ids
        event: dict[str, Any] = {
            "item_id": OBJECTION_ITEM,
            "comment": comment,
            "payload": {"ground": key, "date": received.isoformat(), "sent_on": sent.isoformat(),
                        **({"reopened": reopened} if reopened else {})},
        }
        later = next((s for s in (project.stage, project.resume_stage) if s in stages), None)
        if later is not None and index(later) > index(target):
            ws.move_stage(session, project, "reopen", "objection", target=target, **event)
        else:
            ws.record_event(session, project, "objection", from_stage=project.stage,
                            to_stage=project.stage, **event)
        session.flush()
        return ws.summary(project)
