"""`cpts import-sheet`: an officer's portfolio spreadsheet, simulated first, then imported."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, success


@click.command("import-sheet")
@click.argument("file", metavar="FICHIER", type=click.Path(path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="« Colonne=champ »",
              help="Donne le champ d'une colonne que le programme ne reconnaît pas "
                   "(répétable) : name, officer, stage, created, communes, porteur_name, "
                   "porteur_email, porteur_phone, ignore, ou un élément daté de la checklist "
                   "(aci_signed…).")
@click.option("--apply", is_flag=True,
              help="Importe pour de bon (sans cette option : simulation, rien n'est écrit).")
@click.option("--dry-run", is_flag=True, help="Simulation (le défaut) : dit ce qui serait créé.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def import_sheet(app: AppContext, file: Path, mapping: tuple[str, ...], apply: bool, dry_run: bool,
                 as_json: bool) -> None:
    """Importe le portefeuille d'un tableur (.xlsx ou .csv) : un projet par ligne.

    Sans --apply, simule seulement : affiche les projets qui seraient créés et chaque
    problème avec sa ligne et sa colonne ; rien n'est écrit. Avec --apply, tout ou rien :
    au moindre problème, aucun projet n'est créé. Un projet déjà dans la base (même nom)
    est signalé et laissé tel quel.
    """
    from cpts_workflow import french
    from cpts_workflow.sheet_import import field_label
    from cpts_workflow.sheet_import import import_sheet as run

    if apply and dry_run:
        raise click.UsageError("Choisissez --apply ou --dry-run, pas les deux.")
    ws = app.workspace
    report = run(ws, file, mapping=mapping, apply=apply)
    if as_json:
        emit_json(report.to_dict())
    else:
        definition = ws.definition()
        click.echo(f"Tableur « {report.file} » : {french.plural(report.rows, 'ligne')} de projets.")
        if report.columns:
            click.echo("Colonnes : " + ", ".join(
                f"« {header} » → {field_label(definition, name)}" for header, name in report.columns.items()))
        if report.ignored:
            click.echo("Colonnes ignorées : " + ", ".join(f"« {h} »" for h in report.ignored) + ".")
        if report.created:
            verb = "Créés" if report.applied else "À créer"
            click.echo(f"{verb} ({french.number(len(report.created))}) :")
            for row in report.created:
                details = [row.stage_label, row.officer or "non attribué",
                           french.plural(len(row.communes), "commune")]
                click.echo(f"  ligne {row.line} : {row.name} ({row.slug}) — " + ", ".join(details))
        if report.skipped:
            click.echo(f"Déjà dans la base, laissés tels quels ({french.number(len(report.skipped))}) :")
            for skipped in report.skipped:
                click.echo(f"  ligne {skipped.line} : {skipped.name} ({skipped.slug})")
        if report.problems:
            click.echo(f"Problèmes ({french.number(len(report.problems))}) :")
            for problem in report.problems:
                click.echo(f"  {problem.text()}")
    if report.problems:
        raise click.exceptions.Exit(_refuse(report.applied, apply, len(report.problems)))
    if report.applied:
        if not as_json:
            success(f"Import terminé : {french.plural(len(report.created), 'projet créé', 'projets créés')}.")
    elif not as_json:
        click.echo("Simulation : rien n'a été écrit. Relancez avec --apply pour importer.")


def _refuse(applied: bool, apply: bool, count: int) -> int:
    from cpts_workflow import french

    problems = french.plural(count, "problème")
    if apply:
        click.echo(f"Import refusé ({problems}) : rien n'a été écrit. Corrigez le tableur "
                   "(ou --map) puis relancez.", err=True)
    else:
        click.echo(f"Simulation : {problems} ; rien n'a été écrit. Corrigez le tableur "
                   "(ou --map) puis relancez.", err=True)
    return 1


COMMANDS = [import_sheet]
