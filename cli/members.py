"""`cpts member …`: the professionals and structures of a project."""

from __future__ import annotations

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, listing_options, success
from .privacy import erase_person, export_person

PROJECT = click.argument("project", metavar="PROJET")
MEMBER = click.argument("member_id", metavar="MEMBRE")

COLUMNS = [
    ("id", "N°"),
    ("name", "Nom"),
    ("nature", "Nature"),
    ("detail", "Profession / type"),
    ("college_label", "Collège"),
    ("role_label", "Rôle"),
    ("identifiers", "Identifiants"),
]


def _fields(fn):
    """Options shared by `add` and `edit`."""
    for option in reversed(
        [
            click.option("--profession", metavar="TEXTE", help="Profession (personne physique)."),
            click.option(
                "--kind",
                "structure_kind",
                metavar="TYPE",
                help="Type de structure : msp, centre_sante, esp, etablissement, medico_social, "
                "association_usagers, association, collectivite, autre.",
            ),
            click.option(
                "--college",
                metavar="COLLEGE",
                help="Collège : liberaux, structures, etablissements, medico_social, usagers, "
                "partenaires.",
            ),
            click.option(
                "--role",
                metavar="ROLE",
                help="Rôle : president, vice_president, treasurer, secretary, board, founder.",
            ),
            click.option("--rpps", metavar="NUMERO", help="Numéro RPPS (11 chiffres)."),
            click.option(
                "--siret", metavar="NUMERO", help="SIRET (14 chiffres) ou SIREN (9 chiffres)."
            ),
            click.option("--finess", metavar="NUMERO", help="Numéro FINESS (9 caractères)."),
            click.option("--email", metavar="ADRESSE", help="Adresse e-mail."),
            click.option("--phone", metavar="NUMERO", help="Téléphone."),
        ]
    ):
        fn = option(fn)
    return fn


def _row(m) -> dict:
    ids = [
        f"{k.upper()} {v}"
        for k, v in (("rpps", m.rpps), ("siret", m.siret), ("finess", m.finess))
        if v
    ]
    return {
        **m.to_dict(),
        "nature": "personne morale" if m.legal else "personne physique",
        "detail": m.structure_kind_label if m.legal else m.profession,
        "identifiers": ", ".join(ids) or None,
    }


def _report(view, as_json: bool, what: str) -> None:
    """Warnings on stderr, then the member as JSON or one line."""
    for warning in view.warnings:
        click.echo(warning, err=True)
    if as_json:
        emit_json(view)
    else:
        success(f"Membre n° {view.id} {what}.")


def _show(view, as_json: bool) -> None:
    if as_json:
        emit_json(view)
        return
    row = _row(view)
    for label, value in (
        ("Membre", f"n° {view.id} — {view.name}"),
        ("Nature", row["nature"]),
        ("Profession / type", row["detail"]),
        ("Collège", view.college_label),
        ("Rôle", view.role_label),
        ("RPPS", view.rpps),
        ("SIRET", view.siret),
        ("FINESS", view.finess),
        ("E-mail", view.email),
        ("Téléphone", view.phone),
    ):
        click.echo(f"{label:<18} {value or '—'}")


@click.group()
def member() -> None:
    """Membres du projet : professionnels (personnes physiques) et structures (morales)."""


@member.command("add")
@PROJECT
@click.argument("name", metavar="NOM")
@click.option(
    "--legal", is_flag=True, help="Personne morale (structure) plutôt que personne physique."
)
@_fields
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def add(app: AppContext, project: str, name: str, legal: bool, as_json: bool, **fields) -> None:
    """Ajoute un membre au projet."""
    from cpts_workflow.members import add_member

    view = add_member(app.workspace, project, name, legal=legal, **fields)
    _report(view, as_json, f"ajouté : {view.name} ({view.role_label})")


@member.command("list")
@PROJECT
@click.option("--college", metavar="COLLEGE", help="Seulement les membres de ce collège.")
@listing_options()
@pass_app
def list_(app: AppContext, project: str, college: str | None, fmt: str) -> None:
    """Liste les membres, par collège."""
    from cpts_workflow.members import list_members

    views = list_members(app.workspace, project, college=college)
    emit_listing(
        fmt,
        views,
        COLUMNS,
        lambda: [_row(v) for v in views],
        empty=f'Aucun membre. Ajoutez-en avec : cpts member add {project} "Nom" --college liberaux',
    )


@member.command("show")
@PROJECT
@MEMBER
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def show(app: AppContext, project: str, member_id: str, as_json: bool) -> None:
    """Affiche un membre."""
    from cpts_workflow.members import get_member

    _show(get_member(app.workspace, project, member_id), as_json)


@member.command("edit")
@PROJECT
@MEMBER
@click.option("--name", metavar="NOM", help="Nouveau nom.")
@_fields
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def edit(app: AppContext, project: str, member_id: str, as_json: bool, **fields) -> None:
    """Modifie un membre (une option vide, ex. --email "", efface le champ)."""
    from cpts_workflow.members import edit_member

    view = edit_member(app.workspace, project, member_id, **fields)
    _report(view, as_json, f"modifié : {view.name}")


@member.command("remove")
@PROJECT
@MEMBER
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@pass_app
def remove(app: AppContext, project: str, member_id: str, yes: bool) -> None:
    """Retire un membre du projet."""
    from cpts_workflow.members import get_member, remove_member

    ws = app.workspace
    if not yes:
        view = get_member(ws, project, member_id)
        from .prompts import confirm

        confirm(f"Retirer {view.name} (n° {view.id}) du projet ?")
    view = remove_member(ws, project, member_id)
    success(f"Membre n° {view.id} retiré : {view.name}.")


member.add_command(export_person)
member.add_command(erase_person)
COMMANDS = [member]
