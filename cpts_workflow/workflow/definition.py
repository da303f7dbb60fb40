"""Workflow definitions: pydantic models of a workflow file and their loading.

A definition is data (`workflows/cpts_creation.yaml`): stages in order, each with its
checklist, side states (pause, abandon), transitions and the *named* guards and actions
that protect them. Every problem in a file is reported as `file:line: message` in French,
never as a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from .. import safe_yaml
from ..errors import DefinitionError
from ..yaml_lines import KeyPath as Path_
from ..yaml_lines import Lines, french_error, line_of

EvidenceKind = Literal["none", "date", "number", "document", "note"]
SideKind = Literal["pause", "end"]
IDENTIFIER = r"^[a-z][a-z0-9_]*$"

EVIDENCE_LABELS = {
    "none": "aucune",
    "date": "une date",
    "number": "un nombre",
    "document": "un document",
    "note": "une note",
}


class StrictModel(BaseModel):
    # defer_build: a command served by the catalogue's cache never validates, so the
    # validators are only built when a file is actually read.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Item(StrictModel):
    """One checklist item of a stage."""

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    help: str = ""
    required: bool = True
    role: str = Field(min_length=1, description="who is responsible: porteur, bureau…")
    evidence: EvidenceKind = "none"
    document: str | None = Field(None, description="template whose generation satisfies it")


class Stage(StrictModel):
    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    description: str = ""
    items: tuple[Item, ...] = ()


class SideState(StrictModel):
    """`pause`: resumes where it left; `end`: final (abandoned)."""

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    description: str = ""
    kind: SideKind


class Transition(StrictModel):
    trigger: str = Field("advance", pattern=IDENTIFIER)
    source: str
    dest: str
    guards: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


class Clock(StrictModel):
    """A deadline that starts when a dated item is done: a legal delay, a reminder…

    The duration is `months` or `days` (calendar-correct), or `schedule: aci` for the
    ACI contract's own calendar (missions, anniversaries, end). A done `stop_items` item
    dated on or after the start stops it. `expired_label` (with `{date}`) says what an
    elapsed clock means, e.g. « Projet de santé réputé validé le {date} ».
    """

    id: str = Field(pattern=IDENTIFIER)
    label: str = Field(min_length=1)
    start_item: str
    months: int | None = Field(None, ge=1)
    days: int | None = Field(None, ge=1)
    schedule: Literal["aci"] | None = None
    stop_items: tuple[str, ...] = ()
    action: str = Field(min_length=1)
    expired_label: str | None = None


Pairs = tuple[tuple[str, str], ...]


def _as_pairs(value: Any) -> Any:
    """A YAML mapping `old: new` kept as sorted pairs, so that definitions stay hashable."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), v) for k, v in value.items()))
    return value


class Changes(StrictModel):
    """What a version changes relative to an earlier one, for `cpts workflow migrate`.

    Added and removed items are found by comparing ids; only what a comparison cannot
    guess is declared: renamed items and stages, and where projects at a removed stage go.
    """

    from_version: int = Field(ge=1)
    note: str = ""
    items_renamed: Pairs = ()
    stages_renamed: Pairs = ()
    stages_removed: Pairs = ()

    _pairs = field_validator("items_renamed", "stages_renamed", "stages_removed", mode="before")(
        _as_pairs
    )


