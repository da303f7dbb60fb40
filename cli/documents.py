"""`cpts doc …`: templates, their questions, answers and generated documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, is_terminal, listing_options, success

PROJECT = click.argument("project", metavar="PROJET")
TEMPLATE = click.argument("template", metavar="DOCUMENT")
ANSWERS = click.option(
    "--answers",
    "answers_file",
    metavar="FICHIER.yaml",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Réponses dans un fichier YAML (question: réponse).",
)
TYPE_LABELS = {
    "text": "texte",
    "long_text": "texte long",
    "integer": "entier",
    "number": "nombre",
    "date": "date",
    "time": "heure",
    "boolean": "oui/non",
    "choice": "choix",
    "multi_choice": "choix multiple",
}


def _documents(app: AppContext, ctx: click.Context):
    from cpts_workflow.documents import Documents

    return Documents(app.workspace, template_dirs=list(ctx.meta.get("cpts.template_dirs", ())))


@click.group()
@click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    metavar="DOSSIER",
    type=click.Path(path_type=Path, file_okay=False),
    help="Dossier de modèles personnalisés (répétable ; un modèle du même nom "
    "remplace le modèle fourni).",
)
@click.pass_context
def doc(ctx: click.Context, template_dirs: tuple[Path, ...]) -> None:
    """Documents du projet : lettre d'intention, statuts, convocation, PV, fiches…"""
    ctx.meta["cpts.template_dirs"] = template_dirs


def _load_yaml(path: Path) -> Any:
    from cpts_workflow import safe_yaml

    what = "fichier de réponses"
    text = safe_yaml.read_file(path, max_bytes=safe_yaml.MAX_BYTES, what=what)
    data, _ = safe_yaml.load(text, str(path), what=what,
                             syntax="YAML invalide : {problem} ; écrivez une réponse par ligne : "
                                    "question: réponse.")
    return data or {}


def _answers_from(path: Path | None) -> dict[str, Any] | None:
    from cpts_workflow.errors import BadInput

    if path is None:
        return None
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise BadInput(f"{path} : le fichier doit contenir des lignes « question: réponse ».")
    return data


@doc.command("list")
@click.option("--stage", metavar="ETAPE", help="Seulement les documents de cette étape.")
@listing_options()
@pass_app
@click.pass_context
def list_(ctx: click.Context, app: AppContext, stage: str | None, fmt: str) -> None:
    """Liste les modèles de documents."""
    views = _documents(app, ctx).templates(stage)
    columns = [
        ("id", "Document"),
        ("title", "Titre"),
        ("stage_label", "Étape"),
        ("version", "Version"),
        ("questions", "Questions"),
        ("items", "Éléments de checklist"),
    ]
    emit_listing(
        fmt,
        views,
        columns,
        lambda: [{**v.to_dict(), "items": ", ".join(v.items) or None} for v in views],
    )


@doc.command("questions")
@TEMPLATE
@listing_options()
@pass_app
@click.pass_context
def questions(ctx: click.Context, app: AppContext, template: str, fmt: str) -> None:
    """Liste les questions d'un modèle (id, libellé, type, requis, défaut, choix)."""
    views = _documents(app, ctx).questions(template)
    columns = [
        ("id", "Question"),
        ("label", "Libellé"),
        ("type", "Type"),
        ("required", "Requise"),
        ("default", "Défaut"),
        ("choices", "Choix"),
    ]
    emit_listing(
        fmt,
        views,
        columns,
        lambda: [
            {
                **v.to_dict(),
                "type": TYPE_LABELS.get(v.type, v.type),
                "required": "oui" if v.required else
                "version définitive" if v.required_final else "non",
                "default": _display(v.default),
                "choices": ", ".join(v.choices) or None,
            }
            for v in views
        ],
    )


