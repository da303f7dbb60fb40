"""The library API on a real base (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cpts_workflow.errors import BadInput, Conflict, NotFound, Refused
from cpts_workflow.store.models import Event, Project
from cpts_workflow.workspace import Workspace, slugify

from .conftest import complete_stage


def test_create_project_makes_a_slug_and_a_created_event(ws: Workspace):
    p = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    assert p.slug == "cpts-du-pays-d-aix"
    assert p.stage == "initiative" and p.status == "active"
    # New projects take the newest version (test_workflow_versions.py checks they keep it).
    assert p.workflow_id == "cpts_creation" and p.workflow_version == ws.catalog.versions()[-1]
    again = ws.create_project("CPTS du Pays d’Aix")
    assert again.slug == "cpts-du-pays-d-aix-2"
    [event] = ws.history(p.slug)
    assert (event.kind, event.actor, event.to_stage) == ("created", "Claire Martin", "initiative")


def test_slugify_handles_accents_and_punctuation():
    assert slugify("CPTS Étang de Berre — Ouest") == "cpts-etang-de-berre-ouest"
    assert slugify("!!!") == "projet"


def test_project_by_slug_or_id_and_unknown_project(ws: Workspace):
    p = ws.create_project("CPTS Sainte-Baume")
    assert ws.project(str(p.id)).slug == p.slug
    with pytest.raises(NotFound, match="introuvable") as info:
        ws.project("cpts-sainte-baum")
    assert "cpts-sainte-baume" in (info.value.hint or "")


def test_advance_refused_lists_missing_required_items(ws: Workspace):
    p = ws.create_project("CPTS Test")
    ws.check(p.slug, "working_group", note="8 professionnels")
    with pytest.raises(Refused) as info:
        ws.advance(p.slug)
    reasons = info.value.reasons
    assert any("Porteur de projet désigné" in r for r in reasons)
    assert not any("working_group" in r for r in reasons)
    # Optional items never block.
    assert not any("urps_contact" in r for r in reasons)
    assert ws.project(p.slug).stage == "initiative"
    assert [e.kind for e in ws.history(p.slug)] == ["created", "checked"]


def test_full_path_to_operating_with_audit(ws: Workspace, clock):
    p = ws.create_project("CPTS Durance")
    stages = []
    while True:
        complete_stage(ws, p.slug)
        clock.advance(days=30)
        summary = ws.advance(p.slug, comment="étape bouclée")
        stages.append(summary.stage)
        if summary.stage == "operating":
            break
    assert stages == ["diagnostic", "health_project", "statutes", "aci_contract",
                      "coordinator_hiring", "operating"]
    with pytest.raises(Refused, match="Impossible de passer"):
        complete_stage(ws, p.slug)
        ws.advance(p.slug)
    moves = [(e.from_stage, e.to_stage) for e in ws.history(p.slug) if e.kind == "advanced"]
    assert moves[0] == ("initiative", "diagnostic") and len(moves) == 6
    detail = ws.detail(p.slug)
    assert [s.position for s in detail.stages] == ["done"] * 6 + ["current"]


def test_skip_needs_a_reason_and_counts_as_complete(ws: Workspace):
    p = ws.create_project("CPTS Skip")
    with pytest.raises(BadInput, match="raison"):
        ws.skip(p.slug, "info_meeting", reason="  ")
    item = ws.skip(p.slug, "info_meeting", reason="réunion remplacée par un webinaire")
    assert item.status == "not_applicable" and item.reason.startswith("réunion")
    complete_stage(ws, p.slug)
    assert ws.advance(p.slug).stage == "diagnostic"


def test_check_validates_evidence(ws: Workspace):
    p = ws.create_project("CPTS Dates")
    with pytest.raises(BadInput, match="date"):
        ws.check(p.slug, "info_meeting")
    with pytest.raises(BadInput, match="n'est pas une date valide"):
        ws.check(p.slug, "info_meeting", value="31/02/2026")
    assert ws.check(p.slug, "info_meeting", value="01/09/2026").value == "2026-09-01"
    with pytest.raises(NotFound, match="inconnu") as info:
        ws.check(p.slug, "info_meting")
    assert "info_meeting" in (info.value.hint or "")
    assert ws.check(p.slug, "working_group", due="15/12/2026").due_date.isoformat() == "2026-12-15"
    ws.uncheck(p.slug, "working_group")
    [item] = [i for i in ws.checklist(p.slug) if i.id == "working_group"]
    assert item.status == "todo" and item.due_date.isoformat() == "2026-12-15"


def test_force_advance_needs_a_comment_and_records_what_was_missing(ws: Workspace):
    p = ws.create_project("CPTS Forcée")
    with pytest.raises(BadInput, match="commentaire"):
        ws.advance(p.slug, force=True)
    ws.advance(p.slug, force=True, comment="dossier déjà instruit par l'ARS")
    event = ws.history(p.slug)[-1]
    assert event.payload["forced"] is True
    assert len(event.payload["missing"]) == 7


def test_back_pause_resume_abandon(ws: Workspace):
    p = ws.create_project("CPTS Allers-retours")
    complete_stage(ws, p.slug)
    ws.advance(p.slug)
    with pytest.raises(BadInput):
        ws.back(p.slug, comment="")
    assert ws.back(p.slug, comment="territoire à revoir").stage == "initiative"
    with pytest.raises(Refused, match="revenir"):
        ws.back(p.slug, comment="encore")
    ws.advance(p.slug)
    paused = ws.pause(p.slug, reason="départ du porteur")
    assert (paused.stage, paused.status) == ("paused", "paused")
    assert ws.detail(p.slug).resume_stage == "diagnostic"
    with pytest.raises(Refused, match="Impossible de passer"):
        ws.advance(p.slug)
    assert ws.resume(p.slug).stage == "diagnostic"
    with pytest.raises(Refused, match="reprendre"):
        ws.resume(p.slug)
    gone = ws.abandon(p.slug, reason="fusion avec la CPTS voisine")
    assert gone.status == "abandoned"
    with pytest.raises(Refused, match="abandonné"):
        ws.check(p.slug, "data_requested", value="01/01/2027")
    kinds = [e.kind for e in ws.history(p.slug)]
    assert kinds == ["created"] + ["checked"] * 7 + ["advanced", "back", "advanced", "paused", "resumed",
                                                     "abandoned"]


def test_every_change_bumps_the_row_version_and_stale_writes_conflict(ws: Workspace):
    p = ws.create_project("CPTS Verrou")
    v1 = ws.project(p.slug).row_version
    ws.check(p.slug, "working_group")
    v2 = ws.project(p.slug).row_version
    assert v2 > v1
    with pytest.raises(Conflict, match="a changé"):
        ws.advance(p.slug, expected_version=v1, force=True, comment="x")
    assert ws.project(p.slug).stage == "initiative"


def test_stage_change_and_event_commit_together(ws: Workspace):
    """A failure after the stage write rolls back both the stage and its event."""
    p = ws.create_project("CPTS Atomique")
    before = len(ws.history(p.slug))
    with pytest.raises(RuntimeError), ws.changing(p.slug, "stage") as (session, project):
        project.stage = "diagnostic"
        ws.record_event(session, project, "advanced", from_stage="initiative", to_stage="diagnostic")
        session.flush()
        raise RuntimeError("panne au milieu")
    assert ws.project(p.slug).stage == "initiative"
    assert len(ws.history(p.slug)) == before


def test_two_workspaces_see_the_same_base(ws: Workspace, db_url, clock):
    p = ws.create_project("CPTS Partagée", officer="Claire Martin")
    other = Workspace(db_url, actor="Karim Benali", now=clock)
    other.check(p.slug, "working_group")
    assert ws.history(p.slug)[-1].actor == "Karim Benali"
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2
        assert session.scalar(select(func.count()).select_from(Project)) == 1
    other.db.dispose()


def test_list_filters(ws: Workspace):
    a = ws.create_project("CPTS A", officer="Claire Martin")
    ws.create_project("CPTS B", officer="Karim Benali")
    ws.advance(a.slug, force=True, comment="test")
    assert [p.slug for p in ws.list_projects(officer="Claire Martin")] == ["cpts-a"]
    assert [p.slug for p in ws.list_projects(stage="diagnostic")] == ["cpts-a"]
    with pytest.raises(BadInput, match="Étape « nowhere » inconnue"):
        ws.list_projects(stage="nowhere")


def test_checklist_of_another_stage_and_all(ws: Workspace):
    p = ws.create_project("CPTS Liste")
    assert {i.stage for i in ws.checklist(p.slug, "statutes")} == {"statutes"}
    assert len(ws.checklist(p.slug, "all")) == sum(len(s.items) for s in ws.definition().stages)