class WorkflowDefinition(StrictModel):
    """A whole workflow; `stages` are in order, the first one is where projects start."""

    id: str = Field(pattern=IDENTIFIER)
    version: int = Field(ge=1)
    label: str = Field(min_length=1)
    description: str = ""
    stages: tuple[Stage, ...] = Field(min_length=1)
    side_states: tuple[SideState, ...] = ()
    transitions: tuple[Transition, ...] = ()
    clocks: tuple[Clock, ...] = ()
    changes: Changes | None = None
    # Where it came from, for `file:line` messages of checks made after loading.
    _source: str = PrivateAttr("<texte>")
    _lines: dict[tuple[Any, ...], int] = PrivateAttr(default_factory=dict)
    _extends: str | None = PrivateAttr(None)

    @property
    def source(self) -> str:
        """The file this definition was read from."""
        return self._source

    @property
    def extends(self) -> str | None:
        """`id@version` of the definition this one was built on, if any."""
        return self._extends

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """Line of a key of the source file (its nearest known parent otherwise)."""
        return line_of(self._lines, path)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @property
    def initial(self) -> str:
        return self.stages[0].id

    @cached_property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    @property
    def all_states(self) -> tuple[Stage | SideState, ...]:
        """The stages in order, then the side states."""
        return (*self.stages, *self.side_states)

    @cached_property
    def _stages_by_id(self) -> dict[str, Stage | SideState]:
        return {s.id: s for s in self.all_states}

    @cached_property
    def _items_by_id(self) -> dict[str, tuple[Stage, Item]]:
        return {i.id: (s, i) for s in self.stages for i in s.items}

    def state(self, state_id: str) -> Stage | SideState:
        return self._stages_by_id[state_id]

    def stage(self, stage_id: str) -> Stage:
        """A stage (not a side state) by id; KeyError if there is none."""
        found = self._stages_by_id[stage_id]
        if not isinstance(found, Stage):
            raise KeyError(stage_id)
        return found

    def state_label(self, state_id: str | None) -> str:
        """French label of a stage or side state (the id itself if unknown)."""
        if state_id is None:
            return "—"
        state = self._stages_by_id.get(state_id)
        return state.label if state else state_id

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(self._items_by_id)

    @cached_property
    def side_state_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.side_states)

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items_by_id

    def item(self, item_id: str) -> tuple[Stage, Item]:
        """The item and the stage holding it; KeyError if unknown."""
        return self._items_by_id[item_id]

    def side_state(self, kind: SideKind) -> SideState | None:
        return next((s for s in self.side_states if s.kind == kind), None)

    def stage_index(self, stage_id: str) -> int:
        return self.stage_ids.index(stage_id)

    def transitions_from(self, stage_id: str, trigger: str = "advance") -> list[Transition]:
        return [t for t in self.transitions if t.source == stage_id and t.trigger == trigger]


# --- loading -------------------------------------------------------------------------

def _semantic_problems(
    d: WorkflowDefinition, guard_names: Iterable[str], action_names: Iterable[str]
) -> list[tuple[Path_, str]]:
    """Checks pydantic cannot express: unique ids, known targets and guards, reachability."""
    problems: list[tuple[Path_, str]] = []
    seen: dict[str, Path_] = {}
    for si, state in enumerate(d.all_states):
        key = ("stages", si) if si < len(d.stages) else ("side_states", si - len(d.stages))
        if state.id in seen:
            problems.append(((*key, "id"), f"l'étape « {state.id} » est définie deux fois."))
        seen[state.id] = key
    items_seen: set[str] = set()
    for si, stage in enumerate(d.stages):
        for ii, item in enumerate(stage.items):
            if item.id in items_seen:
                problems.append(
                    (("stages", si, "items", ii, "id"),
                     f"l'élément « {item.id} » existe déjà ; chaque élément doit avoir un identifiant unique.")
                )
            items_seen.add(item.id)
    problems.extend(_clock_problems(d))
    kinds = [s.kind for s in d.side_states]
    for kind in ("pause", "end"):
        if kinds.count(kind) > 1:
            problems.append((("side_states",), f"un seul état annexe de type « {kind} » est permis."))
    guards, actions = set(guard_names), set(action_names)
    stage_ids = set(d.stage_ids)
    for ti, t in enumerate(d.transitions):
        for end in ("source", "dest"):
            target = getattr(t, end)
            if target not in stage_ids:
                problems.append(
                    (("transitions", ti, end),
                     f"la transition mène à une étape inconnue « {target} » ; étapes connues : "
                     f"{', '.join(d.stage_ids)}.")
                )
        for gi, g in enumerate(t.guards):
            if g not in guards:
                problems.append(
                    (("transitions", ti, "guards", gi),
                     f"garde inconnue « {g} » ; gardes disponibles : {', '.join(sorted(guards))}.")
                )
        for ai, a in enumerate(t.actions):
            if a not in actions:
                problems.append(
                    (("transitions", ti, "actions", ai),
                     f"action inconnue « {a} » ; actions disponibles : {', '.join(sorted(actions)) or 'aucune'}.")
                )
    # Reachability and cycles along `advance`: the creation path must be a DAG from the start.
    edges: dict[str, list[str]] = {}
    for t in d.transitions:
        if t.trigger == "advance" and t.source in stage_ids and t.dest in stage_ids:
            edges.setdefault(t.source, []).append(t.dest)
    reached, stack = {d.initial}, [d.initial]
    while stack:
        for nxt in edges.get(stack.pop(), []):
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    for si, stage in enumerate(d.stages):
        if stage.id not in reached:
            problems.append(
                (("stages", si, "id"),
                 f"l'étape « {stage.id} » est inaccessible : aucune transition « advance » n'y mène "
                 "depuis la première étape.")
            )
    cycle = _find_cycle(edges)
    if cycle:
        ti = next(i for i, t in enumerate(d.transitions)
                  if t.trigger == "advance" and t.source == cycle[-2] and t.dest == cycle[-1])
        problems.append(
            (("transitions", ti),
             f"les transitions « advance » forment une boucle ({' → '.join(cycle)}) ; le retour "
             "en arrière se fait avec « back », pas avec « advance ».")
        )
    return problems