def _display(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _ask(questions, current: dict[str, Any]) -> dict[str, Any]:
    """Ask every question on the terminal, proposing the saved answer or the default."""
    answers: dict[str, Any] = {}
    for q in questions:
        known = current.get(q.id, q.default)
        hint = f" [{' | '.join(q.choices)}]" if q.choices else ""
        if q.type == "multi_choice":
            hint += " (séparés par des virgules)"
        elif q.type == "date":
            hint += " (JJ/MM/AAAA)"
        elif q.type == "time":
            hint += " (par exemple 19 h 30)"
        elif q.type == "boolean":
            hint += " (oui/non)"
        if q.help:
            click.echo(f"  {q.help}")
        shown = _display(known) if known is not None else None
        value = click.prompt(f"{q.label}{hint}", default=shown or "", show_default=bool(shown))
        if value != "" and value != shown:
            answers[q.id] = value
        elif known is not None and q.id not in current:
            answers[q.id] = known
    return answers


@doc.command("answer")
@PROJECT
@TEMPLATE
@ANSWERS
@click.option("--json", "as_json", is_flag=True, help="Affiche les réponses enregistrées en JSON.")
@pass_app
@click.pass_context
def answer(
    ctx: click.Context,
    app: AppContext,
    project: str,
    template: str,
    answers_file: Path | None,
    as_json: bool,
) -> None:
    """Enregistre les réponses d'un document (questions posées une à une, ou --answers)."""
    docs = _documents(app, ctx)
    given = _answers_from(answers_file)
    if given is None:
        meta = docs.template(template)
        click.echo(
            f"{meta.title} — {len(meta.questions)} questions (Entrée garde la valeur proposée)."
        )
        given = _ask(meta.questions, docs.stored_answers(project, template))
    saved = docs.save_answers(project, template, given)
    if as_json:
        emit_json(saved)
    else:
        success(f"Réponses enregistrées pour « {template} » ({len(saved)} questions).")


@doc.command("generate")
@PROJECT
@click.argument("template", metavar="[DOCUMENT]", required=False)
@click.option(
    "--format",
    "formats",
    multiple=True,
    default=("docx",),
    show_default=True,
    type=click.Choice(["md", "html", "docx", "odt", "pdf"]),
    help="Format de sortie (répétable : --format docx --format pdf).",
)
@ANSWERS
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    metavar="DOSSIER",
    type=click.Path(path_type=Path, file_okay=False),
    help="Dossier où écrire les fichiers.",
)
@click.option(
    "--name", metavar="FICHIER", help="Nom du fichier produit (un seul document et un seul format)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Remplace un fichier existant du même nom (sinon le document est écrit à côté, "
    "sous « nom (2).docx »).",
)
@click.option(
    "--final",
    is_flag=True,
    help="Version définitive, adoptée par l'assemblée générale (statuts, règlement "
    "intérieur) : signée par les membres du bureau, sans mention de projet.",
)
@click.option("--all", "all_", is_flag=True, help="Tous les documents du projet.")
@click.option("--stage", metavar="ETAPE", help="Tous les documents de cette étape.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
@click.pass_context
def generate(
    ctx: click.Context,
    app: AppContext,
    project: str,
    template: str | None,
    formats: tuple[str, ...],
    answers_file: Path | None,
    out_dir: Path,
    name: str | None,
    force: bool,
    final: bool,
    all_: bool,
    stage: str | None,
    as_json: bool,
) -> None:
    """Produit un document (ou --all, --stage ETAPE) dans le dossier --out.

    Les réponses enregistrées par « cpts doc answer » servent ; --answers les complète
    pour cette génération seulement. Le fichier est lisible par vous seul (0600). Un
    fichier existant (peut-être retouché à la main) n'est jamais écrasé sans --force :
    le nouveau document est écrit sous « nom (2).docx ».
    """
    from cpts_workflow import french

    docs = _documents(app, ctx)
    if sum(bool(x) for x in (template, all_, stage)) != 1:
        raise click.UsageError(
            "Donnez un DOCUMENT, ou --all, ou --stage ETAPE (un seul des trois)."
        )
    if name and (template is None or len(formats) != 1):
        raise click.UsageError("--name ne vaut que pour un seul document dans un seul format.")
    writer = _Writer(out_dir, force)
    if template:
        answers = _answers_from(answers_file)
        made = []
        for fmt in formats:
            suggested = name or docs.file_name(project, template, fmt, final)
            chosen = writer.name_for(template, fmt, suggested)
            made.append(
                docs.generate(project, template, fmt, answers=answers, name=chosen, sink=writer,
                              final=final)
            )
        failed: list[tuple[str, str]] = []
    else:
        if answers_file is not None:
            raise click.UsageError(
                "--answers ne vaut que pour un seul document ; utilisez « cpts doc answer »."
            )
        ids = [t.id for t in docs.templates(stage)]
        progress = (lambda t, f: click.echo(f"  … {t}.{f}", err=True)) if is_terminal() else None
        made, failed = docs.generate_many(
            project, ids, list(formats), sink=writer, progress=progress,
            name_for=writer.name_for, final=final,
        )
    views = [m.view for m in made]
    if as_json:
        emit_json({"generated": views, "failed": [{"template": t, "error": e} for t, e in failed]})
    else:
        told: set[tuple[str, str]] = set()
        for v in views:
            ticked = f" — coché : {', '.join(v.checked_items)}" if v.checked_items else ""
            success(f"{v.path}{ticked}")
            kept = writer.kept.get(v.file_name)
            if kept:
                click.echo(
                    f"  {kept} existait déjà : il est conservé, le document est écrit sous "
                    f"« {v.file_name} » (--force pour le remplacer).",
                    err=True,
                )
            notes = [f"Attention : {warning}" for warning in v.warnings]
            if v.placeholders:
                shown = ", ".join(f"« {p} »" for p in dict.fromkeys(v.placeholders))
                notes.append(f"Reste à compléter : {french.plural(len(v.placeholders), 'passage')} "
                             f"({shown}) ; l'élément de checklist n'est pas coché.")
            for note in notes:
                if (v.template, note) not in told:  # once per document, not once per format
                    told.add((v.template, note))
                    click.echo(f"  {note}", err=True)
        for t, error in failed:
            click.echo(f"Non produit : {t} : {error}", err=True)
    if failed:
        from cpts_workflow.errors import Refused

        raise Refused(
            f"{french.plural(len(failed), 'document')} non {french.agree(len(failed), 'produit')} : "
            f"{', '.join(t for t, _ in failed)}.",
            f"Répondez à leurs questions avec « cpts doc answer {project} DOCUMENT ».",
        )


class _Writer:
    """Writes documents into `--out`, never over an existing file unless `--force`."""

    def __init__(self, out_dir: Path, force: bool) -> None:
        self.out_dir, self.force = out_dir, force
        self.kept: dict[str, str] = {}  # name written → existing name kept

    def name_for(self, template: str, fmt: str, suggested: str) -> str:
        from cpts_workflow.files import confined_path

        target = confined_path(self.out_dir, suggested)
        if self.force or not target.exists():
            return suggested
        stem, suffix = Path(suggested).stem, Path(suggested).suffix
        n = 2
        while (candidate := target.with_name(f"{stem} ({n}){suffix}")).exists():
            n += 1
        self.kept[candidate.name] = suggested
        return candidate.name

    def __call__(self, file_name: str, data: bytes) -> str:
        from cpts_workflow.files import confined_path

        from .output import write_private

        target = confined_path(self.out_dir, file_name)
        write_private(target, data)
        return str(target)


@doc.command("history")
@PROJECT
@listing_options()
@pass_app
@click.pass_context
def history(ctx: click.Context, app: AppContext, project: str, fmt: str) -> None:
    """Liste les documents produits pour le projet."""
    from cpts_workflow import french

    views = _documents(app, ctx).history(project)
    columns = [
        ("id", "N°"),
        ("when", "Date"),
        ("template", "Document"),
        ("template_version", "Version"),
        ("format", "Format"),
        ("file_name", "Fichier"),
        ("created_by", "Par"),
        ("checksum", "Empreinte"),
    ]
    emit_listing(
        fmt,
        views,
        columns,
        lambda: [
            {
                **v.to_dict(),
                "when": french.short_datetime(v.created_at),
                "checksum": v.checksum[:12],
            }
            for v in views
        ],
        empty=f"Aucun document produit. Essayez : cpts doc generate {project} statuts --format docx",
    )


COMMANDS = [doc]
