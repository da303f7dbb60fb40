"""ACI funding grids as data: one file per text (ACI 2019, avenant 2…), every amount
with its source and status, unknown amounts kept unknown (null).

Shipped grids live in `data/aci/*.yaml`; a user can import their own (e.g. the figures
of their signed contract) into the `funding_grids` table. A wrong file is refused with
`file:line: message` for every problem, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError
from sqlalchemy import select

from .. import safe_yaml
from ..base_journal import record
from ..errors import DefinitionError, NotFound, Refused
from ..resources import data_dir
from ..store.models import FundingGrid
from ..views import View
from ..workflow.definition import IDENTIFIER
from ..yaml_lines import french_error, line_of
from .missions import MISSIONS_BY_ID

if TYPE_CHECKING:
    from ..workspace import Workspace

DEFAULT_GRID = "aci_avenant_2"
CONFIRMED, TO_CONFIRM = "confirmé", "à confirmer"
Status = Literal["confirmé", "à confirmer"]
if TYPE_CHECKING:
    MissionId = str
else:  # the ids of the one table of missions, as a Literal that pydantic checks
    MissionId = Literal[tuple(MISSIONS_BY_ID)]
# Keys are strings so that a grid survives a JSON round trip; YAML's `1:` is accepted.
TailleKey = Annotated[
    Literal["1", "2", "3", "4", "all"], BeforeValidator(lambda v: str(v) if type(v) is int else v)
]
MAX_GRID_BYTES = 200_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Candidate(_Model):
    """One figure a source gives for an amount the sources disagree on."""

    amount: Annotated[int, Strict(), Field(ge=0)]
    source: str = Field(min_length=1)


class Figure(_Model):
    """One amount in euros per year; `amount: null` means unknown, never zero.

    An unknown amount the sources disagree on lists each source's figure in `candidates`:
    shown side by side, never picked for the user.
    """

    # Strict: `true` or `12.5` is a typing mistake, not an amount.
    amount: Annotated[int, Strict(), Field(ge=0)] | None
    status: Status
    source: str = Field(min_length=1)
    note: str = ""
    candidates: list[Candidate] = []


ByTaille = dict[TailleKey, Figure]


class MissionAmounts(_Model):
    fixed: ByTaille = {}
    variable: ByTaille = {}


class Grid(_Model):
    """A funding grid: `kind: example` marks figures shown for illustration only."""

    id: str = Field(pattern=IDENTIFIER, max_length=60)
    label: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)
    kind: Literal["reference", "example"] = "reference"
    description: str = ""
    advance_percent: Figure
    operating: ByTaille
    letter_of_intent: ByTaille = {}
    maximum: ByTaille = {}
    missions: dict[MissionId, MissionAmounts]

    def figure(self, table: ByTaille, taille: int) -> Figure | None:
        """The figure for a taille (or the one for every taille), None if absent."""
        return table.get(str(taille)) or table.get("all")  # type: ignore[call-overload]


def parse_grid(text: str, source: str = "<texte>") -> Grid:
    """Validate a grid from YAML (or JSON) text; `DefinitionError` lists each problem."""
    data, lines = safe_yaml.load(
        text, source, max_bytes=MAX_GRID_BYTES, what="grille",
        syntax="fichier illisible (YAML ou JSON attendu) : {problem} ; vérifiez l'indentation "
               "et les « : ».",
    )
    if not isinstance(data, dict):
        raise DefinitionError(
            source,
            [
                (
                    1,
                    "le fichier doit décrire une grille (clés id, label, "
                    "text, operating, missions…).",
                )
            ],
        )
    try:
        return Grid.model_validate(data)
    except ValidationError as exc:
        problems = [(line_of(lines, tuple(e["loc"])), _grid_error(dict(e))) for e in exc.errors()]
        raise DefinitionError(source, sorted(problems, key=lambda p: p[0] or 0)) from None


def _grid_error(err: dict[str, Any]) -> str:
    if err["type"] == "literal_error" and err["loc"] and err["loc"][-1] == "status":
        return (
            f"statut « {err.get('input')} » inconnu ; écrivez « {CONFIRMED} » ou « {TO_CONFIRM} »."
        )
    if err["type"] == "greater_than_equal":
        return "un montant ne peut pas être négatif ; laissez « null » s'il est inconnu."
    if err["type"] in ("int_from_float", "int_parsing", "int_type") and err["loc"][-1] == "amount":
        return (
            f"montant « {err.get('input')} » invalide : un nombre entier d'euros sans espace "
            "(131250), ou null s'il est inconnu."
        )
    if err["type"] == "literal_error" and len(err["loc"]) >= 2 and err["loc"][0] == "missions":
        return f"mission inconnue « {err.get('input')} » ; missions : {', '.join(MISSIONS_BY_ID)}."
    if err["type"] == "literal_error" and err["loc"][-1] == "[key]":
        return f"taille « {err.get('input')} » inconnue ; utilisez 1, 2, 3, 4 ou all."
    return french_error(err)


# --- where grids come from ------------------------------------------------------------


def _shipped_files() -> list[Path]:
    return sorted((data_dir() / "aci").glob("*.yaml"))


def shipped_grids() -> dict[str, Grid]:
    """Grids shipped with the package, by id."""
    grids = {}
    for path in _shipped_files():
        grid = parse_grid(path.read_text(encoding="utf-8"), str(path))
        grids[grid.id] = grid
    return grids


@dataclass(frozen=True)
class GridSummary(View):
    id: str
    label: str
    text: str
    kind: str  # reference | example
    origin: str  # shipped | imported
    is_default: bool
    unknown_amounts: int
    imported_by: str | None
    imported_at: datetime | None


def _unknowns(grid: Grid) -> int:
    tables = [
        grid.operating,
        grid.letter_of_intent,
        grid.maximum,
        *(t for m in grid.missions.values() for t in (m.fixed, m.variable)),
    ]
    return sum(1 for t in tables for f in t.values() if f.amount is None)


def list_grids(ws: Workspace) -> list[GridSummary]:
    """Shipped then imported grids."""
    out = [
        GridSummary(
            g.id, g.label, g.text, g.kind, "shipped", g.id == DEFAULT_GRID, _unknowns(g), None, None
        )
        for g in shipped_grids().values()
    ]
    with ws.session(read_only=True) as session:
        for row in session.scalars(select(FundingGrid).order_by(FundingGrid.id)):
            g = Grid.model_validate(row.content)
            out.append(
                GridSummary(
                    g.id,
                    g.label,
                    g.text,
                    g.kind,
                    "imported",
                    False,
                    _unknowns(g),
                    row.imported_by,
                    row.imported_at,
                )
            )
    return out


def get_grid(ws: Workspace, grid_id: str | None = None) -> Grid:
    """A grid by id (shipped first, then imported); the default grid when None."""
    grid_id = grid_id or DEFAULT_GRID
    shipped = shipped_grids()
    if grid_id in shipped:
        return shipped[grid_id]
    with ws.session(read_only=True) as session:
        row = session.get(FundingGrid, grid_id)
        if row is not None:
            return Grid.model_validate(row.content)
    known = [*shipped, *(g.id for g in list_grids(ws) if g.origin == "imported")]
    raise NotFound(f"Grille « {grid_id} » introuvable.", f"Grilles : {', '.join(known)}.")


def import_grid(ws: Workspace, path: str | Path, *, replace: bool = False) -> GridSummary:
    """Validate a grid file and store it; nothing is stored if any line is wrong."""
    ws.require("reference")
    text = safe_yaml.read_file(path, max_bytes=MAX_GRID_BYTES, what="grille")
    grid = parse_grid(text, str(path))
    if grid.id in shipped_grids():
        raise Refused(
            f"« {grid.id} » est une grille livrée avec le logiciel : elle ne peut pas "
            "être remplacée.",
            "Donnez un autre id à votre grille (ex. mon_contrat_2026).",
        )
    with ws.session() as session:
        row = session.get(FundingGrid, grid.id)
        if row is not None and not replace:
            raise Refused(
                f"Une grille « {grid.id} » a déjà été importée.",
                "Demandez son remplacement pour la remplacer.",
                topic="grid_replace",
            )
        record(ws, session, "grid_replaced" if row is not None else "grid_imported", grid.id,
               {"label": grid.label, "file": Path(path).name})
        if row is None:
            row = FundingGrid(id=grid.id)
            session.add(row)
        row.label = grid.label
        row.content = grid.model_dump(mode="json")
        row.imported_by, row.imported_at = ws.actor, ws.now()
        session.flush()
        return GridSummary(
            grid.id,
            grid.label,
            grid.text,
            grid.kind,
            "imported",
            False,
            _unknowns(grid),
            row.imported_by,
            row.imported_at,
        )
