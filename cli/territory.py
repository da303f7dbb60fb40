"""Territory commands: `cpts communes …` (the reference) and `cpts territory …` (projects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .context import AppContext, pass_app
from .output import (
    FILE_FORMATS,
    emit_file,
    emit_json,
    emit_listing,
    emit_table,
    listing_options,
    success,
    write_private,
)

PROJECT = click.argument("project", metavar="PROJET")
DEPARTMENT = click.option(
    "--department", metavar="CODE", help="Code du département (13, 2A, 974…)."
)
REGION = click.option("--region", metavar="CODE", help="Code INSEE de la région (93 pour PACA).")

COMMUNE_COLUMNS = [
    ("insee", "Code"),
    ("nom", "Commune"),
    ("type_label", "Type"),
    ("departement", "Dép."),
    ("population_text", "Population"),
    ("epci_nom", "Intercommunalité"),
]


def _commune_rows(rows: list[Any]) -> list[dict[str, Any]]:
    from cpts_workflow import french

    return [
        {
            **r.to_dict(),
            "type_label": "arrondissement" if r.type == "ARM" else "commune",
            "population_text": french.number(r.population),
        }
        for r in rows
    ]


def _codes(values: tuple[str, ...]) -> list[str]:
    """Repeated options and comma-separated lists alike: `--except 13001,13002`."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# --- cpts communes ---------------------------------------------------------------------


@click.group()
def communes() -> None:
    """Référentiel des communes : recherche, populations, import d'un nouveau millésime INSEE."""


@communes.command()
@click.argument("text", metavar="TEXTE")
@DEPARTMENT
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Nombre maximal de résultats.",
)
@listing_options()
@pass_app
def search(app: AppContext, text: str, department: str | None, limit: int, fmt: str) -> None:
    """Cherche une commune par nom (sans tenir compte des accents ni des majuscules) ou code."""
    from cpts_workflow.territory.claims import commune_row
    from cpts_workflow.territory.reference import check_department, reference_for

    with app.workspace.session(read_only=True) as session:
        reference = reference_for(session)
    dep = check_department(department) if department else None
    found = [commune_row(reference, c.insee) for c in reference.search(text, dep, limit)]
    emit_listing(
        fmt,
        {"vintage": reference.label, "communes": found},
        COMMUNE_COLUMNS,
        lambda: _commune_rows(found),
        empty=f"Aucune commune ne correspond à « {text} ».",
        title=f"Populations : {reference.label}",
    )


