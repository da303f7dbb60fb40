"""From one version of a workflow to another: where every item and stage goes, and the
differences in French (`cpts workflow diff`).

Each version may declare `changes:` relative to an earlier one (renamed items and stages,
where projects at a removed stage go); the mapping between two versions chains those
declarations. Where a version declares nothing, items and stages are matched by id: an id
that disappears is removed, a new id is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..views import View
from .catalog import WorkflowCatalog
from .definition import EVIDENCE_LABELS, Item, WorkflowDefinition


@dataclass(frozen=True)
class VersionMapping:
    """Where each item and state of `old` lands in `new` (None: it disappears)."""

    old: WorkflowDefinition
    new: WorkflowDefinition
    items: dict[str, str | None]
    states: dict[str, str | None]
    # Old stages whose projects go to another stage (`stages_removed`), not a rename.
    merged_stages: frozenset[str] = frozenset()

    @property
    def added_items(self) -> list[str]:
        reached = set(self.items.values())
        return [i for i in self.new.item_ids if i not in reached]

    @property
    def renamed_items(self) -> dict[str, str]:
        return {o: n for o, n in self.items.items() if n is not None and n != o}

    @property
    def removed_items(self) -> list[str]:
        return [o for o, n in self.items.items() if n is None]


def _step(
    items: dict[str, str | None],
    states: dict[str, str | None],
    merged: set[str],
    definition: WorkflowDefinition,
) -> None:
    """Apply one version's declared changes to a running mapping (in place)."""
    changes = definition.changes
    renamed = dict(changes.items_renamed) if changes else {}
    stage_renamed = dict(changes.stages_renamed) if changes else {}
    removed = dict(changes.stages_removed) if changes else {}
    for old, current in items.items():
        if current is not None:
            current = renamed.get(current, current)
            items[old] = current if definition.has_item(current) else None
    for old, current in states.items():
        if current is None:
            continue
        if current in removed:
            merged.add(old)
        current = removed.get(current) or stage_renamed.get(current, current)
        states[old] = current if current in definition.stage_ids else None


def _chain(
    catalog: WorkflowCatalog, old: WorkflowDefinition, new: WorkflowDefinition
) -> list[WorkflowDefinition]:
    """Definitions after `old` up to `new`, following `changes.from_version` back from `new`.

    A version that declares no changes links to the one just below it, matched by id.
    """
    chain = [new]
    current = new
    while current.version > old.version:
        below = current.changes.from_version if current.changes else current.version - 1
        if below <= old.version:
            break
        if below not in catalog.versions(new.id):
            break
        current = catalog.get(new.id, below)
        chain.append(current)
    return list(reversed(chain))


def _side_kind_map(old: WorkflowDefinition, new: WorkflowDefinition) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for side in old.side_states:
        match = side.id if side.id in new.side_state_ids else None
        twin = new.side_state(side.kind)
        out[side.id] = match or (twin.id if twin else None)
    return out


def version_mapping(
    catalog: WorkflowCatalog, old: WorkflowDefinition, new: WorkflowDefinition
) -> VersionMapping:
    """How `old`'s items and stages map onto `new` (forward, backward or the same version)."""
    if new.version < old.version:
        return _inverse(version_mapping(catalog, new, old))
    items: dict[str, str | None] = {i: i for i in old.item_ids}
    states: dict[str, str | None] = {s: s for s in old.stage_ids}
    merged: set[str] = set()
    if new.version > old.version:
        for definition in _chain(catalog, old, new):
            _step(items, states, merged, definition)
    else:
        for key in list(items):
            items[key] = key if new.has_item(key) else None
        for key in list(states):
            states[key] = key if key in new.stage_ids else None
    states.update(_side_kind_map(old, new))
    return VersionMapping(old, new, items, states, frozenset(merged))


