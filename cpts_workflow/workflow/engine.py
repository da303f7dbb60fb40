"""The state machine of a workflow, built once per definition with `transitions`.

One `Machine` serves every project of a definition: a project borrows it for one
trigger through a light token (`add_model` / `remove_model`), so loading 1 000 projects
never builds 1 000 machines. The machine's model list and transition queue are not
thread-safe: the threads of a server take turns with it, under the engine's lock. Guards are the named functions of `guards.py`; all the
guards of a transition run, so that a refusal lists everything that is missing.

Besides the `advance` transitions of the file, every definition gets:
`back` (one stage back, the reverse of an `advance`), `pause`/`resume` (resume goes back
to the stage the project left), `abandon` (final) and `reopen` (back to an earlier stage
named by `target`: what an ARS objection does; a paused project stays paused and will
resume there) and `place` (from the first stage straight to the stage named by `target`:
a portfolio imported from a spreadsheet, where the projects already stand).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, MachineError

from .. import french
from ..errors import Refused
from .definition import WorkflowDefinition
from .guards import GuardContext, get_action, get_guard

TRIGGER_LABELS = {
    "advance": "passer à l'étape suivante",
    "back": "revenir à l'étape précédente",
    "pause": "mettre en pause",
    "resume": "reprendre",
    "abandon": "abandonner",
    "reopen": "revenir à une étape antérieure",
    "place": "placer le projet à son étape",
}
# Triggers fired by the library itself, never offered to a user.
INTERNAL_TRIGGERS = frozenset({"reopen", "place"})


@dataclass
class _Token:
    """What the shared machine moves for one trigger of one project."""

    state: str
    ctx: GuardContext | None
    resume_stage: str | None = None
    target: str | None = None
    force: bool = False
    failures: list[str] = field(default_factory=list)
    # Added by the machine while the token is borrowed (`add_model`).
    trigger: Callable[[str], bool] = field(init=False, repr=False)


class Engine:
    """Transitions of one definition; `fire` checks guards and returns the new stage."""

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self._lock = threading.Lock()
        d = definition
        states = [*d.stage_ids, *(s.id for s in d.side_states)]
        self.machine = Machine(
            model=None,
            states=states,
            initial=d.initial,
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )
        for t in d.transitions:
            self.machine.add_transition(
                t.trigger,
                t.source,
                t.dest,
                conditions=[self._guards_pass(t.guards)],
                after=[self._run_actions(t.actions)] if t.actions else [],
            )
            if t.trigger == "advance":
                self.machine.add_transition("back", t.dest, t.source)
        pause, end = d.side_state("pause"), d.side_state("end")
        if pause:
            self.machine.add_transition("pause", list(d.stage_ids), pause.id)
            for stage_id in d.stage_ids:
                self.machine.add_transition(
                    "resume", pause.id, stage_id, conditions=[_resumes_to(stage_id)]
                )
        if end:
            sources: list[Any] = [*d.stage_ids, *([pause.id] if pause else [])]
            self.machine.add_transition("abandon", sources, end.id)
        for index, stage_id in enumerate(d.stage_ids[:-1]):
            self.machine.add_transition(
                "reopen", _later(d, index), stage_id, conditions=[_targets(stage_id)]
            )
        if pause:
            self.machine.add_transition("reopen", pause.id, pause.id, conditions=[_targets_earlier(d)])
        for stage_id in (s for s in d.stage_ids if s != d.initial):
            self.machine.add_transition("place", d.initial, stage_id, conditions=[_targets(stage_id)])

    @staticmethod
    def _guards_pass(names: tuple[str, ...]):
        def check(event) -> bool:
            token: _Token = event.model
            if token.force or token.ctx is None:
                return True
            for name in names:
                token.failures.extend(get_guard(name)(token.ctx))
            return not token.failures

        return check

    @staticmethod
    def _run_actions(names: tuple[str, ...]):
        def run(event) -> None:
            token: _Token = event.model
            if token.ctx is not None:
                for name in names:
                    get_action(name)(token.ctx)

        return run

    def triggers_from(self, state: str) -> list[str]:
        """Triggers that exist from a state (whether or not their guards pass)."""
        return self.machine.get_triggers(state)

    def fire(
        self,
        trigger: str,
        state: str,
        ctx: GuardContext | None,
        *,
        resume_stage: str | None = None,
        force: bool = False,
        target: str | None = None,
    ) -> str:
        """Run `trigger` from `state`; return the new state or raise `Refused`."""
        token = _Token(state=state, ctx=ctx, resume_stage=resume_stage, target=target, force=force)
        label = self.definition.state_label(state)
        with self._lock:
            self.machine.add_model(token, initial=state)
            try:
                moved = token.trigger(trigger)
            except MachineError:
                moved = None
            finally:
                self.machine.remove_model(token)
        if moved is None:
            raise Refused(
                f"Impossible de {TRIGGER_LABELS.get(trigger, trigger)} depuis « {label} ».",
                _allowed_hint(self, state),
            )
        if not moved:
            if token.failures:
                raise Refused(
                    f"Le projet ne peut pas quitter l'étape « {label} » : "
                    f"{french.plural(len(token.failures), 'élément requis manquant', 'éléments requis manquants')}.",
                    "Cochez-les, marquez-les sans objet, ou forcez le passage avec un commentaire.",
                    reasons=token.failures,
                    topic="missing_items",
                )
            raise Refused(f"Impossible de {TRIGGER_LABELS.get(trigger, trigger)} depuis « {label} ».")
        return token.state


def _resumes_to(stage_id: str):
    def check(event) -> bool:
        return event.model.resume_stage == stage_id

    return check


def _later(definition: WorkflowDefinition, index: int) -> list[Any]:
    """The stages after the one at `index` (as `transitions` takes a list of states)."""
    return list(definition.stage_ids[index + 1:])


def _targets(stage_id: str):
    def check(event) -> bool:
        return event.model.target == stage_id

    return check


def _targets_earlier(definition: WorkflowDefinition):
    """A paused project reopens only to a stage before the one it will resume at."""
    order = definition.stage_ids

    def check(event) -> bool:
        token: _Token = event.model
        return (token.target in order and token.resume_stage in order
                and order.index(token.target) < order.index(token.resume_stage))

    return check


def _allowed_hint(engine: Engine, state: str) -> str:
    with engine._lock:
        triggers = engine.triggers_from(state)
    names = [TRIGGER_LABELS.get(t, t) for t in triggers if t not in INTERNAL_TRIGGERS]
    if not names:
        return "Aucune action n'est possible depuis cet état."
    return "Actions possibles : " + ", ".join(names) + "."


_BUILDING = threading.Lock()


def engine_for(definition: WorkflowDefinition) -> Engine:
    """The one engine of a definition (definitions are frozen, hence hashable), built once
    even when several threads ask for it at the same time."""
    engine = _ENGINES.get(definition)
    if engine is None:
        with _BUILDING:
            engine = _ENGINES.get(definition)
            if engine is None:
                engine = _ENGINES[definition] = Engine(definition)
    return engine


_ENGINES: dict[WorkflowDefinition, Engine] = {}
