"""Project commands: init, new, list, show, checklist, check…, advance…, history."""

from __future__ import annotations

from typing import Any

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, emit_table, listing_options, success

PROJECT = click.argument("project", metavar="PROJET")
ITEM = click.argument("item", metavar="ELEMENT")


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Crée la base ou la met à jour."""
    ws = app.workspace
    revision = ws.init()
    success(f"Base prête : {ws.db.display_url} (schéma {revision}).")


@click.command()
@click.argument("name", metavar="NOM")
@click.option("--officer", metavar="NOM", help="Chargé·e de mission qui accompagne le projet.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def new(app: AppContext, name: str, officer: str | None, as_json: bool) -> None:
    """Crée un projet de CPTS et affiche son identifiant court."""
    project = app.workspace.create_project(name, officer=officer)
    if as_json:
        emit_json(project)
    else:
        click.echo(project.slug)


PROJECT_COLUMNS = [
    ("id", "N°"), ("slug", "Identifiant"), ("name", "Nom"), ("officer", "Chargé·e de mission"),
    ("stage_label", "Étape"), ("since", "Depuis le"),
]


LIMIT = click.option("--limit", type=click.IntRange(1), metavar="N", help="Au plus N lignes (une page).")
CURSOR = click.option("--cursor", metavar="CURSEUR", help="La page qui suit celle dont la sortie a donné ce curseur.")


def emit_page(fmt: str, page: Any, paged: bool, emit: Any) -> None:
    """A page of a listing: with `--limit`, JSON wraps it with the next cursor, and the
    other formats say on standard error how to get the next page."""
    if paged and fmt == "json":
        emit_json({"items": list(page), "next_cursor": page.next_cursor})
        return
    emit()
    if paged and page.next_cursor:
        click.echo(f"Page suivante : --cursor {page.next_cursor}", err=True)


@click.command("list")
@click.option("--officer", metavar="NOM", help="Seulement les projets de ce·tte chargé·e de mission.")
@click.option("--stage", metavar="ETAPE", help="Seulement les projets à cette étape (ex. diagnostic).")
@LIMIT
@CURSOR
@listing_options()
@pass_app
def list_(app: AppContext, officer: str | None, stage: str | None, limit: int | None,
          cursor: str | None, fmt: str) -> None:
    """Liste les projets."""
    from cpts_workflow import french

    projects = app.workspace.list_projects(officer=officer, stage=stage, limit=limit, cursor=cursor)
    emit_page(fmt, projects, limit is not None or cursor is not None, lambda: emit_listing(
        fmt, projects, PROJECT_COLUMNS,
        lambda: [{**p.to_dict(), "since": french.short_date(p.stage_entered_at)} for p in projects],
        empty="Aucun projet. Créez-en un avec : cpts new \"CPTS …\" --officer \"…\""))


@click.command()
@PROJECT
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def show(app: AppContext, project: str, as_json: bool) -> None:
    """Affiche l'étape, l'avancement de chaque étape et les prochains éléments requis."""
    from cpts_workflow import french

    ws = app.workspace
    from cpts_workflow.contacts import list_contacts
    from cpts_workflow.journal import list_notes
    from cpts_workflow.partners import list_partners

    with ws.atomic():
        detail = ws.overview(project)
        notes = list_notes(ws, project, limit=3)
        contacts = list_contacts(ws, project)
        partners = list_partners(ws, project)
    upcoming, flags = detail.next_deadlines, detail.mission_flags
    if as_json:
        emit_json({**detail.to_dict(), "journal": notes, "contacts": contacts,
                   "partners": partners})
        return
    p = detail.project
    click.echo(f"{p.name}  ({p.slug}, n° {p.id})")
    click.echo(f"Chargé·e de mission : {p.officer or '—'}")
    stage_line = f"Étape : {p.stage_label} depuis le {french.short_date(p.stage_entered_at)}"
    if detail.resume_stage:
        stage_line += f" (reprendra à « {ws.definition_of(p).state_label(detail.resume_stage)} »)"
    click.echo(stage_line)
    click.echo(f"Workflow : {p.workflow_id} v{p.workflow_version}")
    click.echo("")
    marks = {"done": "✓", "current": "▶", "todo": " "}
    rows = [
        {"mark": marks[s.position], "label": s.label, "progress": f"{s.done}/{s.total}",
         "required": f"{s.required_done}/{s.required_total}"}
        for s in detail.stages
    ]
    emit_table([("mark", ""), ("label", "Étape"), ("progress", "Fait"), ("required", "Requis faits")], rows)
    if detail.next_required:
        click.echo("")
        click.echo("Prochains éléments requis :")
        for item in detail.next_required:
            click.echo(f"  - {item.label} ({item.id})")
    if upcoming:
        click.echo("")
        click.echo("Prochaines échéances :")
        for d in upcoming:
            click.echo(f"  - {french.short_date(d.due_date)} ({d.status_label}) : {d.label}")
    for flag in flags:
        click.echo(f"⚠ {flag.message}")
    _show_follow_up(notes, contacts, partners)


def _show_follow_up(notes, contacts, partners) -> None:
    """The journal's last notes, the contacts and the partners, under `show`."""
    from cpts_workflow import french

    if notes:
        click.echo("")
        click.echo("Journal (dernières notes) :")
        for n in notes:
            people = f" [{n.participants}]" if n.participants else ""
            click.echo(f"  - {french.short_date(n.noted_on)}{people} : {n.text}")
            if n.next_step:
                when = f" (le {french.short_date(n.next_date)})" if n.next_date else ""
                click.echo(f"    Prochaine étape : {n.next_step}{when}")
    if contacts:
        click.echo("")
        click.echo("Contacts :")
        for c in contacts:
            reach = " ; ".join(x for x in (c.email, c.phone) if x)
            click.echo(f"  - {c.role_label} : {c.name}" + (f" ({reach})" if reach else ""))
    if partners:
        click.echo("")
        click.echo("Partenaires :")
        for p in partners:
            click.echo(f"  - {p.kind_label} : {p.name}, {p.state_label} depuis le "
                       f"{french.short_date(p.state_date)}")


