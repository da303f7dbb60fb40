"""A realistic demonstration base: a dozen PACA projects at every stage, with histories.

Project names and people are invented; territories are real PACA communes (INSEE codes,
`data/demo/`). Histories are made through the library API with a clock moved over the
past two years, so the events are the ones real use would have written. A base that
holds projects not made by the demo is never touched unless the caller forces it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select

from . import french
from .clock import Clock, system_now
from .errors import Refused
from .resources import data_dir
from .store.models import Event, Member, Project, ProjectCommune
from .territory.reference import Reference, shipped_reference
from .workspace import Workspace

DEMO_ACTOR = "Démonstration cpts-workflow"
# Days each finished stage took (drawn between these bounds); nothing official, see README.
STAGE_DAYS = {"initiative": (45, 120), "diagnostic": (70, 160), "health_project": (90, 200),
              "statutes": (45, 110), "aci_contract": (50, 130), "coordinator_hiring": (35, 90)}
FIRST_NAMES = ["Camille", "Léa", "Hugo", "Manon", "Thomas", "Inès", "Lucas", "Chloé", "Mathieu",
               "Sarah", "Nicolas", "Émilie", "Antoine", "Julie", "Karim", "Pauline", "Olivier",
               "Margaux", "Rémi", "Sophie", "Yasmine", "François", "Élodie", "Bastien"]
LAST_NAMES = ["Martin", "Bernard", "Giraud", "Roux", "Fabre", "Blanc", "Garcia", "Mercier",
              "Faure", "Michel", "Arnaud", "Barthélemy", "Chabert", "Imbert", "Pellegrin",
              "Bonnet", "Rey", "Meunier", "Lambert", "Ferrand", "Aubert", "Ollivier", "Nguyen"]
# Collège, role and structure ids are those of `members.py` (French labels on screen).
PROFESSIONS = [("médecin généraliste", "liberaux"), ("infirmier·e", "liberaux"),
               ("masseur-kinésithérapeute", "liberaux"), ("pharmacien·ne", "liberaux"),
               ("sage-femme", "liberaux"), ("orthophoniste", "liberaux"),
               ("chirurgien-dentiste", "liberaux"), ("diététicien·ne", "liberaux")]
STRUCTURES = [("Maison de santé pluriprofessionnelle", "msp", "structures"),
              ("Centre hospitalier", "etablissement", "etablissements"),
              ("Ehpad", "medico_social", "medico_social"),
              ("SSIAD", "medico_social", "medico_social"),
              ("Association France Assos Santé", "association_usagers", "usagers")]


class MovingClock:
    """The demo's clock, moved forward by hand while a history is written."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class DemoResult:
    url: str
    projects: int
    events: int
    members: int


def default_demo_path() -> Path:
    """`cpts-demo.db` in the user data directory, apart from the real base."""
    from platformdirs import user_data_path

    from .store.database import APP_NAME

    return user_data_path(APP_NAME) / "cpts-demo.db"


def _specs() -> list[dict[str, Any]]:
    return yaml.safe_load((data_dir() / "demo" / "projects.yaml").read_text("utf-8"))["projects"]


def foreign_projects(ws: Workspace) -> int:
    """How many projects of the base were not made by the demo."""
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(Project)
                              .where(Project.created_by != DEMO_ACTOR)) or 0


def build_demo(url: str, *, force: bool = False, now: Clock = system_now,
               seed: int = 2026) -> DemoResult:
    """Fill `url` with the demo projects (replacing earlier demo projects, keeping others).

    Refused when the base holds projects not made by the demo, unless `force`.
    """
    end = now()
    clock = MovingClock(end)
    ws = Workspace(url, actor=DEMO_ACTOR, now=clock)
    try:
        ws.init()
        others = foreign_projects(ws)
        if others and not force:
            raise Refused(
                f"La base {ws.db.display_url} contient {french.plural(others, 'projet')} qui ne "
                "vient pas de la démonstration : elle n'est pas modifiée.",
                "Lancez « cpts demo » sans --db pour une base de démonstration séparée, ou "
                "ajoutez --force pour y ajouter les projets de démonstration.",
            )
        with ws.session() as session:
            session.execute(delete(Project).where(Project.created_by == DEMO_ACTOR))
        reference = shipped_reference()
        rng = random.Random(seed)
        for spec in _specs():
            _history(ws, clock, spec, end, rng, reference)
        with ws.session() as session:
            ids = select(Project.id).where(Project.created_by == DEMO_ACTOR)
            return DemoResult(
                url=url,
                projects=session.scalar(select(func.count()).select_from(ids.subquery())) or 0,
                events=session.scalar(select(func.count(Event.id)).where(Event.project_id.in_(ids))) or 0,
                members=session.scalar(select(func.count(Member.id)).where(Member.project_id.in_(ids))) or 0,
            )
    finally:
        ws.db.dispose()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _plan(spec: dict[str, Any], stages: list[str], end: datetime,
          rng: random.Random) -> tuple[list[tuple[str, float]], float]:
    """Durations of the finished stages, and the days spent so far in the current one."""
    target = stages.index(spec["stage"])
    finished = [(s, float(rng.randint(*STAGE_DAYS[s]))) for s in stages[:target]]
    situation = spec.get("situation")
    current = {"stalled": 160.0, "paused": 120.0}.get(situation or "", float(rng.randint(12, 75)))
    total = sum(d for _, d in finished) + current
    if total > 700:  # histories stay within the past two years
        scale = (700 - current) / (total - current)
        finished = [(s, d * scale) for s, d in finished]
    return finished, current


