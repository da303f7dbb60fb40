"""A realistic national base, written fast with SQLAlchemy Core bulk inserts.

Projects at every stage (and some paused or abandoned), their checklists filled up to
where they stand, members, territories cut from the communes reference shipped in the
package (real INSEE codes and populations) with a few overlaps and white zones, and an
audit trail padded to the wanted number of events. Deterministic (seeded).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert

from cpts_workflow.store.models import (
    ChecklistState,
    Event,
    Member,
    Project,
    ProjectCommune,
)
from cpts_workflow.workflow.catalog import WorkflowCatalog
from cpts_workflow.workspace import Workspace


@dataclass(frozen=True)
class Size:
    name: str
    projects: int
    communes: int
    members: int  # per project
    events: int  # total, at least one per recorded change
    operations: int  # check/advance operations timed through the library


SIZES = {
    "full": Size("full", projects=1000, communes=35_000, members=50, events=200_000, operations=1000),
    "smoke": Size("smoke", projects=40, communes=1_250, members=5, events=2_000, operations=80),
}
# The smoke size cuts its territories in these departments (PACA, then Lyon's and Paris's,
# whose split communes exercise the arrondissements), in this order, up to its size.
SMOKE_DEPARTMENTS = ("13", "84", "83", "06", "04", "05", "69", "75")

# Share of projects per stage: many young projects, fewer running ones, a few stopped.
STAGE_SHARES = {
    "initiative": 0.20, "diagnostic": 0.18, "health_project": 0.15, "statutes": 0.12,
    "aci_contract": 0.10, "coordinator_hiring": 0.08, "operating": 0.10,
    "paused": 0.04, "abandoned": 0.03,
}
PROFESSIONS = ["médecin généraliste", "infirmier", "pharmacien", "masseur-kinésithérapeute",
               "sage-femme", "chirurgien-dentiste", "orthophoniste", "podologue", "psychologue"]
# The library's ids (`cpts_workflow.members`): professionals in the libéraux collège, mostly;
# structures in theirs.
PROFESSIONAL_COLLEGES = ["liberaux"] * 8 + ["structures", "usagers"]
STRUCTURE_COLLEGES = ["structures", "etablissements", "medico_social"]
STRUCTURE_KINDS = {"structures": "msp", "etablissements": "etablissement",
                   "medico_social": "medico_social"}
ROLES = ["president", "treasurer", "secretary"]
START = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
CHUNK = 5_000


@dataclass(frozen=True)
class Commune:
    insee: str
    departement: str
    population: int | None


@dataclass
class NationalBase:
    """What the measurements need to know about the generated base."""

    url: str
    size: Size
    communes: list[Commune]  # those the territories were cut from
    communes_source: str
    sample_slug: str = ""
    slugs: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def reference_communes(size: Size) -> tuple[list[Commune], str]:
    """Communes (not arrondissements) of the shipped reference, in INSEE code order: all of
    them for the national size, those of `SMOKE_DEPARTMENTS` for the smoke size."""
    from cpts_workflow.territory.reference import shipped_reference

    reference = shipped_reference()
    every = sorted((c for c in reference.communes.values() if c.type == "COM"),
                   key=lambda c: c.insee)
    if size.name == "smoke":
        order = {d: i for i, d in enumerate(SMOKE_DEPARTMENTS)}
        every = sorted((c for c in every if c.departement in order),
                       key=lambda c: (order[c.departement], c.insee))
    communes = [Commune(c.insee, c.departement, c.population) for c in every[: size.communes]]
    return communes, f"{reference.label}, {len(communes)} communes"


def build(url: str, size: Size, seed: int = 42) -> NationalBase:
    """Create the schema (Alembic, as a user would) then bulk-insert a whole base."""
    rng = random.Random(seed)
    ws = Workspace(url, actor="Générateur")
    ws.init()
    ws.db.dispose()
    definition = WorkflowCatalog().get()
    communes, source = reference_communes(size)
    base = NationalBase(url=url, size=size, communes=communes, communes_source=source)
    officers = [f"Chargé·e {n:02d}" for n in range(1, max(2, size.projects // 25) + 1)]
    stage_of = _stage_plan(size.projects, rng)
    stage_ids = list(definition.stage_ids)

    projects, states, events, members, territory = [], [], [], [], []
    now = START + timedelta(days=1400)
    for pid in range(1, size.projects + 1):
        stage = stage_of[pid - 1]
        slug = f"cpts-{pid:04d}"
        created = START + timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 600))
        reached = stage if stage in stage_ids else rng.choice(stage_ids[:4])
        index = stage_ids.index(reached)
        projects.append(dict(
            id=pid, slug=slug, name=f"CPTS {pid:04d} du territoire {rng.randint(1, 99)}",
            officer=rng.choice(officers), workflow_id=definition.id,
            workflow_version=definition.version, stage=stage,
            resume_stage=reached if stage == "paused" else None, created_at=created,
            created_by="Générateur", updated_at=now, stage_entered_at=created + timedelta(days=60 * index),
            row_version=1,
        ))
        base.slugs.append(slug)
        at = created
        events.append(_event(pid, at, "created", to_stage=stage_ids[0]))
        for s_index, st in enumerate(definition.stages[: index + 1]):
            for item in st.items:
                current = s_index == index
                roll = rng.random()
                if current and roll < 0.5:
                    continue
                status = "not_applicable" if not item.required and roll > 0.8 else "done"
                at += timedelta(hours=rng.randint(1, 72))
                states.append(dict(
                    project_id=pid, item_id=item.id, status=status,
                    note="fait en réunion" if item.evidence == "note" else None,
                    value="2025-03-01" if item.evidence == "date" else None,
                    reason="sans objet ici" if status == "not_applicable" else None,
                    due_date=date(2026, 1, 1) + timedelta(days=rng.randint(0, 400)) if current else None,
                    updated_by="Générateur", updated_at=at,
                ))
                events.append(_event(pid, at, "checked" if status == "done" else "skipped",
                                     item_id=item.id))
            if s_index < index:
                events.append(_event(pid, at, "advanced", from_stage=st.id, to_stage=stage_ids[s_index + 1]))
        if stage in ("paused", "abandoned"):
            events.append(_event(pid, at, stage, from_stage=reached, to_stage=stage, comment="raison"))
        for m in range(size.members):
            legal = m % 10 == 9
            college = rng.choice(STRUCTURE_COLLEGES if legal else PROFESSIONAL_COLLEGES)
            members.append(dict(
                project_id=pid, legal=legal,
                name=f"Structure {m}" if legal else f"Professionnel·le {pid}-{m}",
                profession=None if legal else rng.choice(PROFESSIONS),
                structure_kind=STRUCTURE_KINDS[college] if legal else None, college=college,
                role=ROLES[m] if m < len(ROLES) else None,
                rpps=None if legal else f"{10_000_000_000 + pid * 100 + m}",
                email=f"membre{pid}.{m}@exemple.fr", created_at=created, updated_at=created,
            ))
    territory = _territories(size.projects, communes, _arrondissements(), rng)
    # Pad the audit trail with everyday changes up to the wanted number of events.
    for n in range(max(0, size.events - len(events))):
        pid = rng.randint(1, size.projects)
        events.append(_event(pid, START + timedelta(minutes=n * 7), rng.choice(["due_set", "unchecked", "checked"]),
                             item_id=rng.choice(list(definition._items_by_id))))

    engine = create_engine(url)
    with engine.begin() as conn:
        for model, rows in ((Project, projects), (ChecklistState, states), (Event, events),
                            (Member, members), (ProjectCommune, territory)):
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(model.__table__), rows[start : start + CHUNK])
    if engine.dialect.name == "postgresql":
        # Ids were given explicitly: move the sequences past them so the library can insert.
        with engine.begin() as conn:
            for table in ("projects", "checklist_states", "events", "members"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    base.sample_slug = next(p["slug"] for p in projects if p["stage"] == "health_project") \
        if any(p["stage"] == "health_project" for p in projects) else projects[0]["slug"]
    base.counts = {"projects": len(projects), "checklist_states": len(states), "events": len(events),
                   "members": len(members), "project_communes": len(territory), "communes": len(communes)}
    return base


def _stage_plan(n: int, rng: random.Random) -> list[str]:
    plan = [stage for stage, share in STAGE_SHARES.items() for _ in range(max(1, round(n * share)))]
    plan = (plan + ["initiative"] * n)[:n]
    rng.shuffle(plan)
    return plan


def _event(pid: int, at: datetime, kind: str, **fields) -> dict:
    return dict(project_id=pid, at=at, actor="Générateur", kind=kind, from_stage=fields.get("from_stage"),
                to_stage=fields.get("to_stage"), item_id=fields.get("item_id"),
                comment=fields.get("comment"), payload=None)


def _arrondissements() -> dict[str, tuple[str, ...]]:
    from cpts_workflow.territory.reference import shipped_reference

    return shipped_reference().arrondissements


def _territories(n_projects: int, communes: list[Commune],
                 arrondissements: dict[str, tuple[str, ...]], rng: random.Random) -> list[dict]:
    """Consecutive runs of communes per project; about 8 % left out (white zones), a few
    communes shared with the next project, and, for each split commune a project holds
    (Paris, Lyon, Marseille), its first arrondissement held by the next project too
    (overlaps, forced with a reason)."""
    rows: list[dict] = []
    per = max(1, int(len(communes) * 0.92 / n_projects))
    position = 0

    def claim(pid: int, insee: str, reason: str | None = None) -> None:
        rows.append(dict(project_id=pid, insee=insee, added_at=START, added_by="Générateur",
                         forced_reason=reason))

    for pid in range(1, n_projects + 1):
        if rng.random() < 0.08:
            position += per  # a white zone
        take = max(1, rng.randint(per // 2, per + per // 2))
        chunk = communes[position : position + take]
        position += take
        for c in chunk:
            claim(pid, c.insee)
            if c.insee in arrondissements and pid < n_projects:
                claim(pid + 1, arrondissements[c.insee][0], "accord des deux projets")
        if pid < n_projects and rng.random() < 0.05:
            for c in communes[position : position + 2]:  # overlaps with the next project
                claim(pid, c.insee, "accord des deux projets")
    return rows
