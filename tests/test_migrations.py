"""Schema upgrades from every earlier revision, with data in the base, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, insert, text

from cpts_workflow.errors import DatabaseError
from cpts_workflow.integrity import check_integrity
from cpts_workflow.store.database import SCHEMA_HEAD, Database, alembic_config


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_schema_head_matches_alembic():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [SCHEMA_HEAD]


AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _fill(url: str) -> None:
    """Rows written as the program of that revision would have, through its own tables."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    projects, events, states = meta.tables["projects"], meta.tables["events"], meta.tables[
        "checklist_states"]
    with engine.begin() as conn:
        pid = conn.execute(insert(projects).values(
            slug="cpts-ancienne", name="CPTS ancienne", officer="Claire",
            workflow_id="cpts_creation",
            workflow_version=1, stage="initiative", created_at=AT, created_by="Claire",
            updated_at=AT, stage_entered_at=AT, row_version=2)).inserted_primary_key[0]
        conn.execute(insert(events).values(project_id=pid, at=AT, actor="Claire", kind="created",
                                           to_stage="initiative",
                                           payload={"name": "CPTS ancienne"}))
        conn.execute(insert(events).values(project_id=pid, at=AT, actor="Claire", kind="checked",
                                           item_id="working_group", payload={"previous": "todo"}))
        conn.execute(insert(states).values(project_id=pid, item_id="working_group", status="done",
                                           updated_by="Claire", updated_at=AT))
    engine.dispose()


@pytest.mark.parametrize("revision", _revisions())
def test_upgrade_from_every_revision_keeps_data(db_url, revision, clock):
    from cpts_workflow.workspace import Workspace

    db = Database(db_url)
    db.upgrade(revision)
    assert db.current_revision() == revision
    _fill(db_url)
    db.dispose()
    ws = Workspace(db_url, actor="Claire", now=clock)  # any command upgrades to head
    assert ws.init() == SCHEMA_HEAD
    detail = ws.detail("cpts-ancienne")
    assert detail.project.stage == "initiative" and detail.project.row_version == 2
    assert [e.kind for e in ws.history("cpts-ancienne")] == ["created", "checked"]
    assert {i.id: i.status for i in ws.checklist("cpts-ancienne")}["working_group"] == "done"
    assert check_integrity(ws).ok
    ws.check("cpts-ancienne", "porteur_named")  # and it still works
    ws.db.dispose()


def test_newer_base_is_refused(db_url, cpts, monkeypatch):
    db = Database(db_url)
    db.upgrade()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_futur'"))
    db.dispose()
    with pytest.raises(DatabaseError) as exc:
        Database(db_url).ensure_schema()
    assert "créée par une version plus récente" in exc.value.message
    assert "pip install --upgrade" in exc.value.hint
    monkeypatch.setenv("CPTS_DATABASE_URL", db_url)
    result = cpts("list")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "version plus récente de cpts-workflow (schéma « 9999_futur »)" in result.stderr
    check = Database(db_url)
    assert check.current_revision() == "9999_futur"  # untouched
    check.dispose()


@pytest.mark.postgresql
def test_shared_postgresql_base_is_upgraded_only_on_init(cpts, monkeypatch) -> None:
    """Other server processes may run the previous program on a shared base: its schema
    moves only when someone asks (`cpts init`), never as a side effect of a command."""
    from cpts_workflow.errors import SchemaOutdated
    from cpts_workflow.workspace import Workspace

    from .conftest import PG_ADMIN_URL, _postgres_database

    if not PG_ADMIN_URL:
        pytest.skip("CPTS_TEST_POSTGRES_URL non défini")
    databases = _postgres_database()
    url = next(databases)
    try:
        db = Database(url)
        db.upgrade("0002")
        db.dispose()
        ws = Workspace(url)
        with pytest.raises(SchemaOutdated) as exc:
            ws.list_projects()
        assert "est en retard sur le programme (« 0002 », attendu" in exc.value.message
        assert "cpts" not in exc.value.hint  # the library names no command
        assert ws.db.current_revision() == "0002"
        monkeypatch.setenv("CPTS_DATABASE_URL", url)
        result = cpts("list")
        assert result.exit_code == 1 and "Mettez-la à jour avec « cpts init »" in result.stderr
        assert cpts("init").exit_code == 0
        assert Workspace(url).list_projects() == []
        ws.db.dispose()
    finally:
        next(databases, None)


def test_own_sqlite_base_is_upgraded_by_any_command(sqlite_url) -> None:
    from cpts_workflow.workspace import Workspace

    db = Database(sqlite_url)
    db.upgrade("0002")
    db.dispose()
    ws = Workspace(sqlite_url)
    assert ws.list_projects() == []
    assert ws.db.current_revision() == SCHEMA_HEAD
    ws.db.dispose()
