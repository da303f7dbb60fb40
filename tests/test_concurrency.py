"""Two officers, two real processes, one project: no lost update, one event per change."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cpts_workflow.errors import Conflict
from cpts_workflow.integrity import check_integrity
from cpts_workflow.workspace import Workspace

from .conftest import complete_stage

CTX = mp.get_context("spawn")  # a fresh interpreter: nothing shared but the base


def _run(url: str, actor: str, op: str, args: tuple, kwargs: dict, barrier, results) -> None:
    ws = Workspace(url, actor=actor)
    ws.init()
    barrier.wait()
    try:
        getattr(ws, op)(*args, **kwargs)
        results.put((actor, "ok", ""))
    except Conflict as exc:
        results.put((actor, "conflict", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put((actor, "error", repr(exc)))


def race(url: str, calls: list[tuple[str, tuple, dict]]) -> list[tuple[str, str, str]]:
    """Run the calls at the same instant, one process each; their outcomes."""
    barrier, results = CTX.Barrier(len(calls)), CTX.Queue()
    procs = [
        CTX.Process(target=_run, args=(url, f"agent{i}", op, args, kwargs, barrier, results))
        for i, (op, args, kwargs) in enumerate(calls)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return sorted(outcomes, key=lambda o: (o[1], o[0]))


ITEMS = ["working_group", "porteur_named", "territory_sketch", "needs_sketch"]


def test_concurrent_checks_all_land(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    outcomes = race(ws.db.url, [("check", (slug, item), {}) for item in ITEMS])
    assert [o[1] for o in outcomes] == ["ok"] * len(ITEMS), outcomes
    states = {i.id: i.status for i in ws.checklist(slug)}
    assert all(states[i] == "done" for i in ITEMS)  # nobody's tick was overwritten
    kinds = [e.kind for e in ws.history(slug)]
    assert kinds.count("checked") == len(ITEMS)
    assert ws.project(slug).row_version == 1 + len(ITEMS)
    assert check_integrity(ws).ok


def test_stale_version_exactly_one_wins(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    complete_stage(ws, slug)
    version = ws.project(slug).row_version
    outcomes = race(ws.db.url, [("advance", (slug,), {"expected_version": version})] * 2)
    assert [o[1] for o in outcomes] == ["conflict", "ok"], (version, outcomes)
    assert "a changé depuis votre lecture" in outcomes[0][2]
    assert "Rechargez-le puis recommencez" in outcomes[0][2]
    history = ws.history(slug)
    assert [e.kind for e in history].count("advanced") == 1
    assert ws.project(slug).stage == "diagnostic"
    assert check_integrity(ws).ok


def test_advance_against_uncheck_never_leaves_a_missing_item(ws):
    """The guard reads the checklist under the project's lock: either the uncheck came
    first (advance refused) or the advance did (the uncheck applies to an old stage)."""
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    for _ in range(3):
        complete_stage(ws, slug)
        outcomes = race(ws.db.url, [("advance", (slug,), {}), ("uncheck", (slug, ITEMS[0]), {})])
        advanced = [e for e in ws.history(slug) if e.kind == "advanced"]
        if advanced and advanced[-1].from_stage == "initiative":
            unchecks = [e for e in ws.history(slug) if e.kind == "unchecked"]
            # The tick was there when the stage was left.
            assert unchecks[-1].id > advanced[-1].id, outcomes
            break
        assert any(o[1] == "error" and "Refused" in o[2] for o in outcomes), outcomes
    assert check_integrity(ws).ok


def _cli(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CPTS_DATABASE_URL": url, "CPTS_ACTOR": "agent"}
    cpts = Path(sys.executable).parent / "cpts"
    return subprocess.Popen([str(cpts), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_cli_processes_in_parallel(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    ws.init()
    procs = [_cli(ws.db.url, "check", slug, item, "--note", f"par {item}") for item in ITEMS]
    procs += [_cli(ws.db.url, "skip", slug, "urps_contact", "--reason", "pas d'élu")]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert "Traceback" not in out + err
        assert code == 0 or (code == 1 and "Relancez" in err), (code, err)
    accepted = sum(1 for code, *_ in results if code == 0)
    changes = [e for e in ws.history(slug) if e.kind in ("checked", "skipped")]
    assert len(changes) == accepted
    assert check_integrity(ws).ok


@pytest.mark.postgresql
def test_postgres_stale_write_becomes_conflict(pg_url, clock):
    """Without the row lock (a session of one's own), the version check still refuses."""
    db_url = pg_url
    a = Workspace(db_url, actor="A", now=clock)
    b = Workspace(db_url, actor="B", now=clock)
    slug = a.create_project("CPTS X").slug
    with pytest.raises(Conflict) as exc, a.session() as session:
        project = a.get_project(session, slug)  # read, no lock
        b.pause(slug, reason="Attente")  # another officer commits meanwhile
        project.officer = "A"
        a.record_event(session, project, "officer_changed")
    assert "vient d'être modifié par quelqu'un d'autre" in str(exc.value)
    assert [e.kind for e in a.history(slug)] == ["created", "paused"]
    a.db.dispose(), b.db.dispose()


@pytest.mark.postgresql
def test_postgres_deadlock_becomes_conflict(pg_url, clock):
    db_url = pg_url
    ws = Workspace(db_url, actor="A", now=clock)
    first, second = ws.create_project("CPTS Un").slug, ws.create_project("CPTS Deux").slug
    barrier, errors = threading.Barrier(2), []

    def lock_both(order):
        other = Workspace(db_url, actor="T", now=clock)
        try:
            with other.session() as session:
                other.get_project(session, order[0], lock=True)
                barrier.wait()
                other.get_project(session, order[1], lock=True)
        except Conflict as exc:
            errors.append(str(exc))
        finally:
            other.db.dispose()

    threads = [threading.Thread(target=lock_both, args=(o,))
               for o in ((first, second), (second, first))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(errors) == 1 and "interblocage" in errors[0], errors
    ws.db.dispose()


def test_sqlite_busy_says_the_base_is_busy(sqlite_url, clock, monkeypatch):
    """A writer kept waiting past the bounded wait says so; a reader does not wait at all."""
    import sqlite3
    import time

    from cpts_workflow.errors import Busy

    monkeypatch.setenv("CPTS_BUSY_TIMEOUT", "0.5")
    ws = Workspace(sqlite_url, actor="A", now=clock)
    slug = ws.create_project("CPTS X").slug
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program keeps the base locked
    try:
        start = time.monotonic()
        with pytest.raises(Busy) as exc:
            ws.pause(slug, reason="Attente")
        assert 0.4 < time.monotonic() - start < 5
        assert str(exc.value).startswith("Base occupée")
        assert "Relancez" not in str(exc.value) and "même moment" not in str(exc.value)
        assert [e.kind for e in ws.history(slug)] == ["created"]  # read while locked
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.postgresql
def test_postgres_serializable_base_gives_conflict(pg_url, clock):
    """A DBA may make SERIALIZABLE the default: the loser then gets a serialization
    failure from PostgreSQL, which must read as a conflict, with nothing written."""
    import time

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(pg_url).database
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_isolation '
                          "TO 'serializable'"))
    admin.dispose()
    a = Workspace(pg_url, actor="A", now=clock)
    b = Workspace(pg_url, actor="B", now=clock)
    slug = a.create_project("CPTS X").slug
    barrier, errors = threading.Barrier(2), []

    def first():
        with a.changing(slug, "stage") as (session, project):
            project.officer = "A"
            a.record_event(session, project, "officer_changed")
            barrier.wait()
            time.sleep(0.5)  # B is now waiting for the row lock

    def second():
        barrier.wait()
        try:
            b.pause(slug, reason="Attente")
        except Conflict as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(errors) == 1 and "conflit de sérialisation" in errors[0], errors
    assert "Relancez la commande" in errors[0]
    assert [e.kind for e in a.history(slug)] == ["created", "officer_changed"]
    b.pause(slug, reason="Attente")  # the retry goes through
    a.db.dispose(), b.db.dispose()
