"""`cpts communes …` and `cpts territory …` as a user types them; the map in real Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cpts_workflow.documents.convert import HEADLESS_FLAGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_search_text_and_json(cpts):
    r = cpts("communes search evenos")
    assert r.exit_code == 0 and "Évenos" in r.stdout and "2 406" in r.stdout
    r = cpts('communes search "Saint Zacharie" --json')
    data = json.loads(r.stdout)
    assert data["communes"][0]["nom"] == "Saint-Zacharie"
    assert data["vintage"] == "populations légales 2023 (en vigueur au 1er janvier 2026)"
    r = cpts("communes search saint --department 13 --csv")
    assert r.stdout.splitlines()[0].startswith("Code;Commune")


def test_add_show_remove(cpts):
    cpts('new "CPTS du Pays d\'Aix"')
    r = cpts("territory add cpts-du-pays-d-aix 13001 Venelles")
    assert r.exit_code == 0 and "158 113 habitants, taille 3" in r.stdout
    assert "populations légales 2023 (en vigueur au 1er janvier 2026)" in r.stdout
    r = cpts("territory show cpts-du-pays-d-aix --json")
    data = json.loads(r.stdout)
    assert (data["population"], data["taille"], data["commune_count"]) == (158_113, 3, 2)
    assert data["vintage"] == "populations légales 2023 (en vigueur au 1er janvier 2026)"
    r = cpts("territory show cpts-du-pays-d-aix")
    assert "Aix-en-Provence" in r.stdout and "149 695" in r.stdout
    r = cpts("territory remove cpts-du-pays-d-aix Venelles")
    assert r.exit_code == 0 and "149 695 habitants, taille 3" in r.stdout


def test_refusals_and_exit_codes(cpts):
    cpts('new "CPTS A"')
    cpts('new "CPTS B"')
    assert cpts("territory add cpts-a 13001").exit_code == 0
    r = cpts("territory add cpts-b 13001")
    assert r.exit_code == 1 and "cpts-a" in r.stderr and "Traceback" not in r.output
    r = cpts("territory add cpts-b Saint-Martin")
    assert r.exit_code == 2 and "67426" in r.stderr
    r = cpts("territory add cpts-b 99999")
    assert r.exit_code == 2 and "n'existe pas" in r.stderr
    r = cpts('territory add cpts-b 13001 --force --reason "accord signé"')
    assert r.exit_code == 0
    data = json.loads(cpts("territory overlaps --json").stdout)
    assert data["vintage"].startswith("populations légales 2023")
    assert data["overlaps"][0]["insee"] == "13001" and data["overlaps"][0]["resolved"] is True
    assert "accord signé" in cpts("territory overlaps").stdout


def test_gaps_cli(cpts):
    cpts('new "CPTS A"')
    cpts("territory add cpts-a --department 04 --except 04001,04004")
    data = json.loads(cpts("territory gaps --department 04 --json").stdout)
    assert sorted(g["insee"] for g in data["gaps"]) == ["04001", "04004"]
    r = cpts("territory gaps --department 04")
    assert "Zones blanches : 2 communes" in r.stdout
    assert cpts("territory gaps --department 04 --region 93").exit_code == 2


def test_import_cli(cpts, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("insee;nom\n13001;Aix\n", encoding="utf-8")
    r = cpts(f"communes import {bad}")
    assert r.exit_code == 2 and "colonne « type » absente" in r.stderr
    assert "2023" not in cpts("communes vintages --csv").stdout.split("\n", 2)[2]
    one = tmp_path / "insee2024.csv"
    one.write_text(
        "insee;type;nom;departement;region;epci_siren;epci_nom;commune_parent;population\n"
        "13001;COM;Aix-en-Provence;13;93;200054807;Métropole;;150478\n",
        encoding="utf-8",
    )
    r = cpts(f'communes import {one} --label "INSEE 2024"')
    assert r.exit_code == 2 and "34 919 communes manquent" in r.stderr and "--partial" in r.stderr
    assert "INSEE 2024" not in cpts("communes vintages").stdout
    r = cpts(f'communes import {one} --label "INSEE 2024" --partial')
    assert r.exit_code == 0 and "1 commune mise à jour" in r.stdout
    listing = cpts("communes vintages").stdout
    assert "INSEE 2024" in listing and "partiel" in listing
    r = cpts("communes search aix-en-provence")
    assert "150 478" in r.stdout and "+ INSEE 2024" in r.stdout
    assert "8 418" in cpts("communes search venelles").stdout  # the others are kept
    r = cpts('communes remove-vintage "INSEE 2024"')
    assert r.exit_code == 0 and "retiré" in r.stdout
    assert "149 695" in cpts("communes search aix-en-provence").stdout


def test_communes_update_cli(cpts, sqlite_url):
    from cpts_workflow.store.models import ProjectCommune
    from cpts_workflow.workspace import Workspace

    cpts('new "CPTS du Bugey"')
    cpts("territory add cpts-du-bugey 01033")
    ws = Workspace(sqlite_url, actor="ancienne version")
    with ws.session() as session:
        session.add(ProjectCommune(project_id=1, insee="01340", added_at=ws.now(), added_by="x"))
    ws.db.dispose()
    r = cpts("communes update --dry-run")
    assert r.exit_code == 0 and "01340 → 01015" in r.stdout and "rien n'a été modifié" in r.stdout
    r = cpts("communes update")
    assert r.exit_code == 0 and "1 projet mis à jour" in r.stdout
    assert "Rien à mettre à jour" in cpts("communes update").stdout
    history = cpts("history cpts-du-bugey").stdout
    assert "commune nouvelle" in history


def test_map_of_any_region(cpts, tmp_path):
    r = cpts(f"territory map --region 84 --out {tmp_path / 'x.html'}")
    assert r.exit_code == 0, r.output
    html = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert 'data-insee="69381"' in html and 'data-insee="69123"' not in html  # Lyon by arrondissement
    assert "populations légales 2023 (en vigueur au 1er janvier 2026)" in html


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            *HEADLESS_FLAGS,
            f"--user-data-dir={tmp_path / 'chromium'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium absent")
def test_map_renders_in_chromium(cpts, tmp_path):
    cpts('new "CPTS du Pays d\'Aix"')
    cpts('new "CPTS Marseille Nord"')
    cpts('new "CPTS Haut-Var"')
    cpts("territory add cpts-du-pays-d-aix 13001 Venelles Meyreuil")
    cpts("territory add cpts-marseille-nord " + " ".join(f"132{i}" for i in range(13, 17)))
    cpts('territory add cpts-du-pays-d-aix 13216 --force --reason "limite à discuter"')
    cpts("territory add cpts-haut-var --epci 248300550")
    page = tmp_path / "carte.html"
    r = cpts(f"territory map --region 93 --out {page}")
    assert r.exit_code == 0, r.output
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html

    dom = _chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path).stdout
    assert 'data-insee="13001" data-status="covered"' in dom
    assert 'data-insee="13216" data-status="overlap"' in dom
    assert 'data-insee="04001" data-status="gap"' in dom
    assert 'data-insee="13055"' not in dom  # Marseille is drawn as its arrondissements
    assert dom.count('class="legend-entry"') == 5  # three projects, overlap, white zone
    assert "CPTS du Pays d'Aix — Initiative" in dom and "#1f77b4" in dom
    assert "<title>Aix-en-Provence (13001) — 149 695 hab." in dom

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "territory_map.png"
    shot.unlink(missing_ok=True)
    _chromium(
        "--screenshot=" + str(shot), "--window-size=1250,950", page.as_uri(), tmp_path=tmp_path
    )
    assert shot.exists() and shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    by_stage = tmp_path / "etapes.html"
    assert cpts(f"territory map --department 13 --by stage --out {by_stage}").exit_code == 0
    dom = _chromium("--dump-dom", by_stage.as_uri(), tmp_path=tmp_path).stdout
    assert 'data-key="initiative"' in dom and 'data-insee="83001"' not in dom
