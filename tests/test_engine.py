"""The transitions engine: one machine per definition, guards and side states."""

from __future__ import annotations

import pytest

from cpts_workflow.errors import Refused
from cpts_workflow.workflow.engine import Engine, engine_for
from cpts_workflow.workspace import Workspace


def test_one_machine_per_definition_shared_by_all_projects(ws: Workspace):
    definition = ws.definition()
    engine = engine_for(definition)
    assert engine_for(definition) is engine
    for n in range(20):
        p = ws.create_project(f"CPTS {n}")
        ws.advance(p.slug, force=True, comment="test")
    # Tokens are removed after each trigger: the machine holds no project.
    assert engine.machine.models == []


def test_side_transitions_exist_for_every_stage(ws: Workspace):
    engine = Engine(ws.definition())
    for stage in ws.definition().stage_ids:
        assert engine.fire("pause", stage, None) == "paused"
        assert engine.fire("resume", "paused", None, resume_stage=stage) == stage
        assert engine.fire("abandon", stage, None) == "abandoned"
    assert engine.fire("abandon", "paused", None) == "abandoned"
    with pytest.raises(Refused, match="Aucune action"):
        engine.fire("resume", "abandoned", None)
    assert engine.fire("back", "diagnostic", None) == "initiative"


def test_reopen_goes_back_to_an_earlier_stage_only(ws: Workspace):
    engine = Engine(ws.definition())
    assert engine.fire("reopen", "statutes", None, target="health_project") == "health_project"
    assert engine.fire("reopen", "paused", None, target="health_project",
                       resume_stage="statutes") == "paused"
    for state, target, resume in (("initiative", "statutes", None), ("health_project", "health_project", None),
                                  ("paused", "statutes", "health_project")):
        with pytest.raises(Refused):
            engine.fire("reopen", state, None, target=target, resume_stage=resume)
    # An internal trigger: never offered to a user.
    with pytest.raises(Refused) as refusal:
        engine.fire("resume", "statutes", None)
    assert "antérieure" not in (refusal.value.hint or "")
