"""Territory of a CPTS: the communes reference, population and taille, overlaps between
projects, white zones, and the coverage map.

`taille` is the ACI size rule (it lives in `aci.taille`); the other helpers are imported
lazily so that `from cpts_workflow.territory import taille` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..aci.taille import TAILLE_LABELS, taille

if TYPE_CHECKING:
    from ..reports.territory_link import CommuneFacts

__all__ = ["TAILLE_LABELS", "taille", "project_population"]


def project_population(session_or_ws: Any, project_id: int) -> tuple[int, str]:
    """Population of a project's territory and the label of the vintage it comes from.

    Accepts a `Workspace` (opens its own transaction) or an open SQLAlchemy `Session`.
    An arrondissement and its commune in the same territory are counted once.
    """
    from .coverage import project_population as compute

    return compute(session_or_ws, project_id)


def reports_link(session: Any) -> Any:
    """What portfolio reports read from the territory: see `reports.territory_link`."""
    from .reference import reference_for, regions

    reference = reference_for(session)

    class _Link:
        def communes(self, codes: set[str]) -> dict[str, CommuneFacts]:
            # The reference's own records: a national report asks for 30 000 of them.
            known = reference.communes
            return {c: known[c] for c in codes if c in known}

        def region_population(self, region: str) -> int | None:
            return sum(c.population or 0 for c in reference.in_area(region=region)
                       if c.type == "COM") or None

        def region_name(self, region: str) -> str | None:
            return regions().get(region)

        def taille(self, population: int) -> int | None:
            return taille(population)

        def vintage(self) -> str:
            return reference.label

    return _Link()
