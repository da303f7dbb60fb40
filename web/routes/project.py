"""A project's page: where it stands, its checklist, stage changes, deadlines, history
(documents, members and territory have their own modules).

Forms carry the project's row version: a change made meanwhile by someone else is
refused as a conflict and the page shows the current state; nothing is overwritten.
With htmx a checklist change swaps the checklist alone; without script, the same form
posts and the page reloads (Post/Redirect/Get).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow.aci.calendar import mission_flags
from cpts_workflow.deadlines import next_deadlines
from cpts_workflow.errors import BadInput, Busy, Conflict, CptsError, Forbidden, NotFound, Refused
from cpts_workflow.reports import project_report
from cpts_workflow.reports.tabular import event_detail
from cpts_workflow.workflow.engine import TRIGGER_LABELS, engine_for
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import kept_page, page
from ..security import read_form, text

router = APIRouter(prefix="/projets")

# Stage actions: button label, what the comment field is called, whether it is required.
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "advance": ("Passer à l'étape suivante", "Commentaire (facultatif)", False),
    "back": ("Revenir à l'étape précédente", "Pourquoi revenir en arrière ?", True),
    "pause": ("Mettre en pause", "Raison de la pause", True),
    "resume": ("Reprendre", "Commentaire (facultatif)", False),
    "abandon": ("Abandonner le projet", "Raison de l'abandon", True),
}
# Messages shown after a redirect, chosen by code (never text taken from the address).
MESSAGES = {
    "created": "Projet créé.", "updated": "Projet modifié.", "item": "Checklist enregistrée.",
    "advance": "Le projet est passé à l'étape suivante.", "back": "Le projet est revenu à l'étape précédente.",
    "pause": "Le projet est en pause.", "resume": "Le projet a repris.", "abandon": "Le projet est abandonné.",
    "evidence": "Justificatif déposé.", "evidence_removed": "Justificatif supprimé.",
    "porteur_detached": "Porteur détaché du projet.",
    "note": "Note ajoutée au journal.",
    "contact_added": "Contact ajouté.", "contact_updated": "Contact modifié.",
    "contact_removed": "Contact retiré.", "partner_added": "Partenaire ajouté.",
    "partner_updated": "Partenaire mis à jour.", "partner_removed": "Partenaire retiré.",
}
ITEM_ACTIONS = ("check", "uncheck", "skip", "due")
HISTORY_ON_PAGE = 15
NOTES_ON_PAGE = 10


def version_of(form: Any) -> int | None:
    value = text(form, "version")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadInput("La version du projet envoyée par le formulaire est illisible.",
                       "Rechargez la page puis recommencez.")
    return int(value)


def project_url(slug: str, message: str | None = None, anchor: str = "") -> str:
    return f"/projets/{quote(slug)}" + (f"?message={message}" if message else "") + anchor


def available_actions(ws: Workspace, stage: str, workflow_id: str, version: int) -> list[str]:
    """The stage actions the workflow offers from the project's state (its guards aside)."""
    definition = ws.definition(workflow_id, version)
    triggers = set(engine_for(definition).triggers_from(stage))
    return [a for a in ACTIONS if a in triggers]


def checklist_context(ws: Workspace, ref: str) -> dict[str, Any]:
    from cpts_workflow.evidence import ACCEPTED, MAX_EVIDENCE_BYTES, list_evidence, size_label

    detail = ws.detail(ref)
    current = next((s for s in detail.stages if s.position == "current"), None)
    evidence: dict[str, list[Any]] = {}
    for file in list_evidence(ws, ref):
        evidence.setdefault(file.item_id, []).append(file)
    return {"detail": detail, "summary": detail.project, "items": ws.checklist(ref),
            "current": current, "evidence": evidence, "evidence_types": ACCEPTED,
            "evidence_max": size_label(MAX_EVIDENCE_BYTES)}


def _project_data(ws: Workspace, ref: str) -> dict[str, Any]:
    from cpts_workflow.invitations import project_porteurs
    from cpts_workflow.officers import officer_names
    from cpts_workflow.permissions import allowed

    context = checklist_context(ws, ref)
    summary = context["summary"]
    slug = summary.slug
    return {**context, "report": project_report(ws, slug), "deadlines": next_deadlines(ws, slug, 5),
            "late_missions": mission_flags(ws, slug), **follow_up_context(ws, slug),
            "porteurs": project_porteurs(ws, slug) if allowed(ws.account, "porteurs", summary.id) else [],
            "officer_names": officer_names(ws)}


def project_context(ws: Workspace, ref: str) -> dict[str, Any]:
    # Read again only once the base has changed (or for another view of it): a team opens
    # the same projects many times between two changes.
    data = ws.shared.snapshots.get(ws, "project-page", ref, lambda: _project_data(ws, ref))
    summary, report = data["summary"], data["report"]
    definition = ws.definition_of(summary)
    events = list(reversed(report.events))
    return {
        **data,
        "invitation": None,
        "title": summary.name,
        "row": report.project,
        "definition": definition,
        "actions": available_actions(ws, summary.stage, summary.workflow_id, summary.workflow_version),
        "action_labels": ACTIONS,
        "events": events[:HISTORY_ON_PAGE],
        "more_events": max(0, len(events) - HISTORY_ON_PAGE),
        "event_detail": lambda e: event_detail(e, definition),
    }


def follow_up_context(ws: Workspace, slug: str) -> dict[str, Any]:
    """The journal's last notes, the contacts, the partners."""
    from cpts_workflow.journal import list_notes

    return {"notes": list_notes(ws, slug, limit=NOTES_ON_PAGE), **relations_context(ws, slug)}


