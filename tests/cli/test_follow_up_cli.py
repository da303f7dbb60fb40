"""`cpts edit|delete|search|note|journal|contact|partner|bulk` as a user types them."""

from __future__ import annotations

import json

import pytest

AIX = "cpts-du-pays-d-aix"


@pytest.fixture
def two(cpts):
    assert cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin").exit_code == 0
    assert cpts("new", "CPTS Sainte-Victoire").exit_code == 0
    return AIX, "cpts-sainte-victoire"


def test_edit_and_delete(cpts, two):
    aix, sv = two
    r = cpts("edit", sv, "--slug", "sainte-victoire", "--officer", "Paul Écuyer")
    assert r.exit_code == 0 and "CPTS Sainte-Victoire (sainte-victoire) : chargé·e de mission Paul Écuyer." in r.stdout
    assert cpts(f"show {sv}").exit_code == 0  # the old slug still works
    assert cpts(f"edit {sv}").exit_code == 2  # nothing to change
    r = cpts(f"delete {sv} --reason doublon", input="non\n")
    assert r.exit_code == 1 and "[o/N]" in r.output
    r = cpts(f"delete {sv} --reason doublon", input="peut-être\no\n")
    assert r.exit_code == 1 and "Répondez o (oui) ou n (non)." in r.output  # history: refused
    assert "historique" in r.stderr and "--force" in r.stderr
    r = cpts(f"delete {sv} --reason doublon --force --yes")
    assert r.exit_code == 0 and "Projet « CPTS Sainte-Victoire » supprimé." in r.stdout
    assert cpts("show sainte-victoire").exit_code == 1
    r = cpts("history", aix)
    assert "Création du projet : « CPTS du Pays d'Aix », confié à Claire Martin" in r.stdout


def test_officers_accounts_and_filters(cpts, two):
    aix, sv = two
    cpts("user", "add", "paul", "--name", "Paul Écuyer", "--role", "officer",
         input="un mot de passe solide\nun mot de passe solide\n")
    r = cpts(f"edit {sv} --officer 'Pol Ecuyer'")
    assert r.exit_code == 2 and "Vouliez-vous dire : Paul Écuyer ?" in r.stderr
    assert cpts(f"edit {sv} --officer paul").exit_code == 0
    listed = json.loads(cpts("list --officer 'PAUL ECUYER' --json").stdout)
    assert [p["slug"] for p in listed] == [sv]
    assert {p["slug"] for p in json.loads(cpts("list --stage Initiative --json").stdout)} == {aix, sv}
    r = cpts("list --stage 'Nulle part'")
    assert r.exit_code == 2 and "« Projet de santé »" in r.stderr and "health_project" not in r.stderr
    assert cpts("report --officer 'paul écuyer'").exit_code == 0
    assert cpts("deadlines --officer 'Paul ecuyer'").exit_code == 0


def test_journal_contacts_partners(cpts, two):
    aix, _ = two
    r = cpts("note", aix, "Réunion avec l'ARS à Meyreuil", "--date", "20/11/2026",
             "--participants", "Dr Martin, ARS", "--next", "Envoyer la lettre d'intention",
             "--next-date", "10/01/2027")
    assert r.exit_code == 0 and "Prochaine étape : Envoyer la lettre d'intention (le 10/01/2027)." in r.stdout
    assert cpts("note", aix, "x", "--next-date", "10/01/2027").exit_code == 2
    r = cpts("contact", "add", aix, "ARS", "Anne Roux", "--email", "anne.roux@ars.sante.fr",
             "--phone", "0491000000")
    assert r.exit_code == 0 and "Contact n° 1 ajouté : Anne Roux (référent·e ARS)." in r.stdout
    assert cpts("contact", "add", aix, "ARS", "X", "--phone", "12").exit_code == 2
    r = cpts("contact", "set", aix, "1", "--name", "Anne Rousse", "--email", "", "--role", "CPAM")
    assert r.exit_code == 0 and "Contact n° 1 : Anne Rousse (référent·e CPAM), 04 91 00 00 00." in r.stdout
    assert cpts("contact", "set", aix, "1").exit_code == 2
    assert cpts("contact", "set", aix, "1", "--email", "pas-un-mail").exit_code == 2
    cpts("contact", "set", aix, "1", "--name", "Anne Roux", "--role", "ARS")
    r = cpts("partner", "add", aix, "GHT", "GHT Bouches-du-Rhône", "--state", "convention en cours")
    assert r.exit_code == 0
    r = cpts("partner", "set", aix, "1", "--state", "signée", "--date", "01/12/2026")
    assert "GHT Bouches-du-Rhône : convention signée depuis le 01/12/2026." in r.stdout
    r = cpts("partner", "set", aix, "1", "--kind", "DAC")
    assert r.exit_code == 0 and "DAC" in cpts("partner", "list", aix).stdout
    cpts("partner", "set", aix, "1", "--kind", "GHT")
    show = cpts("show", aix).stdout
    assert "Journal (dernières notes) :" in show and "référent·e ARS : Anne Roux" in show
    assert "GHT : GHT Bouches-du-Rhône, convention signée depuis le 01/12/2026" in show
    data = json.loads(cpts(f"show {aix} --json").stdout)
    assert data["journal"][0]["next_step"] == "Envoyer la lettre d'intention"
    assert [c["role"] for c in data["contacts"]] == ["ars"]
    deadlines = cpts("deadlines").stdout
    assert "Envoyer la lettre d'intention" in deadlines
    journal = cpts("journal", aix).stdout
    assert "20/11/2026" in journal and "Envoyer la lettre d'intention (le 10/01/2027)" in journal
    report = cpts("report --csv").stdout
    assert "Prochaine étape" in report and "GHT Bouches-du-Rhône (convention signée)" in report
    assert cpts("contact", "remove", aix, "1").exit_code == 0
    r = cpts("contact", "remove", aix, "1")
    assert r.exit_code == 1 and "cpts contact list" in r.stderr
    assert cpts("partner", "remove", aix, "1").exit_code == 0
    assert "Aucun partenaire." in cpts("partner", "list", aix).stdout


def test_search(cpts, two):
    aix, sv = two
    cpts("note", sv, "Rencontre avec le maire d'Aix")
    r = cpts("search", "AIX")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[1].startswith(aix) and lines[2].startswith(sv) and "note du journal" in lines[2]
    hits = json.loads(cpts("search rencontre --json").stdout)
    assert [(h["slug"], h["found_in"]) for h in hits] == [(sv, "note")]
    assert "Aucun projet ne correspond" in cpts("search zzzz").stdout


def test_bulk(cpts, two):
    aix, sv = two
    r = cpts("bulk", "reassign", aix, sv, "--to", "Léa Faure")
    assert r.exit_code == 0 and r.stdout.startswith("2 projets confiés : ")
    r = cpts("bulk", "check", aix, "inconnu", sv, "--item", "working_group")
    assert r.exit_code == 1 and "Projet « inconnu » introuvable" in r.stderr
    assert "Rien n'a été modifié" in r.stderr
    assert "☑" not in cpts("checklist", aix).stdout
    r = cpts("bulk", "check", "--from", "léa faure", "--item", "working_group")
    assert r.exit_code == 0 and "2 projets mis à jour" in r.stdout
    r = cpts("bulk", "due", aix, "--item", "info_meeting", "--date", "01/03/2027")
    assert r.exit_code == 0 and r.stdout.startswith("1 projet mis à jour : ")
    assert cpts("bulk", "reassign", "--to", "x").exit_code == 2
