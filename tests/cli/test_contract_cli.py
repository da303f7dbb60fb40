"""`cpts contract` end to end, as a coordinator types it (clock fixed on 22/11/2026)."""

from __future__ import annotations

import csv
import io
import json

from icalendar import Calendar
from openpyxl import Workbook, load_workbook

P = "cpts-du-pays-d-aix"


def _signed(cpts) -> None:
    assert cpts("init").exit_code == 0
    assert cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin").exit_code == 0
    assert cpts(f"check {P} aci_signed --value 15/04/2026").exit_code == 0
    r = cpts(f"contract set {P} --population 142482 --operating '131 250'")
    assert r.exit_code == 0, r.output


def test_contract_set_shows_grid_figures_and_both_candidates(cpts) -> None:
    _signed(cpts)
    r = cpts(f"contract set {P}")
    assert "contrat ACI signé le 15/04/2026, 5 ans (jusqu'au 15/04/2031)" in r.stdout
    assert "Taille 3 (de 80 000 à 175 000 habitants)" in r.stdout
    assert "Fonctionnement du contrat : 131 250,00 € (du contrat, versé à la signature)" in r.stdout
    assert "sources en conflit : 25 000,00 €" in r.stdout and "ou 20 000,00 €" in r.stdout
    data = json.loads(cpts(f"contract set {P} --json").stdout)
    assert data["taille"] == 3 and data["operating_cents"] == 13_125_000
    assert data["grid_letter_of_intent"]["amount_cents"] is None


def test_amounts_payments_indicators_spend_review(cpts, tmp_path) -> None:
    _signed(cpts)
    book = Workbook()
    book.active.append(["mission", "annee", "part_fixe", "part_variable", "statut"])
    for year in range(1, 6):
        book.active.append(["acces", year, 90000, 35000, "contrat"])
    book.save(tmp_path / "annexe.xlsx")
    r = cpts(f"contract amounts {P} --import {tmp_path / 'annexe.xlsx'}")
    assert r.exit_code == 0 and "Annexe importée" in r.stdout, r.output
    r = cpts(f"contract amounts {P} --mission parcours --fixed 45000 --variable 45000 --estimated "
             f"--xlsx {tmp_path / 'export.xlsx'} --csv")
    rows = list(csv.reader(io.StringIO(r.stdout), delimiter=";"))
    assert rows[0][:3] == ["Mission", "Année", "Part fixe (centimes)"]
    assert rows[6][:5] == ["parcours", "1", "4500000", "4500000", "estimated"]
    exported = list(load_workbook(tmp_path / "export.xlsx").active.iter_rows(values_only=True))
    assert exported[0][:3] == ("mission", "annee", "part_fixe") and exported[1][2] == 90000
    # The exported annex imports back unchanged.
    assert cpts(f"contract amounts {P} --import {tmp_path / 'export.xlsx'}").exit_code == 0

    assert cpts(f"aci mission {P} acces --started 01/06/2026").exit_code == 0
    r = cpts(f"contract payments {P} --receive avance-acces-1 --amount '58 808,22' --on 05/06/2026")
    assert r.exit_code == 0 and "58 808,22 € reçus sur 58 808,22 € (reçu)" in r.stdout, r.output
    assert "⚠ Versement « Fonctionnement » du 15/04/2026 : rien reçu" in r.stdout
    data = json.loads(cpts(f"contract payments {P} --json --ics {tmp_path / 'v.ics'}").stdout)
    by_key = {line["key"]: line for line in data["lines"]}
    assert by_key["avance-acces-1"]["expected_cents"] == 5_880_822
    assert by_key["solde-acces-1"]["due_on"] == "2027-04-15"
    cal = Calendar.from_ical((tmp_path / "v.ics").read_bytes())
    assert len(list(cal.walk("VEVENT"))) == len(data["lines"])
    assert cpts(f"contract payments {P} --xlsx {tmp_path / 'v.xlsx'} --csv").exit_code == 0
    sheet = load_workbook(tmp_path / "v.xlsx").active
    assert sheet["D3"].value == 58808.22 and sheet["D3"].number_format == '#,##0.00 "€"'

    proof = tmp_path / "preuve.pdf"
    proof.write_bytes(b"%PDF preuve")
    r = cpts(f"contract indicators {P} --define acces/mt --label 'Patients accompagnés' "
             "--target 1000 --unit patients")
    assert r.exit_code == 0, r.output
    r = cpts(f"contract indicators {P} --record acces/mt --year 1 --value 800 --note 'liste' "
             f"--evidence {proof}")
    assert "année 1 : 800 patients" in r.stdout
    rows = list(csv.reader(io.StringIO(cpts(f"contract indicators {P} --csv").stdout), delimiter=";"))
    assert rows[1][9:13] == ["800", "80.0", "preuve.pdf", "Claire Martin"]

    r = cpts(f"contract spend {P} --add acces --category coordination --amount 60000 --on 01/07/2026")
    assert "⚠ « Accès aux soins » : 60 000,00 € dépensés pour 58 808,22 € reçus" in r.stdout
    assert json.loads(cpts(f"contract spend {P} --json").stdout)["envelopes"][1]["overspent"]

    r = cpts(f"contract review {P} --year 1 --out {tmp_path / 'revue'} --annex csv")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "revue" / f"revue-aci-{P}-annee-1.docx").is_file()
    annex = (tmp_path / "revue" / f"revue-aci-{P}-annee-1-annexe.csv").read_text("utf-8-sig")
    assert "Patients accompagnés;1000;800;patients" in annex
    r = cpts("contract portfolio --json")
    [status] = json.loads(r.stdout)
    assert status["project_slug"] == P and status["late_missions"] == ["crise"]
    assert cpts("contract portfolio --csv").stdout.startswith("Projet;")
    history = json.loads(cpts(f"history {P} --json").stdout)
    kinds = [e["kind"] for e in history]
    for kind in ("contract_set", "contract_amounts_imported", "contract_amounts_set",
                 "payment_received", "indicator_defined", "indicator_recorded",
                 "spending_recorded", "contract_review_generated"):
        assert kind in kinds, kind