def _history(ws: Workspace, clock: MovingClock, spec: dict[str, Any], end: datetime,
             rng: random.Random, reference: Reference) -> None:
    definition = ws.definition()
    stages = list(definition.stage_ids)
    finished, current = _plan(spec, stages, end, rng)
    start = end - timedelta(days=sum(d for _, d in finished) + current)
    clock.current = datetime.combine(start.date(), time(9, 15), tzinfo=UTC)
    officer = spec["officer"]
    porteur = _person(rng)
    ws.actor = DEMO_ACTOR
    slug = ws.create_project(spec["name"], officer=officer).slug
    ws.actor = officer
    _territory(ws, clock, slug, spec, rng)
    _members(ws, clock, slug, porteur, rng, bureau=stages.index(spec["stage"]) > 3)
    population, _ = reference.population(spec["communes"])
    for stage, days in finished:
        stage_end = clock.current + timedelta(days=days)
        _tick(ws, clock, slug, definition.state(stage).items, stage_end, officer, porteur, rng,
              population, everything=True)
        clock.current = stage_end
        ws.actor = officer
        ws.advance(slug, comment=rng.choice([None, "Étape validée en comité de suivi."]))
    situation = spec.get("situation")
    items = definition.state(spec["stage"]).items
    if situation == "stalled":
        # Some work at first, then silence: nothing for the last 100 days.
        _tick(ws, clock, slug, items[:3], end - timedelta(days=100), officer, porteur, rng,
              population)
    elif situation == "paused":
        _tick(ws, clock, slug, items[:3], end - timedelta(days=45), officer, porteur, rng,
              population)
        clock.current = end - timedelta(days=41, hours=3)
        ws.actor = officer
        ws.pause(slug, reason="Départ du médecin porteur du projet ; reprise prévue à la rentrée.")
    else:
        share = rng.uniform(0.3, 0.8)
        chosen = [i for i in items if rng.random() < share]
        _tick(ws, clock, slug, chosen, end - timedelta(days=rng.randint(1, 12)), officer,
              porteur, rng, population)


def _tick(ws: Workspace, clock: MovingClock, slug: str, items: Any, until: datetime,
          officer: str, porteur: str, rng: random.Random, population: int,
          everything: bool = False) -> None:
    """Check items at evenly spread moments up to `until` (all required ones if `everything`)."""
    chosen = [i for i in items if i.required or not everything or rng.random() < 0.6]
    if not chosen:
        return
    step = (until - clock.current) / (len(chosen) + 1)
    for item in chosen:
        clock.current += step
        ws.actor = officer if item.role == "chargé de mission" else porteur
        value = {"date": french.short_date(clock.current),
                 "number": str(population) if item.id == "taille_confirmed"
                 else str(rng.randrange(120_000, 260_000, 5_000))}.get(item.evidence)
        if item.evidence == "note" and rng.random() < 0.4:
            ws.check(slug, item.id, note=rng.choice(
                ["Fait en réunion plénière.", "Compte rendu partagé avec l'Inter URPS.",
                 "Validé par le groupe de travail."]))
        else:
            ws.check(slug, item.id, value=value)


def _territory(ws: Workspace, clock: MovingClock, slug: str, spec: dict[str, Any],
               rng: random.Random) -> None:
    """The project's communes, with a forced reason on a commune another project holds."""
    clock.current += timedelta(days=rng.randint(3, 10))
    with ws.changing(slug, "territory") as (session, project):
        held = set(session.scalars(select(ProjectCommune.insee).join(Project).where(
            Project.stage != "abandoned", ProjectCommune.insee.in_(spec["communes"]))))
        for insee in spec["communes"]:
            session.add(ProjectCommune(
                project_id=project.id, insee=insee, added_at=clock.current, added_by=ws.actor,
                forced_reason="Patientèle partagée avec le bassin voisin ; à arbitrer avec l'ARS."
                if insee in held else None))
        ws.record_event(session, project, "territory_changed",
                        payload={"added": spec["communes"], "forced": sorted(held)})


def _members(ws: Workspace, clock: MovingClock, slug: str, porteur: str, rng: random.Random,
             bureau: bool) -> None:
    """A dozen professionals and a few structures; a bureau once the association exists."""
    clock.current += timedelta(days=rng.randint(2, 8))
    people = [porteur] + [_person(rng) for _ in range(rng.randint(8, 14))]
    roles = iter(["president", "secretary", "treasurer"] if bureau else [])
    with ws.changing(slug, "members") as (session, project):
        for index, name in enumerate(dict.fromkeys(people)):
            profession, college = PROFESSIONS[0] if index == 0 else rng.choice(PROFESSIONS)
            first, last = name.split(" ", 1)
            session.add(Member(
                project_id=project.id, legal=False, name=name, profession=profession,
                college=college, role=next(roles, None),
                email=f"{_ascii(first)}.{_ascii(last)}@exemple.fr",
                created_at=clock.current, updated_at=clock.current))
        for label, kind, college in rng.sample(STRUCTURES, 3):
            session.add(Member(project_id=project.id, legal=True,
                               name=f"{label} {rng.choice(LAST_NAMES)}", structure_kind=kind,
                               college=college, created_at=clock.current,
                               updated_at=clock.current))
        ws.record_event(session, project, "members_added", payload={"count": len(people) + 3})


def _ascii(text: str) -> str:
    from .workspace import slugify

    return slugify(text).replace("-", "")
