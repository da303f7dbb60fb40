"""End-to-end runs of the core commands, as a user types them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cpts_workflow.store.database import SCHEMA_HEAD


@pytest.fixture
def project(cpts) -> str:
    result = cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_init_says_where_the_base_is(cpts, sqlite_url):
    result = cpts("init")
    assert result.exit_code == 0
    assert "Base prête" in result.stdout and f"schéma {SCHEMA_HEAD}" in result.stdout


def test_new_prints_the_slug(project):
    assert project == "cpts-du-pays-d-aix"


def test_list_table_json_csv(cpts, project):
    table = cpts("list")
    assert "CPTS du Pays d'Aix" in table.stdout and "Initiative" in table.stdout
    data = json.loads(cpts("list --json").stdout)
    assert data[0]["slug"] == project and data[0]["stage"] == "initiative"
    assert {"id", "slug", "name", "officer", "stage"} <= set(data[0])
    rows = list(csv.reader(io.StringIO(cpts("list --csv").stdout), delimiter=";"))
    assert rows[0][:3] == ["N°", "Identifiant", "Nom"] and rows[1][1] == project
    assert cpts("list --stage diagnostic --json").stdout.strip() == "[]"
    assert cpts("list --officer Personne").stdout.startswith("Aucun projet")
    assert cpts("list --json --csv").exit_code == 2


def test_show_lists_progress_and_next_required_items(cpts, project):
    result = cpts(f"show {project}")
    assert result.exit_code == 0
    assert "Étape : Initiative depuis le 22/11/2026" in result.stdout
    assert "0/9" in result.stdout and "Prochains éléments requis" in result.stdout
    data = json.loads(cpts(f"show {project} --json").stdout)
    assert data["project"]["stage"] == "initiative"
    assert data["stages"][0] == {"id": "initiative", "label": "Initiative", "position": "current",
                                 "done": 0, "total": 9, "required_done": 0, "required_total": 7}


def test_check_uncheck_skip_and_checklist_json(cpts, project):
    assert cpts(f"check {project} working_group --note '8 professionnels'").exit_code == 0
    assert cpts(f"check {project} info_meeting --value 12/10/2026").exit_code == 0
    assert cpts(f"skip {project} territory_sketch --reason 'territoire déjà connu'").exit_code == 0
    assert cpts(f"uncheck {project} working_group").exit_code == 0
    items = {i["id"]: i for i in json.loads(cpts(f"checklist {project} --json").stdout)}
    assert items["info_meeting"]["status"] == "done" and items["info_meeting"]["value"] == "2026-10-12"
    assert items["territory_sketch"]["status"] == "not_applicable"
    assert items["working_group"]["status"] == "todo"
    assert items["info_meeting"]["updated_by"] == "Claire Martin"
    assert {"id", "label", "required", "status", "note", "updated_by", "updated_at"} <= set(items["info_meeting"])
    table = cpts(f"checklist {project} --stage statutes").stdout
    assert "Projet de statuts rédigé" in table


def test_advance_refused_lists_missing_items_with_exit_1(cpts, project):
    result = cpts(f"advance {project}")
    assert result.exit_code == 1
    assert "ne peut pas quitter l'étape « Initiative »" in result.stderr
    assert "Lettre d'intention envoyée à l'ARS" in result.stderr
    assert "Traceback" not in result.output


def test_advance_back_pause_resume_abandon_and_history(cpts, project):
    assert cpts(f"advance {project} --force --comment 'instruit hors outil'").exit_code == 0
    assert "Diagnostic" in cpts(f"show {project}").stdout
    assert cpts(f"back {project}").exit_code == 2  # --comment is required
    assert cpts(f"back {project} --comment 'territoire à revoir'").exit_code == 0
    assert cpts(f"pause {project} --reason 'congé du porteur'").exit_code == 0
    assert "reprendra à « Initiative »" in cpts(f"show {project}").stdout
    assert cpts(f"resume {project}").exit_code == 0
    assert cpts(f"abandon {project} --reason 'fusion'").exit_code == 0
    refused = cpts(f"check {project} working_group")
    assert refused.exit_code == 1 and "abandonné" in refused.stderr
    events = json.loads(cpts(f"history {project} --json").stdout)
    assert [e["kind"] for e in events] == ["created", "advanced", "back", "paused", "resumed", "abandoned"]
    assert {"at", "actor", "kind", "from_stage", "to_stage", "comment"} <= set(events[1])
    assert events[2]["comment"] == "territoire à revoir"
    text = cpts(f"history {project}").stdout
    assert "Diagnostic territorial → Initiative" in text and "Claire Martin" in text


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        ("show inconnu", 1, "Projet « inconnu » introuvable"),
        ("check cpts-du-pays-d-aix nope", 1, "Élément « nope » inconnu"),
        ("check cpts-du-pays-d-aix info_meeting --value 32/01/2026", 2, "n'est pas une date valide"),
        ("checklist cpts-du-pays-d-aix --stage nulle_part", 2, "Étape « nulle_part » inconnue"),
        ("skip cpts-du-pays-d-aix info_meeting", 2, "Option manquante"),
        ("frobnicate", 2, "Commande inconnue"),
        ("new ''", 2, "Le nom du projet est obligatoire"),
    ],
)
def test_bad_input_gives_one_french_sentence(cpts, project, command, code, message):
    result = cpts(command)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(cpts, project):
    result = cpts("--debug show inconnu")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "introuvable" in result.stderr


def test_actor_option_is_recorded(cpts, project):
    cpts(f"--actor 'Karim Benali' check {project} working_group")
    assert json.loads(cpts(f"history {project} --json").stdout)[-1]["actor"] == "Karim Benali"


def test_workflow_show_validate_diagram(cpts, tmp_path):
    data = json.loads(cpts("workflow show --version 1 --json").stdout)
    assert data["id"] == "cpts_creation" and data["version"] == 1
    assert [s["id"] for s in data["stages"]][0] == "initiative"
    assert {"id", "label", "items"} <= set(data["stages"][0])
    assert "Lettre d'intention" in cpts("workflow show").stdout
    mermaid = cpts("workflow diagram").stdout
    assert mermaid.startswith("stateDiagram-v2") and "initiative --> diagnostic" in mermaid
    assert "digraph cpts_creation" in cpts("workflow diagram --format dot").stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nlabel: X\nstages:\n  - id: a\n    labl: A\n", encoding="utf-8")
    result = cpts(f"workflow validate {bad}")
    assert result.exit_code == 2
    assert f"{bad}:6: clé inconnue « labl »" in result.stderr
    assert f"{bad}:5: la clé obligatoire « label » manque" in result.stderr
