"""Guided documents: a project's documents answered step by step, reviewed, previewed and
downloaded.

Every page is built from the template's questions (`cpts_workflow.documents.interview`):
no document's questions are written here. Each step is a plain form (it works without
script); with htmx, leaving or changing a field asks the server to check it (`verifier`)
and only its error message is swapped, so the focus never moves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect

from cpts_workflow import french
from cpts_workflow.documents.interview import (
    FieldState,
    Interview,
    StepState,
    choice_label,
    progress,
)
from cpts_workflow.documents.service import Documents
from cpts_workflow.errors import BadInput, Conflict, CptsError
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .project import version_of

router = APIRouter(prefix="/projets")

DOWNLOADS = {"docx": "DOCX (Word)", "odt": "ODT (LibreOffice)", "pdf": "PDF"}
MESSAGES = {"saved": "Réponses enregistrées.", "unchanged": "Aucune réponse modifiée."}
# The preview is the document alone: no script, no request out, no framing but ours.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'; sandbox")


def base_url(slug: str, template: str) -> str:
    return f"/projets/{quote(slug)}/entretiens/{quote(template)}"


def input_value(f: FieldState) -> str:
    """What an input shows: the typed text as it was, a saved value written in French."""
    value, kind = f.value, f.question.type
    if value is None or isinstance(value, list | bool):
        return ""
    if f.origin == "typed" and f.error:
        return str(value)
    if kind in ("number", "integer") and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
    return str(value)


def answer_text(f: FieldState) -> str:
    """An answer as the review page says it."""
    value, kind = f.value, f.question.type
    if value is None:
        return "—"
    if kind == "boolean":
        return "oui" if value else "non"
    if kind == "date":
        return french.short_date(french.parse_date(str(value)))
    if kind in ("number", "integer") and isinstance(value, int | float):
        return french.number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, list):
        return ", ".join(choice_label(str(v)) for v in value) or "—"
    if kind == "choice":
        return choice_label(str(value))
    return str(value)


def _raw(form: FormData, interview: Interview, number: int) -> dict[str, Any]:
    """The step's answers as typed: a list for a multiple choice, else the text."""
    raw: dict[str, Any] = {}
    for q in interview.steps[number - 1].questions:
        if q.type == "multi_choice":
            raw[q.id] = [v for v in form.getlist(q.id) if isinstance(v, str)]
        else:
            value = form.get(q.id)
            raw[q.id] = value if isinstance(value, str) else None
    return raw


def _interview(ws: Workspace, ref: str, template: str) -> Interview:
    return Interview(Documents(ws), ref, template)


def _step_page(request: Request, ws: Workspace, interview: Interview, state: StepState,
               status_code: int = 200, error: CptsError | None = None,
               submitted: bool = False) -> Response:
    summary = ws.project(interview.ref)
    return page(request, "interview_step.html.j2", status_code=status_code,
                title=f"{state.template.title} — étape {state.step.number} — {summary.name}",
                summary=summary, state=state, error=error, submitted=submitted,
                base=base_url(summary.slug, state.template.id),
                message=MESSAGES.get(request.query_params.get("message", "")),
                input_value=input_value, choice_label=choice_label)