def _clock_problems(d: WorkflowDefinition) -> list[tuple[Path_, str]]:
    """Clocks start on a dated item, stop on known items, and have one duration."""
    problems: list[tuple[Path_, str]] = []
    items = {i.id: i for s in d.stages for i in s.items}
    seen: set[str] = set()
    for ci, clock in enumerate(d.clocks):
        at = ("clocks", ci)
        if clock.id in seen:
            problems.append(((*at, "id"), f"l'échéance « {clock.id} » est définie deux fois."))
        seen.add(clock.id)
        start = items.get(clock.start_item)
        if start is None:
            problems.append(((*at, "start_item"), f"élément inconnu « {clock.start_item} » ; "
                             "une échéance part d'un élément de checklist existant."))
        elif start.evidence != "date":
            problems.append(((*at, "start_item"), f"l'élément « {clock.start_item} » ne se justifie "
                             "pas par une date ; une échéance doit partir d'un élément daté "
                             "(evidence: date)."))
        for si, stop in enumerate(clock.stop_items):
            if stop not in items:
                problems.append(((*at, "stop_items", si), f"élément inconnu « {stop} » dans "
                                 "stop_items ; vérifiez l'identifiant."))
        durations = [k for k in ("months", "days", "schedule") if getattr(clock, k) is not None]
        if len(durations) != 1:
            problems.append((at, f"l'échéance « {clock.id} » doit avoir une seule durée : months, "
                             "days ou schedule (trouvé : "
                             f"{', '.join(durations) or 'aucune'})."))
        if clock.expired_label and "{date}" not in clock.expired_label:
            problems.append(((*at, "expired_label"), "expired_label doit contenir « {date} »."))
    return problems


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], node, nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for start in list(edges):
        if start not in state and (found := visit(start, [])):
            return found
    return None


M = TypeVar("M", bound=BaseModel)


def read_yaml(text: str, source: str = "<texte>") -> tuple[dict[str, Any], Lines]:
    """The mapping at the top of a workflow file, with the line of every key."""
    data, lines = safe_yaml.load(text, source, max_bytes=MAX_DEFINITION_BYTES, what="workflow")
    if not isinstance(data, dict):
        raise DefinitionError(source, [(1, "le fichier doit décrire un workflow (des clés id, version, stages…).")])
    return data, lines


def validate_model(model: type[M], data: Any, lines: Lines, source: str) -> M:
    """`model.model_validate(data)`, with every problem as `file:line: message`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(line_of(lines, tuple(e["loc"])), french_error(dict(e))) for e in exc.errors()]
        raise DefinitionError(source, problems) from None


def build_definition(data: dict[str, Any], lines: Lines, source: str) -> WorkflowDefinition:
    """Validate a whole definition (structure, then meaning) read from `source`."""
    from .guards import action_names, guard_names

    definition = validate_model(WorkflowDefinition, data, lines, source)
    semantic = _semantic_problems(definition, guard_names(), action_names())
    if semantic:
        raise DefinitionError(source, [(line_of(lines, p), m) for p, m in semantic])
    definition._source = source
    definition._lines = lines
    return definition


MAX_DEFINITION_BYTES = 1_000_000


def read_text(path: str | Path) -> str:
    """A workflow file's text; unreadable, too big or not UTF-8 is a `DefinitionError`."""
    return safe_yaml.read_file(path, max_bytes=MAX_DEFINITION_BYTES, what="workflow")


def decode_text(raw: bytes, source: str) -> str:
    """The text of a workflow file's bytes; too big or not UTF-8 is a `DefinitionError`."""
    return safe_yaml.decode(raw, source, max_bytes=MAX_DEFINITION_BYTES, what="workflow")


_VERSIONED = re.compile(r"^(?P<id>[a-z][a-z0-9_]*?)(?:_v(?P<version>\d+))?\.ya?ml$")


def shipped_definition_files() -> list[Path]:
    """The workflow files shipped with the package, e.g. cpts_creation.yaml, cpts_creation_v2.yaml."""
    from ..resources import workflows_dir

    return sorted(p for p in workflows_dir().iterdir() if _VERSIONED.match(p.name))
