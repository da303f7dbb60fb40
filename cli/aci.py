"""`cpts aci`: the contract's missions, their state and the contract calendar."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .deadlines import ics_option
from .output import (
    FILE_FORMATS,
    emit_file,
    emit_json,
    emit_listing,
    emit_table,
    listing_options,
    success,
    write_private,
)

PROJECT = click.argument("project", metavar="PROJET")
MISSION_COLUMNS = [
    ("mission", "Mission"),
    ("label", "Libellé"),
    ("kind", "Nature"),
    ("start", "Démarrage au plus tard"),
    ("deployment", "Déploiement au plus tard"),
    ("state_text", "État"),
]


@click.group()
def aci() -> None:
    """Contrat ACI : missions retenues, leur état, calendrier du contrat."""


def _mission_rows(missions) -> list[dict]:
    from cpts_workflow import french

    rows = []
    for m in missions:
        state = m.state_label
        if m.started_on:
            state += f" le {french.short_date(m.started_on)}"
        if m.deployed_on:
            state = (
                f"déployée le {french.short_date(m.deployed_on)} "
                f"(démarrée le {french.short_date(m.started_on)})"
            )
        free = "au choix de la CPTS"
        rows.append(
            {
                **m.to_dict(),
                "kind": "socle" if m.core else "complémentaire",
                "start": french.short_date(m.start_deadline)
                if m.start_deadline
                else (free if not m.core else "après signature"),
                "deployment": french.short_date(m.deployment_deadline)
                if m.deployment_deadline
                else (free if not m.core else "après signature"),
                "state_text": state,
            }
        )
    return rows


@aci.command("missions")
@PROJECT
@click.option(
    "--add",
    "add",
    multiple=True,
    metavar="MISSION",
    help="Retient une mission complémentaire (qualite, accompagnement).",
)
@click.option(
    "--remove",
    "remove",
    multiple=True,
    metavar="MISSION",
    help="Écarte une mission complémentaire.",
)
@listing_options()
@pass_app
def missions(
    app: AppContext, project: str, add: tuple[str, ...], remove: tuple[str, ...], fmt: str
) -> None:
    """Affiche ou modifie les missions retenues (les quatre socles sont obligatoires)."""
    from cpts_workflow.aci.calendar import missions_of, set_missions

    ws = app.workspace
    if add or remove:
        chosen = set_missions(
            ws,
            project,
            add=[m for a in add for m in a.split(",")],
            remove=[m for r in remove for m in r.split(",")],
        )
        if fmt == "table":
            success(f"Missions retenues : {', '.join(chosen)}.")
    items = missions_of(ws, project)
    emit_listing(fmt, items, MISSION_COLUMNS, lambda: _mission_rows(items))


@aci.command("mission")
@PROJECT
@click.argument("mission_id", metavar="MISSION")
@click.option("--started", metavar="DATE", help="Date de démarrage (JJ/MM/AAAA).")
@click.option("--deployed", metavar="DATE", help="Date de déploiement complet (JJ/MM/AAAA).")
@pass_app
def mission(
    app: AppContext, project: str, mission_id: str, started: str | None, deployed: str | None
) -> None:
    """Enregistre le démarrage et/ou le déploiement complet d'une mission."""
    from cpts_workflow.aci.calendar import record_mission

    state = record_mission(app.workspace, project, mission_id, started=started, deployed=deployed)
    success(f"Mission « {state.label} » : {state.state_label}.")


CALENDAR_COLUMNS = [
    ("date", "Date"),
    ("label", "Échéance"),
    ("done", "Atteinte le"),
    ("action", "À faire"),
]


@aci.command("calendar")
@PROJECT
@ics_option("le calendrier")
@listing_options()
@pass_app
def calendar(app: AppContext, project: str, ics: Path | None, fmt: str) -> None:
    """Calendrier du contrat : démarrage et déploiement des missions, anniversaires, fin."""
    from cpts_workflow import french
    from cpts_workflow.aci.calendar import calendar_ics, project_calendar

    ws = app.workspace
    cal = project_calendar(ws, project)
    if cal.signed_on is None:
        from cpts_workflow.errors import Refused

        raise Refused(
            "Le contrat ACI de ce projet n'est pas signé : pas encore de calendrier.",
            f"Cochez la signature : cpts check {cal.project_slug} {cal.signature_item} "
            "--value JJ/MM/AAAA",
        )
    if ics:
        write_private(ics, calendar_ics(ws, cal))
    if fmt == "json":
        emit_json(cal)
        return
    rows = [
        {
            **e.to_dict(),
            "date": french.short_date(e.due_date),
            "done": french.short_date(e.done_on) if e.done_on else None,
        }
        for e in cal.entries
    ]
    if fmt in FILE_FORMATS:
        emit_file(fmt, CALENDAR_COLUMNS, rows)
        return
    click.echo(
        f"{cal.project_name} : contrat signé le {french.short_date(cal.signed_on)}, "
        f"jusqu'au {french.short_date(cal.ends_on)}"
    )
    emit_table(CALENDAR_COLUMNS, rows)
    for flag in cal.flags:
        click.echo(f"⚠ {flag.message}")
    if ics:
        success(f"Calendrier exporté : {ics}")


COMMANDS = [aci]
