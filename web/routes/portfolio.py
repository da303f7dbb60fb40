"""The home page: the portfolio's figures and charts and the project table."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from cpts_workflow.reports import charts, latest_portfolio
from cpts_workflow.workspace import Workspace

from ..context import CurrentWorkspace, display_name
from ..listing import SORTS, STATUSES, Query, select_rows
from ..render import kept_page

router = APIRouter()


def stage_options(ws: Workspace) -> list[tuple[str, str]]:
    definition = ws.definition()
    return [(s.id, s.label) for s in definition.stages] + \
        [(s.id, s.label) for s in definition.side_states]


@router.get("/")
def home(request: Request, ws: CurrentWorkspace) -> Response:
    from .porteurs import porteur_home

    if (mine := porteur_home(request, ws)) is not None:
        return mine
    return kept_page(request, ws, _template(request), lambda: _home_context(request, ws))


def _template(request: Request) -> str:
    """The project table alone when htmx asks for it (filters, sort, pages), else the page."""
    fragment = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "projects"
    return "_projects_table.html.j2" if fragment else "portfolio.html.j2"


def _home_context(request: Request, ws: Workspace) -> dict[str, Any]:
    query = Query.from_params(request.query_params)
    figures = ws.shared.snapshots.get(ws, "portfolio-page", (query.officer, query.department, query.stage),
                                      lambda: _figures(ws, query))
    listing = select_rows(figures["report"].projects, query, request.app.state.settings.page_size,
                          me=display_name(request))
    return {
        "query": query, "listing": listing, "sorts": SORTS,
        "link": lambda **changes: "?" + urlencode(query.params(**changes)),
        "export_query": urlencode({k: v for k, v in query.params().items()
                                   if k in ("officer", "etape", "dep")}),
        "title": "Portefeuille", "stages": stage_options(ws), "statuses": STATUSES, **figures,
    }


def _figures(ws: Workspace, query: Query) -> dict[str, Any]:
    """What the home page shows of a report, computed once per change of the base."""
    report = latest_portfolio(ws, officer=query.officer, department=query.department, stage=query.stage)
    # Unfiltered, the report already names every officer; filtered, ask for them all.
    filtered = query.officer or query.stage or query.department
    officers = sorted({p.officer for p in ws.list_projects() if p.officer} if filtered
                      else {o.officer for o in report.officers if o.officer})
    return {
        "report": report,
        "counts": {flag: sum(1 for r in report.projects if flag in r.flags)
                   for flag in ("stalled", "paused", "overlap")},
        "active": sum(1 for r in report.projects if r.status == "active"),
        "funnel_svg": Markup(charts.funnel_svg(report.funnel)),
        "durations_svg": Markup(charts.durations_svg(report.durations)),
        "officers": officers,
    }
