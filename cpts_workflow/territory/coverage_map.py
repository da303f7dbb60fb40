"""The coverage map: communes coloured by project (or by stage), white zones hatched,
overlaps in a warning colour, a legend, and each commune's name on hover.

It is an inline SVG (embeddable in a report) or a single HTML page that opens offline.
Outlines are shipped for Provence-Alpes-Côte d'Azur only.
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
from .geo import OUTLINE_REGIONS, outlines
from .reference import Reference, departments, reference_for, regions

if TYPE_CHECKING:
    from ..workspace import Workspace

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


def _area(department: str | None, region: str | None) -> tuple[str, str | None, str]:
    if not department and not region:
        region = "93"
    kind, code, label = area_label(department, region)
    assert code is not None  # an area asked for by department or region has a code
    region_code = departments()[code].region if kind == "department" else code
    if region_code not in OUTLINE_REGIONS:
        shipped = ", ".join(f"{n} ({c})" for c, n in OUTLINE_REGIONS.items())
        where = label if kind == "region" else f"{label}, région {regions()[region_code]}"
        raise Refused(
            f"Aucun contour de commune n'est livré pour {where} : pas de carte possible.",
            f"Contours livrés : {shipped}. Les zones blanches de toute région "
            "restent disponibles, sans carte.",
        )
    return kind, code, label


def _drawn_codes(reference: Reference, kind: str, code: str) -> list[str]:
    """Outlines of the area; a split commune is drawn as its arrondissements."""
    shapes = outlines()
    split = {o.commune_parent for o in shapes.values() if o.commune_parent}
    drawn = []
    for insee in shapes:
        if insee in split:
            continue
        commune = reference.communes.get(insee)
        dep = commune.departement if commune else insee[:2]
        region = commune.region if commune else "93"
        if (kind == "department" and dep == code) or (kind == "region" and region == code):
            drawn.append(insee)
    return sorted(drawn)


def _path(code: str, project: tuple[float, float, float, float]) -> str:
    lon0, lat1, kx, ky = project
    parts = []
    for polygon in outlines()[code].polygons:
        for ring in polygon:
            points = " ".join(f"{(x - lon0) * kx:.1f},{(lat1 - y) * ky:.1f}" for x, y in ring)
            parts.append(f"M{points}Z")
    return "".join(parts)


def map_svg(
    ws: Workspace,
    *,
    department: str | None = None,
    region: str | None = None,
    color_by: str = "project",
) -> str:
    """The coverage map as one `<svg>` element (inline styles and patterns, no network)."""
    if color_by not in ("project", "stage"):
        raise BadInput(f"Couleur « {color_by} » inconnue.", "Choisissez project ou stage.")
    kind, code, label = _area(department, region)
    labels = StageLabels(ws)
    with ws.session(read_only=True) as session:
        reference = reference_for(session)
        claims = active_claims(session, inactive_for(ws))
    holders: dict[str, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        for atom in reference.atoms(claim.insee):
            holders[atom].append(claim)
    drawn = _drawn_codes(reference, kind, code or "")
    shown = {c.project_id: c for code_ in drawn for c in holders.get(code_, [])}
    ordered = sorted(shown.values(), key=lambda c: (c.name, c.slug))
    project_fill = {c.project_id: _colour(i) for i, c in enumerate(ordered)}
    stage_of = {c.project_id: c.stage for c in ordered}

    def fill_of(claim: ClaimRow) -> str:
        if color_by == "stage":
            return STAGE_COLOURS.get(stage_of[claim.project_id], "#7f7f7f")
        return project_fill[claim.project_id]

    xs = [x for c in drawn for poly in outlines()[c].polygons for x, _ in poly[0]]
    ys = [y for c in drawn for poly in outlines()[c].polygons for _, y in poly[0]]
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    # Equirectangular projection: a degree of longitude is cos(latitude) of a degree of latitude.
    kx = MAP_WIDTH / (lon1 - lon0)
    ky = kx / math.cos(math.radians((lat0 + lat1) / 2))
    projection = (lon0, lat1, kx, ky)
    map_height = (lat1 - lat0) * ky
    counts = {"gap": 0, "covered": 0, "overlap": 0}
    paths = []
    for insee in drawn:
        commune = reference.communes.get(insee)
        name = commune.nom if commune else outlines()[insee].nom
        population = commune.population if commune else None
        mine = holders.get(insee, [])
        projects = {c.project_id: c for c in mine}
        lines = [f"{name} ({insee}) — {french.number(population)} hab."]
        if not projects:
            status, fill = "gap", "url(#gap)"
            lines.append("Zone blanche : dans aucun projet")
        elif len(projects) == 1:
            status, fill = "covered", fill_of(mine[0])
            c = mine[0]
            lines.append(f"{c.name} — {labels(c)}")
        else:
            status, fill = "overlap", "url(#overlap)"
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
        paths.append(
            f'<path class="commune {status}" data-insee="{insee}" data-status="{status}" '
            f'data-projects="{escape(slugs)}" fill="{fill}" d="{_path(insee, projection)}">'
            f"<title>{escape(chr(10).join(lines))}</title></path>"
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
    defs = (
        "<defs>"
        '<pattern id="gap" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" '
        f'stroke="{GAP_GREY}" stroke-width="3"/></pattern>'
        '<pattern id="overlap" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(-45)">'
        f'<rect width="6" height="6" fill="{WARNING}"/><line x1="0" y1="0" x2="0" y2="6" '
        'stroke="#7a0010" stroke-width="2"/></pattern>'
        "</defs>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cpts-coverage-map" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="Couverture du territoire : {escape(label)}" '
        'font-family="sans-serif" font-size="12">'
        f"<title>Couverture du territoire : {escape(label)}</title>{defs}"
        '<g class="communes" stroke="#555" stroke-width="0.3" fill-rule="evenodd">'
        + "".join(paths)
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
    _, _, label = _area(department, region)
    with ws.session(read_only=True) as session:
        vintage = reference_for(session).label
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
        f"<footer>Populations : {escape(vintage)}. Sources : INSEE, COG et populations légales ; "
        "IGN, ADMIN EXPRESS (Licence Ouverte / Etalab 2.0).</footer></body></html>\n"
    )
