"""The catalogue of workflow definitions: shipped versions plus the user's own files.

Files are read in this order, a later file with the same id and version replacing an
earlier one: the shipped `workflows/<id>.yaml` and `<id>_v<N>.yaml`, the user's folder
(`CPTS_WORKFLOW_DIR`, else `workflows/` in the platform's config folder for cpts-workflow),
`CPTS_WORKFLOW_FILE` (paths separated by `:`), then `--workflow-file`. A file may be
complete or `extends:` another definition (see `extension.py`); an extension of its own
id and version builds on the file it replaces, so a region can add items to the
shipped version in place.

New projects take the newest version; a project keeps the version it was created with
until `cpts workflow migrate` moves it.

The built catalogue is kept in a cache file, keyed by the exact bytes of the files read,
the program and the registered guards (see `cache.py`): when none changed, a
command reads no YAML and validates nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from ..errors import DefinitionError, NotFound
from . import cache as catalog_cache
from .definition import (
    Lines,
    WorkflowDefinition,
    build_definition,
    decode_text,
    read_text,
    read_yaml,
    shipped_definition_files,
)

DEFAULT_WORKFLOW = "cpts_creation"
USER_DIR_ENV = "CPTS_WORKFLOW_DIR"
Key = tuple[str, int]


def user_workflow_dir() -> Path:
    """`CPTS_WORKFLOW_DIR`, else `<config dir>/cpts-workflow/workflows`."""
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env)
    from platformdirs import user_config_path

    return user_config_path("cpts-workflow") / "workflows"


def user_definition_files() -> list[Path]:
    """The user's files: the folder's `*.yaml`/`*.yml` (sorted), then `CPTS_WORKFLOW_FILE`."""
    folder = user_workflow_dir()
    files = (
        sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
    )
    if os.environ.get(USER_DIR_ENV) and not folder.is_dir():
        raise DefinitionError(str(folder), [(None, f"{USER_DIR_ENV} désigne un dossier qui n'existe pas.")])
    env = os.environ.get("CPTS_WORKFLOW_FILE")
    files += [Path(p) for p in env.split(os.pathsep) if p] if env else []
    return files


@dataclass
class _Layer:
    """One file as read: complete (`definition`) or an extension waiting for its base.

    An extension is kept as the mapping read from its file (`data`, already validated),
    not as an `extension.Extension`: the layers go into the cache, and a command served
    by the cache then never imports `extension`. `resolved` is the extension applied to
    its base, once computed.
    """

    source: str
    shipped: bool
    definition: WorkflowDefinition | None = None
    data: dict[str, Any] | None = None
    lines: Lines | None = None
    resolved: WorkflowDefinition | None = None


class WorkflowCatalog:
    """Every known definition by (id, version); user files override shipped ones."""

    def __init__(self, extra_files: list[Path] | None = None, *, user_files: bool = True) -> None:
        self._layers: dict[Key, list[_Layer]] = {}
        self._by_key: dict[Key, WorkflowDefinition] = {}
        paths = [(path, True) for path in shipped_definition_files()]
        paths += [(Path(path), False) for path in (user_definition_files() if user_files else [])]
        paths += [(Path(path), False) for path in extra_files or []]
        files: list[tuple[Path, bool, bytes]] | None
        try:
            files = [(path, shipped, path.read_bytes()) for path, shipped in paths]
        except OSError:
            files = None  # read again below, to say which file and why
        cache = catalog_cache.cache_file(files) if files is not None else None
        state = catalog_cache.load(cache) if cache is not None else None
        if _valid_state(state):
            self._layers, self._by_key = state
            return
        unread: list[tuple[Path, bool, bytes | None]] = [(path, shipped, None) for path, shipped in paths]
        for path, shipped, raw in files or unread:
            text = read_text(path) if raw is None else decode_text(raw, str(path))
            self._stack(self._read(path, shipped=shipped, text=text))
        for key, layers in self._layers.items():
            self._by_key[key] = self._resolve(key, len(layers) - 1, ())
        for definition in self._by_key.values():
            self.check_changes(definition)
        if cache is not None:  # only a catalogue built without error is kept
            catalog_cache.store(cache, (self._layers, self._by_key))

    # --- reading and resolving ---------------------------------------------------------

    @staticmethod
    def _read(path: Path, *, shipped: bool, text: str | None = None) -> tuple[Key, _Layer]:
        from .extension import parse_extension

        source = str(path)
        data, lines = read_yaml(read_text(path) if text is None else text, source)
        if "extends" in data:
            ext = parse_extension(data, lines, source)
            return ext.key, _Layer(source, shipped, data=data, lines=lines)
        definition = build_definition(data, lines, source)
        return definition.key, _Layer(source, shipped, definition=definition)

    def _stack(self, entry: tuple[Key, _Layer]) -> None:
        key, layer = entry
        self._layers.setdefault(key, []).append(layer)

    def _resolve(self, key: Key, depth: int, resolving: tuple[tuple[Key, int], ...]) -> WorkflowDefinition:
        """The definition given by layer `depth` of `key` (extensions built on their base)."""
        if depth == len(self._layers[key]) - 1 and key in self._by_key:
            return self._by_key[key]
        layer = self._layers[key][depth]
        if layer.definition is not None:
            return layer.definition
        if layer.resolved is not None:
            return layer.resolved
        from .extension import apply_extension, parse_extension

        assert layer.data is not None and layer.lines is not None
        ext = parse_extension(layer.data, layer.lines, layer.source)
        line = layer.lines.get(("extends",))
        if (key, depth) in resolving:
            chain = " → ".join(f"{k[0]}@{k[1]}" for k, _ in (*resolving, (key, depth)))
            raise DefinitionError(layer.source, [(line, f"les « extends » forment une boucle ({chain}).")])
        base_key = ext.base_key
        if base_key == key:
            if depth == 0:
                raise DefinitionError(
                    layer.source,
                    [
                        (
                            line,
                            (
                                f"ce fichier étend {ext.extends}, qui n'existe pas avant lui ; il ne peut "
                                "pas s'étendre lui-même."
                            ),
                        )
                    ],
                )
            base = self._resolve(key, depth - 1, (*resolving, (key, depth)))
        elif base_key in self._layers:
            base = self._resolve(base_key, len(self._layers[base_key]) - 1, (*resolving, (key, depth)))
        else:
            known = ", ".join(f"{i}@{v}" for i, v in sorted(self._layers)) or "aucun"
            raise DefinitionError(
                layer.source,
                [
                    (
                        line,
                        (f"le workflow de base « {ext.extends} » est inconnu ; workflows connus : {known}."),
                    )
                ],
            )
        definition = apply_extension(ext, base, layer.lines, layer.source)
        layer.resolved = definition
        if depth == len(self._layers[key]) - 1:
            self._by_key[key] = definition
        return definition

    def load_file(self, path: str | Path) -> WorkflowDefinition:
        """Read and check one file against this catalogue (its base, its `changes`),
        without adding it: what `cpts workflow validate` and `diff FILE` use."""
        return self.load_text(None, str(path))

    def load_text(self, text: str | None, source: str) -> WorkflowDefinition:
        """`load_file` for a text read elsewhere (None: read the file `source`)."""
        key, layer = self._read(Path(source), shipped=False, text=text)
        self._layers.setdefault(key, []).append(layer)
        saved = self._by_key.pop(key, None)
        try:
            definition = self._resolve(key, len(self._layers[key]) - 1, ())
            self.check_changes(definition)
            return definition
        finally:
            self._layers[key].pop()
            if not self._layers[key]:
                del self._layers[key]
            if saved is not None:
                self._by_key[key] = saved
            else:
                self._by_key.pop(key, None)

    def check_changes(self, definition: WorkflowDefinition) -> None:
        """The `changes:` of a definition must name items and stages that exist."""
        changes = definition.changes
        if changes is None:
            return
        problems: list[tuple[int | None, str]] = []

        def problem(path: tuple, message: str) -> None:
            problems.append((definition.line_of(("changes", *path)), message))

        previous = self._by_key.get((definition.id, changes.from_version))
        if changes.from_version >= definition.version:
            problem(
                ("from_version",),
                f"« from_version » ({changes.from_version}) doit être "
                f"inférieure à la version du fichier ({definition.version}).",
            )
        elif previous is None:
            problem(
                ("from_version",),
                f"la version {changes.from_version} de « {definition.id} » "
                f"est inconnue ; versions connues : {', '.join(map(str, self.versions(definition.id)))}.",
            )
        if problems or previous is None:
            raise DefinitionError(definition.source, problems)
        for old, new in changes.items_renamed:
            if not previous.has_item(old):
                problem(
                    ("items_renamed", old),
                    f"l'élément « {old} » n'existe pas dans la version {previous.version}.",
                )
            if not definition.has_item(new):
                problem(("items_renamed", old), f"l'élément « {new} » n'existe pas dans ce fichier.")
        for old, new in changes.stages_renamed:
            if old not in previous.stage_ids:
                problem(
                    ("stages_renamed", old),
                    f"l'étape « {old} » n'existe pas dans la version {previous.version}.",
                )
            if new not in definition.stage_ids:
                problem(("stages_renamed", old), f"l'étape « {new} » n'existe pas dans ce fichier.")
        for old, target in changes.stages_removed:
            if old not in previous.stage_ids or old in definition.stage_ids:
                problem(
                    ("stages_removed", old),
                    f"« {old} » doit être une étape de la version {previous.version} absente de ce fichier.",
                )
            if target not in definition.stage_ids:
                problem(
                    ("stages_removed", old),
                    f"l'étape d'accueil « {target} » n'existe pas dans ce fichier.",
                )
        if problems:
            raise DefinitionError(definition.source, problems)

    # --- lookups -----------------------------------------------------------------------

    def add(self, definition: WorkflowDefinition) -> None:
        self._layers.setdefault(definition.key, []).append(
            _Layer(definition.source, False, definition=definition)
        )
        self._by_key[definition.key] = definition

    def is_shipped(self, workflow_id: str, version: int) -> bool:
        """Whether the definition in use is the one shipped with the program."""
        layers = self._layers.get((workflow_id, version), [])
        return bool(layers) and layers[-1].shipped

    def versions(self, workflow_id: str = DEFAULT_WORKFLOW) -> list[int]:
        return sorted(v for (i, v) in self._by_key if i == workflow_id)

    def get(self, workflow_id: str = DEFAULT_WORKFLOW, version: int | None = None) -> WorkflowDefinition:
        """A definition; the newest version when `version` is None."""
        found = self._by_key.get((workflow_id, version)) if version is not None else None
        if found is not None:  # the common case, once per project of a listing
            return found
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


def _valid_state(
    state: object,
) -> TypeGuard[tuple[dict[Key, list[_Layer]], dict[Key, WorkflowDefinition]]]:
    """Whether a cached state has the shape `__init__` builds (layers, definitions by key)."""
    if not (isinstance(state, tuple) and len(state) == 2):
        return False
    layers, by_key = state
    return (
        isinstance(layers, dict)
        and isinstance(by_key, dict)
        and by_key.keys() == layers.keys()
        and all(isinstance(d, WorkflowDefinition) for d in by_key.values())
        and all(isinstance(layer, _Layer) for stack in layers.values() for layer in stack)
    )


# --- one file, outside any catalogue ---------------------------------------------------


def parse_definition(text: str, source: str = "<texte>") -> WorkflowDefinition:
    """Parse and validate a workflow from YAML text; `DefinitionError` lists every problem.

    A file that `extends:` another one is built on the shipped workflows; to build on the
    user's own files too, use `WorkflowCatalog.load_file`.
    """
    data, lines = read_yaml(text, source)
    if "extends" in data:
        return WorkflowCatalog(user_files=False).load_text(text, source)
    return build_definition(data, lines, source)


def load_definition(path: str | Path) -> WorkflowDefinition:
    """Load one complete workflow file; errors name the file and the line."""
    return parse_definition(read_text(path), str(path))
