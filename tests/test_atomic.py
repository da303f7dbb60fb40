"""`ws.atomic()`: several calls, one transaction; `ws.overview()`: `show` in one call."""

from __future__ import annotations

import pytest

from cpts_workflow.errors import NotFound, Refused

P = "cpts-du-pays-d-aix"


@pytest.fixture
def project(ws) -> str:
    ws.init()
    return ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug


def _statuses(ws, slug: str) -> dict[str, str]:
    return {i.id: i.status for i in ws.checklist(slug)}


def test_calls_in_a_block_are_written_together(ws, project) -> None:
    with ws.atomic():
        ws.check(project, "working_group", note="8 professionnels")
        ws.skip(project, "territory_sketch", reason="territoire de l'ancienne MSP")
        # Reads inside the block see its own writes.
        assert _statuses(ws, project)["working_group"] == "done"
    assert _statuses(ws, project)["territory_sketch"] == "not_applicable"
    assert [e.kind for e in ws.history(project)] == ["created", "checked", "skipped"]


def test_an_exception_rolls_the_whole_block_back(ws, project) -> None:
    before = ws.history(project)
    with pytest.raises(NotFound), ws.atomic():
        ws.check(project, "working_group")
        ws.create_project("CPTS de la Sainte-Baume")
        ws.check(project, "no_such_item")
    assert _statuses(ws, project)["working_group"] == "todo"
    assert ws.history(project) == before
    assert [p.slug for p in ws.list_projects()] == [project]


def test_a_refused_call_caught_inside_undoes_its_own_writes_only(ws, project) -> None:
    with ws.atomic():
        ws.check(project, "working_group")
        with pytest.raises(Refused):
            ws.advance(project)  # required items missing
        with ws.atomic():  # nested: joins the outer block
            ws.uncheck(project, "working_group")
            ws.check(project, "info_meeting", value="12/10/2026")
    statuses = _statuses(ws, project)
    assert statuses["working_group"] == "todo" and statuses["info_meeting"] == "done"
    assert ws.project(project).stage == "initiative"
    assert [e.kind for e in ws.history(project)] == ["created", "checked", "unchecked", "checked"]


def test_overview_is_show_in_one_call(ws, project) -> None:
    ws.check(project, "info_meeting", value="12/10/2026", due="15/12/2026")
    overview = ws.overview(project)
    assert overview.project.slug == project and overview.stages[0].position == "current"
    assert overview.next_required and overview.next_required == ws.detail(project).next_required
    assert overview.mission_flags == []
    data = overview.to_dict()
    assert set(data) == {"project", "resume_stage", "stages", "next_required", "next_deadlines",
                         "mission_flags"}
    with pytest.raises(NotFound):
        ws.overview("absent")