@communes.command("import")
@click.argument("file", metavar="FICHIER", type=click.Path(path_type=Path))
@click.option(
    "--label", metavar="LIBELLE", help="Nom du millésime, ex. « INSEE populations légales 2024 »."
)
@click.option(
    "--partial",
    is_flag=True,
    help="Met à jour les seules communes du fichier (sans --partial, le fichier doit être complet).",
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def import_(app: AppContext, file: Path, label: str | None, partial: bool, as_json: bool) -> None:
    """Charge un fichier INSEE plus récent (CSV, mêmes colonnes) : tout ou rien.

    Un fichier complet remplace la référence ; avec --partial, il met à jour les communes
    qu'il liste.
    """
    from cpts_workflow import french
    from cpts_workflow.territory.importer import import_vintage

    vintage = import_vintage(app.workspace, file, label, partial=partial)
    if as_json:
        emit_json(vintage.to_dict())
    elif partial:
        success(
            f"Millésime partiel « {vintage.label} » chargé : "
            f"{french.plural(vintage.rows, 'commune mise', 'communes mises')} à jour ; "
            "les autres gardent leur population."
        )
    else:
        success(
            f"Millésime « {vintage.label} » chargé : {french.number(vintage.rows)} communes. "
            "Il sert désormais aux calculs de population."
        )


@communes.command()
@listing_options()
@pass_app
def vintages(app: AppContext, fmt: str) -> None:
    """Liste les millésimes de populations et ceux qui servent aux calculs."""
    from cpts_workflow import french
    from cpts_workflow.territory.importer import list_vintages

    views = list_vintages(app.workspace)
    columns = [
        ("label", "Millésime"),
        ("kind", "Type"),
        ("rows_text", "Communes"),
        ("imported", "Importé"),
        ("current_text", "Utilisé"),
    ]
    emit_listing(
        fmt,
        [v.to_dict() for v in views],
        columns,
        lambda: [
            {
                **v.to_dict(),
                "kind": "partiel" if v.partial else "complet",
                "rows_text": french.number(v.rows),
                "imported": f"{french.short_date(v.imported_at)} par {v.imported_by}"
                if v.imported_at
                else "livré avec le programme",
                "current_text": "oui" if v.current else "",
            }
            for v in views
        ],
    )


@communes.command("remove-vintage")
@click.argument("label", metavar="MILLESIME")
@pass_app
def remove_vintage(app: AppContext, label: str) -> None:
    """Retire un millésime importé (par son libellé ou son numéro)."""
    from cpts_workflow.territory.importer import remove_vintage as remove
    from cpts_workflow.territory.reference import reference_for

    view = remove(app.workspace, label)
    with app.workspace.session() as session:
        current = reference_for(session).label
    success(f"Millésime « {view.label} » retiré. Populations désormais : {current}.")


@communes.command()
@click.option("--dry-run", is_flag=True, help="Montre ce qui changerait, sans rien modifier.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def update(app: AppContext, dry_run: bool, as_json: bool) -> None:
    """Met les territoires à jour : communes fusionnées remplacées par leur commune nouvelle,
    tailles recalculées."""
    from cpts_workflow import french
    from cpts_workflow.territory.update import update_territories

    report = update_territories(app.workspace, dry_run=dry_run)
    if as_json:
        emit_json(report)
        return
    click.echo(f"Populations : {report.vintage}")
    if not report.projects:
        click.echo(
            f"Rien à mettre à jour : {french.plural(report.checked, 'projet examiné', 'projets examinés')}."
        )
        return
    for p in report.projects:
        click.echo(f"{p.project_name} ({p.project})")
        for old, new in p.moved.items():
            click.echo(f"  {old} → {new} (commune nouvelle)")
        if p.taille != p.taille_before:
            click.echo(
                f"  taille {p.taille_before or '—'} → {p.taille or '—'} "
                f"({french.plural(p.population, 'habitant')})"
            )
    count = french.plural(len(report.projects), "projet")
    if dry_run:
        click.echo(f"Simulation : {count} à mettre à jour ; rien n'a été modifié.")
    else:
        success(f"{count} mis à jour ; chaque changement est dans son historique.")


# --- cpts territory --------------------------------------------------------------------


@click.group()
def territory() -> None:
    """Territoire d'un projet : communes, population, taille, chevauchements, carte."""


def _change_summary(change: Any) -> str:
    from cpts_workflow import french

    size = f", taille {change.taille}" if change.taille else ""
    return (
        f"Territoire de « {change.project} » : "
        f"{french.plural(change.commune_count, 'commune')}, "
        f"{french.plural(change.population, 'habitant')}{size} ({change.vintage})."
    )


@territory.command()
@PROJECT
@click.argument("communes_", metavar="[COMMUNE]...", nargs=-1)
@click.option("--epci", metavar="SIREN", help="Toutes les communes d'une intercommunalité.")
@DEPARTMENT
@click.option(
    "--except",
    "excluded",
    metavar="COMMUNE",
    multiple=True,
    help="Commune à ne pas ajouter (répétable, ou liste séparée par des virgules).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Ajoute même une commune déjà dans un autre projet actif (avec --reason).",
)
@click.option("--reason", metavar="TEXTE", help="Pourquoi le chevauchement est accepté.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def add(
    app: AppContext,
    project: str,
    communes_: tuple[str, ...],
    epci: str | None,
    department: str | None,
    excluded: tuple[str, ...],
    force: bool,
    reason: str | None,
    as_json: bool,
) -> None:
    """Ajoute des communes (codes INSEE ou noms exacts) au territoire d'un projet."""
    from cpts_workflow import french
    from cpts_workflow.territory.changes import add_communes

    change = add_communes(
        app.workspace,
        project,
        list(communes_),
        epci=epci,
        department=department,
        excluded=_codes(excluded),
        force=force,
        reason=reason,
    )
    if as_json:
        emit_json(change)
        return
    if change.codes:
        added = french.plural(len(change.codes), "commune ajoutée", "communes ajoutées")
        success(f"{added} : {', '.join(change.codes)}.")
    if change.unchanged:
        click.echo(f"Déjà dans le territoire : {', '.join(change.unchanged)}.")
    for code, slugs in change.forced.items():
        click.echo(f"Chevauchement accepté : {code} est aussi dans {', '.join(slugs)}.")
    click.echo(_change_summary(change))


@territory.command()
@PROJECT
@click.argument("communes_", metavar="COMMUNE...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def remove(app: AppContext, project: str, communes_: tuple[str, ...], as_json: bool) -> None:
    """Retire des communes du territoire d'un projet."""
    from cpts_workflow import french
    from cpts_workflow.territory.changes import remove_communes

    change = remove_communes(app.workspace, project, list(communes_))
    if as_json:
        emit_json(change)
        return
    removed = french.plural(len(change.codes), "commune retirée", "communes retirées")
    success(f"{removed} : {', '.join(change.codes)}.")
    click.echo(_change_summary(change))


@territory.command()
@PROJECT
@listing_options()
@pass_app
def show(app: AppContext, project: str, fmt: str) -> None:
    """Communes, population, taille et projets voisins d'un territoire."""
    from cpts_workflow import french
    from cpts_workflow.territory.coverage import territory as load

    view = load(app.workspace, project)
    if fmt == "json":
        emit_json(view)
        return
    rows = _commune_rows(view.communes)
    if fmt in FILE_FORMATS:
        emit_file(fmt, [*COMMUNE_COLUMNS, ("forced_reason", "Chevauchement accepté")], rows)
        return
    click.echo(f"{view.project_name}  ({view.project}) — étape : {view.stage_label}")
    if not rows:
        click.echo(f"Aucune commune. Ajoutez-en avec : cpts territory add {view.project} CODE…")
        return
    click.echo(
        f"{french.plural(view.commune_count, 'commune')}, "
        f"{french.plural(view.population, 'habitant')} → taille {view.taille} "
        f"({view.taille_label})"
    )
    click.echo(f"Populations : {view.vintage}")
    if view.missing_population:
        click.echo(f"Sans population connue : {', '.join(view.missing_population)}")
    emit_table(COMMUNE_COLUMNS, rows)
    for overlap in view.overlaps:
        others = ", ".join(
            sorted({f"« {c.project} »" for c in overlap.claims if c.project != view.project})
        )
        state = "accepté" if overlap.resolved else "NON RÉSOLU"
        click.echo(f"Chevauchement {state} : {overlap.nom} ({overlap.insee}) aussi dans {others}")
    basis = "frontière commune" if view.neighbour_basis == "outlines" else "même intercommunalité"
    if view.neighbours:
        click.echo(f"Projets voisins ({basis}) :")
        for n in view.neighbours:
            click.echo(
                f"  {n.project_name} ({n.project}, {n.stage_label}) : {', '.join(n.communes)}"
            )
    else:
        click.echo(f"Aucun projet voisin ({basis}).")


@territory.command()
@listing_options()
@pass_app
def overlaps(app: AppContext, fmt: str) -> None:
    """Communes revendiquées par deux projets actifs ou plus."""
    from cpts_workflow import french
    from cpts_workflow.territory.coverage import overlaps as compute

    report = compute(app.workspace)
    columns = [
        ("insee", "Code"),
        ("nom", "Commune"),
        ("population_text", "Population"),
        ("projects", "Projets"),
        ("state", "État"),
    ]
    emit_listing(
        fmt,
        report,
        columns,
        lambda: [
            {
                "insee": o.insee,
                "nom": o.nom,
                "population_text": french.number(o.population),
                "projects": ", ".join(sorted({c.project for c in o.claims})),
                "state": "accepté : "
                + "; ".join(sorted({c.forced_reason for c in o.claims if c.forced_reason}))
                if o.resolved
                else "non résolu",
            }
            for o in report.overlaps
        ],
        empty="Aucun chevauchement : chaque commune est dans un seul projet actif au plus.",
        title=f"Populations : {report.vintage}",
    )


@territory.command()
@DEPARTMENT
@REGION
@listing_options()
@pass_app
def gaps(app: AppContext, department: str | None, region: str | None, fmt: str) -> None:
    """Zones blanches : communes d'un département ou d'une région dans aucun projet actif.

    Sans --department ni --region : toute la France.
    """
    from cpts_workflow import french
    from cpts_workflow.territory.coverage import gaps as compute

    if department and region:
        raise click.UsageError("Choisissez --department ou --region, pas les deux.")
    view = compute(app.workspace, department=department, region=region)
    if fmt == "json":
        emit_json(view)
        return
    rows = _commune_rows(view.gaps)
    if fmt in FILE_FORMATS:
        emit_file(fmt, COMMUNE_COLUMNS, rows)
        return
    share = 100 * view.covered_population / view.population_total if view.population_total else 0
    click.echo(
        f"{view.area_label} : {french.number(view.communes_total)} communes, "
        f"{french.plural(view.population_total, 'habitant')} ; populations : {view.vintage}."
    )
    click.echo(
        f"Couvertes : {french.number(view.covered_communes)} communes, "
        f"{french.plural(view.covered_population, 'habitant')} "
        f"({french.number(share, 1)} %)."
    )
    if not rows:
        click.echo("Aucune zone blanche.")
        return
    click.echo(
        f"Zones blanches : {french.plural(len(rows), 'commune')}, "
        f"{french.plural(view.gap_population, 'habitant')}."
    )
    emit_table(COMMUNE_COLUMNS, rows)


@territory.command("map")
@DEPARTMENT
@REGION
@click.option(
    "--by",
    "color_by",
    type=click.Choice(["project", "stage"]),
    default="project",
    show_default=True,
    help="Couleur par projet ou par étape.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    metavar="FICHIER",
    help="Page HTML à écrire (ex. carte.html).",
)
@pass_app
def map_(
    app: AppContext, department: str | None, region: str | None, color_by: str, out: Path
) -> None:
    """Carte de couverture (page HTML autonome, sans réseau) ; toute la France par défaut."""
    from cpts_workflow.territory.coverage_map import map_html

    if department and region:
        raise click.UsageError("Choisissez --department ou --region, pas les deux.")
    html = map_html(app.workspace, department=department, region=region, color_by=color_by)
    write_private(out, html.encode("utf-8"))
    success(f"Carte écrite : {out}")


COMMANDS = [communes, territory]
