"""`cpts funding`, `cpts aci`, `cpts deadlines`, `cpts objection`, `cpts due` end to end."""

from __future__ import annotations

import json

from icalendar import Calendar

P = "cpts-du-pays-d-aix"


def _project(cpts) -> None:
    assert cpts("init").exit_code == 0
    assert cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin").exit_code == 0


def test_funding_simulate_by_population(cpts) -> None:
    r = cpts(
        "funding simulate --population 149695 --missions acces,parcours,prevention,crise,qualite"
    )
    assert r.exit_code == 0, r.output
    assert "149 695 habitants → taille 3" in r.stdout
    assert "Fonctionnement : 131 250 € (à confirmer)" in r.stdout
    assert "Total annuel maximal : 131 250 € (à confirmer) — PARTIEL" in r.stdout
    assert "part fixe acces" in r.stdout
    data = json.loads(cpts("funding simulate --population 149695 --json").stdout)
    assert data["taille"] == 3 and data["total"] == 131250 and data["total_partial"] is True
    assert data["missions"][0]["fixed"] == {
        "amount": None,
        "status": "inconnu",
        "note": "",
        "source": data["missions"][0]["fixed"]["source"],
    }


def test_funding_errors_are_french_sentences(cpts, tmp_path) -> None:
    r = cpts("funding simulate --population 1000 --missions acces,sante")
    assert r.exit_code == 2 and "Mission « sante » inconnue" in r.stderr
    assert cpts("funding simulate").exit_code == 2
    bad = tmp_path / "g.yaml"
    bad.write_text(
        "id: x\nlabel: X\ntext: T\nadvance_percent: {amount: 75, status: sûr, "
        "source: s}\noperating: {}\nmissions: {}\n",
        encoding="utf-8",
    )
    r = cpts(f"funding import {bad}")
    assert r.exit_code == 2 and f"{bad}:4: statut « sûr » inconnu" in r.stderr
    assert "Traceback" not in r.output
    grids = json.loads(cpts("funding grids --json").stdout)
    assert [g["id"] for g in grids] == ["aci_2019", "aci_avenant_2", "exemple_cpts_annee_5"]
    r = cpts("funding show --grid exemple_cpts_annee_5")
    assert "EXEMPLE" in r.stdout and "90 000 €" in r.stdout


def test_project_simulation_without_population(cpts) -> None:
    _project(cpts)
    r = cpts(f"funding simulate {P}")
    assert r.exit_code == 1 and "Population inconnue pour le projet « cpts-du-pays-d-aix »" in r.stderr
    assert "Traceback" not in r.output
    r = cpts(f"funding simulate {P} --population 45000 --json")
    assert json.loads(r.stdout)["taille"] == 2


def test_project_simulation_reads_the_population_of_its_territory(cpts) -> None:
    _project(cpts)
    assert cpts(f"territory add {P} 13001").exit_code == 0  # Aix-en-Provence
    r = cpts(f"funding simulate {P}")
    assert r.exit_code == 0, r.output
    assert f"Projet : {P}" in r.stdout and "149 695 habitants → taille 3" in r.stdout
    r = cpts(f"funding simulate {P} --json")
    assert json.loads(r.stdout)["population"] == 149_695
    # A number given on the command line wins over the territory.
    r = cpts("funding simulate 1 --population 45000 --json")
    assert json.loads(r.stdout)["taille"] == 2


def test_aci_missions_calendar_and_show(cpts, tmp_path) -> None:
    _project(cpts)
    assert cpts(f"check {P} aci_signed --value 31/05/2026").exit_code == 0
    r = cpts(f"aci missions {P} --add qualite")
    assert r.exit_code == 0 and "qualite" in r.stdout and "au choix de la CPTS" in r.stdout
    assert cpts(f"aci missions {P} --remove acces").exit_code == 1
    assert cpts(f"aci mission {P} acces --started 01/11/2026").exit_code == 0
    ics = tmp_path / "aci.ics"
    r = cpts(f"aci calendar {P} --ics {ics}")
    assert r.exit_code == 0, r.output
    assert "30/11/2026" in r.stdout  # crise: 31/05/2026 + 6 months
    assert "démarrage attendu au plus tard le 30/11/2026" not in r.stdout  # not yet overdue
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert len(events) == 1 + 8 + 4 + 1
    show = cpts(f"show {P}")
    assert "Prochaines échéances :" in show.stdout
    assert "30/11/2026 (dans 8 jours) : Démarrage de la mission « Réponse aux crises" in show.stdout


def test_deadlines_objection_and_due(cpts, tmp_path) -> None:
    _project(cpts)
    assert cpts(f"check {P} health_project_sent --value 30/09/2026").exit_code == 0
    assert cpts(f"due {P} info_meeting 15/12/2026").exit_code == 0
    r = cpts("deadlines")
    assert r.exit_code == 0
    assert "30/11/2026" in r.stdout and "15/12/2026" in r.stdout
    assert r.stdout.index("30/11/2026") < r.stdout.index("15/12/2026")
    ics = tmp_path / "d.ics"
    data = json.loads(cpts(f"deadlines --within 10 --json --ics {ics}").stdout)
    assert [d["key"] for d in data] == ["clock-health_project_tacit_validation"]
    assert [str(e["uid"]) for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")] == [
        f"{P}.clock-health_project_tacit_validation@cpts-workflow"
    ]
    r = cpts(f"objection {P} --ground territoire --date 20/11/2026")
    assert r.exit_code == 0 and "opposition enregistrée" in r.stdout
    assert "health_project_tacit_validation" not in cpts("deadlines --json").stdout
    assert cpts(f"objection {P} --ground budget --date 20/11/2026").exit_code == 2
    r = cpts("deadlines --department 13")
    assert r.exit_code == 1 and "territoire" in r.stderr
    assert "Aucune échéance." in cpts("deadlines --overdue").stdout


def test_show_flags_a_mission_past_its_deadline(cpts) -> None:
    _project(cpts)
    assert cpts(f"check {P} aci_signed --value 31/03/2026").exit_code == 0
    assert cpts(f"aci mission {P} acces --started 15/09/2026").exit_code == 0
    show = cpts(f"show {P}").stdout
    assert (
        "⚠ Mission « Réponse aux crises sanitaires graves » : démarrage attendu au plus tard "
        "le 30/09/2026, en retard de 53 jours." in show
    )
    assert "Accès aux soins » : démarrage attendu" not in show
    data = json.loads(cpts(f"show {P} --json").stdout)
    assert [(f["mission"], f["kind"], f["days_late"]) for f in data["mission_flags"]] == [
        ("crise", "start_overdue", 53)
    ]
    assert data["next_deadlines"] and all(d["project_slug"] == P for d in data["next_deadlines"])
    history = cpts(f"history {P}").stdout
    assert "acces : démarrée le 15/09/2026" in history
