"""Workflow versions: the catalogue, `extends` files, the v1 → v2 mapping and diff, and
migrating a base holding projects at every stage (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from cpts_workflow.errors import DefinitionError, NotFound, Refused
from cpts_workflow.migration import migrate
from cpts_workflow.store.models import ChecklistState, Event, Project
from cpts_workflow.workflow.catalog import WorkflowCatalog
from cpts_workflow.workflow.versions import diff_lines, version_diff, version_mapping
from cpts_workflow.workspace import Workspace

from .conftest import complete_stage

STAGES = ["initiative", "diagnostic", "health_project", "statutes", "aci_contract",
          "coordinator_hiring", "operating"]


@pytest.fixture
def catalog() -> WorkflowCatalog:
    return WorkflowCatalog(user_files=False)


# --- catalogue -----------------------------------------------------------------------


def test_shipped_versions_and_v2_inherits_v1(catalog):
    assert catalog.versions() == [1, 2]
    v1, v2 = catalog.get(version=1), catalog.get(version=2)
    assert catalog.get() is v2  # new projects take the newest
    assert v2.extends == "cpts_creation@1" and v2.changes.from_version == 1
    # Transitions (and their guards) come from v1: a guard added to v1 reaches v2.
    assert v2.transitions == v1.transitions
    assert v2.stage_ids == v1.stage_ids and v2.side_states == v1.side_states
    ids = list(v2.item_ids)
    assert ids.index("support_letters_attached") == ids.index("health_project_written") + 1
    assert ids.index("gdpr_register_opened") == ids.index("bank_account_opened") + 1
    assert v2.item("recruitment_interviews_held")[1].label == "Entretiens de recrutement du coordinateur menés"
    assert not v2.has_item("prefiguration_dissolved") and not v2.has_item("interviews_held")


def test_projects_keep_the_version_they_were_created_with(ws: Workspace):
    old = ws.create_project("CPTS Ancienne", version=1)
    new = ws.create_project("CPTS Nouvelle")
    assert (old.workflow_version, new.workflow_version) == (1, 2)
    complete_stage(ws, old.slug)
    ws.advance(old.slug)
    assert ws.project(old.slug).workflow_version == 1
    assert ws.definition_of(ws.project(old.slug)).version == 1
    assert {i.id for i in ws.checklist(old.slug, "all")} >= {"prefiguration_dissolved", "interviews_held"}
    assert "support_letters_attached" in {i.id for i in ws.checklist(new.slug, "all")}


# --- mapping and diff ----------------------------------------------------------------


def test_mapping_v1_to_v2_and_back(catalog):
    v1, v2 = catalog.get(version=1), catalog.get(version=2)
    forward = version_mapping(catalog, v1, v2)
    assert forward.renamed_items == {"first_payment_received": "first_aci_payment_received",
                                     "interviews_held": "recruitment_interviews_held"}
    assert forward.removed_items == ["prefiguration_dissolved"]
    assert forward.added_items == ["support_letters_attached", "gdpr_register_opened"]
    assert all(forward.states[s] == s for s in STAGES) and forward.states["paused"] == "paused"
    back = version_mapping(catalog, v2, v1)
    assert back.renamed_items == {v: k for k, v in forward.renamed_items.items()}
    assert sorted(back.removed_items) == ["gdpr_register_opened", "support_letters_attached"]
    assert back.added_items == ["prefiguration_dissolved"]


def test_diff_in_french_and_json(catalog):
    v1, v2 = catalog.get(version=1), catalog.get(version=2)
    diff = version_diff(version_mapping(catalog, v1, v2))
    text = "\n".join(diff_lines(diff, v1, v2))
    assert text.startswith("Différences de « Création d'une CPTS » (cpts_creation) : version 1 → version 2")
    assert "L'ARS demande désormais les lettres de soutien" in text
    assert ("Éléments ajoutés (2) :\n  + health_project / support_letters_attached « Lettres de soutien "
            "des partenaires jointes au projet de santé » (requis)\n  + statutes / gdpr_register_opened "
            "« Registre des traitements de données personnelles (RGPD) ouvert » (facultatif)") in text
    assert ("  ~ coordinator_hiring / interviews_held → coordinator_hiring / recruitment_interviews_held "
            "« Entretiens de recrutement du coordinateur menés »") in text
    assert ("Éléments retirés (1) :\n  - statutes / prefiguration_dissolved « Association de "
            "préfiguration dissoute » (facultatif)") in text
    assert "Étapes" not in text  # no stage changes between v1 and v2
    data = diff.to_dict()
    assert [c["id"] for c in data["items_renamed"]] == ["first_aci_payment_received", "recruitment_interviews_held"]
    assert data["items_renamed"][0]["old_id"] == "first_payment_received"
    assert data["stages_added"] == [] and data["transitions_changed"] == []
    same = version_diff(version_mapping(catalog, v2, v2))
    assert same.empty and diff_lines(same, v2, v2)[-1] == "Aucune différence."


# --- migrating a base with projects at every stage -----------------------------------


def _project_at(ws: Workspace, name: str, stage: str) -> str:
    """A v1 project advanced to `stage`, every item it passed done."""
    slug = ws.create_project(name, version=1).slug
    for _ in range(STAGES.index(stage)):
        complete_stage(ws, slug)
        ws.advance(slug)
    return slug


def _snapshot(ws: Workspace) -> dict:
    with ws.session() as s:
        return {
            "projects": sorted(s.execute(select(Project.slug, Project.workflow_version, Project.stage,
                                                Project.resume_stage, Project.row_version)).all()),
            "states": sorted(s.execute(select(ChecklistState.project_id, ChecklistState.item_id,
                                              ChecklistState.status)).all()),
            "events": s.scalar(select(func.count()).select_from(Event)),
        }


def test_migrate_every_stage_v1_to_v2(ws: Workspace, clock):
    slugs = {stage: _project_at(ws, f"CPTS {i} {stage}", stage) for i, stage in enumerate(STAGES)}
    paused = _project_at(ws, "CPTS en pause", "coordinator_hiring")
    ws.check(paused, "interviews_held", value="02/10/2026")
    ws.pause(paused, reason="Départ du président")
    abandoned = _project_at(ws, "CPTS abandonnée", "diagnostic")
    ws.abandon(abandoned, reason="Territoire repris par une CPTS voisine")
    ws.set_due(slugs["aci_contract"], "first_payment_received", "01/03/2027")
    history_before = {s: ws.history(s) for s in [*slugs.values(), paused]}
    before = _snapshot(ws)
    clock.advance(days=1)

    dry = migrate(ws, None, 2, dry_run=True)
    assert _snapshot(ws) == before  # nothing written on a dry run
    assert dry.dry_run and not dry.refused and len(dry.migrated) == 8
    by_slug = {p.slug: p for p in dry.projects}
    assert by_slug[abandoned].skipped == "il est abandonné ; il reste sur sa version"
    operating = by_slug[slugs["operating"]]
    assert {"from": "interviews_held", "to": "recruitment_interviews_held", "status": "done"} in operating.items_moved
    assert [i["id"] for i in operating.newly_required] == ["support_letters_attached"]
    assert by_slug[slugs["diagnostic"]].newly_required == []
    assert by_slug[slugs["aci_contract"]].items_moved == [
        {"from": "first_payment_received", "to": "first_aci_payment_received", "status": "todo"}]

    report = migrate(ws, None, 2, comment="Avenant : nouvelle version de la checklist")
    assert [p.slug for p in report.migrated] == [p.slug for p in dry.migrated]
    for stage, slug in slugs.items():
        summary = ws.project(slug)
        assert (summary.workflow_version, summary.stage) == (2, stage)
        items = {i.id: i for i in ws.checklist(slug, "all")}
        assert "interviews_held" not in items and "prefiguration_dissolved" not in items
        if STAGES.index(stage) > STAGES.index("coordinator_hiring"):
            assert items["recruitment_interviews_held"].status == "done"  # kept, under its new id
            assert items["recruitment_interviews_held"].value == "2026-09-01"
        if STAGES.index(stage) > STAGES.index("health_project"):
            assert items["support_letters_attached"].status == "todo"  # newly required, to catch up
        # History is kept as it was, plus one event for the migration.
        history = ws.history(slug)
        # The events stay as they were; only their wording follows the new definition.
        assert [replace(e, description=None) for e in history[:-1]] == [
            replace(e, description=None) for e in history_before[slug]]
        event = history[-1]
        assert event.kind == "workflow_migrated" and event.actor == "Claire Martin"
        assert event.comment == "Version 1 → version 2 : Avenant : nouvelle version de la checklist"
        assert (event.from_stage, event.to_stage) == (stage, stage)
        assert event.payload["from_version"] == 1 and event.payload["to_version"] == 2
        assert event.payload["items_renamed"]["interviews_held"] == "recruitment_interviews_held"
        assert event.payload["items_removed"] == ["prefiguration_dissolved"]
    assert ws.checklist(slugs["aci_contract"], "aci_contract")[-1].due_date.isoformat() == "2027-03-01"
    p = ws.detail(paused)
    assert (p.project.workflow_version, p.project.stage, p.resume_stage) == (2, "paused", "coordinator_hiring")
    assert ws.checklist(paused)[3].id == "recruitment_interviews_held"
    assert ws.checklist(paused)[3].value == "2026-10-02"
    ws.resume(paused)
    assert ws.project(abandoned).workflow_version == 1
    # The project now runs on v2: leaving health_project needs the new item.
    for item in ws.checklist(slugs["health_project"]):
        if item.required and item.id != "support_letters_attached":
            ws.check(slugs["health_project"], item.id, value={"date": "05/12/2026", "number": "1"}.get(item.evidence))
    with pytest.raises(Refused) as refused:
        ws.advance(slugs["health_project"])
    assert refused.value.reasons == [
        "Lettres de soutien des partenaires jointes au projet de santé (support_letters_attached)"]
    assert "Lettres de soutien des partenaires jointes au projet de santé (support_letters_attached)" in refused.value.reasons
    # Once migrated, --all has nothing left to do.
    again = migrate(ws, None, 2)
    assert again.migrated == [] and {p.skipped for p in again.projects} >= {"il est déjà en version 2"}


def test_migration_that_would_lose_data_is_refused_all_or_nothing(ws: Workspace):
    clean = _project_at(ws, "CPTS sans perte", "diagnostic")
    lossy = _project_at(ws, "CPTS avec perte", "statutes")
    ws.check(lossy, "prefiguration_dissolved", value="15/10/2026", note="AG extraordinaire")
    before = _snapshot(ws)
    with pytest.raises(Refused) as refused:
        migrate(ws, None, 2)
    err = refused.value
    assert err.message == "Migration vers la version 2 refusée pour 1 projet ; rien n'a été modifié."
    assert err.reasons == [
        "cpts-avec-perte : l'élément « Association de préfiguration dissoute » (prefiguration_dissolved), "
        "retiré en version 2, est « fait » : cette information serait perdue."]
    assert "acceptez leur perte" in err.hint and err.topic == "migration_refused"
    assert _snapshot(ws) == before  # all or nothing: the clean project did not move either
    dry = migrate(ws, [lossy], 2, dry_run=True)
    assert dry.refused and dry.projects[0].items_dropped[0]["item_id"] == "prefiguration_dissolved"
    assert _snapshot(ws) == before

    report = migrate(ws, None, 2, accept_loss=True)
    assert {p.slug for p in report.migrated} == {clean, lossy}
    event = ws.history(lossy)[-1]
    [dropped] = event.payload["items_dropped"]
    assert (dropped["item_id"], dropped["status"], dropped["value"], dropped["note"]) == (
        "prefiguration_dissolved", "done", "2026-10-15", "AG extraordinaire")
    # The tick stays readable in the history.
    assert any(e.kind == "checked" and e.item_id == "prefiguration_dissolved" for e in ws.history(lossy))


def test_going_back_to_v1_refuses_to_drop_v2_only_items(ws: Workspace):
    slug = ws.create_project("CPTS récente").slug  # v2
    complete_stage(ws, slug)
    ws.advance(slug)
    complete_stage(ws, slug)
    ws.advance(slug)
    ws.check(slug, "support_letters_attached")
    with pytest.raises(Refused, match="refusée"):
        migrate(ws, [slug], 1)
    migrate(ws, [slug], 1, accept_loss=True)
    assert ws.project(slug).workflow_version == 1


def test_unknown_target_version_and_abandoned_project(ws: Workspace):
    slug = ws.create_project("CPTS", version=1).slug
    with pytest.raises(NotFound, match="n'a pas de version 9"):
        migrate(ws, [slug], 9)
    ws.abandon(slug, reason="Fin")
    with pytest.raises(Refused) as refused:
        migrate(ws, [slug], 2)
    assert refused.value.reasons == ["cpts : il est abandonné : il ne peut plus être modifié."]


# --- stage changes, with a user-written version 3 ------------------------------------


def _v3_full(tmp_path: Path, catalog: WorkflowCatalog, changes: dict, drop_stage: str | None = None,
             rename_stage: tuple[str, str] | None = None) -> Path:
    """A complete v3 file: v2 minus one stage, or with a stage renamed."""
    data = catalog.get(version=2).model_dump(mode="json", exclude={"changes"})
    data["version"] = 3
    if drop_stage:
        index = [s["id"] for s in data["stages"]].index(drop_stage)
        before, after = data["stages"][index - 1]["id"], data["stages"][index + 1]["id"]
        data["stages"].pop(index)
        data["transitions"] = [t for t in data["transitions"] if drop_stage not in (t["source"], t["dest"])]
        data["transitions"].append({"source": before, "dest": after, "guards": ["checklist_complete"]})
    if rename_stage:
        old, new = rename_stage
        for s in data["stages"]:
            if s["id"] == old:
                s["id"] = new
        for t in data["transitions"]:
            t["source"] = new if t["source"] == old else t["source"]
            t["dest"] = new if t["dest"] == old else t["dest"]
    data["changes"] = changes
    path = tmp_path / "cpts_creation_v3.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_removed_stage_without_mapping_is_refused_with_one(tmp_path, ws: Workspace, catalog):
    path = _v3_full(tmp_path, catalog, {"from_version": 2}, drop_stage="coordinator_hiring")
    ws = Workspace(ws.db.url, actor="Claire Martin", now=ws.now, workflow_files=[path])
    slug = _project_at(ws, "CPTS recrute", "coordinator_hiring")
    migrate(ws, [slug], 2)
    with pytest.raises(Refused) as refused:
        migrate(ws, [slug], 3)
    assert refused.value.reasons[0] == (
        "cpts-recrute : son étape « Recrutement du coordinateur » (coordinator_hiring) n'existe plus "
        "en version 3 et la version ne dit pas où vont ses projets (changes.stages_removed).")
    assert "Étapes retirées (1) :\n  - coordinator_hiring « Recrutement du coordinateur » : aucune étape d'accueil" in (
        "\n".join(diff_lines(version_diff(version_mapping(ws.catalog, ws.definition(version=2), ws.definition(version=3))),
                             ws.definition(version=2), ws.definition(version=3))))
    # Even --accept-loss cannot put a project nowhere.
    with pytest.raises(Refused):
        migrate(ws, [slug], 3, accept_loss=True)

    mapped = _v3_full(tmp_path, catalog, {"from_version": 2, "stages_removed": {"coordinator_hiring": "operating"}},
                      drop_stage="coordinator_hiring")
    ws = Workspace(ws.db.url, actor="Claire Martin", now=ws.now, workflow_files=[mapped])
    report = migrate(ws, [slug], 3, accept_loss=True)  # its hiring items are gone
    assert (report.projects[0].from_stage, report.projects[0].to_stage) == ("coordinator_hiring", "operating")
    assert ws.project(slug).stage == "operating"


def test_renamed_stage_follows(tmp_path, ws: Workspace, catalog):
    path = _v3_full(tmp_path, catalog, {"from_version": 2, "stages_renamed": {"statutes": "association"}},
                    rename_stage=("statutes", "association"))
    ws = Workspace(ws.db.url, actor="Claire Martin", now=ws.now, workflow_files=[path])
    slug = _project_at(ws, "CPTS statuts", "statutes")
    ws.check(slug, "statutes_drafted")
    report = migrate(ws, [slug], 3)  # v1 → v3 chains v2's item changes and v3's stage rename
    assert report.projects[0].to_stage == "association"
    assert ws.project(slug).stage == "association"
    assert ws.checklist(slug)[1].status == "done"
    event = ws.history(slug)[-1]
    assert (event.from_stage, event.to_stage) == ("statutes", "association")
    assert event.payload["stages"] == {"statutes": "association"}
    complete_stage(ws, slug)
    assert ws.advance(slug).stage == "aci_contract"


# --- user workflow files -------------------------------------------------------------

REGIONAL = """\
# Checklist PACA : deux éléments de plus.
extends: cpts_creation@2
version: 3
label: Création d'une CPTS (PACA)
note: L'Inter URPS PACA ajoute la présentation au comité régional.
add_items:
  initiative:
    - id: regional_committee_presented
      after: letter_of_intent_sent
      label: Projet présenté au comité régional CPTS
      role: chargé de mission
      evidence: date
