"""`cpts user …`: the accounts of the people who sign in, and their roles.

Passwords are typed twice without echo, or read from standard input with
`--password-stdin` (for scripts); never given as an option value, which would leave them
in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, listing_options, success

LOGIN = click.argument("login", metavar="IDENTIFIANT")
PROJECT = click.argument("project", metavar="PROJET")
ROLES_HELP = ("admin (tout, comptes compris), officer (chargé·e de mission : tous les projets), "
              "reader (lecture seule), porteur (ses projets rattachés)")
PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True,
    help="Lit le mot de passe sur l'entrée standard (première ligne) au lieu de le demander.")

COLUMNS = [
    ("login", "Identifiant"),
    ("name", "Nom"),
    ("role_label", "Rôle"),
    ("state", "État"),
    ("projects", "Projets"),
]
CSV_COLUMNS = [("login", "Identifiant"), ("name", "Nom"), ("role", "Rôle"),
               ("active", "Actif"), ("projects", "Projets")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise click.UsageError("Aucun mot de passe lu sur l'entrée standard.")
        return password
    return click.prompt("Mot de passe", hide_input=True, prompt_suffix=" : ",
                        confirmation_prompt="Confirmez le mot de passe")


def _row(account) -> dict:
    return {
        **account.to_dict(),
        "state": "actif" if account.active else "désactivé",
        "projects": ", ".join(account.projects) or None,
    }


def _done(account, as_json: bool, message: str) -> None:
    if as_json:
        emit_json(account.to_dict())
    else:
        success(message)


JSON = click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")


@click.group()
def user() -> None:
    """Comptes des personnes qui se connectent, et leurs droits.

    Rôles : admin (tout, comptes compris), officer (chargé·e de mission, tous les projets),
    reader (lecture seule de tous les projets), porteur (seulement les projets qui lui sont
    rattachés). Sans --as, la commande a tous les droits : ceux de qui accède directement
    à la base.
    """


@user.command("add")
@LOGIN
@click.option("--name", required=True, metavar="NOM", help="Nom affiché, inscrit dans l'historique.")
@click.option("--role", required=True, metavar="ROLE", help=f"Rôle : {ROLES_HELP}.")
@PASSWORD_STDIN
@JSON
@pass_app
def add(app: AppContext, login: str, name: str, role: str, password_stdin: bool, as_json: bool) -> None:
    """Crée un compte (le mot de passe est demandé deux fois, sans affichage)."""
    from cpts_workflow import accounts

    # Checked before the password is asked: nobody types a password twice for nothing.
    app.workspace.require("accounts")
    login = accounts.clean_login(login)
    accounts.check_role(role)
    account = accounts.add_account(app.workspace, login, name=name, role=role,
                                   password=_password(password_stdin))
    _done(account, as_json, f"Compte « {account.login} » créé : {account.name} ({account.role_label}).")


@user.command("list")
@listing_options()
@pass_app
def list_(app: AppContext, fmt: str) -> None:
    """Liste les comptes, leur rôle et leurs projets."""
    from cpts_workflow.accounts import list_accounts

    found = list_accounts(app.workspace)
    emit_listing(fmt, [a.to_dict() for a in found], COLUMNS, lambda: [_row(a) for a in found],
                 csv_columns=CSV_COLUMNS, empty="Aucun compte.")


@user.command("role")
@LOGIN
@click.argument("role", metavar="ROLE")
@JSON
@pass_app
def role(app: AppContext, login: str, role: str, as_json: bool) -> None:
    """Change le rôle d'un compte."""
    from cpts_workflow.accounts import set_role

    account = set_role(app.workspace, login, role)
    _done(account, as_json, f"Compte « {account.login} » : rôle {account.role_label}.")


def _switch(name: str, active: bool, help_text: str, said: str) -> None:
    """`cpts user disable` / `enable`: the same command but for the state it sets."""

    @user.command(name, help=help_text)
    @LOGIN
    @JSON
    @pass_app
    def command(app: AppContext, login: str, as_json: bool) -> None:
        from cpts_workflow import accounts

        account = accounts.set_active(app.workspace, login, active)
        _done(account, as_json, f"Compte « {account.login} » {said}.")


