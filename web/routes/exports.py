"""Downloads: the portfolio and a project's report as CSV, JSON or one HTML file."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpts_workflow.reports import portfolio, project_report, queries, render_html, tabular
from cpts_workflow.views import to_jsonable

from ..context import CurrentWorkspace

router = APIRouter(prefix="/export")


def _download(body: str, media: str, name: str) -> Response:
    return Response(body.encode("utf-8"), media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> str:
    # Semicolons and a BOM: what a French spreadsheet opens as columns, accents intact.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([h for _, h in columns])
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in columns])
    return "\ufeff" + buffer.getvalue()


def _json(data: Any) -> str:
    return json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n"


@router.get("/portefeuille.{fmt}")
def portfolio_export(fmt: str, request: Request, ws: CurrentWorkspace) -> Response:
    params = request.query_params
    report = portfolio(ws, officer=params.get("officer") or None, stage=params.get("etape") or None,
                       department=params.get("dep") or None)
    day = report.generated_at.date().isoformat()
    if fmt == "csv":
        return _download(_csv(tabular.PORTFOLIO_CSV_COLUMNS, tabular.portfolio_rows(report, for_csv=True)),
                         "text/csv", f"portefeuille-{day}.csv")
    if fmt == "json":
        return _download(_json(report), "application/json", f"portefeuille-{day}.json")
    if fmt == "html":
        order = {s: i for i, s in enumerate(ws.definition().stage_ids)}
        html = render_html.portfolio_html(report, order, queries.coverage_map(ws, report))
        return _download(html, "text/html", f"portefeuille-{day}.html")
    from cpts_workflow.errors import NotFound

    raise NotFound("Format d'export inconnu : choisissez csv, json ou html.")


@router.get("/projets/{ref}.{fmt}")
def project_export(ref: str, fmt: str, ws: CurrentWorkspace) -> Response:
    report = project_report(ws, ref)
    slug = report.project.slug
    if fmt == "json":
        return _download(_json(report), "application/json", f"{slug}.json")
    if fmt == "csv":
        return _download(_csv(tabular.TIMELINE_COLUMNS, tabular.timeline_rows(report)),
                         "text/csv", f"{slug}-etapes.csv")
    if fmt == "html":
        definition = ws.definition(report.project.workflow_id, report.project.workflow_version)
        return _download(render_html.project_html(report, definition), "text/html", f"{slug}.html")
    from cpts_workflow.errors import NotFound

    raise NotFound("Format d'export inconnu : choisissez csv, json ou html.")
