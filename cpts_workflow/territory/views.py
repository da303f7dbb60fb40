"""What the territory functions return: frozen records with a stable JSON form."""

from __future__ import annotations

from dataclasses import dataclass

from ..views import View


@dataclass(frozen=True)
class CommuneRow(View):
    insee: str
    nom: str
    type: str  # COM | ARM
    departement: str
    region: str
    epci_siren: str | None
    epci_nom: str | None
    population: int | None
    forced_reason: str | None = None


@dataclass(frozen=True)
class Claim(View):
    """One project holding a commune."""

    project: str  # slug
    project_name: str
    stage: str
    stage_label: str
    insee: str  # the code the project holds (a commune or an arrondissement)
    forced_reason: str | None


@dataclass(frozen=True)
class Overlap(View):
    """A commune (or arrondissement) held by two active projects or more."""

    insee: str
    nom: str
    population: int | None
    resolved: bool  # one of the projects forced it with a reason
    claims: list[Claim]


@dataclass(frozen=True)
class OverlapReport(View):
    vintage: str  # where the populations come from
    overlaps: list[Overlap]


@dataclass(frozen=True)
class Neighbour(View):
    project: str
    project_name: str
    stage_label: str
    communes: list[str]  # their communes touching this territory


@dataclass(frozen=True)
class TerritoryView(View):
    project: str
    project_name: str
    stage: str
    stage_label: str
    communes: list[CommuneRow]
    commune_count: int
    population: int
    taille: int | None  # None while the territory is empty
    taille_label: str | None
    vintage: str
    missing_population: list[str]
    overlaps: list[Overlap]
    neighbours: list[Neighbour]
    neighbour_basis: str  # outlines (shared borders, PACA) | epci (same intercommunality)


@dataclass(frozen=True)
class TerritoryChange(View):
    project: str
    action: str  # added | removed
    codes: list[str]
    unchanged: list[str]  # already there (add) — nothing to do for them
    forced: dict[str, list[str]]  # code → other projects holding it
    commune_count: int
    population: int
    taille: int | None
    vintage: str


@dataclass(frozen=True)
class GapsView(View):
    area: str  # department | region | france
    area_code: str | None
    area_label: str
    vintage: str
    communes_total: int
    population_total: int
    covered_communes: int
    covered_population: int
    partial: list[str]  # communes only some of whose arrondissements are covered
    gaps: list[CommuneRow]
    gap_population: int
