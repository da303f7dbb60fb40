"""Run in a fresh process: load every project of a base into the engine, print RSS.

`python -m benchmarks.probe_engine URL` prints JSON: RSS before and after (imports and
the open workspace are in "before"), how many `transitions` machines exist, how many
projects were attached as models.
"""

from __future__ import annotations

import gc
import json
import sys

from sqlalchemy import select
from transitions import Machine

from cpts_workflow.store.models import Project
from cpts_workflow.workflow.engine import engine_for
from cpts_workflow.workspace import Workspace

from .timing import rss_bytes


class Loaded:
    """One project as the engine sees it: its state (the shared machine adds triggers)."""

    def __init__(self, project_id: int, state: str) -> None:
        self.project_id = project_id
        self.state = state


def main(url: str) -> dict:
    ws = Workspace(url, actor="Banc d'essai")
    ws.init()
    gc.collect()
    before = rss_bytes()
    loaded: list[Loaded] = []
    with ws.session() as session:
        for project in session.scalars(select(Project)):
            engine = engine_for(ws.definition_of(project))
            model = Loaded(project.id, project.stage)
            engine.machine.add_model(model, initial=project.stage)
            loaded.append(model)
    gc.collect()
    after = rss_bytes()
    machines = sum(1 for o in gc.get_objects() if isinstance(o, Machine))
    return {
        "rss_before_mb": before / 2**20,
        "extra_rss_mb": (after - before) / 2**20,
        "machines": machines,
        "models": len(loaded),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
