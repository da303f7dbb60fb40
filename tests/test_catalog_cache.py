"""The workflow catalogue's cache: used when nothing changed, never when a file, the
program or the guards changed; errors never cached; untrusted or damaged files ignored;
an unwritable folder or `off` just means no cache; a restored catalogue still checks
the files `cpts workflow validate` and `diff` give it."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import cpts_workflow.workflow.catalog as catalog_module
from cpts_workflow.errors import DefinitionError
from cpts_workflow.resources import workflows_dir
from cpts_workflow.workflow import cache as catalog_cache
from cpts_workflow.workflow import guards
from cpts_workflow.workflow.catalog import WorkflowCatalog
from cpts_workflow.workflow.definition import _compose_with_lines, parse_definition

from .test_workflow_versions import REGIONAL


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CPTS_CACHE_DIR", str(folder))
    monkeypatch.delenv("CPTS_WORKFLOW_DIR", raising=False)
    monkeypatch.delenv("CPTS_WORKFLOW_FILE", raising=False)
    return folder


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The files the catalogue reads as YAML (none when it comes from the cache)."""
    seen: list[str] = []
    real = catalog_module.read_yaml

    def spy(text: str, source: str = "<texte>"):
        seen.append(source)
        return real(text, source)

    monkeypatch.setattr(catalog_module, "read_yaml", spy)
    return seen


def _cached(folder: Path) -> list[Path]:
    return sorted(folder.glob("workflows-*.pickle"))