update_items:
  budget_drafted:
    required: false
"""


def test_user_dir_extension_is_a_new_version(tmp_path, monkeypatch):
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "paca.yaml").write_text(REGIONAL, encoding="utf-8")
    monkeypatch.setenv("CPTS_WORKFLOW_DIR", str(folder))
    catalog = WorkflowCatalog()
    assert catalog.versions() == [1, 2, 3] and not catalog.is_shipped("cpts_creation", 3)
    v3 = catalog.get()
    assert v3.label == "Création d'une CPTS (PACA)" and v3.extends == "cpts_creation@2"
    ids = list(v3.item_ids)
    assert ids[ids.index("letter_of_intent_sent") + 1] == "regional_committee_presented"
    assert v3.item("budget_drafted")[1].required is False
    text = "\n".join(diff_lines(version_diff(version_mapping(catalog, catalog.get(version=2), v3)),
                                catalog.get(version=2), v3))
    assert "  + initiative / regional_committee_presented « Projet présenté au comité régional CPTS » (requis)" in text
    assert "  ~ health_project / budget_drafted « Budget prévisionnel établi » : devient facultatif" in text


def test_extension_in_place_overrides_a_shipped_version(tmp_path):
    path = tmp_path / "v2_local.yaml"
    path.write_text(REGIONAL.replace("version: 3", "version: 2"), encoding="utf-8")
    catalog = WorkflowCatalog([path], user_files=False)
    assert catalog.versions() == [1, 2] and not catalog.is_shipped("cpts_creation", 2)
    v2 = catalog.get(version=2)
    assert v2.has_item("regional_committee_presented") and v2.has_item("support_letters_attached")
    assert v2.changes is None  # same version: nothing to migrate


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (REGIONAL.replace("after: letter_of_intent_sent", "after: lettre"), 9,
         "« after: lettre » ne désigne aucun élément de l'étape « initiative »"),
        (REGIONAL.replace("  budget_drafted:", "  budget_draft:"), 14,
         "l'élément « budget_draft » n'existe pas dans cpts_creation@2"),
        (REGIONAL.replace("extends: cpts_creation@2", "extends: cpts_creation@7"), 2,
         "le workflow de base « cpts_creation@7 » est inconnu ; workflows connus : cpts_creation@1, cpts_creation@2"),
        (REGIONAL.replace("evidence: date", "evidence: photo"), 12,
         "« photo » n'est pas permis pour « evidence »"),
        (REGIONAL.replace("id: regional_committee_presented", "id: letter_of_intent_sent"), 8,
         "l'élément « letter_of_intent_sent » existe déjà"),
        (REGIONAL.replace("add_items:", "add_item:"), 6, "clé inconnue « add_item »"),
        (REGIONAL.replace("extends: cpts_creation@2", "extends: cpts_creation"), 2,
         "« cpts_creation » n'est pas un identifiant valide pour « extends »"),
        (REGIONAL + "remove_items: [budget_drafted]\n", 16,
         "l'élément « budget_drafted » est à la fois modifié et retiré"),
    ],
)
def test_invalid_user_files_say_file_and_line(tmp_path, content, line, message):
    path = tmp_path / "paca.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        WorkflowCatalog([path], user_files=False)
    assert f"{path}:{line}: {message}" in str(error.value)


def test_changes_of_a_full_file_are_checked_with_lines(tmp_path, catalog):
    path = _v3_full(tmp_path, catalog, {"from_version": 2, "items_renamed": {"ghost": "budget_drafted"},
                                        "stages_removed": {"statutes": "nowhere"}})
    with pytest.raises(DefinitionError) as error:
        WorkflowCatalog([path], user_files=False)
    text = path.read_text(encoding="utf-8").splitlines()
    ghost = next(i for i, line in enumerate(text, 1) if "ghost" in line)
    statutes = next(i for i, line in enumerate(text, 1) if line.strip().startswith("statutes: nowhere"))
    assert f"{path}:{ghost}: l'élément « ghost » n'existe pas dans la version 2." in str(error.value)
    assert (f"{path}:{statutes}: « statutes » doit être une étape de la version 2 absente de ce fichier."
            in str(error.value))
    assert f"{path}:{statutes}: l'étape d'accueil « nowhere » n'existe pas dans ce fichier." in str(error.value)


def test_missing_user_dir_and_extends_cycle(tmp_path, monkeypatch):
    monkeypatch.setenv("CPTS_WORKFLOW_DIR", str(tmp_path / "absent"))
    with pytest.raises(DefinitionError, match="CPTS_WORKFLOW_DIR désigne un dossier qui n'existe pas"):
        WorkflowCatalog()
    monkeypatch.delenv("CPTS_WORKFLOW_DIR")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: other@1\nid: other\nversion: 2\n", encoding="utf-8")
    b.write_text("extends: other@2\nid: other\nversion: 1\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="forment une boucle"):
        WorkflowCatalog([a, b], user_files=False)


def test_svg_diagram_shows_stages_guards_and_side_states(catalog, tmp_path):
    import xml.etree.ElementTree as ET

    from cpts_workflow.workflow.diagram import svg

    text = svg(catalog.get())
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    stages = [g.get("data-stage") for g in root.iter(f"{ns}g") if g.get("data-stage")]
    assert stages == STAGES
    sides = [g.get("data-side-state") for g in root.iter(f"{ns}g") if g.get("data-side-state")]
    assert sides == ["paused", "abandoned"]
    words = " ".join("".join(t.itertext()) for t in root.iter(f"{ns}text"))
    for label in ("Projet de santé", "Recrutement du coordinateur", "En pause", "Abandonné",
                  "[checklist complète]", "back", "resume : retour à l'étape quittée"):
        assert label in words
    assert sum(1 for e in root.iter() if e.get("data-trigger") == "advance") == 6
    assert sum(1 for e in root.iter() if e.get("data-trigger") == "back") == 6
    assert "http" not in text.replace("http://www.w3.org/2000/svg", "")  # self-contained


def test_mermaid_of_v2_matches_v1_transitions(catalog):
    from cpts_workflow.workflow.diagram import mermaid

    body = mermaid(catalog.get(version=2)).splitlines()[2:]
    assert body == mermaid(catalog.get(version=1)).splitlines()[2:]
    assert "    initiative --> diagnostic : advance [checklist complète]" in body


def test_round_trip_and_undeclared_versions_match_by_id(tmp_path, catalog):
    v1, v2 = catalog.get(version=1), catalog.get(version=2)
    there, back = version_mapping(catalog, v1, v2), version_mapping(catalog, v2, v1)
    for item_id, new_id in there.items.items():
        if new_id is not None:
            assert back.items[new_id] == item_id
    # A complete v3 with no `changes:` is matched with v2 by ids.
    path = _v3_full(tmp_path, catalog, None)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("changes")
    data["stages"][0]["items"].pop(0)  # working_group
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with_v3 = WorkflowCatalog([path], user_files=False)
    mapping = version_mapping(with_v3, v1, with_v3.get(version=3))
    assert mapping.removed_items == ["working_group", "prefiguration_dissolved"]
    assert mapping.renamed_items == there.renamed_items  # v1 → v2 declared, v2 → v3 by id


def test_history_names_items_of_the_version_in_force_when_they_were_done(ws: Workspace):
    lossy = _project_at(ws, "CPTS avec perte", "statutes")
    ws.check(lossy, "prefiguration_dissolved", value="15/10/2026")
    migrate(ws, [lossy], 2, accept_loss=True)
    checked = next(e for e in ws.history(lossy) if e.item_id == "prefiguration_dissolved")
    label = ws.definition("cpts_creation", 1).item("prefiguration_dissolved")[1].label
    assert checked.description == f"Élément fait : « {label} » (15/10/2026)"
    assert "prefiguration_dissolved" not in checked.description
