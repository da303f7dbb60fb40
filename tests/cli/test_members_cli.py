"""`cpts member …` end to end."""

from __future__ import annotations

import json


def _project(cpts) -> str:
    return cpts("new", "CPTS du Pays d'Aix").stdout.strip()


def test_member_add_list_show_edit_remove(cpts):
    p = _project(cpts)
    r = cpts(
        "member",
        "add",
        p,
        "Jeanne Durand",
        "--profession",
        "médecin généraliste",
        "--college",
        "liberaux",
        "--role",
        "president",
        "--rpps",
        "10101010105",
        "--email",
        "j@exemple.fr",
    )
    assert r.exit_code == 0 and "Membre n° 1 ajouté : Jeanne Durand (président·e)" in r.stdout
    r = cpts(
        f"member add {p} 'MSP des Collines' --legal --kind msp --college structures "
        "--siret 73282932000074"
    )
    assert r.exit_code == 0
    listed = json.loads(cpts(f"member list {p} --json").stdout)
    assert [(m["id"], m["name"], m["legal"], m["college"]) for m in listed] == [
        (1, "Jeanne Durand", False, "liberaux"),
        (2, "MSP des Collines", True, "structures"),
    ]
    assert set(listed[0]) >= {
        "id",
        "name",
        "profession",
        "college",
        "college_label",
        "role",
        "role_label",
        "rpps",
        "siret",
        "finess",
        "email",
        "legal",
        "structure_kind",
    }
    csv = cpts(f"member list {p} --csv").stdout
    assert csv.splitlines()[0].startswith("N°;Nom;Nature") and "SIRET 73282932000074" in csv
    table = cpts(f"member list {p}").stdout
    assert "personne morale" in table and "président·e" in table
    assert "trésorier" in cpts(f"member edit {p} 2 --role treasurer --json").stdout
    shown = cpts(f"member show {p} 2").stdout
    assert "trésorier·ère" in shown and "maison de santé pluriprofessionnelle" in shown
    assert cpts(f"member remove {p} 2 --yes").exit_code == 0
    assert cpts(f"member show {p} 2").exit_code == 1
    kinds = [e["kind"] for e in json.loads(cpts(f"history {p} --json").stdout)]
    assert (
        kinds.count("member_added") == 2 and "member_updated" in kinds and "member_removed" in kinds
    )


def test_member_errors_are_french_and_exit_2(cpts):
    p = _project(cpts)
    r = cpts(f"member add {p} 'MSP' --legal --siret 73282932000075")
    assert (
        r.exit_code == 2
        and "SIRET « 73282932000075 » est invalide" in r.stderr
        and "Traceback" not in r.output
    )
    r = cpts(f"member add {p} 'Jeanne' --rpps 123")
    assert r.exit_code == 2 and "11 chiffres" in r.stderr
    r = cpts(f"member add {p} 'Jeanne' --college medecins")
    assert r.exit_code == 2 and "Valeurs possibles : liberaux" in r.stderr
    r = cpts(f"member add {p} 'Jeanne' --rpps 12345678901")
    assert r.exit_code == 0 and "Luhn" in r.stderr
    assert cpts(f"member remove {p} 1", input="n\n").exit_code == 1
    assert len(json.loads(cpts(f"member list {p} --json").stdout)) == 1


def test_bureau_guard_message_on_advance(cpts):
    p = _project(cpts)
    for _ in range(3):
        cpts(f"advance {p} --force --comment test")
    for item in json.loads(cpts(f"checklist {p} --json").stdout):
        if item["required"]:
            extra = ["--value", "01/09/2026"] if item["evidence"] == "date" else []
            cpts("check", p, item["id"], *extra)
    r = cpts(f"advance {p}")
    assert r.exit_code == 1 and "président·e" in r.stderr and "trésorier" in r.stderr