def _full_copy(tmp_path: Path, label: str, guard: str = "checklist_complete") -> Path:
    """A complete workflow file of version 7 (the shipped v1 with another label)."""
    text = (workflows_dir() / "cpts_creation.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 7", 1).replace("label: Création d'une CPTS", f"label: {label}", 1)
    text = text.replace("guards: [checklist_complete]", f"guards: [{guard}]", 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _same(a: WorkflowCatalog, b: WorkflowCatalog) -> None:
    assert a.all() == b.all()
    for x, y in zip(a.all(), b.all(), strict=True):
        assert (x.source, x.extends, x.changes, x._lines) == (y.source, y.extends, y.changes, y._lines)
        assert x.stage_ids == y.stage_ids and x.item_ids == y.item_ids
        assert a.is_shipped(*x.key) == b.is_shipped(*y.key)


def test_second_build_comes_from_the_cache_and_equals_the_first(cache_dir, parses):
    first = WorkflowCatalog()
    assert len(parses) == 2  # cpts_creation.yaml and cpts_creation_v2.yaml
    [cached] = _cached(cache_dir)
    assert oct(cached.stat().st_mode & 0o777) == "0o600"
    parses.clear()
    again = WorkflowCatalog()
    assert parses == []
    _same(first, again)
    v2 = again.get()
    assert v2.extends == "cpts_creation@1" and v2.changes.from_version == 1
    assert v2.line_of(("add_items",)) == first.get().line_of(("add_items",))
    assert v2.model_dump() == first.get().model_dump()  # deferred serializers still build


def test_a_cache_hit_imports_neither_yaml_nor_the_extension_module(cache_dir):
    WorkflowCatalog()  # fills the cache (same interpreter, files and guards as the child)
    code = (
        "import sys\n"
        "from cpts_workflow.workflow.catalog import WorkflowCatalog\n"
        "catalog = WorkflowCatalog()\n"
        "assert catalog.get().version == 2\n"
        "print(sorted(m for m in ('yaml', 'cpts_workflow.workflow.extension') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(catalog_module.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_changed_file_is_read_again(cache_dir, tmp_path, parses):
    path = _full_copy(tmp_path, "Première")
    assert WorkflowCatalog([path]).get(version=7).label == "Première"
    path.write_text(path.read_text(encoding="utf-8").replace("Première", "Seconde"), encoding="utf-8")
    parses.clear()
    assert WorkflowCatalog([path]).get(version=7).label == "Seconde"
    assert str(path) in parses
    assert len(_cached(cache_dir)) == 2  # one per set of files; both are kept


def test_a_new_guard_changes_the_key(cache_dir, tmp_path, monkeypatch):
    path = _full_copy(tmp_path, "Gardée", guard="regional_guard")
    with pytest.raises(DefinitionError, match="garde inconnue « regional_guard »"):
        WorkflowCatalog([path])
    with monkeypatch.context() as patch:
        patch.setitem(guards._GUARDS, "regional_guard", lambda ctx: [])
        assert WorkflowCatalog([path]).get(version=7).label == "Gardée"
        assert WorkflowCatalog([path]).get(version=7).label == "Gardée"  # from the cache
    # The guard is gone again: the cached catalogue that accepted the file is not used.
    with pytest.raises(DefinitionError, match="garde inconnue « regional_guard »"):
        WorkflowCatalog([path])


@pytest.mark.parametrize(
    ("broken", "line", "message"),
    [
        (lambda t: t.replace("label: Valide", "label: [Valide"), 9, "YAML illisible : expected ',' or ']'"),
        (lambda t: t.replace("role: porteur", "role: ''", 1), None, "« role » ne peut pas être vide"),
        (lambda t: t.replace("guards: [checklist_complete]", "guards: [nope]", 1), None, "garde inconnue « nope »"),
    ],
    ids=["yaml", "pydantic", "semantic"],
)
def test_a_broken_file_is_refused_with_its_line_every_time(cache_dir, tmp_path, parses, broken, line, message):
    path = _full_copy(tmp_path, "Valide")
    good = path.read_text(encoding="utf-8")
    WorkflowCatalog([path])
    bad = broken(good)
    path.write_text(bad, encoding="utf-8")
    if line is None:  # the line of the first changed line
        line = next(i for i, (a, b) in enumerate(zip(good.splitlines(), bad.splitlines(), strict=True), 1) if a != b)
    for _ in range(2):  # the error is not cached either
        with pytest.raises(DefinitionError) as error:
            WorkflowCatalog([path])
        assert f"{path}:{line}: " in str(error.value) and message in str(error.value)
    assert len(_cached(cache_dir)) == 1
    path.write_text(good, encoding="utf-8")
    parses.clear()
    assert WorkflowCatalog([path]).get(version=7).label == "Valide"
    assert parses == []  # the valid files' catalogue was still there


def test_a_missing_file_is_reported_not_cached(cache_dir, tmp_path):
    with pytest.raises(DefinitionError, match="fichier illisible"):
        WorkflowCatalog([tmp_path / "absent.yaml"])
    assert _cached(cache_dir) == []


def test_files_checked_after_a_cache_hit(cache_dir, tmp_path, parses, monkeypatch):
    """`load_file` (validate, diff) builds on a restored catalogue: extensions of v2 and of
    v2 itself in place, a full file with `changes`, and a user folder's own in-place layer."""
    regional, in_place = tmp_path / "paca.yaml", tmp_path / "v2_local.yaml"
    regional.write_text(REGIONAL, encoding="utf-8")
    in_place.write_text(REGIONAL.replace("version: 3", "version: 2"), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(REGIONAL.replace("after: letter_of_intent_sent", "after: lettre"), encoding="utf-8")

    def checks(catalog: WorkflowCatalog) -> list:
        v3 = catalog.load_file(regional)
        v2 = catalog.load_file(in_place)
        with pytest.raises(DefinitionError) as error:
            catalog.load_file(broken)
        assert catalog.versions() == [1, 2] and catalog.is_shipped("cpts_creation", 2)
        return [v3, v3.changes, v3._lines, v2, v2.changes, str(error.value)]

    monkeypatch.setenv("CPTS_CACHE_DIR", "off")
    expected = checks(WorkflowCatalog())
    monkeypatch.setenv("CPTS_CACHE_DIR", str(cache_dir))
    WorkflowCatalog()
    parses.clear()
    restored = WorkflowCatalog()
    assert parses == []
    assert checks(restored) == expected
    assert f"{broken}:9: « after: lettre »" in expected[-1]
    assert parse_definition(REGIONAL, "paca.yaml").item_ids == expected[0].item_ids

    # A user folder extending v2 in place: three layers for cpts_creation@2, restored.
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "local.yaml").write_text(
        REGIONAL.replace("version: 3", "version: 2").replace("regional_committee_presented", "local_step"),
        encoding="utf-8",
    )
    monkeypatch.setenv("CPTS_WORKFLOW_DIR", str(folder))
    built = WorkflowCatalog()
    restored = WorkflowCatalog()
    assert not restored.is_shipped("cpts_creation", 2)
    on_top = restored.load_file(in_place)
    assert on_top.has_item("local_step") and on_top.has_item("regional_committee_presented")
    assert on_top == built.load_file(in_place)


@pytest.mark.parametrize("how", ["group-writable", "other-owner"])
def test_a_cache_file_not_safely_the_users_is_ignored(cache_dir, parses, how):
    WorkflowCatalog()
    [cached] = _cached(cache_dir)
    if how == "group-writable":
        cached.chmod(0o620)
    else:
        if os.geteuid() != 0:
            pytest.skip("changer le propriétaire d'un fichier demande d'être root")
        os.chown(cached, os.geteuid() + 4242, -1)
    parses.clear()
    assert WorkflowCatalog().get().version == 2
    assert len(parses) == 2  # read again from the YAML, not from the suspicious file
    assert oct(cached.stat().st_mode & 0o777) == "0o600" and cached.stat().st_uid == os.geteuid()


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"not a pickle",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"",
        lambda raw: pickle.dumps(["a", "list"]),
        lambda raw: pickle.dumps((catalog_cache.CACHE_FORMAT, "workflows-other.pickle", ({}, {}))),
        lambda raw: pickle.dumps((catalog_cache.CACHE_FORMAT, "", None)),
    ],
    ids=["garbage", "truncated", "empty", "other-object", "other-name", "bad-state"],
)
def test_a_damaged_cache_is_rebuilt(cache_dir, parses, damage):
    WorkflowCatalog()
    [cached] = _cached(cache_dir)
    cached.write_bytes(damage(cached.read_bytes()))
    parses.clear()
    assert WorkflowCatalog().get().version == 2
    assert len(parses) == 2
    parses.clear()
    WorkflowCatalog()
    assert parses == []  # rewritten whole


