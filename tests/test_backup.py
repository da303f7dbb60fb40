"""Backups: every table round-trips, import is all-or-nothing and idempotent."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from cpts_workflow.backup import FORMAT_VERSION, _tables, export_data, export_to_file, import_backup
from cpts_workflow.errors import BadInput, Conflict
from cpts_workflow.integrity import check_integrity
from cpts_workflow.store.database import SCHEMA_HEAD
from cpts_workflow.store.models import Event, Project
from cpts_workflow.workspace import Workspace

from .conftest import FixedClock, _postgres_database, complete_stage
from .reliability_data import populate


@pytest.fixture
def other(db_url: str, tmp_path, clock: FixedClock) -> Iterator[Workspace]:
    """A second, empty base on the same backend as `db_url`."""
    if db_url.startswith("postgresql"):
        gen = _postgres_database()
        url = next(gen)
    else:
        gen, url = None, f"sqlite:///{tmp_path / 'other.db'}"
    workspace = Workspace(url, actor="Paul Import", now=clock)
    yield workspace
    workspace.db.dispose()
    if gen is not None:
        next(gen, None)


def comparable(data: dict) -> dict:
    """A backup without what legitimately differs between bases: surrogate ids (replaced by
    natural keys), import events and the project's last-change stamps."""
    tables = data["tables"]
    slugs = {p["id"]: p["slug"] for p in tables["projects"]}
    labels = {v["id"]: v["label"] for v in tables["reference_vintages"]}
    members = {m["id"]: (slugs[m["project_id"]], m["name"]) for m in tables["members"]}
    out = {}
    for name, rows in tables.items():
        clean = []
        for row in rows:
            row = dict(row)
            if name == "events" and row["kind"] == "imported":
                continue
            if name == "projects":
                row.pop("updated_at"), row.pop("row_version")
            if "project_id" in row:
                row["project_id"] = slugs[row["project_id"]]
            if "vintage_id" in row:
                row["vintage_id"] = labels[row["vintage_id"]]
            if name == "events" and row.get("payload") and "member_id" in row["payload"]:
                row["payload"] = {**row["payload"],
                                  "member_id": members[row["payload"]["member_id"]]}
            if name not in ("funding_grids",) and isinstance(row.get("id"), int):
                row.pop("id")
            clean.append(row)
        out[name] = sorted(clean, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return out


def counts(ws: Workspace) -> dict[str, int]:
    with ws.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in _tables()}


def test_every_table_round_trips(ws, other, tmp_path):
    populate(ws, complete_stage)
    empty = [name for name, n in counts(ws).items() if n == 0]
    assert empty == [], f"populate() must fill every table of the schema: {empty}"
    summary = export_to_file(ws, tmp_path / "sauvegarde.json")
    assert stat.S_IMODE((tmp_path / "sauvegarde.json").stat().st_mode) == 0o600
    data = json.loads((tmp_path / "sauvegarde.json").read_text("utf-8"))
    assert data["format_version"] == FORMAT_VERSION and data["schema_revision"] == SCHEMA_HEAD
    assert set(data["tables"]) == {t.name for t in _tables()}
    assert summary.projects == 2

    report = import_backup(other, tmp_path / "sauvegarde.json")
    assert sorted(report.created) == ["cpts-du-gapencais", "cpts-du-pays-d-aix"]
    assert comparable(export_data(other)) == comparable(data)
    assert check_integrity(other).ok
    # The import itself is audited, once per project.
    assert [e.kind for e in other.history("cpts-du-pays-d-aix")][-1] == "imported"

    # Importing again writes nothing.
    before = counts(other)
    again = import_backup(other, tmp_path / "sauvegarde.json")
    assert again.created == [] and sorted(again.unchanged) == sorted(report.created)
    assert counts(other) == before


def test_project_export_holds_only_that_project(ws, tmp_path):
    slugs = populate(ws, complete_stage)
    data = export_data(ws, slugs["gap"])
    assert data["scope"] == "project"
    assert [p["slug"] for p in data["tables"]["projects"]] == [slugs["gap"]]
    gap_id = data["tables"]["projects"][0]["id"]
    assert all(e["project_id"] == gap_id for e in data["tables"]["events"])
    assert data["tables"]["members"] and data["tables"]["funding_grids"] == []
    assert data["tables"]["reference_communes"] == []


def test_diverged_project_is_refused_then_replaced(ws, other, tmp_path, clock):
    slugs = populate(ws, complete_stage)
    export_to_file(ws, tmp_path / "b.json")
    import_backup(other, tmp_path / "b.json")
    clock.advance(hours=1)
    other.pause(slugs["aix"], reason="Congés")
    ws.abandon(slugs["aix"], reason="Fusion avec une autre CPTS")
    export_to_file(ws, tmp_path / "b2.json")
    before = counts(other)
    with pytest.raises(Conflict) as exc:
        import_backup(other, tmp_path / "b2.json")
    assert "cpts-du-pays-d-aix" in exc.value.message and exc.value.topic == "import_replace"
    assert exc.value.to_dict()["error"]["code"] == "conflict"
    assert counts(other) == before
    report = import_backup(other, tmp_path / "b2.json", replace=True)
    assert report.replaced == [slugs["aix"]] and report.unchanged == [slugs["gap"]]
    assert other.project(slugs["aix"]).status == "abandoned"
    assert check_integrity(other).ok


