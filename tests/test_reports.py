"""Report figures against hand-computed expectations on the fixed portfolio (reports_data)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from cpts_workflow.errors import BadInput
from cpts_workflow.reports import portfolio, project_report, stalled
from cpts_workflow.reports.queries import stage_durations

from .conftest import complete_stage
from .reports_data import T0, build


@pytest.fixture
def report_ws(ws, clock):
    build(ws, clock)
    return ws


def by_slug(report):
    return {r.slug: r for r in report.projects}


def test_days_in_stage_progress_and_last_event(report_ws):
    rows = by_slug(portfolio(report_ws))
    assert {s: r.days_in_stage for s, r in rows.items()} == {
        "alpha": 60, "beta": 10, "gamma": 30, "delta": 5, "epsilon": 200, "zeta": 50}
    assert (rows["alpha"].checklist_done, rows["alpha"].checklist_total) == (1, 7)
    # Projet de santé in v2: 7 items of v1, the ARS objection and the support letters.
    assert (rows["beta"].checklist_done, rows["beta"].checklist_total) == (0, 9)
    assert (rows["epsilon"].checklist_done, rows["epsilon"].checklist_total) == (0, 9)
    assert rows["alpha"].last_event_kind == "checked"
    assert rows["alpha"].last_event_at == T0 - timedelta(days=50)
    assert rows["alpha"].days_since_last_event == 50
    assert rows["zeta"].last_event_kind == "advanced"
    assert rows["gamma"].status == "paused" and rows["gamma"].position == "initiative"
    assert rows["gamma"].position_label == "Initiative"
    assert rows["beta"].stage_label == "Projet de santé"


def test_flags(report_ws):
    rows = by_slug(portfolio(report_ws))
    assert rows["epsilon"].flags == ["stalled"]
    assert rows["gamma"].flags == ["paused"]  # paused projects are not "stalled"
    assert rows["alpha"].flags == ["overlap"] and rows["beta"].flags == ["overlap"]
    assert rows["delta"].flags == [] and rows["zeta"].flags == []
    tighter = by_slug(portfolio(report_ws, stalled_days=30))
    assert {s for s, r in tighter.items() if "stalled" in r.flags} == {"epsilon", "alpha", "zeta"}


def test_funnel_durations_officers(report_ws):
    report = portfolio(report_ws)
    assert [(c.stage, c.count, c.paused) for c in report.funnel] == [
        ("initiative", 3, 1), ("diagnostic", 2, 0), ("health_project", 1, 0),
        ("statutes", 0, 0), ("aci_contract", 0, 0), ("coordinator_hiring", 0, 0),
        ("operating", 0, 0)]
    durations = {d.stage: (d.median_days, d.finished) for d in report.durations}
    assert durations["initiative"] == (40.0, 3)  # alpha 40, beta 20, zeta 10 + 30
    assert durations["diagnostic"] == (60.0, 1)  # beta only; zeta and alpha are still there
    assert durations["health_project"] == (None, 0)
    assert [(o.officer, o.count) for o in report.officers] == [
        ("Claire", 3), ("Julien", 2), (None, 1)]
    assert report.abandoned == 0


def test_abandoned_projects_leave_the_funnel_and_free_their_communes(report_ws):
    report_ws.abandon("beta", reason="Fusion avec un projet voisin")
    report = portfolio(report_ws)
    assert report.abandoned == 1
    assert sum(c.count for c in report.funnel) == 5
    rows = by_slug(report)
    assert rows["beta"].flags == ["abandoned"] and rows["alpha"].flags == []
    assert [(o.officer, o.count) for o in report.officers][:2] == [("Claire", 3), ("Julien", 1)]
    # beta had finished initiative and diagnostic before it was abandoned: still counted.
    durations = {d.stage: (d.median_days, d.finished) for d in report.durations}
    assert durations["initiative"] == (40.0, 3) and durations["diagnostic"] == (60.0, 1)
    assert durations["health_project"] == (None, 0)


def test_departments_population_and_coverage(report_ws):
    report = portfolio(report_ws)
    rows = by_slug(report)
    assert rows["alpha"].departments == ["13"] and rows["beta"].departments == ["13", "84"]
    assert (rows["alpha"].population, rows["alpha"].taille) == (4000, 1)
    assert rows["beta"].population == 3500 and rows["delta"].population is None
    cover = report.coverage
    assert cover.region == "93" and cover.region_population == 10_000
    shares = {s.stage: (s.population, s.share) for s in cover.stages}
    assert shares["diagnostic"] == (4000, 0.4) and shares["health_project"] == (3500, 0.35)
    assert shares["initiative"] == (0, 0.0)
    assert (cover.covered_population, cover.share) == (4500, 0.45)  # 13002 counted once


def test_filters(report_ws):
    def slugs(**filters):
        return sorted(r.slug for r in portfolio(report_ws, **filters).projects)

    assert slugs(officer="Julien") == ["beta", "zeta"]
    assert slugs(stage="diagnostic") == ["alpha", "zeta"]
    assert slugs(stage="paused") == ["gamma"]
    assert slugs(stage="initiative") == ["delta", "epsilon", "gamma"]  # gamma resumes there
    assert slugs(department="84") == ["beta"]
    assert slugs(department="13") == ["alpha", "beta"]
    assert slugs(since="2026-11-02") == ["beta", "delta"]  # activity on or after T0-20
    assert slugs(since="02/11/2026", officer="Julien") == ["beta"]
    with pytest.raises(BadInput):
        portfolio(report_ws, department="1")
    with pytest.raises(BadInput):
        portfolio(report_ws, stage="fini")
    with pytest.raises(BadInput):
        portfolio(report_ws, since="hier")


def test_stalled_lists_the_blocking_required_items(report_ws):
    result = stalled(report_ws, days=60)
    assert [s.project.slug for s in result] == ["epsilon"]
    blocking = [b["id"] for b in result[0].blocking]
    assert blocking == ["working_group", "porteur_named", "info_meeting", "territory_sketch",
                        "needs_sketch", "letter_of_intent_sent", "letter_of_intent_validated"]
    assert result[0].blocking[0]["label"].startswith("Groupe de travail")
    longer = stalled(report_ws, days=30)
    assert [s.project.slug for s in longer] == ["epsilon", "alpha", "zeta"]
    alpha = longer[1]
    assert "population_described" not in [b["id"] for b in alpha.blocking]
    assert len(alpha.blocking) == 6
    assert stalled(report_ws, days=201) == []


def test_stalled_reads_each_project_with_its_own_workflow_version(ws, clock):
    """A project still on version 1 is blocked by version 1's items, even those that
    version 2 renamed (`interviews_held` became `recruitment_interviews_held`)."""
    slug = ws.create_project("CPTS restée en v1", version=1).slug
    while ws.project(slug).stage != "coordinator_hiring":
        complete_stage(ws, slug)
        ws.advance(slug)
    clock.advance(days=90)
    [row] = stalled(ws, days=60)
    assert (row.project.workflow_id, row.project.workflow_version) == ("cpts_creation", 1)
    blocking = [b["id"] for b in row.blocking]
    assert "interviews_held" in blocking and "recruitment_interviews_held" not in blocking
    assert portfolio(ws).to_dict()["projects"][0]["workflow_version"] == 1


def test_project_report_timeline(report_ws):
    report = project_report(report_ws, "zeta")
    assert [(v.stage, v.days, v.left_at is None) for v in report.timeline] == [
        ("initiative", 10, False), ("diagnostic", 10, False), ("initiative", 30, False),
        ("diagnostic", 50, True)]
    assert report.project.slug == "zeta" and report.project.days_in_stage == 50
    assert [s.position for s in report.stages][:2] == ["done", "current"]
    assert report.events[0].kind == "created" and report.events[-1].kind == "advanced"
    assert report.to_dict()["schema_version"] == 1


def test_stage_durations_ignore_pauses_and_unfinished_stages():
    from datetime import datetime, timedelta

    from cpts_workflow.workflow.catalog import WorkflowCatalog

    definition = WorkflowCatalog().get("cpts_creation")
    day = timedelta(days=1)
    t = datetime(2026, 1, 1)
    changes = {
        # 5 days in initiative, 20 paused, 5 more, then 7 in diagnostic and still there
        1: [("initiative", t, t + 5 * day), ("paused", t + 5 * day, t + 25 * day),
            ("initiative", t + 25 * day, t + 30 * day), ("diagnostic", t + 30 * day, None)],
    }
    result = {d.stage: (d.median_days, d.finished)
              for d in stage_durations(changes, {1: "diagnostic"}, definition)}
    assert result["initiative"] == (10.0, 1)
    assert result["diagnostic"] == (None, 0)


def test_portfolio_query_count_does_not_grow_with_projects(ws, clock):
    """No N+1: the same number of SQL statements for 2 and for 12 projects."""

    def statements() -> int:
        count = 0

        def listen(*_args):
            nonlocal count
            count += 1

        event.listen(ws.db.engine, "before_cursor_execute", listen)
        try:
            portfolio(ws)
        finally:
            event.remove(ws.db.engine, "before_cursor_execute", listen)
        return count

    for n in range(2):
        ws.create_project(f"p{n}")
        complete_stage(ws, f"p{n}")
    few = statements()
    for n in range(2, 12):
        ws.create_project(f"p{n}")
        complete_stage(ws, f"p{n}")
        ws.advance(f"p{n}")
    assert statements() == few <= 10