def test_an_unwritable_cache_folder_never_fails_a_command(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("CPTS_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert WorkflowCatalog().get().version == 2
    assert WorkflowCatalog().get().version == 2


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CPTS_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert WorkflowCatalog().get().version == 2
    assert not list(tmp_path.rglob("*.pickle"))


def test_default_folder_is_the_users_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CPTS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert catalog_cache.cache_dir() == tmp_path / "xdg" / "cpts-workflow"


def test_only_the_most_recent_cache_files_are_kept(cache_dir):
    cache_dir.mkdir()
    old = time.time() - 7200
    for index in range(12):
        path = cache_dir / f"workflows-{index:032x}.pickle"
        path.write_bytes(b"old")
        os.utime(path, (old + index, old + index))
    stale = cache_dir / ".workflows-x.pickle.tmp123"
    stale.write_bytes(b"half")
    os.utime(stale, (old, old))
    unrelated = cache_dir / "notes.txt"
    unrelated.write_text("à garder", encoding="utf-8")
    WorkflowCatalog()
    kept = _cached(cache_dir)
    assert len(kept) == catalog_cache.KEEP_FILES
    assert cache_dir / f"workflows-{11:032x}.pickle" in kept  # the newest old ones stay
    assert cache_dir / f"workflows-{0:032x}.pickle" not in kept
    assert not stale.exists() and unrelated.exists()


def test_libyaml_and_the_python_parser_give_the_same_lines():
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML sans libyaml")
    texts = [p.read_text(encoding="utf-8") for p in workflows_dir().glob("*.yaml")]
    texts += [REGIONAL, "a: 1\nb:\n  - x\n  -\n    c: d\n    e: [1, 2]\n", "- 1\n- a: &x {b: c}\n  d: *x\n"]
    for text in texts:
        assert _compose_with_lines(yaml.CSafeLoader, text) == _compose_with_lines(yaml.SafeLoader, text)


def test_validate_and_diff_commands_on_a_restored_catalogue(cache_dir, tmp_path, cpts):
    path = tmp_path / "paca.yaml"
    path.write_text(REGIONAL, encoding="utf-8")
    for _ in range(2):  # built, then restored from the cache
        assert cpts("workflow versions").exit_code == 0
        result = cpts(f"workflow validate {path}")
        assert result.exit_code == 0, result.output
        assert "version 3 valide (7 étapes" in result.stdout and "étend cpts_creation@2" in result.stdout
        result = cpts(f"workflow diff 2 {path}")
        assert "+ initiative / regional_committee_presented" in result.stdout, result.output
    assert len(_cached(cache_dir)) == 1
    path.write_text(REGIONAL.replace("after: letter_of_intent_sent", "after: lettre"), encoding="utf-8")
    result = cpts(f"workflow validate {path}")
    assert result.exit_code != 0 and f"{path}:9" in result.output