ITEM_COLUMNS = [
    ("mark", ""), ("id", "Élément"), ("label", "Libellé"), ("required_label", "Requis"),
    ("status_label", "État"), ("detail", "Détail"), ("updated", "Modifié"),
]


@click.command()
@PROJECT
@click.option("--stage", metavar="ETAPE", help="Étape à afficher (par défaut l'étape en cours ; « all » pour toutes).")
@listing_options()
@pass_app
def checklist(app: AppContext, project: str, stage: str | None, fmt: str) -> None:
    """Affiche la checklist d'une étape."""
    from cpts_workflow import french
    from cpts_workflow.workspace import STATUS_LABELS

    items = app.workspace.checklist(project, stage)

    def rows() -> list[dict[str, Any]]:
        marks = {"todo": "☐", "done": "☑", "not_applicable": "–"}
        return [
            {
                **i.to_dict(),
                "mark": marks[i.status],
                "required_label": "oui" if i.required else "non",
                "status_label": STATUS_LABELS[i.status],
                "detail": " ; ".join(x for x in (_shown_value(i), i.note, i.reason,
                                                 i.due_date and f"échéance {french.short_date(i.due_date)}") if x),
                "updated": f"{french.short_date(i.updated_at)} {i.updated_by}" if i.updated_at else None,
            }
            for i in items
        ]

    emit_listing(fmt, items, ITEM_COLUMNS, rows, csv_columns=ITEM_COLUMNS[1:])


def _shown_value(item) -> str | None:
    """A dated item's value in French format."""
    from cpts_workflow import french

    if item.value and item.evidence == "date":
        return french.short_date(french.parse_date(item.value))
    return item.value


@click.command()
@PROJECT
@ITEM
@click.option("--note", metavar="TEXTE", help="Note libre.")
@click.option("--value", metavar="VALEUR", help="Justificatif : date (JJ/MM/AAAA), nombre, référence…")
@click.option("--due", metavar="DATE", help="Échéance de l'élément (JJ/MM/AAAA).")
@pass_app
def check(app: AppContext, project: str, item: str, note: str | None, value: str | None,
          due: str | None) -> None:
    """Marque un élément de checklist comme fait."""
    view = app.workspace.check(project, item, note=note, value=value, due=due)
    success(f"Fait : {view.label}.")


