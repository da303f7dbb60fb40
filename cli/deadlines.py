"""`cpts deadlines`, `cpts due`, `cpts objection`: every clock a project runs on."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_listing, listing_options, success, write_private


def ics_option(what: str):
    """`--ics FICHIER`: also write `what` as an iCalendar file."""
    return click.option("--ics", "ics", type=click.Path(path_type=Path), metavar="FICHIER",
                        help=f"Exporte aussi {what} au format iCalendar (.ics).")


DEADLINE_COLUMNS = [
    ("date", "Échéance"),
    ("when", "Quand"),
    ("project_name", "Projet"),
    ("label", "Ce qui arrive à échéance"),
    ("action", "À faire"),
]


def deadline_rows(items) -> list[dict]:
    from cpts_workflow import french

    return [
        {**d.to_dict(), "date": french.short_date(d.due_date), "when": d.status_label}
        for d in items
    ]


@click.command()
@click.option(
    "--officer", metavar="NOM", help="Seulement les projets de ce·tte chargé·e de mission."
)
@click.option(
    "--department",
    metavar="CODE",
    help="Seulement les projets ayant une commune dans ce département (ex. 13, 2A, 974).",
)
@click.option(
    "--within",
    type=int,
    metavar="JOURS",
    help="Seulement ce qui échoit dans les N prochains jours (et ce qui est en retard).",
)
@click.option(
    "--overdue", is_flag=True, help="Seulement ce qui est en retard ou dont le délai est écoulé."
)
@ics_option("les échéances")
@listing_options()
@pass_app
def deadlines(
    app: AppContext,
    officer: str | None,
    department: str | None,
    within: int | None,
    overdue: bool,
    ics: Path | None,
    fmt: str,
) -> None:
    """Échéances à venir et en retard de tous les projets, la plus proche d'abord."""
    from cpts_workflow.deadlines import deadlines as collect
    from cpts_workflow.deadlines import deadlines_ics

    ws = app.workspace
    items = collect(ws, officer=officer, department=department, within=within, overdue_only=overdue)
    if ics:
        write_private(ics, deadlines_ics(ws, items))
    emit_listing(
        fmt,
        items,
        DEADLINE_COLUMNS,
        lambda: deadline_rows(items),
        csv_columns=[("project_slug", "Identifiant"), *DEADLINE_COLUMNS, ("status", "Statut")],
        empty="Aucune échéance.",
    )
    if ics and fmt == "table":  # JSON and CSV keep stdout to the data alone
        success(f"Échéances exportées : {ics}")


@click.command()
@click.argument("project", metavar="PROJET")
@click.argument("item", metavar="ELEMENT")
@click.argument("due", metavar="DATE")
@pass_app
def due(app: AppContext, project: str, item: str, due: str) -> None:
    """Fixe l'échéance d'un élément de checklist (sans changer son état)."""
    from cpts_workflow import french

    view = app.workspace.set_due(project, item, due)
    success(f"Échéance de « {view.label} » : {french.short_date(view.due_date)}.")


@click.command()
@click.argument("project", metavar="PROJET")
@click.option(
    "--ground",
    required=True,
    type=click.Choice(["sraps", "territoire"]),
    help="Motif : sraps (objectifs du projet régional de santé) ou territoire "
    "(territoire non pertinent).",
)
@click.option(
    "--date", "on", required=True, metavar="DATE", help="Date de l'opposition (JJ/MM/AAAA)."
)
@click.option("--note", metavar="TEXTE", help="Précisions (références du courrier…).")
@pass_app
def objection(app: AppContext, project: str, ground: str, on: str, note: str | None) -> None:
    """Enregistre l'opposition de l'ARS au projet de santé (retour à cette étape)."""
    from cpts_workflow.objection import record_objection

    result = record_objection(app.workspace, project, ground=ground, on=on, note=note)
    success(f"{result.name} : opposition enregistrée ; étape « {result.stage_label} ».")


COMMANDS = [deadlines, due, objection]
