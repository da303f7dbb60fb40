"""The region: coverage map, communes held by two projects, white zones by department."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from cpts_workflow.errors import CptsError
from cpts_workflow.reports import portfolio
from cpts_workflow.territory.coverage import gaps, overlaps
from cpts_workflow.territory.coverage_map import map_svg
from cpts_workflow.territory.reference import departments

from ..context import CurrentWorkspace
from ..render import page

router = APIRouter()


@router.get("/region")
def region_page(request: Request, ws: CurrentWorkspace) -> Response:
    report = portfolio(ws)
    coverage = report.coverage
    region = coverage.region if coverage else None
    svg = None
    if region:
        try:
            svg = Markup(map_svg(ws, region=region, color_by="stage"))
        except CptsError:
            svg = None  # no outlines shipped for this region
    in_region = sorted(code for code, d in departments().items() if d.region == region) if region else []
    wanted = request.query_params.get("dep")
    chosen = wanted if wanted in in_region else (in_region[0] if in_region else None)
    white = gaps(ws, department=chosen) if chosen else None
    return page(request, "region.html.j2", title="Région", coverage=coverage, map_svg=svg,
                overlaps=overlaps(ws), departments=[(c, departments()[c].nom) for c in in_region],
                chosen=chosen, white=white)
