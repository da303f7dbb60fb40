"""Overlaps and white zones for the whole of France with 1 000 synthetic projects."""

from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import insert

from cpts_workflow.store.models import Project, ProjectCommune
from cpts_workflow.territory.coverage import gaps, overlaps
from cpts_workflow.territory.reference import shipped_reference

PROJECTS = 1000
STAGES = ["initiative", "diagnostic", "health_project", "statutes", "operating", "abandoned"]


def _populate(ws) -> tuple[set[str], int]:
    """1 000 projects over 95 % of France's communes, 300 communes held twice."""
    rng = random.Random(2026)
    communes = sorted(c.insee for c in shipped_reference().in_area())
    rng.shuffle(communes)
    held = communes[: int(len(communes) * 0.95)]
    now = ws.now()
    definition = ws.definition()
    projects = [
        {
            "id": i + 1,
            "slug": f"cpts-{i:04d}",
            "name": f"CPTS {i:04d}",
            "officer": None,
            "workflow_id": definition.id,
            "workflow_version": definition.version,
            # Active projects only, so that every claim counts.
            "stage": STAGES[i % 5],
            "created_at": now,
            "created_by": "bench",
            "updated_at": now,
            "stage_entered_at": now,
            "row_version": 1,
        }
        for i in range(PROJECTS)
    ]
    rows = [
        {
            "project_id": i % PROJECTS + 1,
            "insee": code,
            "added_at": now,
            "added_by": "bench",
            "forced_reason": None,
        }
        for i, code in enumerate(held)
    ]
    doubled = held[:300]
    rows += [
        {
            "project_id": (i + 7) % PROJECTS + 1,
            "insee": code,
            "added_at": now,
            "added_by": "bench",
            "forced_reason": "bench",
        }
        for i, code in enumerate(doubled)
    ]
    with ws.session() as session:
        session.execute(insert(Project), projects)
        session.execute(insert(ProjectCommune), rows)
    return set(doubled), len(communes) - len(held)


@pytest.mark.slow
def test_overlaps_and_gaps_for_france_with_1000_projects(ws):
    doubled, white = _populate(ws)
    timings = {}
    start = time.perf_counter()
    found = overlaps(ws).overlaps
    timings["overlaps"] = time.perf_counter() - start
    start = time.perf_counter()
    france = gaps(ws)
    timings["gaps_france"] = time.perf_counter() - start
    start = time.perf_counter()
    gaps(ws, region="93")
    timings["gaps_paca"] = time.perf_counter() - start
    print(
        f"\n{ws.db.engine.dialect.name}: " + ", ".join(f"{k} {v:.3f} s" for k, v in timings.items())
    )
    assert {o.insee for o in found} == doubled and all(o.resolved for o in found)
    assert len(france.gaps) == white and france.communes_total == 34_875
    assert timings["overlaps"] < 5 and timings["gaps_france"] < 5