@router.get("/{ref}/entretiens")
def index(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    summary = ws.project(ref)
    return page(request, "interview_index.html.j2", title=f"Documents guidés — {summary.name}",
                summary=summary, documents=progress(Documents(ws), ref))


@router.get("/{ref}/entretiens/{template}")
def start(ref: str, template: str, ws: CurrentWorkspace) -> Response:
    """To the first step still missing an answer, else to the review."""
    interview = _interview(ws, ref, template)
    slug = ws.project(ref).slug
    target = f"{base_url(slug, template)}/relecture"
    if interview.can_answer():
        number = interview.first_open_step()
        if number is not None:
            target = f"{base_url(slug, template)}/etapes/{number}"
    return RedirectResponse(target, status_code=303)


@router.get("/{ref}/entretiens/{template}/etapes/{number}")
def step(ref: str, template: str, number: int, request: Request,
         ws: CurrentWorkspace) -> Response:
    interview = _interview(ws, ref, template)
    return _step_page(request, ws, interview, interview.step(number))


@router.post("/{ref}/entretiens/{template}/etapes/{number}")
async def save_step(ref: str, template: str, number: int, request: Request,
                    ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    interview = _interview(ws, ref, template)
    interview.step(number)  # 404 / 403 before anything else
    raw = _raw(form, interview, number)
    try:
        state = interview.save(number, raw, expected_version=version_of(form))
    except Conflict as exc:
        # Someone changed the project meanwhile: the typed answers stay, checked again.
        state = interview.check(number, raw)
        return _step_page(request, ws, interview, state, 409, error=exc, submitted=True)
    if state.errors:
        return _step_page(request, ws, interview, state, 400, submitted=True)
    slug = ws.project(ref).slug
    message = "saved" if state.changed else "unchanged"
    following = state.next_number
    target = (f"{base_url(slug, template)}/etapes/{following}" if following
              else f"{base_url(slug, template)}/relecture")
    return RedirectResponse(f"{target}?message={message}", status_code=303)


@router.post("/{ref}/entretiens/{template}/etapes/{number}/verifier")
async def check_field(ref: str, template: str, number: int, request: Request,
                      ws: CurrentWorkspace) -> Response:
    """htmx: one field's error (and the step's check across answers); nothing saved."""
    try:
        form = await read_form(request)
    except ClientDisconnect:  # a newer check of the same field replaced this one
        return Response(status_code=204)
    interview = _interview(ws, ref, template)
    state = interview.check(number, _raw(form, interview, number))
    asked = text(form, "question")
    found = next((f for f in state.fields if f.question.id == asked), None)
    if found is None:
        raise BadInput("Cette question n'est pas posée à cette étape.")
    return page(request, "_interview_check.html.j2", f=found, state=state)


@router.get("/{ref}/entretiens/{template}/relecture")
def review(ref: str, template: str, request: Request, ws: CurrentWorkspace) -> Response:
    interview = _interview(ws, ref, template)
    summary = ws.project(ref)
    found = interview.review()
    return page(request, "interview_review.html.j2",
                title=f"Relecture — {found.template.title} — {summary.name}", summary=summary,
                review=found, base=base_url(summary.slug, template), answer_text=answer_text,
                message=MESSAGES.get(request.query_params.get("message", "")))


@router.get("/{ref}/entretiens/{template}/document")
def document(ref: str, template: str, request: Request, ws: CurrentWorkspace) -> Response:
    """The generated document: its preview, what is left to complete, the downloads."""
    interview = _interview(ws, ref, template)
    summary = ws.project(ref)
    base = base_url(summary.slug, template)
    try:
        draft = interview.draft()
    except BadInput as exc:
        found = interview.review()
        return page(request, "interview_review.html.j2", status_code=400,
                    title=f"Relecture — {found.template.title} — {summary.name}",
                    summary=summary, review=found, base=base, answer_text=answer_text,
                    message=None, error=exc)
    return page(request, "interview_document.html.j2",
                title=f"{interview.meta.title} — {summary.name}", summary=summary,
                meta=interview.meta, draft=draft, base=base, downloads=DOWNLOADS,
                can_answer=interview.can_answer())


@router.get("/{ref}/entretiens/{template}/apercu")
def preview(ref: str, template: str, ws: CurrentWorkspace) -> Response:
    """The document's HTML, for the sandboxed frame of the document page."""
    data = _interview(ws, ref, template).preview_html()
    return Response(data, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": PREVIEW_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Disposition": "inline",
    })


@router.post("/{ref}/entretiens/{template}/telecharger")
async def download(ref: str, template: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    fmt = text(form, "format") or ""
    if fmt not in DOWNLOADS:
        raise BadInput(f"Format « {fmt} » non proposé.", "Formats : DOCX, ODT ou PDF.")
    made = _interview(ws, ref, template).generate(fmt, text(form, "answers"))
    name = made.file_name
    return Response(made.data, media_type=made.media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})
