"""Commune outlines shipped with the package (PACA only) and the borders they share."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from functools import lru_cache
from typing import Any, NamedTuple

from ..resources import data_dir

# Regions whose outlines are shipped; elsewhere the map and shared borders are unavailable.
OUTLINE_REGIONS = {"93": "Provence-Alpes-Côte d'Azur"}

Ring = list[tuple[float, float]]


class Outline(NamedTuple):
    insee: str
    nom: str
    type: str
    commune_parent: str | None
    polygons: list[list[Ring]]  # polygons → rings (outer first) → (lon, lat)


@lru_cache(maxsize=1)
def outlines() -> dict[str, Outline]:
    """Outlines of the PACA communes and Marseille's arrondissements, by INSEE code."""
    with gzip.open(data_dir() / "communes_paca.geojson.gz", "rt", encoding="utf-8") as fh:
        collection: dict[str, Any] = json.load(fh)
    found = {}
    for feature in collection["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        found[props["insee"]] = Outline(
            props["insee"],
            props["nom"],
            props["type"],
            props.get("commune_parent"),
            [[[(x, y) for x, y in ring] for ring in polygon] for polygon in polygons],
        )
    return found


@lru_cache(maxsize=1)
def shared_borders() -> dict[str, frozenset[str]]:
    """Code → codes of the outlines it touches (a shared vertex of the simplified outlines).

    A commune and its own arrondissements are not neighbours of each other.
    """
    by_point: dict[tuple[float, float], set[str]] = defaultdict(set)
    for outline in outlines().values():
        for polygon in outline.polygons:
            for ring in polygon:
                for point in ring:
                    by_point[point].add(outline.insee)
    touching: dict[str, set[str]] = defaultdict(set)
    for codes in by_point.values():
        if len(codes) > 1:
            for code in codes:
                touching[code] |= codes
    family = {o.insee: o.commune_parent for o in outlines().values() if o.commune_parent}
    result = {}
    for code, others in touching.items():
        parent = family.get(code)
        result[code] = frozenset(
            other
            for other in others
            if other != code and other != parent and family.get(other) != code
        )
    return result
