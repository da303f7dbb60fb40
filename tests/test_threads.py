"""One App shared by the threads of a server: a workspace per request, one engine per
definition used under its lock, every change landing whole."""

from __future__ import annotations

import threading
import time

import pytest

from cpts_workflow.app import App
from cpts_workflow.workflow.engine import engine_for

from .conftest import complete_stage

THREADS = 8


def test_triggers_from_eight_threads_on_different_projects(db_url, clock) -> None:
    app = App(db_url, now=clock)
    try:
        setup = app.workspace(actor="Préparation")
        slugs = [setup.create_project(f"CPTS {n}").slug for n in range(THREADS)]
        for slug in slugs:
            complete_stage(setup, slug)
        barrier = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def work(slug: str) -> None:
            try:
                ws = app.workspace(actor=f"Fil {slug}")  # one per request, as a server does
                barrier.wait()
                for _ in range(3):
                    ws.advance(slug)
                    ws.back(slug, comment="retour")
                ws.advance(slug)
                ws.pause(slug, reason="attente")
                ws.resume(slug)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(s,)) for s in slugs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        check = app.workspace()
        for slug in slugs:
            assert check.project(slug).stage == "diagnostic"
            kinds = [e.kind for e in check.history(slug)]
            assert kinds.count("advanced") == 4 and kinds.count("back") == 3
            assert kinds[-2:] == ["paused", "resumed"]
        # The shared machine holds no project once they are done.
        assert engine_for(check.definition()).machine.models == []
    finally:
        app.dispose()


def test_workspace_per_request_is_cheap(sqlite_url) -> None:
    app = App(sqlite_url)
    app.init()
    start = time.perf_counter()
    for _ in range(1000):
        app.workspace()
    per_call = (time.perf_counter() - start) / 1000
    app.dispose()
    assert per_call < 0.001, f"{per_call * 1e6:.0f} µs par espace de travail"


@pytest.mark.parametrize("attr", ["catalog"])
def test_shared_pieces_are_built_once_across_threads(sqlite_url, attr) -> None:
    app = App(sqlite_url)
    seen: list[object] = []
    barrier = threading.Barrier(THREADS)

    def look() -> None:
        barrier.wait()
        seen.append(getattr(app, attr))

    threads = [threading.Thread(target=look) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen}) == 1


def test_a_busy_server_reuses_its_postgresql_connections(pg_url) -> None:
    """Twelve threads reading at once (a server under a team's load) share connections kept
    open: with SQLAlchemy's default pool (5 kept), every read past the fifth opened and
    closed a PostgreSQL connection, a process on the server, and halved page throughput."""
    from sqlalchemy import event

    from cpts_workflow.snapshots import base_stamp

    app = App(pg_url)
    try:
        ws = app.workspace(actor="Lecture")
        ws.create_project("CPTS A")
        opened: list[int] = []
        event.listen(app.db.engine, "connect", lambda *_: opened.append(1))
        barrier = threading.Barrier(12)

        def read() -> None:
            barrier.wait()
            for _ in range(30):
                base_stamp(ws)
                time.sleep(0.001)

        threads = [threading.Thread(target=read) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(opened) <= 12
    finally:
        app.dispose()
