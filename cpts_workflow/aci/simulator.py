"""What a CPTS may receive each year under a grid: fonctionnement, fixed and variable
part per mission, the total, the maximum, the 75 % advance at each mission start.

An unknown amount is never counted as zero: it is left out of the total and the total
is flagged as partial. Every figure keeps its grid status (confirmé / à confirmer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..errors import Refused
from .calendar import chosen_missions, mission_rows
from .grids import CONFIRMED, TO_CONFIRM, Figure, Grid, get_grid
from .missions import CORE_MISSIONS, MISSIONS_BY_ID, parse_missions
from .taille import taille as taille_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..workspace import Workspace

from ..views import View


@dataclass(frozen=True)
class Amount(View):
    """A figure of the simulation; `amount` None means unknown (not counted)."""

    amount: int | None
    status: str  # confirmé | à confirmer | inconnu
    source: str
    note: str = ""


@dataclass(frozen=True)
class MissionFunding(View):
    mission: str
    label: str
    core: bool
    fixed: Amount
    variable: Amount
    advance: Amount  # share of the fixed part advanced at the mission's start


@dataclass(frozen=True)
class Simulation(View):
    grid_id: str
    grid_label: str
    grid_kind: str
    project_slug: str | None
    population: int
    taille: int
    operating: Amount
    missions: list[MissionFunding]
    total: int
    total_partial: bool
    total_status: str
    unknown: list[str]  # French labels of the figures left out of the total
    maximum: Amount
    over_maximum: bool | None
    advance_percent: int | None
    population_vintage: str | None = None  # a project's population: the reference it comes from


UNKNOWN = "inconnu"


def _amount(figure: Figure | None, missing: str) -> Amount:
    if figure is None:
        return Amount(None, UNKNOWN, missing)
    return Amount(
        figure.amount,
        figure.status if figure.amount is not None else UNKNOWN,
        figure.source,
        figure.note,
    )


def simulate(
    grid: Grid,
    population: int,
    missions: Iterable[str] | None = None,
    *,
    project_slug: str | None = None,
) -> Simulation:
    """Yearly maximum funding for `population` and the chosen missions (default: the four
    core ones) under `grid`."""
    size = taille_of(population)
    mission_ids = parse_missions(list(missions)) if missions is not None else list(CORE_MISSIONS)
    missing_core = [m for m in CORE_MISSIONS if m not in mission_ids]
    if missing_core:
        raise Refused(
            "Les quatre missions socles sont obligatoires ; il manque : "
            f"{', '.join(missing_core)}.",
            "Ajoutez-les aux missions choisies.",
        )
    advance = grid.advance_percent
    operating = _amount(grid.figure(grid.operating, size), "Absent de la grille")
    lines = []
    for mission_id in mission_ids:
        m = MISSIONS_BY_ID[mission_id]
        amounts = grid.missions.get(mission_id)
        absent = f"Mission absente de la grille « {grid.label} »"
        fixed = _amount(grid.figure(amounts.fixed, size) if amounts else None, absent)
        variable = _amount(grid.figure(amounts.variable, size) if amounts else None, absent)
        if fixed.amount is None or advance.amount is None:
            adv = Amount(
                None, UNKNOWN, "Part fixe inconnue" if fixed.amount is None else advance.source
            )
        else:
            both = CONFIRMED if CONFIRMED == fixed.status == advance.status else TO_CONFIRM
            adv = Amount(
                round(fixed.amount * advance.amount / 100),
                both,
                f"{advance.amount} % de la part fixe ({advance.source})",
                "proratisée jusqu'au prochain anniversaire du contrat",
            )
        lines.append(MissionFunding(m.id, m.label, m.core, fixed, variable, adv))
    parts = [("Fonctionnement", operating)] + [
        (f"{kind} « {line.label} »", amount)
        for line in lines
        for kind, amount in (("Part fixe", line.fixed), ("Part variable", line.variable))
    ]
    known = [a for _, a in parts if a.amount is not None]
    unknown = [label for label, a in parts if a.amount is None]
    total = sum(a.amount or 0 for a in known)
    maximum = _amount(grid.figure(grid.maximum, size), "Absent de la grille")
    return Simulation(
        grid.id,
        grid.label,
        grid.kind,
        project_slug,
        population,
        size,
        operating,
        lines,
        total,
        bool(unknown),
        CONFIRMED if known and all(a.status == CONFIRMED for a in known) else TO_CONFIRM,
        unknown,
        maximum,
        None if maximum.amount is None else total > maximum.amount,
        advance.amount,
    )


def simulate_project(
    ws: Workspace, ref: str | int, *, grid_id: str | None = None, population: int | None = None
) -> Simulation:
    """Simulate with the project's chosen missions and its territory's population
    (`population` given instead: a territory not yet drawn, or another hypothesis)."""
    vintage: str | None = None
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        slug = project.slug
        missions = chosen_missions(mission_rows(session, [project.id])[project.id])
        if population is None:
            found = territory_population(session, project.id)
            if found is not None:
                population, vintage = found
    if population is None:
        raise Refused(
            f"Population inconnue pour le projet « {slug} » : son territoire n'a aucune commune.",
            "Ajoutez les communes de son territoire, ou donnez une population.",
        )
    result = simulate(get_grid(ws, grid_id), population, missions, project_slug=slug)
    return replace(result, population_vintage=vintage)


def territory_population(session: Session, project_id: int) -> tuple[int, str] | None:
    """Inhabitants of a project's communes (each counted once) and the vintage of the
    figures; None without communes."""
    from ..territory.coverage import project_population

    population, vintage = project_population(session, project_id)
    return (population, vintage) if population else None
