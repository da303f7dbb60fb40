"""`cpts workflow`: show, validate and draw workflow definitions."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_table, success


@click.group()
def workflow() -> None:
    """Définitions de workflow : afficher, valider, dessiner."""


def _definition(app: AppContext, version: int | None):
    return app.workspace.definition(version=version)


@workflow.command("show")
@click.option("--version", "version", type=int, help="Version à afficher (par défaut la plus récente).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def show(app: AppContext, version: int | None, as_json: bool) -> None:
    """Affiche les étapes et leurs checklists."""
    from cpts_workflow.definition import EVIDENCE_LABELS
    from cpts_workflow.diagram import as_dict

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
def validate(file: Path) -> None:
    """Vérifie un fichier de workflow et signale chaque erreur avec sa ligne."""
    from cpts_workflow.definition import load_definition

    d = load_definition(file)
    items = sum(len(s.items) for s in d.stages)
    success(f"{file} : workflow « {d.id} » version {d.version} valide "
            f"({len(d.stages)} étapes, {items} éléments).")


@workflow.command("diagram")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True, help="Format du diagramme.")
@click.option("--version", "version", type=int, help="Version à dessiner (par défaut la plus récente).")
@pass_app
def diagram(app: AppContext, fmt: str, version: int | None) -> None:
    """Dessine le workflow (Mermaid ou Graphviz DOT)."""
    from cpts_workflow import diagram as diagrams

    d = _definition(app, version)
    click.echo(diagrams.mermaid(d) if fmt == "mermaid" else diagrams.dot(d), nl=False)
