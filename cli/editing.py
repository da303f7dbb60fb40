"""`cpts edit` and `cpts delete`: fix a project's name, officer or slug; delete one created
by mistake."""

from __future__ import annotations

import click

from .context import AppContext, pass_app
from .output import emit_json, success

PROJECT = click.argument("project", metavar="PROJET")


@click.command()
@PROJECT
@click.option("--name", metavar="NOM", help="Nouveau nom (l'identifiant court ne change pas).")
@click.option("--officer", metavar="NOM",
              help="Chargé·e de mission (identifiant ou nom de son compte ; \"\" : non attribué).")
@click.option("--slug", metavar="IDENTIFIANT",
              help="Nouvel identifiant court ; l'ancien mène toujours au projet.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def edit(app: AppContext, project: str, name: str | None, officer: str | None, slug: str | None,
         as_json: bool) -> None:
    """Renomme un projet, change son ou sa chargé·e de mission ou son identifiant court."""
    if name is None and officer is None and slug is None:
        raise click.UsageError("Rien à modifier : donnez --name, --officer ou --slug.")
    summary = app.workspace.update_project(project, name=name, officer=officer, slug=slug)
    if as_json:
        emit_json(summary)
        return
    success(f"{summary.name} ({summary.slug}) : chargé·e de mission "
            f"{summary.officer or 'non attribué'}.")


@click.command()
@PROJECT
@click.option("--reason", required=True, metavar="TEXTE", help="Pourquoi le supprimer (gardé dans la base).")
@click.option("--force", is_flag=True, help="Supprime même un projet qui a un historique.")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@pass_app
def delete(app: AppContext, project: str, reason: str, force: bool, yes: bool) -> None:
    """Supprime un projet créé par erreur (définitif ; la suppression reste tracée).

    Refusé dès que le projet a un historique au-delà de sa création, sauf avec --force :
    abandonner un projet le garde consultable.
    """
    from cpts_workflow.deletion import delete_project

    from .prompts import confirm

    ws = app.workspace
    if not yes:
        summary = ws.project(project)
        confirm(f"Supprimer définitivement le projet « {summary.name} » ?")
    done = delete_project(ws, project, reason=reason, force=force)
    success(f"Projet « {done.name} » supprimé.")


@click.command()
@click.argument("text", metavar="TEXTE")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True,
              metavar="N", help="Au plus N projets.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def search(app: AppContext, text: str, limit: int, as_json: bool) -> None:
    """Cherche un projet par son nom, une commune, un membre ou une note du journal.

    Sans tenir compte des majuscules ni des accents ; les projets dont le nom contient le
    texte viennent d'abord, puis ceux d'une commune, d'un membre, d'une note.
    """
    from cpts_workflow.search import search as find

    from .output import emit_table

    hits = find(app.workspace, text, limit=limit)
    if as_json:
        emit_json(hits)
        return
    if not hits:
        click.echo(f"Aucun projet ne correspond à « {text} ».")
        return
    emit_table([("slug", "Identifiant"), ("name", "Nom"), ("stage_label", "Étape"),
                ("found", "Trouvé dans")],
               [{**h.to_dict(), "found": f"{h.found_in_label} : {h.excerpt}"} for h in hits])


COMMANDS = [edit, delete, search]
