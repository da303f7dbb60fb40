"""The workflow catalogue's cache: used when nothing changed, never when a file, the
program or the guards changed, rebuilt when damaged, and off on request."""

from __future__ import annotations

import pytest

from cpts_workflow.catalog import WorkflowCatalog
from cpts_workflow.errors import DefinitionError
from cpts_workflow.resources import workflows_dir


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CPTS_CACHE_DIR", str(folder))
    return folder


def _user_file(tmp_path, label: str):
    text = (workflows_dir() / "cpts_creation.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace("version: 1", "version: 7").replace(
        "label: Création d'une CPTS", f"label: {label}"), encoding="utf-8")
    return path


def test_second_load_comes_from_the_cache_and_equals_the_first(cache_dir, monkeypatch):
    first = WorkflowCatalog().get()
    [cached] = list(cache_dir.glob("workflows-*.pickle"))
    assert oct(cached.stat().st_mode & 0o777) == "0o600"

    import cpts_workflow.catalog as catalog

    def no_parsing(path):
        raise AssertionError(f"{path} parsed again although unchanged")

    monkeypatch.setattr(catalog, "load_definition", no_parsing)
    again = WorkflowCatalog().get()
    assert again == first and again.stage_ids == first.stage_ids


def test_a_changed_file_is_parsed_again(cache_dir, tmp_path):
    path = _user_file(tmp_path, "Première")
    assert WorkflowCatalog([path]).get(version=7).label == "Première"
    path.write_text(path.read_text(encoding="utf-8").replace("Première", "Seconde"), encoding="utf-8")
    assert WorkflowCatalog([path]).get(version=7).label == "Seconde"


def test_an_invalid_file_is_refused_even_after_a_valid_one_was_cached(cache_dir, tmp_path):
    path = _user_file(tmp_path, "Valide")
    WorkflowCatalog([path])
    path.write_text("id: cpts_creation\nversion: 7\nstages: []\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        WorkflowCatalog([path])
    assert "mine.yaml" in str(error.value)


def test_a_damaged_cache_is_rebuilt(cache_dir):
    WorkflowCatalog()
    [cached] = list(cache_dir.glob("workflows-*.pickle"))
    cached.write_bytes(b"not a pickle")
    assert WorkflowCatalog().get().id == "cpts_creation"
    assert cached.read_bytes() != b"not a pickle"


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CPTS_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert WorkflowCatalog().get().id == "cpts_creation"
    assert not list(tmp_path.rglob("*.pickle"))


def test_a_cache_file_others_may_write_is_ignored(cache_dir, monkeypatch):
    WorkflowCatalog()
    [cached] = list(cache_dir.glob("workflows-*.pickle"))
    cached.chmod(0o666)

    import cpts_workflow.catalog as catalog

    parsed = []
    real = catalog.load_definition
    monkeypatch.setattr(catalog, "load_definition", lambda p: parsed.append(p) or real(p))
    assert WorkflowCatalog().get().id == "cpts_creation"
    assert parsed  # read again from the YAML, not from the suspicious file
