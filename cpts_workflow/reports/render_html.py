"""The self-contained HTML reports: one file, inline CSS, SVG and a few lines of script."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import french
from . import charts
from .tabular import FLAG_LABELS, event_detail, percent
from .views import Portfolio, ProjectReport

if TYPE_CHECKING:
    from ..workflow.definition import WorkflowDefinition

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2"]))
    env.globals.update(
        number=french.number, plural=french.plural, percent=percent, date=french.short_date,
        flag_labels=FLAG_LABELS, event_detail=event_detail,
        minibar=lambda done, total: Markup(charts.progress_bar_svg(done, total)),
    )
    return env


def _filters_text(report: Portfolio) -> str:
    f = report.filters
    parts = [
        f"chargé·e de mission {f.officer}" if f.officer else "",
        f"département {f.department}" if f.department else "",
        f"étape {f.stage}" if f.stage else "",
        f"activité depuis le {french.short_date(f.since)}" if f.since else "",
    ]
    return " · ".join(p for p in parts if p)


def portfolio_html(report: Portfolio, stage_order: dict[str, int], map_svg: str | None = None) -> str:
    """The portfolio as one HTML page (`map_svg`: the territory feature's coverage map)."""
    counts = {flag: sum(1 for r in report.projects if flag in r.flags)
              for flag in ("stalled", "paused", "overlap")}
    return _environment().get_template("portfolio.html.j2").render(
        title="Portefeuille des projets de CPTS",
        generated=french.short_date(report.generated_at),
        filters=_filters_text(report),
        p=report,
        counts=counts,
        active=sum(1 for r in report.projects if r.status == "active"),
        funnel_svg=Markup(charts.funnel_svg(report.funnel)),
        durations_svg=Markup(charts.durations_svg(report.durations)),
        map_svg=Markup(map_svg) if map_svg else None,
        stage_order=stage_order,
    )


def project_html(report: ProjectReport, definition: WorkflowDefinition | None = None) -> str:
    """One project's timeline, progress, members and history as one HTML page."""
    return _environment().get_template("project.html.j2").render(
        title=f"{report.project.name} — rapport",
        generated=french.short_date(report.generated_at),
        p=report,
        definition=definition,
    )
