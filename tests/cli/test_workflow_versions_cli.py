"""`cpts workflow versions|diff|migrate|validate|diagram` as a user types them."""

from __future__ import annotations

import json

import pytest

from cpts_workflow.workspace import Workspace

from ..conftest import FIXED_NOW, complete_stage


@pytest.fixture
def base(sqlite_url):
    """Two v1 projects (one in the statutes stage), made through the library."""
    ws = Workspace(sqlite_url, actor="Claire Martin", now=lambda: FIXED_NOW)
    ws.create_project("CPTS du Pays d'Aix", version=1)
    slug = ws.create_project("CPTS Durance", version=1).slug
    for _ in range(3):
        complete_stage(ws, slug)
        ws.advance(slug)
    yield ws
    ws.db.dispose()


def test_versions_listing(cpts, base):
    out = cpts("workflow versions").stdout.splitlines()
    assert out[0].split() == ["Workflow", "Version", "Libellé", "Origine", "Étend", "Projets"]
    assert out[1].split()[:2] == ["cpts_creation", "1"] and out[1].endswith("2")
    assert "cpts_creation@1" in out[2] and out[2].endswith("0")
    data = json.loads(cpts("workflow versions --json").stdout)
    assert [(d["version"], d["projects"], d["shipped"], d["extends"]) for d in data] == [
        (1, 2, True, None), (2, 0, True, "cpts_creation@1")]
    csv = cpts("workflow versions --csv").stdout
    assert csv.startswith("Workflow;Version;Libellé;Origine;Étend;Projets\r\n")


def test_diff_text_and_json(cpts):
    result = cpts("workflow diff 1 2")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "Différences de « Création d'une CPTS » (cpts_creation) : version 1 → version 2\n")
    assert "Éléments renommés (2) :\n  ~ aci_contract / first_payment_received → aci_contract / " \
        "first_aci_payment_received « Premier versement de l'ACI (part fonctionnement) reçu »" in result.stdout
    data = json.loads(cpts("workflow diff 1 2 --json").stdout)
    assert [c["id"] for c in data["items_added"]] == ["support_letters_attached", "gdpr_register_opened"]
    assert [c["id"] for c in data["items_removed"]] == ["prefiguration_dissolved"]
    bad = cpts("workflow diff 1 deux")
    assert bad.exit_code == 2 and "« deux » n'est ni un numéro de version ni un fichier .yaml" in bad.stderr
    missing = cpts("workflow diff 1 7")
    assert missing.exit_code == 1 and "n'a pas de version 7" in missing.stderr


def test_migrate_dry_run_then_for_real(cpts, base):
    dry = cpts("workflow migrate --all --to 2 --dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout == (
        "cpts-durance (CPTS Durance) : version 1 → 2\n"
        "  désormais 1 élément requis :\n"
        "    - Projet de santé / support_letters_attached « Lettres de soutien des partenaires "
        "jointes au projet de santé »\n"
        "cpts-du-pays-d-aix (CPTS du Pays d'Aix) : version 1 → 2\n"
        "Simulation : 2 projets seraient migrés vers la version 2 ; rien n'a été enregistré.\n"
    )
    assert json.loads(cpts("show cpts-durance --json").stdout)["project"]["workflow_version"] == 1
    assert json.loads(cpts("history cpts-durance --json").stdout)[-1]["kind"] == "advanced"

    real = cpts("workflow migrate cpts-durance --to 2 --comment 'Nouvelle checklist ARS'")
    assert real.exit_code == 0 and real.stdout.endswith("1 projet migré vers la version 2.\n")
    shown = json.loads(cpts("show cpts-durance --json").stdout)
    assert shown["project"]["workflow_version"] == 2 and shown["project"]["stage"] == "statutes"
    event = json.loads(cpts("history cpts-durance --json").stdout)[-1]
    assert event["kind"] == "workflow_migrated" and event["comment"] == "Version 1 → version 2 : Nouvelle checklist ARS"
    assert event["payload"]["newly_required"] == ["support_letters_attached"]
    assert "Changement de version du workflow" in cpts("history cpts-durance").stdout
    rest = json.loads(cpts("workflow migrate --all --to 2 --json").stdout)
    assert [(p["slug"], p["skipped"]) for p in rest["projects"]] == [
        ("cpts-durance", "il est déjà en version 2"), ("cpts-du-pays-d-aix", None)]


