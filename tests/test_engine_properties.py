"""Property-based tests of the engine through the Workspace API (hypothesis state machine).

Any sequence of check/uncheck/skip/advance/back/pause/resume/abandon, forced or not, keeps
the invariants: the stage is a state of the workflow, replaying the stage events gives the
current stage, a refused change writes nothing, and a project never leaves a stage with a
required item to do unless the move was forced (and then the event says what was missing).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from cpts_workflow.errors import CptsError, Refused
from cpts_workflow.integrity import check_integrity
from cpts_workflow.workspace import Workspace

WORKSPACE = Workspace("sqlite://", actor="x")  # only to read the workflow's items
ITEMS = [(s.id, i.id, i.evidence) for s in WORKSPACE.definition().stages for i in s.items]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)  # events strictly ordered in time
        return self.now


class ProjectMachine(RuleBasedStateMachine):
    """One run = one new project in the shared base."""

    def __init__(self, ws: Workspace, number: int) -> None:
        super().__init__()
        self.ws = ws
        self.slug = self.ws.create_project(f"CPTS Hypothèse {number}").slug
        self.definition = self.ws.definition()

    # --- helpers ---------------------------------------------------------------------

    def _snapshot(self):
        project = self.ws.project(self.slug)
        return project.stage, project.row_version, len(self.ws.history(self.slug))

    def _attempt(self, fn, *args, **kwargs) -> bool:
        """Run a change; a refusal must leave everything as it was."""
        before = self._snapshot()
        try:
            fn(self.slug, *args, **kwargs)
            after = self._snapshot()
            assert after[1] == before[1] + 1 and after[2] == before[2] + 1  # one event each
            return True
        except CptsError:
            assert self._snapshot() == before
            return False

    def _abandoned(self) -> bool:
        return self.ws.project(self.slug).status == "abandoned"

    # --- rules -----------------------------------------------------------------------

    @rule(item=st.sampled_from(ITEMS))
    def check(self, item):
        _, item_id, evidence = item
        value = {"date": "01/09/2026", "number": "3"}.get(evidence)
        self._attempt(self.ws.check, item_id, value=value)

    @rule(item=st.sampled_from(ITEMS))
    def uncheck(self, item):
        self._attempt(self.ws.uncheck, item[1])

    @rule(item=st.sampled_from(ITEMS))
    def skip(self, item):
        self._attempt(self.ws.skip, item[1], reason="sans objet ici")

    @rule(force=st.booleans())
    def advance(self, force):
        stage = self.ws.project(self.slug).stage
        missing = [i for i in self.ws.checklist(self.slug) if i.required and i.status == "todo"] \
            if stage in self.definition.stage_ids else []
        moved = self._attempt(self.ws.advance, force=force, comment="forcé" if force else None)
        if moved and not force:
            assert not missing, f"left {stage} with {missing}"
        if moved and force:
            event = self.ws.history(self.slug)[-1]
            assert event.payload["forced"] is True
            # Every missing item is recorded; other guards (territory, bureau) may add reasons.
            recorded = " ".join(event.payload["missing"])
            assert all(f"({i.id})" in recorded for i in missing), (missing, recorded)
        if not moved and not force and stage in self.definition.stage_ids and not missing \
                and not self._abandoned():
            assert stage == self.definition.stage_ids[-1]  # only the last stage cannot advance

    @rule()
    def back(self):
        self._attempt(self.ws.back, comment="retour")

    @rule()
    def pause(self):
        self._attempt(self.ws.pause, reason="attente")

    @rule()
    def resume(self):
        before = self.ws.project(self.slug)
        if self._attempt(self.ws.resume):
            resume_to = [e for e in self.ws.history(self.slug) if e.kind == "paused"][-1].from_stage
            assert self.ws.project(self.slug).stage == resume_to
            assert before.status == "paused"

    @rule(data=st.data())
    def abandon(self, data):
        # Rare: abandoning ends the interesting part of a run.
        if data.draw(st.integers(0, 9)) == 0:
            self._attempt(self.ws.abandon, reason="fin")
            try:
                self.ws.check(self.slug, ITEMS[0][1])
                raise AssertionError("an abandoned project accepted a change")
            except Refused:
                pass

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def consistent(self):
        from cpts_workflow.integrity import project_problems

        with self.ws.session() as session:
            problems = project_problems(self.ws, session, self.ws.get_project(session, self.slug))
        assert not problems, problems
        stage = self.ws.project(self.slug).stage
        known = {*self.definition.stage_ids, *(s.id for s in self.definition.side_states)}
        assert stage in known


def test_any_sequence_keeps_the_invariants(db_url):
    """On SQLite and PostgreSQL: many projects in one base, each driven at random."""
    ws = Workspace(db_url, actor="Robot", now=Clock())
    numbers = itertools.count(1)
    try:
        run_state_machine_as_test(
            lambda: ProjectMachine(ws, next(numbers)),
            settings=settings(max_examples=25, stateful_step_count=25, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )
        assert check_integrity(ws).ok  # and every project of the base together
    finally:
        ws.db.dispose()