@click.command()
@PROJECT
@ITEM
@pass_app
def uncheck(app: AppContext, project: str, item: str) -> None:
    """Remet un élément à faire."""
    view = app.workspace.uncheck(project, item)
    success(f"À faire : {view.label}.")


@click.command()
@PROJECT
@ITEM
@click.option("--reason", required=True, metavar="TEXTE", help="Pourquoi l'élément est sans objet.")
@pass_app
def skip(app: AppContext, project: str, item: str, reason: str) -> None:
    """Marque un élément comme sans objet (avec une raison)."""
    view = app.workspace.skip(project, item, reason=reason)
    success(f"Sans objet : {view.label}.")


def _moved(summary, verb: str) -> None:
    success(f"{summary.name} : {verb} « {summary.stage_label} ».")


@click.command()
@PROJECT
@click.option("--comment", metavar="TEXTE", help="Commentaire inscrit dans l'historique.")
@click.option("--force", is_flag=True, help="Passe outre les éléments manquants (commentaire obligatoire, tracé).")
@pass_app
def advance(app: AppContext, project: str, comment: str | None, force: bool) -> None:
    """Passe le projet à l'étape suivante (refusé tant qu'un élément requis manque)."""
    _moved(app.workspace.advance(project, comment=comment, force=force), "passe à l'étape")


@click.command()
@PROJECT
@click.option("--comment", required=True, metavar="TEXTE", help="Pourquoi revenir en arrière.")
@pass_app
def back(app: AppContext, project: str, comment: str) -> None:
    """Ramène le projet à l'étape précédente."""
    _moved(app.workspace.back(project, comment=comment), "revient à l'étape")


@click.command()
@PROJECT
@click.option("--reason", required=True, metavar="TEXTE", help="Pourquoi le projet est suspendu.")
@pass_app
def pause(app: AppContext, project: str, reason: str) -> None:
    """Met le projet en pause ; il reprendra à la même étape."""
    _moved(app.workspace.pause(project, reason=reason), "passe à l'état")


@click.command()
@PROJECT
@click.option("--comment", metavar="TEXTE", help="Commentaire inscrit dans l'historique.")
@pass_app
def resume(app: AppContext, project: str, comment: str | None) -> None:
    """Reprend un projet en pause à l'étape qu'il avait quittée."""
    _moved(app.workspace.resume(project, comment=comment), "reprend à l'étape")


@click.command()
@PROJECT
@click.option("--reason", required=True, metavar="TEXTE", help="Pourquoi le projet s'arrête.")
@pass_app
def abandon(app: AppContext, project: str, reason: str) -> None:
    """Abandonne le projet (définitif)."""
    _moved(app.workspace.abandon(project, reason=reason), "passe à l'état")


HISTORY_COLUMNS = [
    ("when", "Date"), ("who", "Qui"), ("description", "Quoi"), ("comment", "Commentaire"),
]


@click.command()
@PROJECT
@LIMIT
@CURSOR
@listing_options()
@pass_app
def history(app: AppContext, project: str, limit: int | None, cursor: str | None, fmt: str) -> None:
    """Affiche l'historique complet du projet."""
    from cpts_workflow import french

    ws = app.workspace
    events = ws.history(project, limit=limit, cursor=cursor)

    def rows() -> list[dict[str, Any]]:
        return [
            {
                **e.to_dict(),
                "when": french.short_datetime(e.at),
                "who": f"{e.actor} ({e.account_login})" if e.account_login else e.actor,
                # A note's text is its description already.
                "comment": None if e.kind == "note_added" else e.comment,
            }
            for e in events
        ]

    emit_page(fmt, events, limit is not None or cursor is not None,
              lambda: emit_listing(fmt, events, HISTORY_COLUMNS, rows))


COMMANDS = [init, new, list_, show, checklist, check, uncheck, skip, advance, back, pause,
            resume, abandon, history]
