"""A project's signed ACI contract: signature, duration, taille, grid, fonctionnement.

The contract's own figures (its annex) live beside it (`amounts`); the national grid it
follows stays what `grids` says, sourced, unknowns unknown: the contract view shows the
grid's figures for its taille next to the contract's own, including both candidate
figures where the sources disagree (lettre d'intention lump sum of T3/T4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, Refused
from ..months import add_months
from ..resources import data_dir
from ..store.models import AciContract, Project
from ..views import View
from .calendar import CONTRACT_YEARS, chosen_missions, mission_rows, signature_item, signed_on_date
from .grids import Figure, get_grid
from .money import parse_cents
from .taille import TAILLE_LABELS, taille

if TYPE_CHECKING:
    from ..workspace import Workspace

STATUS_LABELS = {"contract": "du contrat", "estimated": "estimé"}
MAX_YEARS = 10


@dataclass(frozen=True)
class CandidateView(View):
    amount_cents: int
    source: str


@dataclass(frozen=True)
class GridFigure(View):
    """A figure of the national grid for the contract's taille (None: unknown)."""

    amount_cents: int | None
    status: str
    source: str
    candidates: list[CandidateView]


@dataclass(frozen=True)
class CapView(View):
    """Plafond annuel de la sécurité sociale of a calendar year (None: unknown)."""

    year: int
    amount_cents: int | None
    source: str


@dataclass(frozen=True)
class ContractView(View):
    project_slug: str
    project_name: str
    signed_on: date
    ends_on: date
    years: int
    anniversaries: list[date]
    taille: int
    taille_label: str
    grid_id: str
    grid_label: str
    operating_cents: int | None
    operating_status: str
    operating_status_label: str
    operating_yearly: bool
    missions: list[str]
    grid_operating: GridFigure | None
    grid_letter_of_intent: GridFigure | None
    caps: list[CapView]
    updated_by: str
    updated_at: datetime


def grid_figure(figure: Figure | None) -> GridFigure | None:
    if figure is None:
        return None
    return GridFigure(
        None if figure.amount is None else figure.amount * 100,
        figure.status,
        figure.source,
        [CandidateView(c.amount * 100, c.source) for c in figure.candidates],
    )


def year_start(signed_on: date, year: int) -> date:
    """First day of contract year `year` (1-based): the signature or an anniversary."""
    return add_months(signed_on, 12 * (year - 1))


def year_of(signed_on: date, years: int, day: date) -> int | None:
    """The contract year `day` falls in, None outside the contract."""
    for year in range(1, years + 1):
        if year_start(signed_on, year) <= day < year_start(signed_on, year + 1):
            return year
    return None


