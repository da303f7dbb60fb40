"""Reports as flat rows with French headers, for terminal tables and CSV files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import french
from ..views import EventView
from .views import Portfolio, PortfolioRow, ProjectReport, StalledRow

if TYPE_CHECKING:
    from ..workflow.definition import WorkflowDefinition

FLAG_LABELS = {"stalled": "bloqué", "paused": "en pause", "overlap": "chevauchement",
               "abandoned": "abandonné"}

PORTFOLIO_COLUMNS = [
    ("slug", "Projet"), ("stage", "Étape"), ("days_in_stage", "Jours"),
    ("checklist", "Checklist"), ("last_event", "Dernier événement"),
    ("last_event_date", "Le"), ("officer", "Chargé·e de mission"),
    ("departments", "Dép."), ("population", "Population"), ("taille", "Taille"),
    ("flags", "Signaux"), ("next", "Prochaine étape"), ("partners_text", "Partenaires"),
]
# CSV keeps raw numbers and JJ/MM/AAAA dates, which a French spreadsheet reads as numbers
# and dates.
PORTFOLIO_CSV_COLUMNS = [
    ("id", "N°"), ("slug", "Identifiant"), ("name", "Nom"), ("stage_label", "Étape"),
    ("status", "Statut"), ("days_in_stage", "Jours dans l'étape"),
    ("checklist_done", "Éléments faits"), ("checklist_total", "Éléments de l'étape"),
    ("last_event_label", "Dernier événement"), ("last_event_day", "Date du dernier événement"),
    ("officer", "Chargé·e de mission"), ("departments", "Départements"),
    ("communes", "Communes"), ("population", "Population"), ("taille", "Taille"),
    ("flags", "Signaux"), ("last_note", "Dernière note"), ("last_note_day", "Date de la note"),
    ("next_step", "Prochaine étape"), ("next_step_day", "Date de la prochaine étape"),
    ("partners_text", "Partenaires"),
]
STALLED_COLUMNS = [
    ("slug", "Projet"), ("stage", "Étape"), ("silent", "Sans activité depuis"),
    ("last_event_date", "Dernier événement"), ("officer", "Chargé·e de mission"),
    ("blocking", "Éléments requis qui bloquent"),
]
TIMELINE_COLUMNS = [("label", "Étape"), ("entered", "Entrée"), ("left", "Sortie"),
                    ("days", "Jours")]


def flags_text(flags: list[str]) -> str:
    return ", ".join(FLAG_LABELS.get(f, f) for f in flags)


def stage_text(row: PortfolioRow) -> str:
    return row.position_label + (" (en pause)" if row.status == "paused" else "")


def portfolio_rows(report: Portfolio, for_csv: bool = False) -> list[dict[str, Any]]:
    rows = []
    for r in report.projects:
        base = r.to_dict()
        base["partners_text"] = " ; ".join(r.partners) or None
        if for_csv:
            base.update(last_note_day=french.short_date(r.last_note_on) if r.last_note_on else None,
                        next_step_day=french.short_date(r.next_step_on) if r.next_step_on else None)
            base.update(departments=", ".join(r.departments), flags=flags_text(r.flags),
                        stage_label=stage_text(r),
                        last_event_day=french.short_date(r.last_event_at) if r.last_event_at else None)
        else:
            base.update(
                stage=stage_text(r), checklist=f"{r.checklist_done}/{r.checklist_total}",
                last_event=r.last_event_label, last_event_date=french.short_date(r.last_event_at),
                departments=", ".join(r.departments) or None,
                population=french.number(r.population) if r.population is not None else None,
                flags=flags_text(r.flags) or None,
                next=r.next_step and (r.next_step + (f" (le {french.short_date(r.next_step_on)})"
                                                     if r.next_step_on else "")),
            )
        rows.append(base)
    return rows


def summary_lines(report: Portfolio) -> list[str]:
    """The summary figures, as short French lines under the table."""
    lines = ["Projets par étape : " + " · ".join(
        f"{c.label} {c.count}" + (f" (dont {c.paused} en pause)" if c.paused else "")
        for c in report.funnel)]
    if report.abandoned:
        lines.append(f"Abandonnés : {report.abandoned}")
    durations = [f"{d.label} {french.number(d.median_days)} j (n={d.finished})"
                 for d in report.durations if d.median_days is not None]
    lines.append("Durée médiane des étapes terminées : " + (" · ".join(durations) or "—"))
    lines.append("Projets par chargé·e de mission : " + (" · ".join(
        f"{o.officer or 'non attribué'} {o.count}" for o in report.officers) or "—"))
    if report.coverage:
        c = report.coverage
        lines.append(
            f"Population couverte ({c.region_name or c.region}) : {percent(c.share)} de "
            f"{french.plural(c.region_population, 'habitant')} — " + " · ".join(
                f"{s.label} {percent(s.share)}" for s in c.stages if s.population))
    if report.population_vintage and any(r.population is not None for r in report.projects):
        lines.append(f"Populations : {report.population_vintage}")
    return lines


def stalled_rows(report: list[StalledRow]) -> list[dict[str, Any]]:
    return [
        {**s.project.to_dict(), "stage": stage_text(s.project),
         "silent": french.plural(s.project.days_since_last_event or 0, "jour"),
         "last_event_date": french.short_date(s.project.last_event_at),
         "blocking": " ; ".join(b["label"] for b in s.blocking) or "—"}
        for s in report
    ]


def timeline_rows(report: ProjectReport) -> list[dict[str, Any]]:
    return [{"label": v.label, "entered": french.short_date(v.entered_at),
             "left": french.short_date(v.left_at) if v.left_at else "en cours", "days": v.days}
            for v in report.timeline]


def percent(share: float) -> str:
    """`0.1234` → `12,3 %`."""
    return f"{french.number(share * 100, 1)} %"


def event_detail(event: EventView, definition: WorkflowDefinition | None = None) -> str:
    """What an event concerns, in a few words (labels when the definition is given)."""

    def stage(state: str | None) -> str:
        return definition.state_label(state) if definition and state else state or "—"

    said = f"{event.kind_label} : "
    if event.description and event.description.startswith(said):
        # What changed, already in words (see `history_text`); a note's text is in it.
        parts = [event.description[len(said):]]
        if event.comment and event.kind != "note_added":
            parts.append(event.comment)
        return " · ".join(parts)
    parts = []
    if event.from_stage or event.to_stage:
        parts.append(f"{stage(event.from_stage)} → {stage(event.to_stage)}")
    if event.item_id:
        known = definition is not None and definition.has_item(event.item_id)
        parts.append(definition.item(event.item_id)[1].label if definition is not None and known
                     else event.item_id)
    if event.comment:
        parts.append(event.comment)
    return " · ".join(parts)
