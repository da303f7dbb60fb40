"""1 000 synthetic projects and 200 000 events: the portfolio stays a handful of queries
and a few seconds (the figures measured are in docs/reports.md)."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from cpts_workflow.reports import portfolio, render_html
from cpts_workflow.store.models import ChecklistState, Event, Project, ProjectCommune
from cpts_workflow.workspace import Workspace

from .conftest import FIXED_NOW, FixedClock

pytestmark = pytest.mark.slow
PROJECTS, EVENTS_PER_PROJECT = 1000, 200


def synthesise(ws: Workspace, seed: int = 7) -> None:
    """Bulk rows shaped like real use: stage changes among many checklist events."""
    rng = random.Random(seed)
    definition = ws.definition()
    stages = list(definition.stage_ids)
    projects, events, states, communes = [], [], [], []
    for pid in range(1, PROJECTS + 1):
        position = rng.randrange(len(stages))
        start = FIXED_NOW - timedelta(days=rng.randint(100, 700))
        step = (FIXED_NOW - start) / (EVENTS_PER_PROJECT + 1)
        changes = {round(EVENTS_PER_PROJECT * (k + 1) / (position + 1)) for k in range(position)}
        stage_index, at = 0, start
        for n in range(EVENTS_PER_PROJECT):
            at = start + step * n
            if n == 0:
                events.append(dict(project_id=pid, at=at, actor="synthèse", kind="created",
                                   to_stage=stages[0]))
            elif n in changes and stage_index < position:
                events.append(dict(project_id=pid, at=at, actor="synthèse", kind="advanced",
                                   from_stage=stages[stage_index], to_stage=stages[stage_index + 1]))
                stage_index += 1
                entered = at
            else:
                items = definition.stages[stage_index].items
                events.append(dict(project_id=pid, at=at, actor="synthèse", kind="checked",
                                   item_id=rng.choice(items).id))
        for stage in definition.stages[: position + 1]:
            for item in stage.items:
                if stage.id != stages[position] or rng.random() < 0.5:
                    states.append(dict(project_id=pid, item_id=item.id, status="done",
                                       updated_by="synthèse", updated_at=at))
        department = rng.choice(["04", "05", "06", "13", "83", "84"])
        for c in rng.sample(range(1, 300), 8):
            communes.append(dict(project_id=pid, insee=f"{department}{c:03d}", added_at=start,
                                 added_by="synthèse"))
        projects.append(dict(id=pid, slug=f"cpts-{pid}", name=f"CPTS synthétique {pid}",
                             officer=f"Chargé·e {pid % 12}", workflow_id=definition.id,
                             workflow_version=definition.version, stage=stages[position],
                             created_at=start, created_by="synthèse", updated_at=at,
                             stage_entered_at=entered if position else start, row_version=1))
    with ws.session() as session:
        session.execute(insert(Project), projects)
        session.execute(insert(Event), events)
        session.execute(insert(ChecklistState), states)
        session.execute(insert(ProjectCommune), communes)


def test_portfolio_of_1000_projects_and_200000_events(ws, capsys):
    ws.now = FixedClock()
    synthesise(ws)
    statements = []
    event.listen(ws.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    started = time.perf_counter()
    report = portfolio(ws)
    elapsed = time.perf_counter() - started
    order = {s: i for i, s in enumerate(ws.definition().stage_ids)}
    started = time.perf_counter()
    page = render_html.portfolio_html(report, order)
    rendering = time.perf_counter() - started
    assert len(report.projects) == PROJECTS
    assert sum(c.count for c in report.funnel) == PROJECTS
    assert all(d.finished > 0 for d in report.durations[:-1])
    assert len(statements) <= 10
    assert elapsed < 30 and rendering < 10
    with capsys.disabled():
        print(f"\n[{ws.db.engine.dialect.name}] portfolio 1 000 projets / 200 000 événements : "
              f"{elapsed:.2f} s, {len(statements)} requêtes ; HTML {rendering:.2f} s, "
              f"{len(page) // 1024} Kio")
