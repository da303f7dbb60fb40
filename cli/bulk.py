"""`cpts bulk`: the same change on several projects, all or nothing."""

from __future__ import annotations

import click

from .context import AppContext, pass_app
from .output import emit_json, success

PROJECTS = click.argument("projects", metavar="PROJET...", nargs=-1)
FROM = click.option("--from", "from_officer", metavar="NOM",
                    help="Aussi tous les projets de ce·tte chargé·e de mission.")
JSON = click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")


def _targets(app: AppContext, projects: tuple[str, ...], from_officer: str | None) -> list[str]:
    refs = list(projects)
    if from_officer:
        refs += [p.slug for p in app.workspace.list_projects(officer=from_officer)]
    if not refs:
        raise click.UsageError("Donnez au moins un projet (ou --from).")
    return refs


def _said(summary, as_json: bool, verb: str, verbs: str) -> None:
    from cpts_workflow.french import agree, plural

    if as_json:
        emit_json(summary)
        return
    count = len(summary.projects)
    unchanged = count - summary.changed
    tail = (f" ({plural(unchanged, 'projet')} {agree(unchanged, 'était', 'étaient')} déjà à jour)"
            if unchanged else "")
    success(f"{plural(count, 'projet')} {agree(count, verb, verbs)}{tail} : {', '.join(summary.projects)}.")


@click.group()
def bulk() -> None:
    """Une même modification sur plusieurs projets, en une transaction : tout ou rien.

    Au premier refus (projet inconnu, abandonné, élément absent…), rien n'est enregistré
    et le message nomme le projet en cause.
    """


@bulk.command("reassign")
@PROJECTS
@click.option("--to", "officer", required=True, metavar="NOM",
              help="Le ou la chargé·e de mission qui reprend les projets (\"\" : non attribué).")
@FROM
@JSON
@pass_app
def reassign(app: AppContext, projects: tuple[str, ...], officer: str, from_officer: str | None,
             as_json: bool) -> None:
    """Confie des projets à un·e autre chargé·e de mission."""
    from cpts_workflow import batch

    summary = batch.reassign(app.workspace, _targets(app, projects, from_officer), officer)
    _said(summary, as_json, "confié", "confiés")


@bulk.command("due")
@PROJECTS
@click.option("--item", required=True, metavar="ELEMENT", help="L'élément de checklist.")
@click.option("--date", "due", required=True, metavar="JJ/MM/AAAA", help="L'échéance.")
@FROM
@JSON
@pass_app
def due(app: AppContext, projects: tuple[str, ...], item: str, due: str, from_officer: str | None,
        as_json: bool) -> None:
    """Fixe la même échéance au même élément de plusieurs projets."""
    from cpts_workflow import batch

    summary = batch.set_due(app.workspace, _targets(app, projects, from_officer), item, due)
    _said(summary, as_json, "mis à jour", "mis à jour")


@bulk.command("check")
@PROJECTS
@click.option("--item", required=True, metavar="ELEMENT", help="L'élément à cocher.")
@click.option("--note", metavar="TEXTE", help="Note libre.")
@click.option("--value", metavar="VALEUR", help="Justificatif : date (JJ/MM/AAAA), nombre…")
@FROM
@JSON
@pass_app
def check(app: AppContext, projects: tuple[str, ...], item: str, note: str | None,
          value: str | None, from_officer: str | None, as_json: bool) -> None:
    """Coche le même élément sur plusieurs projets."""
    from cpts_workflow import batch

    summary = batch.check(app.workspace, _targets(app, projects, from_officer), item,
                          note=note, value=value)
    _said(summary, as_json, "mis à jour", "mis à jour")


COMMANDS = [bulk]
