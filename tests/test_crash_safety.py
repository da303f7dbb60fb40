"""A process killed (SIGKILL) mid-way leaves a consistent base, on both backends."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import func, select

from cpts_workflow.backup import export_to_file
from cpts_workflow.integrity import check_integrity
from cpts_workflow.store.models import Event, Project
from cpts_workflow.workspace import Workspace

from .conftest import complete_stage

pytestmark = pytest.mark.slow

# Moves projects around forever: checks, advances, backs, pauses, resumes.
LOOP = textwrap.dedent("""
    import random, sys
    from cpts_workflow.errors import CptsError
    from cpts_workflow.workspace import Workspace
    ws = Workspace(sys.argv[1], actor="robot")
    slugs = [p.slug for p in ws.list_projects()]
    rng = random.Random(int(sys.argv[2]))
    print("ready", flush=True)
    while True:
        slug = rng.choice(slugs)
        try:
            p = ws.project(slug)
            if p.status == "paused":
                ws.resume(slug)
                continue
            for item in ws.checklist(slug):
                if item.required and item.status == "todo":
                    extra = {"date": "01/09/2026", "number": "1"}.get(item.evidence)
                    ws.check(slug, item.id, value=extra)
            action = rng.choice(["advance", "advance", "back", "pause", "uncheck"])
            if action == "advance":
                ws.advance(slug)
            elif action == "back":
                ws.back(slug, comment="retour")
            elif action == "pause":
                ws.pause(slug, reason="pause")
            else:
                items = ws.checklist(slug)
                ws.uncheck(slug, rng.choice(items).id)
        except CptsError:
            pass
""")


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _count(ws: Workspace, model) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_kill_during_transitions(ws):
    for i in range(3):
        ws.create_project(f"CPTS {i}")
    ws.db.dispose()
    rng = random.Random(8)
    before = _count(ws, Event)
    for round_ in range(6):
        proc = _spawn(["-c", LOOP, ws.db.url, str(round_)])
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 1.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        report = check_integrity(ws)
        assert report.ok, report.problems
        ws.db.dispose()
    assert _count(ws, Event) > before + 10, "the loop must have done real work"


def _delete_all(ws: Workspace) -> None:
    """Start again from an empty base."""
    with ws.session() as session:
        for project in session.scalars(select(Project)):
            session.delete(project)


def test_kill_during_import(ws, tmp_path, clock):
    source = Workspace(f"sqlite:///{tmp_path / 'source.db'}", actor="Claire", now=clock)
    for i in range(40):
        slug = source.create_project(f"CPTS {i}").slug
        complete_stage(source, slug)
        source.advance(slug)
    export_to_file(source, tmp_path / "b.json")
    expected = _count(source, Event) + 40  # plus one `imported` event per project
    script = ("import sys; from cpts_workflow.workspace import Workspace; "
              "from cpts_workflow.backup import import_backup; "
              "ws = Workspace(sys.argv[1], actor='robot'); ws.init(); print('ready', flush=True); "
              "import_backup(ws, sys.argv[2]); print('done', flush=True)")
    # How long a whole import takes here, to kill the next ones in the middle of it.
    proc = _spawn(["-c", script, ws.db.url, str(tmp_path / "b.json")])
    assert proc.stdout.readline().strip() == "ready"
    start = time.monotonic()
    assert proc.stdout.readline().strip() == "done"
    duration = time.monotonic() - start
    proc.wait()
    assert check_integrity(ws).ok and _count(ws, Project) == 40
    _delete_all(ws)
    rng = random.Random(3)
    outcomes = set()
    for _ in range(5):
        proc = _spawn(["-c", script, ws.db.url, str(tmp_path / "b.json")])
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.1, 0.9) * duration)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        projects, events = _count(ws, Project), _count(ws, Event)
        assert (projects, events) in ((0, 0), (40, expected)), (projects, events)
        assert check_integrity(ws).ok
        outcomes.add(projects)
        if projects:
            _delete_all(ws)
        ws.db.dispose()
    assert 0 in outcomes, "at least one kill must have interrupted an import"