_switch("disable", False, "Désactive un compte : il ne peut plus se connecter, ses sessions "
        "sont fermées.", "désactivé")
_switch("enable", True, "Réactive un compte désactivé.", "réactivé")


@user.command("passwd")
@LOGIN
@PASSWORD_STDIN
@pass_app
def passwd(app: AppContext, login: str, password_stdin: bool) -> None:
    """Change le mot de passe d'un compte (ses sessions ouvertes sont fermées)."""
    from cpts_workflow import accounts

    ws = app.workspace
    account = accounts.get_account(ws, login)  # an unknown login is said before the prompt
    accounts.set_password(ws, account.login, _password(password_stdin))
    success(f"Mot de passe du compte « {account.login} » changé.")


def _link(name: str, help_text: str) -> None:
    """`cpts user attach` / `detach`: a porteur's projects, one more or one less."""

    @user.command(name, help=help_text)
    @LOGIN
    @PROJECT
    @JSON
    @pass_app
    def command(app: AppContext, login: str, project: str, as_json: bool) -> None:
        from cpts_workflow import accounts

        account = getattr(accounts, name)(app.workspace, login, project)
        rest = ", ".join(account.projects) or "aucun"
        _done(account, as_json, f"Compte « {account.login} » : projets {rest}.")


_link("attach", "Rattache un projet à un compte porteur (il ne voit que ses projets rattachés).")
_link("detach", "Détache un projet d'un compte porteur.")


@user.command("calendar")
@LOGIN
@click.option("--revoke", is_flag=True, help="Révoque l'adresse sans la remplacer.")
@click.option("--site", metavar="URL", default="https://SERVEUR",
              help="Adresse du site web, pour écrire l'adresse complète (ex. https://cpts.exemple.fr).")
@pass_app
def calendar(app: AppContext, login: str, revoke: bool, site: str) -> None:
    """Crée (ou remplace) l'adresse secrète d'agenda (.ics) d'un compte, ou la révoque."""
    from cpts_workflow import accounts

    if revoke:
        done = accounts.revoke_calendar_address(app.workspace, login)
        success(f"Adresse d'agenda de « {login} » révoquée." if done
                else f"« {login} » n'avait pas d'adresse d'agenda active.")
        return
    made = accounts.new_calendar_address(app.workspace, login)
    click.echo(f"{site.rstrip('/')}/calendrier/{made.token}.ics")
    success(f"Adresse d'agenda de « {made.login} » créée (affichée cette seule fois ; "
            "l'ancienne ne répond plus).")


@user.command("invite", help="Rattache un porteur à un projet (en créant son compte au besoin) et "
              "affiche son lien d'invitation : à usage unique, valable 7 jours, à transmettre par e-mail.")
@LOGIN
@click.option("--project", "project", required=True, metavar="PROJET", help="Le projet du porteur.")
@click.option("--name", default=None, metavar="NOM", help="Nom affiché (par défaut : l'identifiant).")
@click.option("--email", default=None, metavar="E-MAIL", help="Adresse notée pour mémoire (rien n'est envoyé).")
@click.option("--site", default="http://127.0.0.1:8000", show_default=True, metavar="ADRESSE",
              help="Adresse de l'application web, début du lien.")
@pass_app
def invite(app: AppContext, login: str, project: str, name: str | None, email: str | None,
           site: str) -> None:
    from cpts_workflow.invitations import invite_porteur

    issued = invite_porteur(app.workspace, project, login, name=name or login, email=email)
    if issued.token is None:
        success(f"Compte « {issued.account.login} » rattaché à « {issued.project} » "
                "(il a déjà un mot de passe).")
        return
    success(f"Lien d'invitation de « {issued.account.login} » pour « {issued.project} », "
            "à transmettre une seule fois :")
    click.echo(f"{site.rstrip('/')}/invitation/{issued.token}")


COMMANDS = [user]
