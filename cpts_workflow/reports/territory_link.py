"""The one seam between reports and the territory feature.

Reports need, for the communes of the projects: their department, region and population,
a project's taille, the region's population, and a coverage map. The territory feature
(`cpts_workflow.territory`) provides them when it is installed, through a
`reports_link(session)` function returning an object with the methods of
`TerritoryLink`. Without it, reports fall back to the `reference_communes` table (its
newest vintage) when a base holds one, and otherwise show no population, no taille, no
coverage and no map (departments are then read from the INSEE codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import ReferenceCommune, ReferenceVintage


@dataclass(frozen=True)
class CommuneFacts:
    insee: str
    name: str
    department: str
    region: str
    population: int | None
    parent: str | None  # for a municipal arrondissement, the commune it belongs to


class TerritoryLink(Protocol):
    def communes(self, codes: set[str]) -> dict[str, CommuneFacts]: ...

    def region_population(self, region: str) -> int | None: ...

    def region_name(self, region: str) -> str | None: ...

    def taille(self, population: int) -> int | None: ...

    def coverage_map_svg(self, stage_by_insee: dict[str, str], region: str) -> str | None: ...


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
    return sum(f.population or 0 for f in known if not (f.parent and f.parent in codes))


class _ReferenceTable:
    """Fallback on the `reference_communes` table of the base (newest vintage)."""

    def __init__(self, session: Session, vintage: int) -> None:
        self.session, self.vintage = session, vintage

    def communes(self, codes: set[str]) -> dict[str, CommuneFacts]:
        rows = self.session.execute(
            select(ReferenceCommune).where(ReferenceCommune.vintage_id == self.vintage)
        ).scalars()
        return {
            r.insee: CommuneFacts(r.insee, r.nom, r.departement, r.region, r.population,
                                  r.commune_parent)
            for r in rows
            if r.insee in codes
        }

    def region_population(self, region: str) -> int | None:
        total = self.session.scalar(
            select(func.sum(ReferenceCommune.population)).where(
                ReferenceCommune.vintage_id == self.vintage,
                ReferenceCommune.region == region,
                ReferenceCommune.type == "COM",
            )
        )
        return int(total) if total else None

    def region_name(self, region: str) -> str | None:
        return {"93": "Provence-Alpes-Côte d'Azur"}.get(region)

    def taille(self, population: int) -> int | None:
        from ..taille import taille

        return taille(population)

    def coverage_map_svg(self, stage_by_insee: dict[str, str], region: str) -> str | None:
        return None


def load_link(session: Session) -> TerritoryLink | None:
    """The territory feature's link, else the reference table's, else None."""
    try:
        from .. import territory  # type: ignore[attr-defined]

        link = territory.reports_link(session)  # type: ignore[attr-defined]
        if link is not None:
            return link
    except (ImportError, AttributeError):
        pass
    vintage = session.scalar(select(func.max(ReferenceVintage.id)))
    return _ReferenceTable(session, vintage) if vintage is not None else None
