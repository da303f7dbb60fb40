"""Deadlines across the portfolio: what is late and what comes next, by officer."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpts_workflow.deadlines import deadlines

from ..context import CurrentWorkspace
from ..render import page

router = APIRouter()
WINDOWS = (30, 60, 90, 180, 365)


@router.get("/echeances")
def deadlines_page(request: Request, ws: CurrentWorkspace) -> Response:
    within = request.query_params.get("jours", "60")
    days = int(within) if within.isdigit() and int(within) in WINDOWS else 60
    officer = (request.query_params.get("officer") or "").strip()[:200] or None
    found = deadlines(ws, officer=officer, within=days)
    by_officer: dict[str, dict[str, list]] = defaultdict(lambda: {"late": [], "upcoming": []})
    for d in found:
        by_officer[d.officer or "Non attribué"]["late" if d.status != "upcoming" else "upcoming"].append(d)
    officers = sorted({p.officer for p in ws.list_projects() if p.officer})
    return page(request, "deadlines.html.j2", title="Échéances", groups=sorted(by_officer.items()),
                days=days, windows=WINDOWS, officer=officer, officers=officers,
                late=sum(1 for d in found if d.status != "upcoming"), total=len(found))
