"""The catalogue of workflow definitions: shipped versions plus the user's own files.

Every command needs the catalogue, and parsing and validating the YAML files cost more
than the rest of a `cpts show`. Validated definitions are therefore kept in a cache file
(pickle, in the user's cache directory, written atomically, readable by the user only),
keyed by the files' exact contents, the program's version and the registered guards: any
change to one of them reparses and revalidates. `CPTS_CACHE_DIR` moves the cache;
`CPTS_CACHE_DIR=off` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from .definition import WorkflowDefinition, load_definition, shipped_definition_files
from .errors import NotFound

DEFAULT_WORKFLOW = "cpts_creation"


class WorkflowCatalog:
    """Every known definition by (id, version); user files override shipped ones."""

    def __init__(self, extra_files: list[Path] | None = None) -> None:
        self._by_key: dict[tuple[str, int], WorkflowDefinition] = {}
        env = os.environ.get("CPTS_WORKFLOW_FILE")
        paths = [
            *shipped_definition_files(),
            *(Path(p) for p in (env.split(os.pathsep) if env else []) if p),
            *(extra_files or []),
        ]
        for definition in load_definitions(paths):
            self.add(definition)

    def add(self, definition: WorkflowDefinition) -> None:
        self._by_key[(definition.id, definition.version)] = definition

    def versions(self, workflow_id: str = DEFAULT_WORKFLOW) -> list[int]:
        return sorted(v for (i, v) in self._by_key if i == workflow_id)

    def get(self, workflow_id: str = DEFAULT_WORKFLOW, version: int | None = None) -> WorkflowDefinition:
        """A definition; the newest version when `version` is None."""
        if version is not None and (workflow_id, version) in self._by_key:
            return self._by_key[(workflow_id, version)]
        versions = self.versions(workflow_id)
        if not versions:
            raise NotFound(f"Workflow « {workflow_id} » inconnu.")
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise NotFound(
                f"Le workflow « {workflow_id} » n'a pas de version {chosen}.",
                f"Versions disponibles : {', '.join(map(str, versions))}.",
            )
        return self._by_key[(workflow_id, chosen)]

    def all(self) -> list[WorkflowDefinition]:
        return [self._by_key[k] for k in sorted(self._by_key)]


def load_definitions(paths: list[Path]) -> list[WorkflowDefinition]:
    """The definitions of `paths`, in order: from the cache when the files did not change."""
    try:
        contents = [Path(p).read_bytes() for p in paths]
    except OSError:
        contents = None  # load_definition says which file and why
    cache = _cache_file(contents) if contents is not None else None
    if cache is not None:
        cached = _read(cache, len(paths))
        if cached is not None:
            return cached
    definitions = [load_definition(p) for p in paths]
    if cache is not None:
        _write(cache, definitions)
    return definitions


def _cache_file(contents: list[bytes]) -> Path | None:
    setting = os.environ.get("CPTS_CACHE_DIR")
    if setting == "off":
        return None
    import pydantic

    from . import __version__
    from .guards import action_names, guard_names

    key = hashlib.sha256()
    for part in (__version__, pydantic.VERSION, *guard_names(), "|", *action_names()):
        key.update(part.encode() + b"\0")
    for content in contents:
        key.update(hashlib.sha256(content).digest())
    if setting:
        folder = Path(setting)
    else:
        from platformdirs import user_cache_path

        folder = user_cache_path("cpts-workflow")
    return folder / f"workflows-{key.hexdigest()[:24]}.pickle"


def _read(path: Path, count: int) -> list[WorkflowDefinition] | None:
    try:
        if not _trusted(path):
            return None
        data = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never an error
        return None
    if isinstance(data, list) and len(data) == count and all(
        isinstance(d, WorkflowDefinition) for d in data
    ):
        return data
    return None


def _trusted(path: Path) -> bool:
    """Only a cache file of this user that nobody else may write is unpickled."""
    info = path.stat()
    getuid = getattr(os, "getuid", None)
    return getuid is None or (info.st_uid == getuid() and not info.st_mode & 0o022)


def _write(path: Path, definitions: list[WorkflowDefinition]) -> None:
    """Atomically, and never failing a command (a read-only home just means no cache)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".workflows-")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(definitions, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError):
        pass
