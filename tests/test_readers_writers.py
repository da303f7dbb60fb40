"""SQLite: readers never wait on a writer; a writer kept waiting says the base is busy.

One process holds a write transaction open (as a long import does); `cpts` commands run
meanwhile in other processes.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpts_workflow.workspace import Workspace

CTX = mp.get_context("fork")
pytestmark = pytest.mark.slow


def _hold_write(url: str, slug: str, ready, release) -> None:
    """Change a project and keep the transaction open until told to commit."""
    ws = Workspace(url, actor="Import")
    with ws.changing(slug, "check") as (session, project):
        project.officer = "Pendant l'import"
        ws.record_event(session, project, "imported", comment="import en cours")
        session.flush()
        ready.set()
        release.wait(120)
    ws.db.dispose()


def _cpts(url: str, *args: str, busy: str = "30") -> tuple[int, str, str, float]:
    env = {**os.environ, "CPTS_DATABASE_URL": url, "CPTS_ACTOR": "Claire Martin",
           "CPTS_BUSY_TIMEOUT": busy}
    cpts = Path(sys.executable).parent / "cpts"
    start = time.monotonic()
    done = subprocess.run([str(cpts), *args], env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def test_reads_answer_during_a_write_and_writers_say_busy(sqlite_url, clock):
    ws = Workspace(sqlite_url, actor="Claire Martin", now=clock)
    slug = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug
    ws.db.dispose()
    ready, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold_write, args=(sqlite_url, slug, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        # Readers: at once (they would otherwise wait up to 30 s), the last committed state.
        code, out, err, _ = _cpts(sqlite_url, "list", "--json")
        assert code == 0, err
        assert holder.is_alive() and not release.is_set()  # answered while the write is held
        assert [p["officer"] for p in json.loads(out)] == ["Claire Martin"]
        code, out, err, _ = _cpts(sqlite_url, "history", slug, "--json")
        assert code == 0 and [e["kind"] for e in json.loads(out)] == ["created"], err
        code, out, err, _ = _cpts(sqlite_url, "doctor")
        assert code == 0, err

        # A writer waits the bounded time, then says so, in French, with what to do.
        code, out, err, elapsed = _cpts(sqlite_url, "new", "CPTS du Gapençais", busy="1")
        assert code == 1, (out, err)
        assert err.startswith("Erreur : Base occupée : une autre opération"), err
        assert "Réessayez quand elle sera terminée" in err
        assert "même moment" not in err and "Relancez" not in err and "Traceback" not in err
        assert elapsed >= 1
        assert holder.is_alive()
    finally:
        release.set()
        holder.join(60)
    assert holder.exitcode == 0
    code, out, err, _ = _cpts(sqlite_url, "list", "--json")
    assert [p["officer"] for p in json.loads(out)] == ["Pendant l'import"]
    assert [p["name"] for p in json.loads(out)] == ["CPTS du Pays d'Aix"]  # the busy one wrote nothing