def _inverse(forward: VersionMapping) -> VersionMapping:
    """Going back to an older version: renames are undone; what only the newer version
    has disappears; a stage merged forward has no way back."""
    older, newer = forward.old, forward.new
    items: dict[str, str | None] = {}
    for item_id in newer.item_ids:
        sources = [o for o, n in forward.items.items() if n == item_id]
        items[item_id] = sources[0] if len(sources) == 1 else None
    states: dict[str, str | None] = {}
    for stage_id in newer.stage_ids:
        sources = [
            o
            for o, n in forward.states.items()
            if n == stage_id and o in older.stage_ids and o not in forward.merged_stages
        ]
        states[stage_id] = sources[0] if len(sources) == 1 else None
    states.update(_side_kind_map(newer, older))
    return VersionMapping(newer, older, items, states)


# --- differences ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemChange(View):
    id: str
    stage: str
    label: str
    required: bool
    old_id: str | None = None
    old_stage: str | None = None
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StageChange(View):
    id: str | None
    label: str
    old_id: str | None = None


@dataclass(frozen=True)
class TransitionChange(View):
    source: str
    dest: str
    guards_added: list[str]
    guards_removed: list[str]


@dataclass(frozen=True)
class VersionDiff(View):
    """Differences between two versions of a workflow, for people and for `--json`."""

    workflow_id: str
    old_version: int
    new_version: int
    note: str
    stages_added: list[StageChange]
    stages_renamed: list[StageChange]
    stages_removed: list[StageChange]
    items_added: list[ItemChange]
    items_renamed: list[ItemChange]
    items_removed: list[ItemChange]
    items_changed: list[ItemChange]
    transitions_changed: list[TransitionChange]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.stages_added,
                self.stages_renamed,
                self.stages_removed,
                self.items_added,
                self.items_renamed,
                self.items_removed,
                self.items_changed,
                self.transitions_changed,
            )
        )


FIELD_LABELS = {
    "label": "libellé",
    "help": "aide",
    "required": "requis",
    "role": "responsable",
    "evidence": "preuve",
    "document": "document",
    "stage": "étape",
}


def _item_change(d: WorkflowDefinition, item_id: str, **extra) -> ItemChange:
    stage, item = d.item(item_id)
    return ItemChange(id=item.id, stage=stage.id, label=item.label, required=item.required, **extra)


def _changed_fields(a: Item, b: Item, stage_a: str, stage_b: str) -> list[str]:
    names = [
        f
        for f in ("label", "help", "required", "role", "evidence", "document")
        if getattr(a, f) != getattr(b, f)
    ]
    return [*names, *(["stage"] if stage_a != stage_b else [])]


def version_diff(mapping: VersionMapping) -> VersionDiff:
    """What changes from `mapping.old` to `mapping.new`."""
    old, new = mapping.old, mapping.new
    renamed, removed, changed = [], [], []
    for old_id, new_id in mapping.items.items():
        old_stage, old_item = old.item(old_id)
        if new_id is None:
            removed.append(_item_change(old, old_id))
            continue
        new_stage, new_item = new.item(new_id)
        fields = _changed_fields(old_item, new_item, mapping.states.get(old_stage.id) or "", new_stage.id)
        if new_id != old_id:
            renamed.append(_item_change(new, new_id, old_id=old_id, old_stage=old_stage.id, fields=fields))
        elif fields:
            changed.append(_item_change(new, new_id, old_stage=old_stage.id, fields=fields))
    added = [_item_change(new, i) for i in mapping.added_items]
    stage_targets = {
        v for k, v in mapping.states.items() if k in old.stage_ids and k not in mapping.merged_stages
    }
    stages_added = [StageChange(s.id, s.label) for s in new.stages if s.id not in stage_targets]
    stages_renamed = [
        StageChange(n, new.state_label(n), old_id=o)
        for o, n in mapping.states.items()
        if o in old.stage_ids and n and n != o and o not in mapping.merged_stages
    ]
    stages_removed = [
        StageChange(n, old.state_label(o), old_id=o)
        for o, n in mapping.states.items()
        if o in old.stage_ids and (n is None or o in mapping.merged_stages)
    ]
    old_guards = {
        (mapping.states.get(t.source), mapping.states.get(t.dest), t.trigger): set(t.guards)
        for t in old.transitions
    }
    transitions = []
    for t in new.transitions:
        before = old_guards.get((t.source, t.dest, t.trigger))
        if before is None:
            continue  # a new path: shown by the stages added
        plus, minus = sorted(set(t.guards) - before), sorted(before - set(t.guards))
        if plus or minus:
            transitions.append(TransitionChange(t.source, t.dest, plus, minus))
    note = new.changes.note if new.changes and new.version > old.version else ""
    return VersionDiff(
        new.id,
        old.version,
        new.version,
        note,
        stages_added,
        stages_renamed,
        stages_removed,
        added,
        renamed,
        removed,
        changed,
        transitions,
    )


