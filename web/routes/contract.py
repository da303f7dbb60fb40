"""A project's signed ACI contract: the contract and its annex, the payment calendar with
what was received, the indicators, the budget; forms to record the contract, a payment
and an indicator's value; the calendar (.ics) and the review pack to download.

The library decides who may change the contract (operation `contract`) and audits every
change; a refused entry comes back next to its form, with what was typed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cpts_workflow.aci.contract import set_contract
from cpts_workflow.aci.indicators import parse_indicator_ref, record_value
from cpts_workflow.aci.missions import MISSIONS_BY_ID
from cpts_workflow.aci.overview import ContractOverview, contract_overview
from cpts_workflow.aci.payments import payment_schedule, payments_ics, record_payment
from cpts_workflow.aci.review import review_document
from cpts_workflow.aci.taille import TAILLE_LABELS
from cpts_workflow.documents.convert import MEDIA_TYPES
from cpts_workflow.errors import BadInput, Busy, CptsError, Forbidden, NotFound
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace
from ..render import page
from ..security import read_form, text
from .documents import attachment
from .project import version_of

router = APIRouter(prefix="/projets")
MESSAGES = {"contrat": "Contrat enregistré.", "versement": "Versement enregistré.",
            "indicateur": "Valeur de l'indicateur enregistrée."}
MISSION_LABELS = {m: x.label for m, x in MISSIONS_BY_ID.items()}
REVIEW_FORMATS = {"docx": "Word (.docx)", "odt": "LibreOffice (.odt)", "pdf": "PDF"}


def _url(slug: str, message: str | None = None, anchor: str = "") -> str:
    return f"/projets/{quote(slug)}/contrat" + (f"?message={message}" if message else "") + anchor


def _amount_table(overview: ContractOverview) -> list[dict[str, Any]]:
    """The annex as one row per mission, one cell per contract year."""
    rows: dict[str, dict[str, Any]] = {}
    for a in overview.amounts:
        row = rows.setdefault(a.mission, {"label": a.mission_label, "years": {}})
        row["years"][a.year] = a
    return list(rows.values())


def _page(request: Request, ws: Workspace, ref: str, *, status_code: int = 200, form: str | None = None,
          error: CptsError | None = None, values: dict[str, Any] | None = None,
          duplicate: bool = False) -> Response:
    summary = ws.project(ref)
    overview = contract_overview(ws, ref)
    contract = overview.contract
    return page(request, "contract.html.j2", status_code=status_code,
                title=f"Contrat ACI — {summary.name}", summary=summary, overview=overview,
                contract=contract, amount_rows=_amount_table(overview),
                years=range(1, contract.years + 1) if contract else range(0),
                errors={form: error} if form and error else {}, values=values or {},
                duplicate=duplicate, tailles=TAILLE_LABELS, mission_labels=MISSION_LABELS,
                review_formats=REVIEW_FORMATS,
                message=MESSAGES.get(request.query_params.get("message", "")),
                chosen_payment=request.query_params.get("versement", ""))


def _refusal(request: Request, ws: Workspace, ref: str, form: str, exc: CptsError,
             values: dict[str, Any]) -> Response:
    """The page again, the error next to `form` and what was typed kept (400, or 409 when
    the rules or a newer version refused)."""
    if isinstance(exc, (NotFound, Forbidden, Busy)):  # the error page: not this form's fault
        raise exc
    status = 409 if getattr(exc, "code", "") in ("conflict", "refused") else 400
    return _page(request, ws, ref, status_code=status, form=form, error=exc, values=values,
                 duplicate=getattr(exc, "topic", None) == "duplicate_payment")


def _values(form: Any, *names: str) -> dict[str, Any]:
    """The fields as typed (blank: ""), to fill the form again when it is refused."""
    return {name: text(form, name) or "" for name in names}


def _int(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 6:
        raise BadInput(f"{what} « {value} » invalide : un nombre entier.")
    return int(value)


@router.get("/{ref}/contrat")
def contract_page(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    return _page(request, ws, ref)


@router.post("/{ref}/contrat")
async def record_contract(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """Record the contract, or amend it (what is left blank keeps its value)."""
    form = await read_form(request)
    values = _values(form, "signed", "taille", "operating")
    values["yearly"] = text(form, "yearly") == "oui"
    try:
        view = set_contract(ws, ref, signed=values["signed"] or None,
                            taille_=_int(values["taille"] or None, "Taille"),
                            operating=values["operating"] or None,
                            operating_yearly=values["yearly"], expected_version=version_of(form))
    except CptsError as exc:
        return _refusal(request, ws, ref, "contract", exc, values)
    return RedirectResponse(_url(view.project_slug, "contrat"), status_code=303)


@router.post("/{ref}/contrat/versements")
async def record_received(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """Money received against one expected payment; the same one twice needs a confirmation."""
    form = await read_form(request)
    values = _values(form, "key", "amount", "received_on", "note")
    try:
        record_payment(ws, ref, values["key"], amount=values["amount"],
                       received_on=values["received_on"], note=values["note"] or None,
                       allow_duplicate=text(form, "doublon") == "oui",
                       expected_version=version_of(form))
    except CptsError as exc:
        return _refusal(request, ws, ref, "payment", exc, values)
    return RedirectResponse(_url(ws.project(ref).slug, "versement", "#versements"), status_code=303)


@router.post("/{ref}/contrat/indicateurs")
async def record_indicator(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    form = await read_form(request)
    values = _values(form, "indicator", "year", "value", "note")
    try:
        mission_id, code = parse_indicator_ref(values["indicator"])
        year = _int(values["year"], "Année de contrat")
        if year is None:
            raise BadInput("Choisissez l'année de contrat de la valeur.")
        record_value(ws, ref, mission_id, code, year=year, value=values["value"],
                     note=values["note"] or None, expected_version=version_of(form))
    except CptsError as exc:
        return _refusal(request, ws, ref, "indicator", exc, values)
    return RedirectResponse(_url(ws.project(ref).slug, "indicateur", "#indicateurs"), status_code=303)


@router.get("/{ref}/contrat/versements.ics")
def calendar_file(ref: str, ws: CurrentWorkspace) -> Response:
    """The payment calendar for a calendar program (one event per expected payment)."""
    schedule = payment_schedule(ws, ref)
    return attachment(payments_ics(ws, schedule), f"versements-aci-{schedule.project_slug}.ics",
                      "text/calendar; charset=utf-8")


@router.post("/{ref}/contrat/revue")
async def review(ref: str, request: Request, ws: CurrentWorkspace) -> Response:
    """The dialogue de gestion's pack of one contract year, as a download (audited)."""
    form = await read_form(request)
    values = _values(form, "year", "format")
    try:
        if values["format"] not in REVIEW_FORMATS:
            raise BadInput("Choisissez un format de dossier proposé.")
        year = _int(values["year"], "Année de contrat")
        if year is None:
            raise BadInput("Choisissez l'année de contrat du dossier.")
        made = review_document(ws, ref, year, fmt=values["format"])
    except CptsError as exc:
        return _refusal(request, ws, ref, "review", exc, values)
    return attachment(made.data, made.file_name, MEDIA_TYPES[values["format"]])
