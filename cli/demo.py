"""`cpts demo`: build a demonstration base and show its portfolio."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from .context import AppContext


@click.command()
@click.option("--db", "db_url", metavar="URL",
              help="Base à remplir (par défaut : cpts-demo.db, à part, reconstruite à chaque fois).")
@click.option("--force", is_flag=True,
              help="Accepte une base qui contient déjà d'autres projets (ils sont conservés).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
              help="Où écrire le rapport HTML (par défaut : à côté de la base de démonstration).")
@click.pass_context
def demo(ctx: click.Context, db_url: str | None, force: bool, out: Path | None) -> None:
    """Crée une base de démonstration réaliste et affiche son portefeuille.

    Une douzaine de projets de CPTS (noms inventés) sur des territoires réels de PACA, à
    toutes les étapes, avec membres et deux ans d'historique ; dont un projet bloqué, un
    en pause et un chevauchement de territoire. La base de travail n'est jamais touchée :
    la démonstration a sa propre base, sauf si --db en désigne une autre.
    """
    from cpts_workflow.demo import build_demo, default_demo_path
    from cpts_workflow.reports import portfolio
    from cpts_workflow.workspace import Workspace

    from .reports import portfolio_output

    app: AppContext = ctx.find_object(AppContext)
    parent = ctx.parent
    if db_url is None and parent is not None and \
            parent.get_parameter_source("db_url") == ParameterSource.COMMANDLINE:
        db_url = app.db_url  # `cpts --db URL demo` means the same as `cpts demo --db URL`
    if db_url is None:
        path = default_demo_path()
        db_url = f"sqlite:///{path}"
        html = out or path.with_name("cpts-demo-rapport.html")
    else:
        html = out or Path("cpts-demo-rapport.html")
    click.echo("Construction de la base de démonstration…", err=True)
    result = build_demo(db_url, force=force)
    ws = Workspace(db_url, actor=app.actor)
    try:
        report = portfolio(ws)
        portfolio_output(ws, report, "table", None)
        click.echo("")
        portfolio_output(ws, report, "html", html)
    finally:
        ws.db.dispose()
    click.echo(f"{result.projects} projets, {result.events} événements, {result.members} membres "
               f"dans {ws.db.display_url}.")
    # The address as typed would show a password: the masked one says where to look.
    click.echo(f"Pour explorer : cpts --db {ws.db.display_url} report project {report.projects[0].slug}")


COMMANDS = [demo]
