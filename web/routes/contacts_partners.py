"""A project's contacts and partners kept from its page: add, edit, remove (after a
confirmation), for whoever may keep the follow-up (`follow_up`, decided by the library).

With htmx each form swaps the contacts-and-partners fragment (`_follow_up.html.j2`);
without script the same forms post and the page reloads (Post/Redirect/Get), an edit or a
confirmation having its own page. Forms carry the CSRF token and the project's row version;
a refused input comes back with what was typed and one French sentence, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow.contacts import add_contact, get_contact, remove_contact, update_contact
from cpts_workflow.errors import BadInput, Conflict, Refused
from cpts_workflow.partners import add_partner, get_partner, remove_partner, set_partner
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .project import MESSAGES, project_context, project_url, relations_context, version_of

router = APIRouter(prefix="/projets")
CONTACT_FIELDS = ("role", "name", "email", "phone")
PARTNER_FIELDS = ("kind", "name", "state", "date")
ANCHORS = {"contact": "#contacts-title", "partner": "#partners-title"}
PAGE_TITLES = {"contact-edit": "Modifier un contact", "contact-remove": "Retirer un contact",
               "partner-edit": "Modifier un partenaire", "partner-remove": "Retirer un partenaire"}


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _answer(request: Request, ws: Workspace, ref: str, follow: dict[str, Any],
            status_code: int = 200) -> Response:
    """The fragment (htmx), else the page the form belongs to: the project's page for an
    addition, the item's own page for an edit or a removal."""
    if _htmx(request):
        return page(request, "_follow_up.html.j2", status_code=status_code, follow=follow,
                    summary=ws.project(ref), **relations_context(ws, ref))
    if follow["form"] in PAGE_TITLES:
        summary = ws.project(ref)
        heading = PAGE_TITLES[follow["form"]]
        return page(request, "follow_up_item.html.j2", status_code=status_code, follow=follow,
                    title=f"{heading} — {summary.name}", heading=heading, summary=summary,
                    **relations_context(ws, ref))
    return page(request, "project.html.j2", status_code=status_code, message=None, error=None,
                follow=follow, **project_context(ws, ref))


async def _change(request: Request, ws: Workspace, ref: str, form_name: str, item_id: int | None,
                  fields: tuple[str, ...], change: Callable[[Any, int | None], Any],
                  done: str) -> Response:
    """Read the form, make the change; the fragment or a redirect, or the form again with
    the refusal (400, or 409 when the project changed meanwhile or is abandoned)."""
    form = await read_form(request)
    values = {f: text(form, f) for f in fields}
    try:
        view = change(values, version_of(form))
    except (BadInput, Conflict, Refused) as exc:
        status = 409 if isinstance(exc, Conflict | Refused) else 400
        follow = {"form": form_name, "item_id": item_id, "values": values, "error": exc}
        return _answer(request, ws, ref, follow, status)
    if _htmx(request):
        return _answer(request, ws, ref, {"form": None, "message": MESSAGES[done]})
    anchor = ANCHORS[form_name.split("-")[0]]
    return RedirectResponse(project_url(view.project_slug, done, anchor), status_code=303)


def _number(item_id: str) -> int | None:
    return int(item_id) if item_id.isdigit() and len(item_id) <= 12 else None


# --- contacts ---------------------------------------------------------------------------

@router.post("/{ref}/contacts")
async def contact_add(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    return await _change(request, ws, ref, "contact-add", None, CONTACT_FIELDS, lambda v, version: add_contact(
        ws, ref, v["role"] or "", v["name"] or "", email=v["email"], phone=v["phone"],
        expected_version=version), "contact_added")


@router.get("/{ref}/contacts/{contact_id}")
def contact_edit_form(ref: str, contact_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    contact = get_contact(ws, ref, contact_id, "follow_up")
    values = {f: getattr(contact, f) for f in CONTACT_FIELDS}
    return _answer(request, ws, ref, {"form": "contact-edit", "item_id": contact.id, "values": values})


@router.post("/{ref}/contacts/{contact_id}")
async def contact_edit(ref: str, contact_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    # Every field of the form is sent: an emptied e-mail or phone is cleared ("").
    return await _change(request, ws, ref, "contact-edit", _number(contact_id), CONTACT_FIELDS,
                         lambda v, version: update_contact(
                             ws, ref, contact_id, role=v["role"], name=v["name"] or "",
                             email=v["email"] or "", phone=v["phone"] or "",
                             expected_version=version), "contact_updated")


# --- partners ---------------------------------------------------------------------------

@router.post("/{ref}/partenaires")
async def partner_add(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    return await _change(request, ws, ref, "partner-add", None, PARTNER_FIELDS, lambda v, version: add_partner(
        ws, ref, v["kind"] or "", v["name"] or "", state=v["state"] or "contact", on=v["date"],
        expected_version=version), "partner_added")


@router.get("/{ref}/partenaires/{partner_id}")
def partner_edit_form(ref: str, partner_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    partner = get_partner(ws, ref, partner_id, "follow_up")
    values = {"kind": partner.kind, "name": partner.name, "state": partner.state, "date": None}
    return _answer(request, ws, ref, {"form": "partner-edit", "item_id": partner.id, "values": values})


@router.post("/{ref}/partenaires/{partner_id}")
async def partner_edit(ref: str, partner_id: str, request: Request, ws: CurrentWorkspace) -> Response:
    return await _change(request, ws, ref, "partner-edit", _number(partner_id), PARTNER_FIELDS,
                         lambda v, version: set_partner(
                             ws, ref, partner_id, kind=v["kind"], name=v["name"] or "",
                             state=v["state"], on=v["date"], expected_version=version),
                         "partner_updated")


# --- removal, after a confirmation (the same for both) --------------------------------------

def _removal(name: str, path: str, getter: Callable[..., Any], remover: Callable[..., Any]) -> None:
    """GET …/supprimer asks (nothing is written), POST …/supprimer removes."""

    def confirm(ref: str, item_id: str, request: Request, ws: CurrentWorkspace) -> Response:
        item = getter(ws, ref, item_id, "follow_up")
        return _answer(request, ws, ref, {"form": f"{name}-remove", "item_id": item.id})

    async def remove(ref: str, item_id: str, request: Request, ws: CurrentWorkspace) -> Response:
        return await _change(request, ws, ref, f"{name}-remove", _number(item_id), (),
                             lambda v, version: remover(ws, ref, item_id, expected_version=version),
                             f"{name}_removed")

    router.add_api_route(f"/{{ref}}/{path}/{{item_id}}/supprimer", confirm, methods=["GET"],
                         name=f"{name}_remove_confirm")
    router.add_api_route(f"/{{ref}}/{path}/{{item_id}}/supprimer", remove, methods=["POST"],
                         name=f"{name}_remove")


_removal("contact", "contacts", get_contact, remove_contact)
_removal("partner", "partenaires", get_partner, remove_partner)
