"""The catalogue of workflow definitions: shipped versions plus the user's own files."""

from __future__ import annotations

import os
from pathlib import Path

from .definition import WorkflowDefinition, load_definition, shipped_definition_files
from .errors import NotFound

DEFAULT_WORKFLOW = "cpts_creation"


class WorkflowCatalog:
    """Every known definition by (id, version); user files override shipped ones."""

    def __init__(self, extra_files: list[Path] | None = None) -> None:
        self._by_key: dict[tuple[str, int], WorkflowDefinition] = {}
        for path in shipped_definition_files():
            self.add(load_definition(path))
        env = os.environ.get("CPTS_WORKFLOW_FILE")
        for path in [*(Path(p) for p in env.split(os.pathsep) if p)] if env else []:
            self.add(load_definition(path))
        for path in extra_files or []:
            self.add(load_definition(path))

    def add(self, definition: WorkflowDefinition) -> None:
        self._by_key[(definition.id, definition.version)] = definition

    def versions(self, workflow_id: str = DEFAULT_WORKFLOW) -> list[int]:
        return sorted(v for (i, v) in self._by_key if i == workflow_id)

    def get(self, workflow_id: str = DEFAULT_WORKFLOW, version: int | None = None) -> WorkflowDefinition:
        """A definition; the newest version when `version` is None."""
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
