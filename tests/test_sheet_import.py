"""Importing a portfolio spreadsheet: headers, stages, communes, dry run, all or nothing."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cpts_workflow.accounts import add_account
from cpts_workflow.contacts import list_contacts
from cpts_workflow.errors import BadInput, Forbidden
from cpts_workflow.sheet_import import header_words, import_sheet, stage_for
from cpts_workflow.store.models import Event, Member, Project, ProjectCommune
from cpts_workflow.territory.coverage import territory
from cpts_workflow.workspace import Workspace


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)
    return path


def counts(ws: Workspace) -> tuple[int, ...]:
    with ws.session(read_only=True) as session:
        return tuple(session.scalar(select(func.count()).select_from(t))
                     for t in (Project, Event, Member, ProjectCommune))


UNUSUAL = ["  NOM DU PROJET ", "Chargé·e de mission", "État d'avancement", "Créé le",
           "Date PDS", "Signature ACI", "Code INSEE", "Contact porteur", "Courriel", "Tél.", "Remarques"]


def test_xlsx_with_unusual_headers_is_simulated_then_imported(ws, tmp_path):
    sheet = write_xlsx(tmp_path / "portefeuille.xlsx", [
        UNUSUAL,
        ["CPTS du Pays d'Aix", "Claire Martin", "Projet de santé validé", datetime(2025, 1, 12),
         date(2026, 3, 1), None, "13001, Venelles", "Jeanne Durand", "jeanne@exemple.fr",
         "06 12 34 56 78", "=SUM(1,2)"],
        ["CPTS Sainte-Victoire", "claire MARTIN", "ACI signé", "01/05/2024", None,
         "15/04/2026", 13079, None, None, None, None],
        [None] * 11,
        ["CPTS Durance", None, "PDS", None, None, None, "Pertuis ; Manosque", None, None, None, None],
    ])
    before = counts(ws)
    dry = import_sheet(ws, sheet)
    assert not dry.applied and not dry.problems and counts(ws) == before
    assert dry.columns == {"NOM DU PROJET": "name", "Chargé·e de mission": "officer",
                           "État d'avancement": "stage", "Créé le": "created",
                           "Date PDS": "health_project_validated", "Signature ACI": "aci_signed",
                           "Code INSEE": "communes", "Contact porteur": "porteur_name",
                           "Courriel": "porteur_email", "Tél.": "porteur_phone"}
    assert dry.ignored == ["Remarques"]
    assert [(r.line, r.slug, r.stage) for r in dry.created] == [
        (2, "cpts-du-pays-d-aix", "statutes"), (3, "cpts-sainte-victoire", "coordinator_hiring"),
        (5, "cpts-durance", "health_project")]

    done = import_sheet(ws, sheet, apply=True)
    assert done.applied and [r.slug for r in done.created] == [r.slug for r in dry.created]
    aix = ws.project("cpts-du-pays-d-aix")
    assert aix.stage == "statutes" and aix.officer == "Claire Martin"
    assert aix.created_at.date() == date(2025, 1, 12) and aix.stage_entered_at.date() == date(2026, 3, 1)
    assert territory(ws, "cpts-du-pays-d-aix").communes[0].insee in {"13001", "13113"}
    item = next(i for i in ws.checklist("cpts-du-pays-d-aix", "all") if i.id == "health_project_validated")
    assert item.status == "done" and item.value == "2026-03-01"
    events = ws.history("cpts-du-pays-d-aix")
    placed = next(e for e in events if e.kind == "sheet_imported")
    assert (placed.from_stage, placed.to_stage) == ("initiative", "statutes")
    assert placed.payload["line"] == 2 and placed.payload["dates"]["created"] == "2025-01-12"
    assert placed.kind_label == "Import d'un tableur"
    with ws.session(read_only=True) as session:
        assert session.scalars(select(Member)).all() == []  # the porteur is a contact
    porteur = next(c for c in list_contacts(ws, "cpts-du-pays-d-aix") if c.role == "porteur")
    assert (porteur.name, porteur.email) == ("Jeanne Durand", "jeanne@exemple.fr")
    assert [c.insee for c in territory(ws, "cpts-sainte-victoire").communes] == ["13079"]

    # The same sheet again creates nothing twice.
    again = import_sheet(ws, sheet, apply=True)
    assert again.created == [] and [s.slug for s in again.skipped] == [r.slug for r in done.created]


def test_csv_with_map_legacy_encoding_and_lenient_stages(ws, tmp_path):
    sheet = write_csv(tmp_path / "suivi.csv", [
        ["Intitulé", "Suivi par", "Où en est-on", "AG constitutive", "Villes"],
        ["CPTS Ouest Étang", "Paul Roux", "diag", "", "Istres"],
        ["CPTS Nord", "Paul Roux", "Étape 5", "12/09/2026", "Vitrolles (13)"],
        ["CPTS Sud", "", "en pause", "", ""],
    ], encoding="cp1252")
    report = import_sheet(ws, sheet, mapping=["Suivi par=officer", "Où en est-on=Étape",
                                                "AG constitutive=constitutive_ag_held", "Villes=communes"],
                          apply=True)
    assert not report.problems, report.problems
    assert [(r.name, r.stage) for r in report.created] == [
        ("CPTS Ouest Étang", "diagnostic"), ("CPTS Nord", "aci_contract"), ("CPTS Sud", "paused")]
    assert ws.project("cpts-sud").status == "paused"
    held = next(i for i in ws.checklist("cpts-nord", "all") if i.id == "constitutive_ag_held")
    assert held.value == "2026-09-12"


def test_stage_spellings(sqlite_url) -> None:
    d = Workspace(sqlite_url).definition("cpts_creation", 1)
    for text, stage in [("Projet de santé", "health_project"), ("PROJET DE SANTE", "health_project"),
                        ("PDS", "health_project"), ("Projet de santé validé", "statutes"),
                        ("ACI signé", "coordinator_hiring"), ("statutes", "statutes"), ("3", "health_project"),
                        ("Abandonné", "abandoned"), ("Contrat  ACI", "aci_contract")]:
        assert stage_for(d, text) == stage, text
    with pytest.raises(BadInput, match="vouliez-vous dire « Projet de santé »") as refused:
        stage_for(d, "Projet santé")
    assert "Initiative, Diagnostic territorial" in refused.value.message
    assert header_words(" Chargé(e)_de·mission : ") == "charge e de mission"


def test_problems_by_row_and_column_leave_the_base_unchanged(ws, tmp_path):
    ws.create_project("CPTS déjà là")
    sheet = write_xlsx(tmp_path / "p.xlsx", [
        ["Projet", "Étape", "Communes", "Date de création", "Mail"],
        ["CPTS Une", "Diagnostic", "Aix-en-Provence", None, None],
        ["CPTS Deux", "Projet santé", "Saint-Martin", "31/02/2026", None],
        ["cpts DÉJÀ là", "Initiative", None, None, None],
        ["CPTS Trois", "Initiative", "Aix-en-Provence", "01/01/2030", "x@exemple.fr"],
    ])
    before = counts(ws)
    report = import_sheet(ws, sheet, apply=True)
    assert not report.applied and counts(ws) == before
    problems = [(p.line, p.column) for p in report.problems]
    assert problems == [(3, "Étape"), (3, "Communes"), (3, "Date de création"),
                        (5, "Date de création"), (5, None)]
    texts = [p.text() for p in report.problems]
    assert any("ligne 3, colonne « Communes » : le nom « Saint-Martin » désigne plusieurs communes" in t
               and "« Saint-Martin (32) »" in t for t in texts)
    assert any("ligne 3, colonne « Date de création »" in t and "n'est pas une date valide" in t for t in texts)
    assert any("dans le futur" in t for t in texts)
    assert [s.slug for s in report.skipped] == ["cpts-deja-la"]


def test_a_row_the_library_refuses_rolls_back_every_row(ws, tmp_path):
    """Row 3 claims a commune row 2 took: refused by the territory rule, nothing kept."""
    sheet = write_csv(tmp_path / "p.csv", [
        ["Nom du projet", "Communes"],
        ["CPTS Une", "13001"],
        ["CPTS Deux", "Aix-en-Provence"],
    ])
    before = counts(ws)
    report = import_sheet(ws, sheet, apply=True)
    assert [(p.line, p.column) for p in report.problems] == [(3, "Communes")]
    assert "déjà dans le territoire d'un autre projet actif" in report.problems[0].message
    assert counts(ws) == before and not report.applied


def test_ambiguous_commune_by_department_and_officer_accounts(ws, tmp_path):
    add_account(ws, "claire", name="Claire Martin", role="officer", password="un mot de passe sûr 2026")
    sheet = write_csv(tmp_path / "p.csv", [
        ["Projet", "Référente", "Communes"],
        ["CPTS Gers", "CLAIRE  martin", "Saint-Martin (32)"],
        ["CPTS Ailleurs", "Claire Martine", ""],
    ])
    report = import_sheet(ws, sheet)
    assert [p.text() for p in report.problems] == [
        "ligne 3, colonne « Référente » : « Claire Martine » n'est pas un compte de chargé·e de "
        "mission. Vouliez-vous dire : Claire Martin ?"]
    assert report.created[0].communes == ["32389"] and report.created[0].officer == "Claire Martin"


def test_header_problems_and_limits(ws, tmp_path):
    report = import_sheet(ws, write_csv(tmp_path / "p.csv", [["Quoi", "Étape", "Statut"], ["x", "y", "z"]]))
    messages = [p.text() for p in report.problems]
    assert any("colonne « Statut »" in m and "donne déjà le champ « étape »" in m for m in messages)
    assert any("aucune colonne ne donne le nom du projet" in m for m in messages)
    with pytest.raises(BadInput, match="Champ « chef » inconnu"):
        import_sheet(ws, tmp_path / "p.csv", mapping=["Quoi=chef"])
    with pytest.raises(BadInput, match="non pris en charge"):
        import_sheet(ws, tmp_path / "p.ods")
    wide = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(61)], ["x"] * 61])
    with pytest.raises(BadInput, match="61 colonnes"):
        import_sheet(ws, wide)
    long_cell = write_csv(tmp_path / "long.csv", [["Projet"], ["x" * 5001]])
    with pytest.raises(BadInput, match="cellule trop longue"):
        import_sheet(ws, long_cell)
    control = write_csv(tmp_path / "ctl.csv", [["Projet"], ["CPTS \x1b[31m"]])
    assert "caractère" in import_sheet(ws, control).problems[0].message


def test_readers_may_not_import(ws, tmp_path):
    add_account(ws, "lea", name="Léa", role="reader", password="un mot de passe sûr 2026")
    from cpts_workflow.accounts import get_account

    reader = Workspace(shared=ws.shared, account=get_account(ws, "lea"))
    with pytest.raises(Forbidden):
        import_sheet(reader, write_csv(tmp_path / "p.csv", [["Projet"], ["CPTS"]]), apply=True)


def test_cli_dry_run_apply_and_exit_codes(cpts, tmp_path):
    sheet = write_csv(tmp_path / "p.csv", [["Projet", "Étape"], ["CPTS Une", "PDS"], ["CPTS Deux", "?"]])
    r = cpts("import-sheet", str(sheet))
    assert r.exit_code == 1 and "ligne 3, colonne « Étape » : étape « ? » inconnue" in r.stdout
    assert "rien n'a été écrit" in r.stderr
    write_csv(sheet, [["Projet", "Étape"], ["CPTS Une", "PDS"]])
    r = cpts("import-sheet", str(sheet), "--dry-run")
    assert r.exit_code == 0 and "À créer (1) :" in r.stdout and "Simulation : rien n'a été écrit" in r.stdout
    assert cpts("list --json").stdout.strip() == "[]"
    r = cpts("import-sheet", str(sheet), "--apply")
    assert r.exit_code == 0 and "Import terminé : 1 projet créé." in r.stdout
    assert "cpts-une" in cpts("list").stdout
    assert cpts("import-sheet", str(sheet), "--apply", "--dry-run").exit_code == 2
    r = cpts("import-sheet", str(sheet), "--map", "X=nothing")
    assert r.exit_code == 2 and "--map « Suivi par=officer »" in r.stderr


@pytest.mark.parametrize("name", ["portefeuille-30-projets.xlsx", "portefeuille-30-projets.csv"])
def test_the_shipped_example_imports_cleanly(sqlite_url, clock, name):
    ws = Workspace(sqlite_url, actor="Claire Martin", now=clock)
    report = import_sheet(ws, Path(__file__).parent.parent / "examples" / name, apply=True)
    assert report.applied and len(report.created) == 30 and not report.problems
    assert {p.officer for p in ws.list_projects()} == {"Claire Martin", "Julien Roux", "Nadia Benali"}
