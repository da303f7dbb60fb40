"""`cpts member export|erase` and `cpts export|import|doctor` as a user types them."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cpts_workflow.workspace import Workspace

from ..conftest import complete_stage
from ..reliability_data import PERSON, populate


@pytest.fixture
def filled(cpts, sqlite_url, clock):
    ws = Workspace(sqlite_url, actor="Claire Martin", now=clock)
    slugs = populate(ws, complete_stage)
    ws.db.dispose()
    return slugs


def test_member_export_and_erase(cpts, filled, tmp_path):
    out = tmp_path / "personne.json"
    r = cpts("member", "export", PERSON["email"], "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(json.loads(out.read_text("utf-8"))["members"]) == 2
    r = cpts("member", "erase", PERSON["name"], "--reason", "Demande du 20/11/2026", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "Données effacées : 2 fiches membre" in r.stdout
    r = cpts("member", "export", PERSON["name"])
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Erreur : Aucune personne « {PERSON['name']} »")


def test_member_erase_asks_first(cpts, filled):
    r = cpts("member", "erase", PERSON["name"], "--reason", "x", input="n\n")
    assert r.exit_code == 1 and "Effacer définitivement 2 fiches : membre n° " in r.output
    r = cpts("member", "export", PERSON["name"])
    assert r.exit_code == 0  # still there


def test_export_import_doctor(cpts, filled, tmp_path, monkeypatch):
    out = tmp_path / "b.json"
    r = cpts("export", "--all", "--out", str(out))
    assert r.exit_code == 0 and "2 projets" in r.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    r = cpts("export", "--out", str(out))
    assert r.exit_code == 2 and "Donnez un projet, ou --all" in r.stderr
    monkeypatch.setenv("CPTS_DATABASE_URL", f"sqlite:///{tmp_path / 'autre.db'}")
    r = cpts("import", str(out))
    assert r.exit_code == 0, r.stderr
    assert "2 projets créés" in r.stdout
    r = cpts("import", str(out), "--json")
    assert json.loads(r.stdout)["unchanged"] == ["cpts-du-pays-d-aix", "cpts-du-gapencais"]
    r = cpts("doctor")
    assert r.exit_code == 0 and r.stdout.startswith("Base cohérente : 2 projets")


def test_doctor_reports_a_broken_base(cpts, filled, sqlite_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE projects SET stage = 'statutes' "
                          "WHERE slug = 'cpts-du-pays-d-aix'"))
    engine.dispose()
    r = cpts("doctor")
    assert r.exit_code == 1
    assert ("cpts-du-pays-d-aix : l'étape enregistrée « statutes » diffère de celle du dernier "
            "événement d'étape « diagnostic »") in r.stdout
    assert json.loads(cpts("doctor --json").stdout)["ok"] is False
