"""Named guards and actions that workflow files refer to.

A guard looks at a project about to leave a stage and returns the reasons it may not
(French sentences, one per missing thing); an empty list lets the project through.
An action runs after a transition, inside the same database transaction.

Features register theirs with `@guard("name", label)` in their own module (`members`
registers `bureau_complete`, `territory.coverage` registers `territory_valid`). This
module imports no feature: `PROVIDERS` names, as text, the module that registers each
shipped guard, so that a definition can be checked against every name without loading
the features, and a guard's module is imported the first time the guard runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.models import ChecklistState, Project
    from .definition import Stage, WorkflowDefinition


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
# Guards registered by a feature module: name -> (module, label shown in diagrams).
PROVIDERS: dict[str, tuple[str, str]] = {
    "bureau_complete": ("cpts_workflow.members", "bureau complet (président, trésorier, secrétaire)"),
    "territory_valid": ("cpts_workflow.territory.coverage", "territoire valide"),
}
GUARD_LABELS: dict[str, str] = {name: label for name, (_, label) in PROVIDERS.items()}


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
    return sorted({*_GUARDS, *PROVIDERS})


def action_names() -> list[str]:
    return sorted(_ACTIONS)


def get_guard(name: str) -> GuardFn:
    if name not in _GUARDS and name in PROVIDERS:
        import importlib

        importlib.import_module(PROVIDERS[name][0])  # registers it
    return _GUARDS[name]


def get_action(name: str) -> ActionFn:
    return _ACTIONS[name]


# --- the guard every workflow uses -----------------------------------------------------


@guard("checklist_complete", "checklist complète")
def checklist_complete(ctx: GuardContext) -> list[str]:
    """Every required item of the stage is done or marked not applicable."""
    missing = []
    for item in ctx.stage.items:
        state = ctx.states.get(item.id)
        if item.required and (state is None or state.status == "todo"):
            missing.append(f"{item.label} ({item.id})")
    return missing
