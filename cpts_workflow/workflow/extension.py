"""Workflow files that `extends:` another one: a region's extra items, or the next version.

Such a file names its base (`extends: cpts_creation@1`) and lists only what differs:

    extends: cpts_creation@1
    version: 2
    note: Avenant 2 : l'ARS demande les lettres de soutien.
    add_items:            # per stage, optionally placed `after:` an item
      health_project:
        - id: support_letters_attached
          label: Lettres de soutien jointes
          role: porteur
          after: health_project_written
    update_items:         # change fields; a new `id` is a rename
      siret_obtained: {id: siren_siret_obtained, label: Numéros SIREN et SIRET obtenus}
    remove_items: [prefiguration_dissolved]
    update_stages:        # relabel or rename a stage (transitions follow)
      operating: {label: CPTS en fonctionnement (ACI)}

Everything else (stages, side states, transitions and their guards) is inherited, so a
guard added to the base later reaches the extension without touching it. When the file
keeps the base's id, the result is a new version of the same workflow and its changes
(renames) are recorded for `cpts workflow migrate`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from ..errors import DefinitionError
from ..yaml_lines import line_of
from .definition import (
    IDENTIFIER,
    EvidenceKind,
    Item,
    Lines,
    Path_,
    StrictModel,
    WorkflowDefinition,
    build_definition,
    validate_model,
)

EXTENDS = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)@(?P<version>[1-9][0-9]*)$")


class AddedItem(Item):
    """A new item; `after` places it behind an item of the stage (default: at the end)."""

    after: str | None = None


class ItemPatch(StrictModel):
    """New values for some fields of an inherited item; a new `id` renames it."""

    id: str | None = Field(None, pattern=IDENTIFIER)
    label: str | None = Field(None, min_length=1)
    help: str | None = None
    required: bool | None = None
    role: str | None = Field(None, min_length=1)
    evidence: EvidenceKind | None = None
    document: str | None = None


class StagePatch(StrictModel):
    id: str | None = Field(None, pattern=IDENTIFIER)
    label: str | None = Field(None, min_length=1)
    description: str | None = None


class Extension(StrictModel):
    """The content of a file with `extends:`."""

    extends: str = Field(pattern=EXTENDS.pattern)
    id: str | None = Field(None, pattern=IDENTIFIER)
    version: int = Field(ge=1)
    label: str | None = Field(None, min_length=1)
    description: str | None = None
    note: str = ""
    add_items: dict[str, tuple[AddedItem, ...]] = {}
    update_items: dict[str, ItemPatch] = {}
    remove_items: tuple[str, ...] = ()
    update_stages: dict[str, StagePatch] = {}

    @property
    def base_key(self) -> tuple[str, int]:
        match = EXTENDS.match(self.extends)
        assert match  # the field's pattern guarantees it
        return match["id"], int(match["version"])

    @property
    def key(self) -> tuple[str, int]:
        return (self.id or self.base_key[0], self.version)


def parse_extension(data: dict[str, Any], lines: Lines, source: str) -> Extension:
    return validate_model(Extension, data, lines, source)


def apply_extension(
    ext: Extension, base: WorkflowDefinition, lines: Lines, source: str
) -> WorkflowDefinition:
    """The complete definition: `base` with the extension's changes, validated as a whole."""
    problems: list[tuple[Path_, str]] = []
    data = base.model_dump(mode="json", exclude={"changes"})
    data["id"], data["version"] = ext.key
    if ext.label:
        data["label"] = ext.label
    if ext.description is not None:
        data["description"] = ext.description
    stages: list[dict[str, Any]] = data["stages"]
    # Where each item of the result was written in the extension file, for messages.
    origin: dict[str, Path_] = {}

    stages_renamed: dict[str, str] = {}
    for old, patch in ext.update_stages.items():
        stage = next((s for s in stages if s["id"] == old), None)
        if stage is None:
            problems.append(
                (
                    ("update_stages", old),
                    f"l'étape « {old} » n'existe pas dans {ext.extends} ; étapes : "
                    f"{', '.join(base.stage_ids)}.",
                )
            )
            continue
        stage.update(patch.model_dump(exclude_unset=True))
        if patch.id and patch.id != old:
            stages_renamed[old] = patch.id
    for t in data["transitions"]:
        t["source"] = stages_renamed.get(t["source"], t["source"])
        t["dest"] = stages_renamed.get(t["dest"], t["dest"])

    def find(item_id: str) -> tuple[dict[str, Any], int] | None:
        for stage in stages:
            for index, item in enumerate(stage["items"]):
                if item["id"] == item_id:
                    return stage, index
        return None

    for index, item_id in enumerate(ext.remove_items):
        found = find(item_id)
        if found is None or item_id in ext.update_items:
            why = (
                f"l'élément « {item_id} » n'existe pas dans {ext.extends}."
                if found is None
                else f"l'élément « {item_id} » est à la fois modifié et retiré ; choisissez."
            )
            problems.append((("remove_items", index), why))
            continue
        del found[0]["items"][found[1]]

    items_renamed: dict[str, str] = {}
    for old, item_patch in ext.update_items.items():
        found = find(old)
        if found is None:
            problems.append(
                (
                    ("update_items", old),
                    f"l'élément « {old} » n'existe pas dans "
                    f"{ext.extends} ; sa définition liste les éléments.",
                )
            )
            continue
        item = found[0]["items"][found[1]]
        item.update(item_patch.model_dump(exclude_unset=True))
        origin[item["id"]] = ("update_items", old)
        if item_patch.id and item_patch.id != old:
            items_renamed[old] = item_patch.id

    for stage_key, added in ext.add_items.items():
        stage_id = stages_renamed.get(stage_key, stage_key)
        stage = next((s for s in stages if s["id"] == stage_id), None)
        if stage is None:
            problems.append(
                (
                    ("add_items", stage_key),
                    f"l'étape « {stage_key} » n'existe pas ; étapes : {', '.join(s['id'] for s in stages)}.",
                )
            )
            continue
        for index, item in enumerate(added):
            fields = item.model_dump(exclude={"after"})
            position = len(stage["items"])
            if item.after is not None:
                ids = [i["id"] for i in stage["items"]]
                if item.after not in ids:
                    problems.append(
                        (
                            ("add_items", stage_key, index, "after"),
                            f"« after: {item.after} » ne désigne aucun élément de l'étape "
                            f"« {stage_id} » ; éléments : {', '.join(ids)}.",
                        )
                    )
                    continue
                position = ids.index(item.after) + 1
            stage["items"].insert(position, fields)
            origin[item.id] = ("add_items", stage_key, index)

    if problems:
        raise DefinitionError(source, [(line_of(lines, p), m) for p, m in problems])
    if ext.key[0] == base.id and ext.version != base.version:
        data["changes"] = {
            "from_version": base.version,
            "note": ext.note,
            "items_renamed": items_renamed,
            "stages_renamed": stages_renamed,
        }
    definition = build_definition(data, _merged_lines(data, lines, origin), source)
    definition._lines = lines
    definition._extends = ext.extends
    return definition


def _merged_lines(data: dict[str, Any], lines: Lines, origin: dict[str, Path_]) -> Lines:
    """Lines for paths of the merged definition: an item points to where the extension
    wrote it, anything inherited to the `extends:` line."""
    merged: Lines = {(): lines.get(("extends",), 1)}
    for key in ("id", "version", "label", "description"):
        if (key,) in lines:
            merged[(key,)] = lines[(key,)]
    for si, stage in enumerate(data["stages"]):
        for ii, item in enumerate(stage["items"]):
            prefix = origin.get(item["id"])
            if prefix is None:
                continue
            target = ("stages", si, "items", ii)
            for path, line in lines.items():
                if path[: len(prefix)] == prefix:
                    merged[target + path[len(prefix) :]] = line
    return merged
