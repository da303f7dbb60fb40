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
@click.option("--serve", "serve_it", is_flag=True,
              help="Sert ensuite la base dans l'application web, avec un compte de démonstration.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port de l'application web (avec --serve).")
@click.pass_context
def demo(ctx: click.Context, db_url: str | None, force: bool, out: Path | None, serve_it: bool,
         port: int) -> None:
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

    app = ctx.ensure_object(AppContext)
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
    if serve_it:
        _serve_demo(db_url, port)


def _serve_demo(db_url: str, port: int) -> None:
    """The demo base in the web app, with a `demo` admin account and a fresh password."""
    import secrets

    from cpts_web.server import serve
    from cpts_web.settings import Settings

    from cpts_workflow import accounts
    from cpts_workflow.errors import Refused
    from cpts_workflow.workspace import Workspace

    ws = Workspace(db_url, actor="cpts demo")
    password = secrets.token_urlsafe(12)
    try:
        try:
            accounts.add_account(ws, "demo", name="Compte de démonstration", role="admin",
                                 password=password)
        except Refused:  # an earlier demo made it: a new password, every time
            accounts.set_password(ws, "demo", password)
            accounts.set_active(ws, "demo", True)
    finally:
        ws.db.dispose()
    click.echo("")
    click.echo(f"Application web : http://127.0.0.1:{port}/  (Ctrl+C pour arrêter)")
    click.echo("Identifiant : demo")
    click.echo(f"Mot de passe : {password}")
    serve(db_url, "127.0.0.1", port, 1,
          Settings(banner="Démonstration : projets et personnes fictifs ; identifiant « demo », "
                          "mot de passe affiché par « cpts demo --serve »."))


COMMANDS = [demo]