def test_bad_input_is_a_french_sentence_never_a_traceback(cpts, tmp_path) -> None:
    assert cpts("init").exit_code == 0
    assert cpts("new", "CPTS du Pays d'Aix").exit_code == 0
    r = cpts(f"contract payments {P}")
    assert r.exit_code == 1 and "Aucun contrat ACI n'est enregistré" in r.stderr
    r = cpts(f"contract set {P} --taille 3")
    assert r.exit_code == 2 and "date de signature" in r.stderr
    _ = cpts(f"check {P} aci_signed --value 15/04/2026")
    assert cpts(f"contract set {P} --taille 3").exit_code == 0
    r = cpts(f"contract amounts {P} --mission acces --fixed 12,345")
    assert r.exit_code == 2 and "plus de deux décimales" in r.stderr
    r = cpts(f"contract amounts {P} --mission acess --fixed 1")
    assert r.exit_code == 2 and "Vouliez-vous dire « acces »" in r.stderr
    bad = tmp_path / "annexe.csv"
    bad.write_text("mission;annee;part_fixe\nacces;1;douze\n", encoding="utf-8")
    r = cpts(f"contract amounts {P} --import {bad}")
    assert r.exit_code == 2 and "annexe.csv:2: Part fixe : « douze » n'est pas un nombre." in r.stderr
    r = cpts(f"contract amounts {P} --import {tmp_path / 'absent.xlsx'}")
    assert r.exit_code == 2 and "illisible" in r.stderr
    r = cpts(f"contract spend {P} --add acces --category soins --amount 1 --on 01/01/2027")
    assert r.exit_code == 2 and "Catégorie « soins » inconnue" in r.stderr
    r = cpts(f"contract review {P} --year 9")
    assert r.exit_code == 2 and "Année de contrat « 9 » invalide" in r.stderr
    for r in (cpts(f"contract payments {P} --receive x"), cpts(f"contract indicators {P} --define a")):
        assert r.exit_code == 2 and "Traceback" not in r.output


def test_the_same_payment_twice_needs_duplicate(cpts) -> None:
    _signed(cpts)
    once = f"contract payments {P} --receive fonctionnement-1 --amount '1 000' --on 20/04/2026"
    assert cpts(once).exit_code == 0
    r = cpts(once)  # the same payment again: refused, and the CLI names its option
    assert r.exit_code == 1 and "Ce versement est déjà enregistré" in r.stderr and "--duplicate" in r.stderr
    r = cpts(once + " --duplicate")
    assert r.exit_code == 0 and "2 000,00 € reçus" in r.stdout, r.output
