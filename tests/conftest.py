"""Shared fixtures: real SQLite files, a real PostgreSQL base when one is configured,
a fixed clock, and a runner for the `cpts` command as a user types it."""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from cpts_workflow.workspace import Workspace

# e.g. postgresql+psycopg://cpts:cpts@localhost/postgres — a role allowed to CREATE DATABASE.
PG_ADMIN_URL = os.environ.get("CPTS_TEST_POSTGRES_URL")
FIXED_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


_CACHE_KEY = pytest.StashKey[tuple[str | None, str]]()


def pytest_configure(config: pytest.Config) -> None:
    """The run's own workflow cache folder: tests never write to the user's real cache.

    Set before collection (some modules build a catalogue when imported) and inherited by
    subprocesses; one folder for the whole run, so the suite also runs on catalogues
    restored from the cache. Tests of the cache itself use their own folder.
    """
    folder = tempfile.mkdtemp(prefix="cpts-test-cache-")
    config.stash[_CACHE_KEY] = (os.environ.get("CPTS_CACHE_DIR"), folder)
    os.environ["CPTS_CACHE_DIR"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    previous, folder = config.stash[_CACHE_KEY]
    if previous is None:
        os.environ.pop("CPTS_CACHE_DIR", None)
    else:
        os.environ["CPTS_CACHE_DIR"] = previous
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _postgres_database() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cpts_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty base: a SQLite file, and (when configured) a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cpts.db'}"
        return
    if not PG_ADMIN_URL:
        pytest.skip("CPTS_TEST_POSTGRES_URL non défini : pas de serveur PostgreSQL pour ce test")
    yield from _postgres_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database only (tests of what SQLite cannot do or show)."""
    if not PG_ADMIN_URL:
        pytest.skip("CPTS_TEST_POSTGRES_URL non défini : pas de serveur PostgreSQL pour ce test")
    yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file only (for tests that are not about the backend)."""
    return f"sqlite:///{tmp_path / 'cpts.db'}"


@pytest.fixture
def ws(db_url: str, clock: FixedClock) -> Iterator[Workspace]:
    workspace = Workspace(db_url, actor="Claire Martin", now=clock)
    yield workspace
    workspace.db.dispose()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


CliRun = Callable[..., Result]


@pytest.fixture
def cpts(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `cpts` as a user would (through `main`, with its error handling).

    `cpts("show p1 --json")` or `cpts("new", "CPTS du Pays d'Aix")`; `input=` feeds stdin.
    """
    from cpts_cli.main import main

    monkeypatch.setenv("CPTS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CPTS_ACTOR", "Claire Martin")
    monkeypatch.setenv("CPTS_NOW", FIXED_NOW.isoformat())

    def run(*args: str, input: str | None = None) -> Result:
        argv = shlex.split(args[0]) if len(args) == 1 else list(args)
        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, *_):
            code = 0
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            return Result(code, out.getvalue().decode(), err.getvalue().decode())

    return run


def complete_stage(ws: Workspace, project: str, value: str = "01/09/2026", *, guards: bool = True) -> None:
    """Make the current stage ready to leave: every required item ticked (dated items get
    `value`) and what the other guards ask for (a territory, a bureau) when it is missing."""
    for item in ws.checklist(project):
        if item.required and item.status == "todo":
            evidence = {"date": value, "number": "1"}.get(item.evidence)
            ws.check(project, item.id, value=evidence)
    if guards:
        satisfy_guards(ws, project)


BUREAU = (("Jeanne Durand", "president"), ("Paul Garcia", "treasurer"), ("Léa Martin", "secretary"))


def satisfy_guards(ws: Workspace, project: str) -> None:
    """Give the project a commune (leaving `diagnostic`) or a bureau (leaving `statutes`)."""
    from cpts_workflow import members
    from cpts_workflow.store.models import ProjectCommune
    from cpts_workflow.territory.changes import add_communes

    summary = ws.project(project)
    definition = ws.definition_of(summary)
    guards = {g for t in definition.transitions_from(summary.stage) for g in t.guards}
    if "territory_valid" in guards:
        with ws.session() as session:
            has_commune = session.query(ProjectCommune).filter_by(project_id=summary.id).first()
        if not has_commune:
            add_communes(ws, project, ["04001"], force=True, reason="commune de test")
    if "bureau_complete" in guards:
        with ws.session() as session:
            missing = members.missing_offices(session, ws.get_project(session, project))
        if missing:
            for name, role in BUREAU:
                members.add_member(ws, project, name, role=role)
