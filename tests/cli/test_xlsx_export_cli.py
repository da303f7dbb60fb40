"""Every listing and report as an XLSX workbook, opened back with openpyxl."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook


@pytest.fixture
def base(cpts):
    p = cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin").stdout.strip()
    cpts(f"check {p} info_meeting --value 12/10/2026")
    cpts(f"territory add {p} 13001 Venelles")
    cpts(f"member add {p} 'Jeanne Durand' --college liberaux --role president")
    return p


COMMANDS = [
    ("list", ["N°", "Identifiant", "Nom", "Chargé·e de mission", "Étape", "Depuis le"]),
    ("history {p}", ["Date", "Qui", "Quoi", "Commentaire"]),
    ("checklist {p}", None),
    ("deadlines --within 400", None),
    ("report", None),
    ("report project {p}", None),
    ("report stalled --days 1", None),
    ("member list {p}", None),
    ("territory show {p}", ["Code", "Commune", "Type", "Dép.", "Population", "Intercommunalité"]),
    ("communes search venelles", None),
    ("user list", None),
]


@pytest.mark.parametrize(("command", "headers"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_listing_as_xlsx(cpts, base, tmp_path, command, headers):
    out = tmp_path / "export.xlsx"
    r = cpts(*command.format(p=base).split(), "--format", "xlsx", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert f"Classeur XLSX écrit dans {out}" in r.stdout
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    if headers:
        assert list(rows[0][: len(headers)]) == headers
    assert all(isinstance(h, str) and h for h in rows[0])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert all(cell.font.b for cell in sheet[1])


def test_dates_and_numbers_are_typed(cpts, base, tmp_path):
    out = tmp_path / "l.xlsx"
    assert cpts("list", "--format", "xlsx", "--out", str(out)).exit_code == 0
    sheet = load_workbook(out).active
    since = sheet.cell(row=2, column=6)
    assert isinstance(since.value, datetime) and since.value.date().isoformat() == "2026-11-22"
    assert since.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=2, column=1).value == 1
    cpts(f"territory show {base} --format xlsx --out {tmp_path / 't.xlsx'}")
    territory = load_workbook(tmp_path / "t.xlsx").active
    assert territory.cell(row=2, column=1).value == "13001"  # a code stays text
    assert isinstance(territory.cell(row=2, column=5).value, int)  # a population is a number
    assert territory.column_dimensions["B"].width >= len("Aix-en-Provence")


def test_xlsx_needs_a_file(cpts, base):
    for command in ("list", f"history {base}", "report", f"report project {base}"):
        r = cpts(*command.split(), "--format", "xlsx")
        assert r.exit_code == 2 and "donnez son nom avec --out FICHIER.xlsx" in r.stderr, command
    r = cpts("list", "--out", "x.csv")
    assert r.exit_code == 2 and "ajoutez --format csv ou xlsx" in r.stderr


def test_csv_to_a_file_through_format(cpts, base, tmp_path):
    out = tmp_path / "l.csv"
    assert cpts("list", "--format", "csv", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfN\xc2\xb0;Identifiant")
