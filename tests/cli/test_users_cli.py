"""`cpts user …` and `cpts --as LOGIN …` as a user types them."""

from __future__ import annotations

import json

from cpts_workflow.app import App

SECRET = "secret-tres-long-42"


def _add(cpts, login: str, role: str, name: str = "Claire Martin"):
    return cpts("user", "add", login, "--name", name, "--role", role, "--password-stdin",
                input=SECRET + "\n")


def test_user_add_asks_the_password_twice_and_never_shows_it(cpts, sqlite_url) -> None:
    result = cpts("user add claire --name 'Claire Martin' --role officer",
                  input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output and "Confirmez le mot de passe" in result.output
    assert SECRET not in result.output
    assert "Compte « claire » créé : Claire Martin (chargé·e de mission)." in result.stdout
    app = App(sqlite_url)
    assert app.authenticate("claire", SECRET).role == "officer"
    app.dispose()


def test_mismatched_confirmation_is_asked_again(cpts) -> None:
    result = cpts("user add claire --name Claire --role reader",
                  input=f"{SECRET}\nautre-chose-1234\n{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Erreur : les deux saisies diffèrent." in result.output
    assert SECRET not in result.output


def test_password_stdin_for_scripts(cpts, sqlite_url) -> None:
    result = _add(cpts, "marc", "reader", "Marc Petit")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    result = cpts("user passwd marc --password-stdin", input="nouveau-secret-99\n")
    assert result.exit_code == 0 and "changé" in result.stdout
    app = App(sqlite_url)
    assert app.authenticate("marc", "nouveau-secret-99").login == "marc"
    app.dispose()


def test_no_password_option_on_the_command_line(cpts) -> None:
    result = cpts(f"user add claire --name Claire --role officer --password {SECRET}")
    assert result.exit_code == 2 and "Option inconnue" in result.stderr


def test_weak_password_and_bad_role_in_french(cpts) -> None:
    result = cpts("user add claire --name Claire --role chef --password-stdin", input=SECRET)
    assert result.exit_code == 2 and "Le rôle « chef » n'existe pas." in result.stderr
    result = cpts("user add claire --name Claire --role officer --password-stdin", input="court\n")
    assert result.exit_code == 2 and "au moins 10 caractères" in result.stderr
    assert "Traceback" not in result.output


def test_list_role_disable_enable_attach_detach(cpts) -> None:
    cpts("new 'CPTS du Pays d'\"'\"'Aix'")
    assert _add(cpts, "lea", "porteur", "Léa Porteuse").exit_code == 0
    assert _add(cpts, "marc", "officer", "Marc Petit").exit_code == 0
    result = cpts("user attach lea cpts-du-pays-d-aix")
    assert result.exit_code == 0 and "projets cpts-du-pays-d-aix" in result.stdout
    listing = cpts("user list")
    assert "Léa Porteuse" in listing.stdout and "porteur de projet" in listing.stdout
    data = json.loads(cpts("user list --json").stdout)
    assert [(a["login"], a["role"], a["projects"]) for a in data] == [
        ("lea", "porteur", ["cpts-du-pays-d-aix"]), ("marc", "officer", [])]
    csv = cpts("user list --csv").stdout
    assert csv.splitlines()[0] == "Identifiant;Nom;Rôle;Actif;Projets"
    assert cpts("user role marc reader").stdout.strip() == "Compte « marc » : rôle lecture seule."
    assert "désactivé" in cpts("user disable marc").stdout
    assert json.loads(cpts("user list --json").stdout)[1]["active"] is False
    assert "réactivé" in cpts("user enable marc").stdout
    result = cpts("user detach lea cpts-du-pays-d-aix")
    assert result.exit_code == 0 and "projets aucun" in result.stdout


def test_acting_as_a_porteur(cpts) -> None:
    cpts("new 'CPTS Aix'")
    cpts("new 'CPTS Gap'")
    _add(cpts, "lea", "porteur", "Léa Porteuse")
    cpts("user attach lea cpts-aix")
    listing = json.loads(cpts("--as lea list --json").stdout)
    assert [p["slug"] for p in listing] == ["cpts-aix"]
    hidden = cpts("--as lea show cpts-gap")
    assert hidden.exit_code == 1 and "Projet « cpts-gap » introuvable." in hidden.stderr
    assert cpts("--as lea check cpts-aix working_group").exit_code == 0
    refused = cpts("--as lea abandon cpts-aix --reason fin")
    assert refused.exit_code == 1
    assert "n'a pas le droit d'abandonner un projet" in refused.stderr
    assert cpts("--as lea user list").exit_code == 1
    history = json.loads(cpts("history cpts-aix --json").stdout)
    assert (history[-1]["actor"], history[-1]["account_login"]) == ("Léa Porteuse", "lea")
    assert history[0]["account_login"] is None  # created by the local operator


def test_acting_as_an_unknown_or_disabled_account(cpts) -> None:
    result = cpts("--as personne list")
    assert result.exit_code == 1 and "Compte « personne » introuvable." in result.stderr
    _add(cpts, "marc", "reader", "Marc Petit")
    cpts("user disable marc")
    result = cpts("--as marc list")
    assert result.exit_code == 1 and "Le compte « marc » est désactivé." in result.stderr


def test_user_calendar_prints_the_address_once_and_revokes_it(cpts, sqlite_url) -> None:
    assert _add(cpts, "claire", "officer").exit_code == 0
    made = cpts("user calendar claire --site https://cpts.exemple.fr/")
    assert made.exit_code == 0, made.output
    url = made.stdout.splitlines()[0]
    assert url.startswith("https://cpts.exemple.fr/calendrier/") and url.endswith(".ics")
    app = App(sqlite_url)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert app.calendar_account(token).login == "claire"
    assert cpts("user calendar claire --revoke").exit_code == 0
    assert app.calendar_account(token) is None
    assert "n'avait pas d'adresse" in cpts("user calendar claire --revoke").output
    app.dispose()
