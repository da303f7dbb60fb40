"""`cpts serve`: the web app for mission officers."""

from __future__ import annotations

import click

from .context import AppContext


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute (127.0.0.1 : ce poste seulement).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port d'écoute.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processus serveurs (PostgreSQL conseillé au-delà de 1).")
@click.option("--secure-cookies", is_flag=True,
              help="Cookies « Secure » : le site est servi en HTTPS (derrière un proxy).")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADRESSE",
              help="Proxy inverse dont les en-têtes X-Forwarded-Proto/-For sont crus "
                   "(adresse ou réseau, répétable ; ex. 127.0.0.1).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, secure_cookies: bool,
          trusted_proxies: tuple[str, ...]) -> None:
    """Sert l'application web des chargé·e·s de mission.

    Ouvrez ensuite l'adresse affichée dans un navigateur. Par défaut le serveur n'écoute
    que ce poste ; voir docs/web.md et docs/serveur.md pour un serveur d'équipe.
    """
    from cpts_web.server import has_admin, is_loopback
    from cpts_web.server import serve as run
    from cpts_web.settings import Settings

    from cpts_workflow.errors import Refused

    app = ctx.find_object(AppContext)
    assert app is not None  # the group always makes one
    ws = app.workspace
    ws.list_projects()  # an unreachable or outdated base fails here, in one sentence
    if not is_loopback(host) and not has_admin(ws):
        raise Refused(
            f"Le serveur refuse d'écouter sur {host} : la base n'a encore aucun compte "
            "administrateur, tout le monde y entrerait sans se connecter.",
            "Créez d'abord un compte administrateur (cpts user add IDENTIFIANT --name NOM --role admin), ou "
            "servez sur 127.0.0.1.",
        )
    click.echo(f"Base : {ws.db.display_url}", err=True)
    click.echo(f"Application web : http://{host}:{port}/  (Ctrl+C pour arrêter)", err=True)
    run(ws.db.url, host, port, workers,
        Settings(secure_cookies=secure_cookies, trusted_proxies=trusted_proxies))


COMMANDS = [serve]
