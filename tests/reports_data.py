"""A small, fixed portfolio whose report figures are computed by hand in the tests.

Clock: T0 = 2026-11-22 09:30 UTC (the `clock` fixture); every history is written by
moving the clock from the past up to T0.

| project | officer | history                                                     | at T0              |
| alpha   | Claire  | T0-100 created, initiative done, T0-60 advance, T0-50 check | diagnostic, 60 d   |
| beta    | Julien  | T0-90 created, T0-70 advance, T0-10 advance                 | health_project, 10 |
| gamma   | Claire  | T0-80 created, T0-30 pause                                  | paused (initiative)|
| delta   | —       | T0-5 created                                                | initiative, 5 d    |
| epsilon | Claire  | T0-200 created, nothing since                               | initiative, 200 d  |
| zeta    | Julien  | T0-100 created, T0-90 advance, T0-80 back, T0-50 advance    | diagnostic, 50 d   |

Time spent in finished stages: initiative alpha 40, beta 20, zeta 10+30=40 (median 40);
diagnostic beta 60 (median 60). Communes: alpha 13001 13002, beta 13002 84007 (13002 is
an overlap); reference populations 13001=1 000, 13002=3 000, 84007=500, 13003=5 500.
"""

from __future__ import annotations

from datetime import timedelta

from cpts_workflow.store.models import ProjectCommune, ReferenceCommune, ReferenceVintage
from cpts_workflow.workspace import Workspace

from .conftest import FIXED_NOW, complete_stage

T0 = FIXED_NOW


def at(clock, days_before: float) -> None:
    clock.current = T0 - timedelta(days=days_before)


def communes(ws: Workspace, slug: str, codes: list[str]) -> None:
    with ws.changing(slug, "territory") as (session, project):
        for code in codes:
            session.add(ProjectCommune(project_id=project.id, insee=code, added_at=ws.now(),
                                       added_by=ws.actor, forced_reason="chevauchement connu"))
        ws.record_event(session, project, "territory_changed", payload={"added": codes})


def reference(ws: Workspace) -> None:
    with ws.session() as session:
        vintage = ReferenceVintage(label="test", rows=4, imported_by="test", imported_at=ws.now())
        session.add(vintage)
        session.flush()
        for insee, population in (("13001", 1000), ("13002", 3000), ("84007", 500),
                                  ("13003", 5500)):
            session.add(ReferenceCommune(vintage_id=vintage.id, insee=insee, type="COM",
                                         nom=f"Commune {insee}", departement=insee[:2],
                                         region="93", population=population))


def build(ws: Workspace, clock) -> None:
    """Write the fixed portfolio; leaves the clock at T0."""
    at(clock, 200)
    ws.create_project("epsilon", officer="Claire")
    at(clock, 100)
    ws.create_project("alpha", officer="Claire")
    complete_stage(ws, "alpha")
    ws.create_project("zeta", officer="Julien")
    complete_stage(ws, "zeta")
    at(clock, 90)
    ws.create_project("beta", officer="Julien")
    complete_stage(ws, "beta")
    ws.advance("zeta")
    at(clock, 80)
    ws.create_project("gamma", officer="Claire")
    ws.back("zeta", comment="Territoire à revoir")
    at(clock, 75)
    communes(ws, "alpha", ["13001", "13002"])
    communes(ws, "beta", ["13002", "84007"])
    at(clock, 70)
    ws.advance("beta")
    complete_stage(ws, "beta")
    at(clock, 60)
    ws.advance("alpha")
    at(clock, 50)
    ws.check("alpha", "population_described")
    ws.advance("zeta")
    at(clock, 30)
    ws.pause("gamma", reason="Départ du porteur")
    at(clock, 10)
    ws.advance("beta")
    at(clock, 5)
    ws.create_project("delta")
    reference(ws)
    at(clock, 0)
