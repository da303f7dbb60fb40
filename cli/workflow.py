"""`cpts workflow`: show, validate, draw, compare and migrate workflow definitions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, emit_table, listing_options, success


@click.group()
def workflow() -> None:
    """Définitions de workflow : afficher, valider, dessiner, comparer, migrer les projets."""


def _definition(app: AppContext, version: int | None):
    return app.workspace.definition(version=version)


@workflow.command("show")
@click.option("--version", "version", type=int, help="Version à afficher (par défaut la plus récente).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def show(app: AppContext, version: int | None, as_json: bool) -> None:
    """Affiche les étapes et leurs checklists."""
    from cpts_workflow.workflow.definition import EVIDENCE_LABELS
    from cpts_workflow.workflow.diagram import as_dict

    d = _definition(app, version)
    if as_json:
        emit_json(as_dict(d))
        return
    click.echo(f"{d.label} — {d.id} version {d.version}")
    for index, stage in enumerate(d.stages, 1):
        click.echo("")
        rows = [
            {"id": i.id, "label": i.label, "required": "oui" if i.required else "non",
             "role": i.role, "evidence": EVIDENCE_LABELS[i.evidence]}
            for i in stage.items
        ]
        emit_table([("id", "Élément"), ("label", "Libellé"), ("required", "Requis"),
                    ("role", "Responsable"), ("evidence", "Preuve")], rows,
                   title=f"{index}. {stage.label} ({stage.id})")
    if d.side_states:
        click.echo("")
        click.echo("États annexes : " + ", ".join(f"{s.label} ({s.id})" for s in d.side_states))


@workflow.command("validate")
@click.argument("file", metavar="FICHIER", type=click.Path(path_type=Path))
@pass_app
def validate(app: AppContext, file: Path) -> None:
    """Vérifie un fichier de workflow et signale chaque erreur avec sa ligne.

    Un fichier qui étend un workflow (extends: cpts_creation@1) est vérifié avec sa base.
    """
    d = app.workspace.catalog.load_file(file)
    items = sum(len(s.items) for s in d.stages)
    base = f", étend {d.extends}" if d.extends else ""
    success(f"{file} : workflow « {d.id} » version {d.version} valide "
            f"({len(d.stages)} étapes, {items} éléments{base}).")


@workflow.command("diagram")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid",
              show_default=True, help="Format du diagramme (svg : image autonome, sans Graphviz).")
@click.option("--version", "version", type=int, help="Version à dessiner (par défaut la plus récente).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), metavar="FICHIER",
              help="Écrit le diagramme dans ce fichier au lieu de l'afficher.")
@pass_app
def diagram(app: AppContext, fmt: str, version: int | None, output: Path | None) -> None:
    """Dessine le workflow : étapes, transitions, gardes et états annexes."""
    from cpts_workflow.workflow import diagram as diagrams

    d = _definition(app, version)
    text = {"mermaid": diagrams.mermaid, "dot": diagrams.dot, "svg": diagrams.svg}[fmt](d)
    if output is None:
        click.echo(text, nl=False)
        return
    from cpts_workflow.files import write_private

    write_private(output, text.encode("utf-8"))
    success(f"Diagramme écrit : {output}")


VERSION_COLUMNS = [("id", "Workflow"), ("version", "Version"), ("label", "Libellé"),
                   ("origin", "Origine"), ("extends", "Étend"), ("projects", "Projets")]


@workflow.command("versions")
@listing_options()
@pass_app
def versions(app: AppContext, fmt: str) -> None:
    """Liste les versions connues (livrées et vôtres) et le nombre de projets sur chacune."""
    from cpts_workflow.migration import projects_per_version

    ws = app.workspace
    counts = projects_per_version(ws)
    rows = [
        {"id": d.id, "version": d.version, "label": d.label,
         "shipped": ws.catalog.is_shipped(d.id, d.version), "source": d.source,
         "extends": d.extends, "projects": counts.get(d.key, 0)}
        for d in ws.catalog.all()
    ]
    emit_listing(fmt, rows, VERSION_COLUMNS,
                 lambda: [{**row, "origin": "livrée" if row["shipped"] else row["source"]} for row in rows])


def _version_or_file(app: AppContext, text: str, workflow_id: str):
    """`2` is a version of the workflow; anything ending in .yaml/.yml is a file."""
    if text.lower().endswith((".yaml", ".yml")):
        return app.workspace.catalog.load_file(Path(text))
    if not text.isdigit():
        raise click.BadParameter(f"« {text} » n'est ni un numéro de version ni un fichier .yaml.")
    return app.workspace.definition(workflow_id, int(text))


@workflow.command("diff")
@click.argument("old", metavar="ANCIENNE")
@click.argument("new", metavar="NOUVELLE")
@click.option("--workflow", "workflow_id", default="cpts_creation", show_default=True, metavar="ID",
              help="Workflow dont on compare les versions.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def diff(app: AppContext, old: str, new: str, workflow_id: str, as_json: bool) -> None:
    """Montre ce qui change d'une version à l'autre (ou d'un fichier .yaml).

    Exemples : cpts workflow diff 1 2 ; cpts workflow diff 2 ma_region.yaml
    """
    from cpts_workflow.workflow.versions import diff_lines, version_diff, version_mapping

    before = _version_or_file(app, old, workflow_id)
    after = _version_or_file(app, new, workflow_id)
    if before.id != after.id:
        raise click.BadParameter(f"« {before.id} » et « {after.id} » sont deux workflows différents.")
    changes = version_diff(version_mapping(app.workspace.catalog, before, after))
    if as_json:
        emit_json(changes)
    else:
        click.echo("\n".join(diff_lines(changes, before, after)))


@workflow.command("migrate")
@click.argument("projects", nargs=-1, metavar="[PROJET]...")
@click.option("--all", "all_projects", is_flag=True, help="Tous les projets du workflow.")
@click.option("--to", "to_version", type=int, required=True, metavar="VERSION",
              help="Version d'arrivée.")
@click.option("--workflow", "workflow_id", default="cpts_creation", show_default=True, metavar="ID",
              help="Workflow concerné.")
@click.option("--dry-run", is_flag=True, help="Montre ce qui serait fait, sans rien enregistrer.")
@click.option("--accept-loss", is_flag=True,
              help="Accepte d'effacer l'état des éléments retirés (il reste dans l'historique).")
@click.option("--comment", metavar="TEXTE", help="Commentaire inscrit dans l'historique.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def migrate(app: AppContext, projects: tuple[str, ...], all_projects: bool, to_version: int,
            workflow_id: str, dry_run: bool, accept_loss: bool, comment: str | None,
            as_json: bool) -> None:
    """Fait passer des projets à une autre version du workflow.

    Les éléments faits restent faits sous leur nouvel identifiant, l'historique est gardé
    et chaque projet reçoit un événement « workflow_migrated ». Tout ou rien : si un
    projet perdrait des données, rien n'est modifié.
    """
    from cpts_workflow.migration import migrate as run

    if all_projects == bool(projects):
        raise click.UsageError("Donnez un ou plusieurs projets, ou --all (pas les deux).")
    report = run(app.workspace, None if all_projects else list(projects), to_version,
                 workflow_id=workflow_id, dry_run=dry_run, accept_loss=accept_loss, comment=comment)
    if as_json:
        emit_json({**report.to_dict(), "refused": report.refused})
    else:
        _print_report(app, report)
    if report.refused:
        sys.exit(1)  # click.Exit would be swallowed outside standalone mode


def _print_report(app: AppContext, report) -> None:
    from cpts_workflow import french
    from cpts_workflow.migration import item_named

    ws = app.workspace
    target = ws.definition(report.workflow_id, report.to_version)
    for p in report.projects:
        head = f"{p.slug} ({p.name}) : version {p.from_version} → {p.to_version}"
        if p.skipped:
            click.echo(f"{p.slug} : inchangé, {p.skipped}.")
            continue
        click.echo(head)
        source = ws.definition(report.workflow_id, p.from_version)
        if p.to_stage and p.to_stage != p.from_stage:
            click.echo(f"  étape : {source.state_label(p.from_stage)} ({p.from_stage}) → "
                       f"{target.state_label(p.to_stage)} ({p.to_stage})")
        if p.to_resume_stage and p.to_resume_stage != p.from_resume_stage:
            click.echo(f"  reprise : {p.from_resume_stage} → {p.to_resume_stage}")
        for m in p.items_moved:
            click.echo(f"  renommé : {item_named(source, m['from'])} → {item_named(target, m['to'])}"
                       f", reste « {_status(m['status'])} »")
        for d in p.items_dropped:
            click.echo(f"  effacé : {item_named(source, d['item_id'])}, qui était "
                       f"« {_status(d['status'])} » (gardé dans l'historique)")
        if p.newly_required:
            click.echo(f"  désormais {french.plural(len(p.newly_required), 'élément requis', 'éléments requis')} :")
            for i in p.newly_required:
                click.echo(f"    - {target.state_label(i['stage'])} / {i['id']} « {i['label']} »")
        for r in p.refusals:
            click.echo(f"  refusé : {r}", err=True)
    migrated = len(report.migrated)
    if report.refused:
        click.echo("Migration refusée : rien n'a été modifié. Relancez avec --accept-loss pour "
                   "effacer l'état des éléments retirés (il reste dans l'historique).", err=True)
    elif report.dry_run:
        click.echo(f"Simulation : {french.plural(migrated, 'projet serait migré', 'projets seraient migrés')}"
                   f" vers la version {report.to_version} ; rien n'a été enregistré.")
    else:
        success(f"{french.plural(migrated, 'projet migré', 'projets migrés')} vers la version "
                f"{report.to_version}.")


def _status(status: str) -> str:
    from cpts_workflow.workspace import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


COMMANDS = [workflow]