def test_migrate_refused_when_data_would_be_lost(cpts, base):
    assert cpts("check cpts-durance prefiguration_dissolved --value 01/10/2026").exit_code == 0
    dry = cpts("workflow migrate cpts-durance --to 2 --dry-run")
    assert dry.exit_code == 1
    assert ("  effacé : « Association de préfiguration dissoute » (prefiguration_dissolved), qui était "
            "« fait » (gardé dans l'historique)") in dry.stdout
    assert ("  refusé : l'élément « Association de préfiguration dissoute » (prefiguration_dissolved), "
            "retiré en version 2, est « fait » : cette information serait perdue.") in dry.stderr
    real = cpts("workflow migrate --all --to 2")
    assert real.exit_code == 1 and real.stdout == ""
    assert real.stderr.startswith(
        "Erreur : Migration vers la version 2 refusée pour 1 projet ; rien n'a été modifié.\n"
        "  - cpts-durance : l'élément « Association de préfiguration dissoute » (prefiguration_dissolved)")
    assert json.loads(cpts("show cpts-du-pays-d-aix --json").stdout)["project"]["workflow_version"] == 1
    ok = cpts("workflow migrate --all --to 2 --accept-loss")
    assert ok.exit_code == 0 and "2 projets migrés" in ok.stdout


def test_migrate_usage_errors(cpts, base):
    both = cpts("workflow migrate cpts-durance --all --to 2")
    assert both.exit_code == 2 and "Donnez un ou plusieurs projets, ou --all" in both.stderr
    assert cpts("workflow migrate --all").exit_code == 2  # --to is required
    unknown = cpts("workflow migrate cpts-duranse --to 2")
    assert unknown.exit_code == 1 and "Vouliez-vous dire : cpts-durance" in unknown.stderr


REGION = """\
extends: cpts_creation@2
version: 3
add_items:
  statutes:
    - id: urps_convention_signed
      label: Convention d'accompagnement signée avec l'Inter URPS
      role: bureau
"""


def test_user_workflow_file_validate_diff_and_new_projects(cpts, tmp_path, monkeypatch):
    good = tmp_path / "region.yaml"
    good.write_text(REGION, encoding="utf-8")
    result = cpts(f"workflow validate {good}")
    assert result.exit_code == 0
    assert result.stdout == (f"{good} : workflow « cpts_creation » version 3 valide "
                             "(7 étapes, 52 éléments, étend cpts_creation@2).\n")
    diff = cpts(f"workflow diff 2 {good}").stdout
    assert "  + statutes / urps_convention_signed « Convention d'accompagnement signée avec l'Inter URPS » (requis)" in diff
    # With --workflow-file the version exists for every command; new projects take it.
    assert json.loads(cpts(f"--workflow-file {good} new 'CPTS Région' --json").stdout)["workflow_version"] == 3
    monkeypatch.setenv("CPTS_WORKFLOW_DIR", str(tmp_path))
    assert json.loads(cpts("new 'CPTS Région 2' --json").stdout)["workflow_version"] == 3

    bad = tmp_path / "bad" / "region.yaml"
    bad.parent.mkdir()
    bad.write_text(REGION.replace("role: bureau", "role: bureau\n      required: peut-être"), encoding="utf-8")
    result = cpts(f"workflow validate {bad}")
    assert result.exit_code == 2
    assert f"{bad}:8: « required » doit être true ou false (trouvé : 'peut-être')." in result.stderr
    monkeypatch.setenv("CPTS_WORKFLOW_DIR", str(bad.parent))
    broken = cpts("list")
    assert broken.exit_code == 2 and f"{bad}:8:" in broken.stderr and "Traceback" not in broken.output


def test_diagram_svg_to_file(cpts, tmp_path):
    out = tmp_path / "workflow.svg"
    result = cpts(f"workflow diagram --format svg --version 1 -o {out}")
    assert result.exit_code == 0 and result.stdout == f"Diagramme écrit : {out}\n"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "Création d'une CPTS (version 1)" in text
    assert cpts("workflow diagram --format svg").stdout.startswith("<svg")
