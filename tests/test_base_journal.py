"""The base's own journal: reference data imported, removed, replaced, by whom, and the
accounts for whoever manages them; written with the change, refused to readers."""

from __future__ import annotations

import pytest

from cpts_workflow import accounts
from cpts_workflow.aci.grids import import_grid
from cpts_workflow.app import App
from cpts_workflow.base_journal import base_journal
from cpts_workflow.errors import BadInput, Forbidden
from cpts_workflow.reports import latest_portfolio
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.territory.importer import import_vintage, remove_vintage

from .test_funding import GOOD
from .test_reference_2026 import COLUMNS

PASSWORD = "un mot de passe solide"


def _venelles(tmp_path):
    path = tmp_path / "venelles.csv"
    path.write_text(",".join(COLUMNS) + "\n13113,COM,Venelles,13,93,,,,8500\n", encoding="utf-8")
    return path


def test_reference_changes_are_journaled_newest_first(ws, tmp_path, clock):
    ws.init()
    import_vintage(ws, _venelles(tmp_path), "Venelles 2024", partial=True)
    clock.advance(hours=1)
    grid = tmp_path / "grille.yaml"
    grid.write_text(GOOD, encoding="utf-8")
    import_grid(ws, grid)
    clock.advance(hours=1)
    import_grid(ws, grid, replace=True)
    clock.advance(hours=1)
    remove_vintage(ws, "Venelles 2024")
    journal = base_journal(ws)
    assert [(e.kind_label, e.subject, e.actor) for e in journal] == [
        ("Millésime des communes retiré", "Venelles 2024", "Claire Martin"),
        ("Grille de financement remplacée", "mon_contrat", "Claire Martin"),
        ("Grille de financement importée", "mon_contrat", "Claire Martin"),
        ("Millésime des communes importé", "Venelles 2024", "Claire Martin"),
    ]
    assert journal[-1].payload == {"file": "venelles.csv", "communes": 1, "partial": True}
    assert [e.subject for e in base_journal(ws, limit=1)] == ["Venelles 2024"]


def test_a_refused_import_writes_no_line(ws, tmp_path):
    ws.init()
    with pytest.raises(BadInput):
        import_vintage(ws, _venelles(tmp_path), "Venelles 2024")  # incomplete, not partial
    assert base_journal(ws) == []


def test_who_sees_what(db_url, tmp_path, clock):
    app = App(db_url, now=clock)
    local = app.workspace(actor="Opératrice")
    for login, role in (("claire", "officer"), ("lea", "reader")):
        accounts.add_account(local, login, name=login.capitalize(), role=role, password=PASSWORD)
    officer = app.workspace(app.account("claire"))
    import_vintage(officer, _venelles(tmp_path), "Venelles 2024", partial=True)
    # The officer imports reference data and sees its trail, not the accounts'.
    assert [e.kind for e in base_journal(officer)] == ["reference_imported"]
    assert base_journal(officer)[0].actor_login == "claire"
    # The local operator (or an admin) sees both.
    assert {e.kind for e in base_journal(local)} == {"reference_imported", "account_added"}
    with pytest.raises(Forbidden):
        base_journal(app.workspace(app.account("lea")))
    app.dispose()


def test_a_reference_change_refreshes_kept_reports(ws, tmp_path):
    ws.init()
    aix = ws.create_project("CPTS du Pays d'Aix").slug
    add_communes(ws, aix, ["Venelles"])
    before = latest_portfolio(ws)
    import_vintage(ws, _venelles(tmp_path), "Venelles 2024", partial=True)
    after = latest_portfolio(ws)
    assert after is not before and after.projects[0].population == 8_500