def relations_context(ws: Workspace, ref: str) -> dict[str, Any]:
    """The contacts and partners, and the choices their forms offer."""
    from cpts_workflow.contacts import CONTACT_ROLES, list_contacts
    from cpts_workflow.partners import PARTNER_KINDS, PARTNER_STATES, list_partners

    return {"contacts": list_contacts(ws, ref), "partners": list_partners(ws, ref),
            "contact_roles": CONTACT_ROLES, "partner_kinds": PARTNER_KINDS,
            "partner_states": PARTNER_STATES}


@router.get("/nouveau")
def new_form(request: Request, ws: CurrentWorkspace) -> Response:
    ws.require("create")  # who may not create is told so before filling the form
    return page(request, "project_new.html.j2", title="Nouveau projet", error=None, values={})


@router.post("")
async def create(request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    values = {"name": text(form, "name"), "officer": text(form, "officer")}
    try:
        created = ws.create_project(values["name"] or "", officer=values["officer"])
    except BadInput as exc:
        return page(request, "project_new.html.j2", status_code=400, title="Nouveau projet",
                    error=exc, values=values)
    return RedirectResponse(project_url(created.slug, "created"), status_code=303)


@router.get("/{ref}")
def show(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    message = MESSAGES.get(request.query_params.get("message", ""))
    return kept_page(request, ws, "project.html.j2",
                     lambda: {"message": message, "error": None, **project_context(ws, ref)})


@router.post("/{ref}/modifier")
async def update(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    try:
        summary = ws.update_project(ref, name=text(form, "name") or "",
                                    officer=text(form, "officer") or "",
                                    expected_version=version_of(form))
    except (BadInput, Conflict, Refused) as exc:
        return page(request, "project.html.j2", status_code=409 if isinstance(exc, Conflict) else 400,
                    message=None, error=exc, **project_context(ws, ref))
    return RedirectResponse(project_url(summary.slug, "updated"), status_code=303)


@router.post("/{ref}/elements/{item_id}")
async def change_item(ref: str, item_id: str, request: Request,
                      ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    action = text(form, "action")
    error: CptsError | None = None
    try:
        version = version_of(form)
        if action == "check":
            ws.check(ref, item_id, note=text(form, "note"), value=text(form, "value"),
                     expected_version=version)
        elif action == "uncheck":
            ws.uncheck(ref, item_id, expected_version=version)
        elif action == "skip":
            ws.skip(ref, item_id, reason=text(form, "reason") or "", expected_version=version)
        elif action == "due":
            due = text(form, "due")
            if not due:
                raise BadInput("Donnez une date d'échéance.")
            ws.set_due(ref, item_id, due, expected_version=version)
        else:
            raise BadInput("Action inconnue sur un élément de la checklist.")
    except (NotFound, Forbidden, Busy):  # the error page: not this form's fault
        raise
    except CptsError as exc:
        error = exc
    htmx = request.headers.get("HX-Request") == "true"
    if htmx:
        # The checklist alone, current (after a conflict too: the other change is shown).
        return page(request, "_checklist.html.j2", error=error,
                    message=None if error else MESSAGES["item"], focus=item_id,
                    **checklist_context(ws, ref))
    if error is None:
        return RedirectResponse(project_url(ws.project(ref).slug, "item", f"#item-{item_id}"),
                                status_code=303)
    status = 409 if isinstance(error, Conflict | Refused) else 400
    return page(request, "project.html.j2", status_code=status, message=None, error=error,
                **project_context(ws, ref))


@router.get("/{ref}/etape/{action}")
def confirm(ref: str, action: str, request: Request, ws: CurrentWorkspace) -> Response:
    return _confirm_page(request, ws, ref, action, None)


def _confirm_page(request: Request, ws: Workspace, ref: str, action: str, error: CptsError | None,
                  status_code: int = 200, comment: str | None = None) -> Response:
    if action not in ACTIONS:
        raise NotFound("Cette action n'existe pas.")
    context = checklist_context(ws, ref)
    summary = context["summary"]
    label, comment_label, required = ACTIONS[action]
    possible = action in available_actions(ws, summary.stage, summary.workflow_id,
                                           summary.workflow_version)
    return page(request, "confirm.html.j2", status_code=status_code, possible=possible,
                title=f"{label} — {summary.name}", action=action, label=label,
                comment_label=comment_label, required=required, error=error, comment=comment,
                verb=TRIGGER_LABELS[action], **context)


@router.post("/{ref}/etape/{action}")
async def change_stage(ref: str, action: str, request: Request,
                       ws: CurrentWorkspace) -> Response:
    if action not in ACTIONS:
        raise NotFound("Cette action n'existe pas.")
    form = await read_form(request)
    comment = text(form, "comment")
    try:
        version = version_of(form)
        if action == "advance":
            summary = ws.advance(ref, comment=comment, expected_version=version)
        elif action == "resume":
            summary = ws.resume(ref, comment=comment, expected_version=version)
        elif action == "back":
            summary = ws.back(ref, comment=comment or "", expected_version=version)
        elif action == "pause":
            summary = ws.pause(ref, reason=comment or "", expected_version=version)
        else:
            summary = ws.abandon(ref, reason=comment or "", expected_version=version)
    except (NotFound, Forbidden, Busy):  # the error page: not this form's fault
        raise
    except CptsError as exc:
        status = 409 if isinstance(exc, Conflict | Refused) else 400
        return _confirm_page(request, ws, ref, action, exc, status, comment)
    return RedirectResponse(project_url(summary.slug, action), status_code=303)


@router.get("/{ref}/historique")
def history(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    summary = ws.project(ref)
    definition = ws.definition_of(summary)
    return page(request, "history.html.j2", title=f"Historique — {summary.name}", summary=summary,
                events=list(reversed(ws.history(ref))),
                event_detail=lambda e: event_detail(e, definition))