def diff_lines(diff: VersionDiff, old: WorkflowDefinition, new: WorkflowDefinition) -> list[str]:
    """The differences as French lines, for `cpts workflow diff` and the documentation."""
    from .guards import GUARD_LABELS

    lines = [
        f"Différences de « {new.label} » ({diff.workflow_id}) : version {diff.old_version} → "
        f"version {diff.new_version}"
    ]
    if diff.note:
        lines += ["", diff.note]
    if diff.empty:
        return [*lines, "", "Aucune différence."]

    def required(c: ItemChange) -> str:
        return "requis" if c.required else "facultatif"

    def section(title: str, entries: list[str]) -> None:
        if entries:
            lines.extend(["", f"{title} ({len(entries)}) :", *entries])

    section("Étapes ajoutées", [f"  + {s.id} « {s.label} »" for s in diff.stages_added])
    section("Étapes renommées", [f"  ~ {s.old_id} → {s.id} « {s.label} »" for s in diff.stages_renamed])
    section(
        "Étapes retirées",
        [
            f"  - {s.old_id} « {s.label} »"
            + (
                f" : ses projets passent à « {new.state_label(s.id)} » ({s.id})"
                if s.id
                else " : aucune étape d'accueil"
            )
            for s in diff.stages_removed
        ],
    )
    section(
        "Éléments ajoutés",
        [f"  + {c.stage} / {c.id} « {c.label} » ({required(c)})" for c in diff.items_added],
    )
    section(
        "Éléments renommés",
        [f"  ~ {c.old_stage} / {c.old_id} → {c.stage} / {c.id} « {c.label} »" for c in diff.items_renamed],
    )
    section(
        "Éléments retirés",
        [f"  - {c.stage} / {c.id} « {c.label} » ({required(c)})" for c in diff.items_removed],
    )
    changed = []
    for c in diff.items_changed:
        _, before = old.item(c.id)
        _, after = new.item(c.id)
        parts = []
        for f in c.fields:
            if f == "required":
                parts.append("devient requis" if after.required else "devient facultatif")
            elif f == "evidence":
                parts.append(
                    f"preuve : {EVIDENCE_LABELS[before.evidence]} → {EVIDENCE_LABELS[after.evidence]}"
                )
            elif f == "stage":
                parts.append(
                    f"déplacé de « {old.state_label(c.old_stage)} » à « {new.state_label(c.stage)} »"
                )
            else:
                parts.append(f"{FIELD_LABELS[f]} modifié")
        changed.append(f"  ~ {c.stage} / {c.id} « {c.label} » : {', '.join(parts)}")
    section("Éléments modifiés", changed)

    def guards(names: list[str]) -> str:
        return ", ".join(GUARD_LABELS.get(g, g) for g in names)

    section(
        "Gardes des transitions",
        [
            f"  ~ {t.source} → {t.dest} :"
            + (f" + {guards(t.guards_added)}" if t.guards_added else "")
            + (f" - {guards(t.guards_removed)}" if t.guards_removed else "")
            for t in diff.transitions_changed
        ],
    )
    return lines
