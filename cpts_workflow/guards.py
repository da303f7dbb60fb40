"""Named guards and actions that workflow files refer to.

A guard looks at a project about to leave a stage and returns the reasons it may not
(French sentences, one per missing thing); an empty list lets the project through.
An action runs after a transition, inside the same database transaction.

Later features register theirs here with `@guard("name")` / `@action("name")`; the body
imports what it needs lazily so that loading a definition stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .definition import Stage, WorkflowDefinition
    from .store.models import ChecklistState, Project


@dataclass
class GuardContext:
    """What a guard or an action may look at (and, for an action, change)."""

    session: Session
    project: Project
    definition: WorkflowDefinition
    stage: Stage
    actor: str
    now: datetime
    states: dict[str, ChecklistState] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


GuardFn = Callable[[GuardContext], list[str]]
ActionFn = Callable[[GuardContext], None]

_GUARDS: dict[str, GuardFn] = {}
_ACTIONS: dict[str, ActionFn] = {}
GUARD_LABELS: dict[str, str] = {}


def guard(name: str, label: str) -> Callable[[GuardFn], GuardFn]:
    """Register a guard under the name workflow files use; `label` is shown in diagrams."""

    def register(fn: GuardFn) -> GuardFn:
        _GUARDS[name] = fn
        GUARD_LABELS[name] = label
        return fn

    return register


def action(name: str) -> Callable[[ActionFn], ActionFn]:
    def register(fn: ActionFn) -> ActionFn:
        _ACTIONS[name] = fn
        return fn

    return register


def guard_names() -> list[str]:
    return sorted(_GUARDS)


def action_names() -> list[str]:
    return sorted(_ACTIONS)


def get_guard(name: str) -> GuardFn:
    return _GUARDS[name]


def get_action(name: str) -> ActionFn:
    return _ACTIONS[name]


# --- the guards shipped with the foundation --------------------------------------------


@guard("checklist_complete", "checklist complète")
def checklist_complete(ctx: GuardContext) -> list[str]:
    """Every required item of the stage is done or marked not applicable."""
    missing = []
    for item in ctx.stage.items:
        state = ctx.states.get(item.id)
        if item.required and (state is None or state.status == "todo"):
            missing.append(f"{item.label} ({item.id})")
    return missing


@guard("bureau_complete", "bureau complet (président, trésorier, secrétaire)")
def bureau_complete(ctx: GuardContext) -> list[str]:
    """The association has a président·e, a trésorier·ère and a secrétaire among its members."""
    from .members import missing_offices

    return [f"Bureau : aucun·e {label} parmi les membres (cpts member add … --role)"
            for label in missing_offices(ctx.session, ctx.project)]


@guard("territory_valid", "territoire valide")
def territory_valid(ctx: GuardContext) -> list[str]:
    """At least one commune, and no overlap with another active project left unexplained."""
    from .territory.coverage import territory_problems

    return territory_problems(ctx.session, ctx.project, ctx.definition)
