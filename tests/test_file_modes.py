"""A SQLite base is private to its owner: folder 0700, base, -wal and -shm 0600, and
`cpts doctor` warns about a base left open to others."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from cpts_workflow.workspace import Workspace

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="droits POSIX")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The most open usual umask (group and others may read): the base must stay private."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_base_its_folder_wal_and_shm_are_private(tmp_path, open_umask, clock):
    folder = tmp_path / "données" / "cpts"
    base = folder / "cpts.db"
    ws = Workspace(f"sqlite:///{base}", actor="Claire Martin", now=clock)
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    with ws.db.engine.connect() as conn:  # a connection open: -wal and -shm exist
        conn.exec_driver_sql("SELECT 1")
        wal, shm = base.with_name("cpts.db-wal"), base.with_name("cpts.db-shm")
        assert wal.exists() and shm.exists()
        assert _mode(base) == 0o600
        assert _mode(wal) == 0o600
        assert _mode(shm) == 0o600
    assert _mode(folder) == 0o700
    assert _mode(folder.parent) == 0o755  # folders above are not ours to close
    ws.check(slug, "working_group")
    assert _mode(base) == 0o600
    ws.db.dispose()


def test_existing_folder_keeps_its_mode(tmp_path, open_umask, clock):
    shared = tmp_path / "partage"
    shared.mkdir(mode=0o750)
    ws = Workspace(f"sqlite:///{shared / 'cpts.db'}", actor="A", now=clock)
    ws.init()
    assert _mode(shared) == 0o750
    assert _mode(shared / "cpts.db") == 0o600
    ws.db.dispose()


def test_doctor_warns_about_a_base_open_to_others(cpts, sqlite_url, tmp_path):
    base = tmp_path / "cpts.db"
    assert cpts("new 'CPTS du Pays d'\"'\"'Aix'").exit_code == 0
    result = cpts("doctor")
    assert result.exit_code == 0 and "Attention" not in result.output
    assert json.loads(cpts("doctor --json").stdout)["warnings"] == []

    os.chmod(base, 0o644)
    result = cpts("doctor")
    assert result.exit_code == 0, result.output  # the data is sound; the files are not
    assert "Attention, fichiers de la base mal protégés :" in result.stdout
    assert f"Le fichier {base} est ouvert à d'autres utilisateurs (droits 0644)" in result.stdout
    assert f"chmod 600 {base}" in result.stdout

    os.chmod(tmp_path, 0o777)
    try:
        warnings = json.loads(cpts("doctor --json").stdout)["warnings"]
    finally:
        os.chmod(tmp_path, 0o700)
    assert len(warnings) == 2, warnings
    assert "peuvent écrire dans le dossier de la base" in warnings[1]

    os.chmod(base, 0o600)
    assert "Attention" not in cpts("doctor").output


def test_doctor_checks_wal_and_shm_too(tmp_path, clock):
    from cpts_workflow.store.filemodes import exposed_files

    url = f"sqlite:///{tmp_path / 'cpts.db'}"
    ws = Workspace(url, actor="A", now=clock)
    ws.init()
    with ws.db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        assert exposed_files(url) == []
        os.chmod(tmp_path / "cpts.db-wal", 0o640)
        warnings = exposed_files(url)
        assert len(warnings) == 1 and "cpts.db-wal" in warnings[0] and "0640" in warnings[0]
    ws.db.dispose()
    assert exposed_files("postgresql+psycopg://u@h/db") == []  # not a file