def _file(tmp_path, data) -> str:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(format_version=FORMAT_VERSION + 1), "plus récent"),
        (lambda d: d.update(schema_revision="9999_future"), "inconnu de ce programme"),
        (lambda d: d.update(format="autre"), "n'est pas une sauvegarde cpts-workflow"),
        (lambda d: d["tables"].update(inconnue=[]), "table inconnue : inconnue"),
        (lambda d: d["tables"]["events"][-1].update(at="hier"),
         "« at » doit être une date et heure"),
        (lambda d: d["tables"]["events"][-1].update(project_id=999),
         "ne correspond à aucune ligne"),
        (lambda d: d["tables"]["projects"][0].update(surprise=1), "clé inconnue « surprise »"),
        (lambda d: d["tables"]["projects"][0].pop("stage"), "« stage » manque"),
        (lambda d: d["tables"]["projects"][0].update(stage="nulle_part"), "Sauvegarde incohérente"),
        (lambda d: d["tables"]["projects"][0].update(workflow_version=42), "workflow inconnu"),
        (lambda d: d["tables"]["projects"].append(dict(d["tables"]["projects"][0], id=7)),
         "en double"),
    ],
)
def test_bad_backup_writes_nothing(ws, sqlite_url, tmp_path, change, expected):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    complete_stage(ws, slug)
    data = export_data(ws)
    change(data)
    target = Workspace(sqlite_url.replace("cpts.db", "target.db"), actor="Paul")
    target.create_project("Déjà là")
    before = counts(target)
    with pytest.raises((BadInput, Conflict)) as exc:
        import_backup(target, _file(tmp_path, data))
    assert expected in str(exc.value)
    assert counts(target) == before


def test_events_of_a_project_count(ws, tmp_path):
    slug = ws.create_project("CPTS A").slug
    complete_stage(ws, slug)
    data = export_data(ws, slug)
    with ws.session() as session:
        n = session.scalar(select(func.count()).select_from(Event))
        assert session.scalar(select(func.count()).select_from(Project)) == 1
    assert len(data["tables"]["events"]) == n


def test_a_large_backup_is_imported_once_its_size_is_allowed(ws, other, tmp_path):
    """Proof files make backups large: the size guard refuses, names the size to allow,
    and the same file then imports whole (from the library and from the command line)."""
    from cpts_workflow.backup import MAX_IMPORT_BYTES, export_to_file, import_backup
    from cpts_workflow.errors import BadInput
    from cpts_workflow.evidence import add_evidence

    aix = ws.create_project("CPTS du Pays d'Aix").slug
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 4096 + b"\n%%EOF\n"  # 1 Mo of proof
    add_evidence(ws, aix, "working_group", "compte-rendu.pdf", pdf)
    summary = export_to_file(ws, tmp_path / "aix.json", aix)
    assert 1024 * 1024 < summary.bytes < 2 * 1024 * 1024 and summary.bytes < MAX_IMPORT_BYTES
    assert not summary.needs_larger_import
    with pytest.raises(BadInput) as refused:
        import_backup(other, summary.path, max_bytes=1024 * 1024)
    assert refused.value.topic == "backup_too_large" and refused.value.details == {"megabytes": 2}
    assert "(2 Mo, au plus 1 Mo sans le dire)" in refused.value.message
    assert counts(other)["projects"] == 0
    assert import_backup(other, summary.path, max_bytes=2 * 1024 * 1024).created == [aix]


def test_import_max_size_option(cpts, sqlite_url, tmp_path):
    from cpts_workflow.evidence import add_evidence
    from cpts_workflow.workspace import Workspace

    assert cpts("new \"CPTS du Pays d'Aix\"").exit_code == 0
    ws = Workspace(sqlite_url, actor="Claire Martin")
    add_evidence(ws, "cpts-du-pays-d-aix", "working_group", "cr.pdf",
                 b"%PDF-1.4\n" + b"x" * (1024 * 1024) + b"\n%%EOF\n")
    ws.db.dispose()
    out = tmp_path / "aix.json"
    assert cpts(f"export cpts-du-pays-d-aix --out {out}").exit_code == 0
    target = f"sqlite:///{tmp_path / 'autre.db'}"
    refused = cpts(f"--db {target} import {out} --max-size 1")
    assert refused.exit_code == 2 and "Relancez avec --max-size 2." in refused.stderr
    assert "Traceback" not in refused.stderr
    done = cpts(f"--db {target} import {out} --max-size 2")
    assert done.exit_code == 0 and "1 projet créé (cpts-du-pays-d-aix)" in done.stdout
