"""`cpts export`, `cpts import`, `cpts doctor`: backups and the base's health."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, success


@click.command("export")
@click.argument("project", metavar="PROJET", required=False)
@click.option("--all", "all_", is_flag=True, help="Toute la base (projets, référentiels, grilles).")
@click.option("--out", "out", required=True, metavar="FICHIER", type=click.Path(path_type=Path),
              help="Fichier JSON à écrire (lisible par vous seul·e : "
                   "il contient des données personnelles).")
@pass_app
def export(app: AppContext, project: str | None, all_: bool, out: Path) -> None:
    """Sauvegarde un projet, ou toute la base avec --all, dans un fichier JSON."""
    from cpts_workflow import french
    from cpts_workflow.backup import export_to_file, megabytes

    if bool(project) == all_:
        raise click.UsageError("Donnez un projet, ou --all pour toute la base (pas les deux).")
    summary = export_to_file(app.workspace, out, project)
    events = summary.rows.get("events", 0)
    success(f"Sauvegarde écrite dans {summary.path} : "
            f"{french.plural(summary.projects, 'projet')}, {french.plural(events, 'événement')}.")
    if summary.needs_larger_import:
        size = megabytes(summary.bytes)
        click.echo(f"Attention : ce fichier fait {french.number(size)} Mo, plus que ce qu'un import "
                   f"accepte sans le dire ; restaurez-le avec « cpts import {summary.path} "
                   f"--max-size {size} ».", err=True)


@click.command("import")
@click.argument("file", metavar="FICHIER", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True,
              help="Remplace les projets déjà présents dont l'historique diffère "
                   "de celui du fichier.")
@click.option("--max-size", "max_size", type=click.IntRange(1, 100_000), default=None, metavar="MO",
              help="Taille acceptée en mégaoctets (200 par défaut), pour une sauvegarde "
                   "qui contient beaucoup de justificatifs.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def import_(app: AppContext, file: Path, replace: bool, max_size: int | None, as_json: bool) -> None:
    """Restaure une sauvegarde ; tout ou rien, et sans doublon si on l'importe deux fois."""
    from cpts_workflow import french
    from cpts_workflow.backup import MAX_IMPORT_BYTES, import_backup

    bound = max_size * 1024 * 1024 if max_size else MAX_IMPORT_BYTES
    report = import_backup(app.workspace, file, replace=replace, max_bytes=bound)
    if as_json:
        emit_json(report)
        return
    parts = [
        f"{french.plural(len(slugs), 'projet')} {label if len(slugs) < 2 else plural_label}"
        f" ({', '.join(slugs)})"
        for slugs, label, plural_label in (
            (report.created, "créé", "créés"),
            (report.replaced, "remplacé", "remplacés"),
            (report.unchanged, "déjà à jour", "déjà à jour"),
        )
        if slugs
    ]
    success(f"Import terminé : {' ; '.join(parts) or 'sauvegarde vide'}.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def doctor(app: AppContext, as_json: bool) -> None:
    """Vérifie la cohérence de la base (étapes et historique de chaque projet) et que ses
    fichiers ne sont pas ouverts aux autres utilisateurs."""
    from cpts_workflow import french
    from cpts_workflow.integrity import check_integrity
    from cpts_workflow.store.filemodes import exposed_files

    report = check_integrity(app.workspace)
    warnings = exposed_files(app.workspace.db.url)
    if as_json:
        emit_json({**report.to_dict(), "ok": report.ok, "warnings": warnings})
    elif report.ok:
        success(f"Base cohérente : {french.plural(report.projects, 'projet')} et "
                f"{french.plural(report.events, 'événement')} vérifiés.")
    else:
        click.echo(f"{french.plural(len(report.problems), 'problème')} dans la base :")
        for problem in report.problems:
            click.echo(f"  - {problem.project} : {problem.message}")
    if warnings and not as_json:
        click.echo("Attention, fichiers de la base mal protégés :")
        for warning in warnings:
            click.echo(f"  - {warning}")
    if not report.ok:
        raise click.exceptions.Exit(1)


COMMANDS = [export, import_, doctor]