def check_year(year: int, years: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= years:
        raise BadInput(
            f"Année de contrat « {year} » invalide.",
            f"Le contrat dure {french.plural(years, 'an')} : donnez une année de 1 à {years}.",
        )
    return year


# --- plafond annuel de la sécurité sociale -----------------------------------------------


def shipped_caps() -> dict[int, tuple[int, str]]:
    """PASS by calendar year, in cents, with its source (package data)."""
    path = data_dir() / "aci" / "parametres" / "plafond_securite_sociale.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {int(year): (int(v["amount"]) * 100, str(v["source"])) for year, v in data.items()}


def cap_for(row: AciContract, year: int) -> CapView:
    own = (row.caps or {}).get(str(year))
    if own is not None:
        return CapView(year, int(own), "saisi pour ce contrat")
    amount, source = shipped_caps().get(year, (None, "inconnu : à saisir"))
    return CapView(year, amount, source)


def parse_caps(values: dict[Any, Any] | list[str]) -> dict[str, int]:
    """`["2027=49000"]` or `{2027: "49 000"}` → `{"2027": 4900000}` (cents)."""
    pairs = (
        [tuple(v.split("=", 1)) if "=" in v else (v, "") for v in values]
        if isinstance(values, list)
        else list(values.items())
    )
    out = {}
    for year, amount in pairs:
        text = str(year).strip()
        if not (text.isdigit() and 2000 <= int(text) <= 2100) or amount in ("", None):
            raise BadInput(
                f"Plafond « {year}={amount} » invalide.",
                "Écrivez ANNÉE=MONTANT, par exemple 2027=49000.",
            )
        out[text] = parse_cents(amount, f"Plafond {text}")
    return out


# --- reading ---------------------------------------------------------------------------


def contract_row(session: Session, project: Project) -> AciContract:
    """The project's contract, or `Refused` saying how to record it."""
    row = session.get(AciContract, project.id)
    if row is None:
        raise Refused(
            f"Aucun contrat ACI n'est enregistré pour « {project.slug} ».",
            "Enregistrez-le d'abord : date de signature et taille de la CPTS.",
        )
    return row


def contract_view(ws: Workspace, session: Session, project: Project, row: AciContract) -> ContractView:
    grid = get_grid(ws, row.grid_id)
    missions = chosen_missions(mission_rows(session, [project.id])[project.id])
    calendar_years = range(row.signed_on.year, year_start(row.signed_on, row.years + 1).year + 1)
    return ContractView(
        project.slug,
        project.name,
        row.signed_on,
        year_start(row.signed_on, row.years + 1),
        row.years,
        [year_start(row.signed_on, y) for y in range(2, row.years + 2)],
        row.taille,
        TAILLE_LABELS[row.taille],
        grid.id,
        grid.label,
        row.operating_cents,
        row.operating_status,
        STATUS_LABELS[row.operating_status],
        row.operating_yearly,
        missions,
        grid_figure(grid.figure(grid.operating, row.taille)),
        grid_figure(grid.figure(grid.letter_of_intent, row.taille)),
        [cap_for(row, y) for y in calendar_years],
        row.updated_by,
        row.updated_at,
    )


def get_contract(ws: Workspace, ref: str | int) -> ContractView:
    with ws.session() as session:
        project = ws.get_project(session, ref)
        return contract_view(ws, session, project, contract_row(session, project))


# --- changes -----------------------------------------------------------------------------


def _taille(value: int | None, population: int | None) -> int | None:
    if value is not None and population is not None:
        raise BadInput("Donnez la taille ou la population, pas les deux.")
    if population is not None:
        return taille(population)
    if value is not None and value not in TAILLE_LABELS:
        raise BadInput(f"Taille « {value} » invalide.", "La taille d'une CPTS va de 1 à 4.")
    return value


def set_contract(
    ws: Workspace,
    ref: str | int,
    *,
    signed: date | str | None = None,
    taille_: int | None = None,
    population: int | None = None,
    grid: str | None = None,
    years: int | None = None,
    operating: object = None,
    operating_estimated: bool | None = None,
    operating_yearly: bool | None = None,
    caps: dict[Any, Any] | list[str] | None = None,
    expected_version: int | None = None,
) -> ContractView:
    """Record or amend the contract; what is not given keeps its value. Audited.

    The signature date defaults to the one ticked in the checklist (`aci_signed`); a
    different date is refused, so that the missions' deadlines and the payments agree.
    """
    size = _taille(taille_, population)
    signed_on = french.parse_date(signed) if signed else None
    if years is not None and not 1 <= years <= MAX_YEARS:
        raise BadInput(f"Durée « {years} » invalide.", "Un contrat ACI dure 5 ans.")
    operating_cents = None if operating is None else parse_cents(operating, "Fonctionnement")
    new_caps = parse_caps(caps) if caps else {}
    grid_id = get_grid(ws, grid).id if grid else None
    with ws.changing(ref, "contract", expected_version) as (session, project):
        item = signature_item(ws, project)
        ticked = signed_on_date(session, project, item)
        if signed_on and ticked and signed_on != ticked:
            raise Refused(
                f"La checklist date la signature du {french.short_date(ticked)}, pas du "
                f"{french.short_date(signed_on)}.",
                "Corrigez l'une des deux : la date du contrat ou celle de l'élément de la checklist.",
            )
        row = session.get(AciContract, project.id)
        created = row is None
        if row is None:
            signed_on = signed_on or ticked
            if signed_on is None or size is None:
                raise BadInput(
                    "Un nouveau contrat a besoin de sa date de signature et de la taille de la CPTS.",
                    "Donnez la date de signature et la taille (ou la population couverte).",
                )
            row = AciContract(
                project_id=project.id,
                signed_on=signed_on,
                years=CONTRACT_YEARS,
                taille=size,
                grid_id=grid_id or get_grid(ws).id,
                operating_status="contract",
                operating_yearly=False,
            )
            session.add(row)
        changes: dict[str, Any] = {}
        for name, value in (
            ("signed_on", signed_on),
            ("taille", size),
            ("grid_id", grid_id),
            ("years", years),
            ("operating_cents", operating_cents),
            ("operating_yearly", operating_yearly),
        ):
            if value is not None and (created or getattr(row, name) != value):
                setattr(row, name, value)
                changes[name] = value.isoformat() if isinstance(value, date) else value
        if operating_estimated is not None:
            status = "estimated" if operating_estimated else "contract"
            if created or row.operating_status != status:
                row.operating_status = changes["operating_status"] = status
        if new_caps:
            row.caps = {**(row.caps or {}), **new_caps}
            changes["caps"] = new_caps
        if not changes and not created:
            raise BadInput("Rien à modifier.", "Donnez au moins une valeur à changer.")
        row.updated_by, row.updated_at = ws.actor, ws.now()
        session.flush()
        ws.record_event(
            session,
            project,
            "contract_set",
            comment=(
                f"contrat signé le {french.short_date(row.signed_on)}, taille {row.taille}"
                if created
                else "modifié : " + ", ".join(changes)
            ),
            payload={"created": created, "changes": changes},
        )
        return contract_view(ws, session, project, row)
