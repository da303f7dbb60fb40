"""The one seam between reports and the territory feature.

Reports need, for the communes of the projects: their department, region and population,
a project's taille, the region's population, and a coverage map. The territory feature
(`cpts_workflow.territory`) provides them through `reports_link(session)`, an object with
the methods of `TerritoryLink`; the map is drawn by `territory.coverage_map`.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session


class CommuneFacts(Protocol):
    """What reports read of a commune: the territory reference's `Commune`, as it is."""

    @property
    def insee(self) -> str: ...
    @property
    def departement(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def population(self) -> int | None: ...
    @property
    def commune_parent(self) -> str | None: ...  # an arrondissement's commune


class TerritoryLink(Protocol):
    def communes(self, codes: set[str]) -> dict[str, CommuneFacts]: ...

    def region_population(self, region: str) -> int | None: ...

    def region_name(self, region: str) -> str | None: ...

    def taille(self, population: int) -> int | None: ...

    def vintage(self) -> str: ...  # "populations légales 2023 (en vigueur au 1er janvier 2026)"


def department_of(insee: str) -> str:
    """Department from an INSEE code: `13055` → `13`, `2A004` → `2A`, `97411` → `974`."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def population_of(codes: set[str], facts: dict[str, CommuneFacts]) -> int | None:
    """Inhabitants of a set of communes, each counted once.

    An arrondissement's population is part of its commune's: an arrondissement whose
    commune is also in the set is not counted again.
    """
    known = [facts[c] for c in codes if c in facts]
    if not known or all(f.population is None for f in known):
        return None
    return sum(f.population or 0 for f in known
               if not (f.commune_parent and f.commune_parent in codes))


def load_link(session: Session) -> TerritoryLink:
    """The territory feature's link (its newest imported vintage, else the shipped reference)."""
    from ..territory import reports_link

    return reports_link(session)
