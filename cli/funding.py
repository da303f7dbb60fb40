"""`cpts funding`: ACI funding grids and the yearly funding simulator."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, emit_table, listing_options, success


@click.group()
def funding() -> None:
    """Financement ACI : grilles de montants (sourcées) et simulateur."""


GRID_COLUMNS = [
    ("id", "Grille"),
    ("label", "Libellé"),
    ("kind_label", "Nature"),
    ("origin_label", "Origine"),
    ("unknown_amounts", "Montants inconnus"),
]


@funding.command("grids")
@listing_options()
@pass_app
def grids(app: AppContext, fmt: str) -> None:
    """Liste les grilles de financement (livrées et importées)."""
    from cpts_workflow.aci.grids import list_grids

    items = list_grids(app.workspace)
    emit_listing(
        fmt,
        items,
        GRID_COLUMNS,
        lambda: [
            {
                **g.to_dict(),
                "kind_label": "exemple" if g.kind == "example" else "référence",
                "origin_label": (
                    "livrée" + (" (par défaut)" if g.is_default else "")
                    if g.origin == "shipped"
                    else f"importée par {g.imported_by}"
                ),
            }
            for g in items
        ],
    )


@funding.command("import")
@click.argument("file", metavar="FICHIER", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Remplace une grille importée de même id.")
@pass_app
def import_(app: AppContext, file: Path, replace: bool) -> None:
    """Importe une grille saisie (YAML ou JSON) ; rien n'est chargé si une ligne est fausse."""
    from cpts_workflow.aci.grids import import_grid

    grid = import_grid(app.workspace, file, replace=replace)
    success(f"Grille « {grid.id} » importée ({grid.label}).")


def _figure_rows(grid, table_name: str, label: str) -> list[dict]:
    from cpts_workflow import french

    table = getattr(grid, table_name)
    return [
        {
            "what": label,
            "taille": "toutes" if key == "all" else key,
            "amount": french.euros(f.amount) if f.amount is not None else "inconnu",
            "status": f.status,
            "source": f.source + (f" ({f.note})" if f.note else ""),
        }
        for key, f in table.items()
    ]


@funding.command("show")
@click.option(
    "--grid", "grid_id", metavar="GRILLE", help="Grille à afficher (par défaut : avenant 2)."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def show(app: AppContext, grid_id: str | None, as_json: bool) -> None:
    """Affiche une grille : chaque montant avec son statut et sa source."""
    from cpts_workflow.aci.grids import get_grid

    grid = get_grid(app.workspace, grid_id)
    if as_json:
        emit_json(grid.model_dump(mode="json"))
        return
    click.echo(
        f"{grid.label} — {grid.id}"
        + ("  [EXEMPLE, pas une référence]" if grid.kind == "example" else "")
    )
    click.echo(grid.text)
    if grid.description:
        click.echo(grid.description)
    click.echo("")
    rows = _figure_rows(grid, "operating", "Fonctionnement")
    rows += _figure_rows(grid, "letter_of_intent", "Forfait lettre d'intention")
    rows += _figure_rows(grid, "maximum", "Maximum annuel")
    for mission_id, amounts in grid.missions.items():
        rows += _figure_rows(amounts, "fixed", f"{mission_id} : part fixe")
        rows += _figure_rows(amounts, "variable", f"{mission_id} : part variable")
    emit_table(
        [
            ("what", "Montant annuel"),
            ("taille", "Taille"),
            ("amount", "Euros"),
            ("status", "Statut"),
            ("source", "Source"),
        ],
        rows,
    )
    click.echo(
        f"\nAvance au démarrage de chaque mission : {grid.advance_percent.amount} % de "
        f"la part fixe ({grid.advance_percent.status})."
    )


@funding.command("simulate")
@click.argument("project", metavar="[PROJET]", required=False)
@click.option("--population", type=int, metavar="HABITANTS", help="Population couverte.")
@click.option(
    "--missions",
    metavar="LISTE",
    help="Missions retenues, séparées par des virgules (par défaut les quatre socles) : "
    "acces,parcours,prevention,crise,qualite,accompagnement.",
)
@click.option("--grid", "grid_id", metavar="GRILLE", help="Grille (par défaut : avenant 2).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def simulate(
    app: AppContext,
    project: str | None,
    population: int | None,
    missions: str | None,
    grid_id: str | None,
    as_json: bool,
) -> None:
    """Simule le financement annuel maximal (par population, ou pour un projet)."""
    from cpts_workflow.aci.grids import get_grid
    from cpts_workflow.aci.simulator import simulate as run
    from cpts_workflow.aci.simulator import simulate_project

    ws = app.workspace
    if project:
        if missions:
            raise click.UsageError(
                "Pour un projet, les missions sont celles du projet "
                "(cpts aci missions) : retirez --missions."
            )
        result = simulate_project(ws, project, grid_id=grid_id, population=population)
    else:
        if population is None:
            raise click.UsageError("Donnez --population (ou un projet).")
        result = run(get_grid(ws, grid_id), population, missions.split(",") if missions else None)
    if as_json:
        emit_json(result)
    else:
        print_simulation(result)


def _money(amount) -> str:
    from cpts_workflow import french

    if amount.amount is None:
        return "inconnu"
    return f"{french.euros(amount.amount)} ({amount.status})"


def print_simulation(sim) -> None:
    from cpts_workflow import french

    if sim.grid_kind == "example":
        click.echo("ATTENTION : grille d'EXEMPLE (une CPTS particulière), pas une référence.")
    click.echo(f"Grille : {sim.grid_label} ({sim.grid_id})")
    if sim.project_slug:
        click.echo(f"Projet : {sim.project_slug}")
    vintage = f" ({sim.population_vintage})" if sim.population_vintage else ""
    click.echo(
        f"Population : {french.plural(sim.population, 'habitant')} → taille {sim.taille}{vintage}"
    )
    click.echo(f"Fonctionnement : {_money(sim.operating)}")
    click.echo("")
    rows = [
        {
            "mission": f"{m.label}{'' if m.core else ' (complémentaire)'}",
            "fixed": _money(m.fixed),
            "variable": _money(m.variable),
            "advance": _money(m.advance),
        }
        for m in sim.missions
    ]
    emit_table(
        [
            ("mission", "Mission"),
            ("fixed", "Part fixe"),
            ("variable", "Part variable (maximum)"),
            ("advance", f"Avance au démarrage ({sim.advance_percent} % du fixe)"),
        ],
        rows,
    )
    click.echo("")
    partial = " — PARTIEL : montants inconnus exclus" if sim.total_partial else ""
    click.echo(f"Total annuel maximal : {french.euros(sim.total)} ({sim.total_status}){partial}")
    if sim.total_partial:
        left_out = ["fonctionnement"] if sim.operating.amount is None else []
        left_out += [
            f"part {'fixe' if kind == 'fixed' else 'variable'} {m.mission}"
            for m in sim.missions
            for kind in ("fixed", "variable")
            if getattr(m, kind).amount is None
        ]
        click.echo(f"Non comptés (montant inconnu) : {', '.join(left_out)}.")
    for m in sim.missions:
        for kind, amount in (("fixe", m.fixed), ("variable", m.variable)):
            if amount.note:
                click.echo(f"Part {kind} « {m.label} » : {amount.note}.")
    click.echo(f"Maximum autorisé : {_money(sim.maximum)}")
    if sim.over_maximum:
        click.echo("Le total dépasse le maximum autorisé : il serait plafonné.")


COMMANDS = [funding]
