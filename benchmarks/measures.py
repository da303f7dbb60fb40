"""The measurements: one function each, returning rows of (time, baseline, ratio, target).

Every time is the median of several repeats, and every target is a ratio to a baseline
measured in the same run (interleaved with it), so that a busy machine slows both.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .generate import NationalBase
from .timing import (
    command_works,
    counting_queries,
    cpts_command,
    paired_medians,
    run_process,
)

PYTHON = sys.executable
CLICK_FLOOR = [PYTHON, "-c", "import click"]
IMPORT_FLOOR = [PYTHON, "-c", "import sqlalchemy.orm, pydantic, transitions, click"]


@dataclass
class Row:
    key: str
    label: str
    baseline_label: str
    value: float | None = None
    baseline: float | None = None
    target: float | None = None  # a ratio, or megabytes when unit is "Mo"
    unit: str = "s"
    queries: int | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.baseline in (None, 0) or self.unit == "Mo":
            return None
        return self.value / self.baseline

    @property
    def status(self) -> str:
        if self.value is None:
            return self.note or "non mesuré"
        if self.target is None:
            return "information"
        measured = self.value if self.unit == "Mo" else self.ratio
        return "atteint" if measured is not None and measured <= self.target else "NON ATTEINT"

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "status": self.status}


@dataclass
class Bench:
    base: NationalBase
    repeats: int
    workdir: Path

    @property
    def env(self) -> dict[str, str]:
        return {"CPTS_DATABASE_URL": self.base.url, "CPTS_ACTOR": "Banc d'essai"}

    def workspace(self, now: datetime | None = None):
        from cpts_workflow.workspace import Workspace

        if now is None:
            return Workspace(self.base.url, actor="Banc d'essai")
        return Workspace(self.base.url, actor="Banc d'essai", now=lambda: now)

    @property
    def sqlite_path(self) -> str | None:
        prefix = "sqlite:///"
        return self.base.url[len(prefix):] if self.base.url.startswith(prefix) else None


Measure = Callable[[Bench], list[Row]]


def _command_row(bench: Bench, key: str, label: str, args: list[str], floor: list[str],
                 floor_label: str, target: float) -> Row:
    row = Row(key, label, floor_label, target=target)
    argv = [*cpts_command(), *args]
    works, error = command_works(argv, bench.env)
    if not works:
        row.note = f"non mesuré : « cpts {' '.join(args)} » échoue ({error[:80]})"
        return row
    baseline = run_process(floor)
    baseline()  # the command's warm-up was the check above
    row.value, row.baseline = paired_medians(run_process(argv, bench.env), baseline, bench.repeats,
                                             warmed=True)
    return row


# --- whole commands ------------------------------------------------------------------


def cli_help(bench: Bench) -> list[Row]:
    return [_command_row(bench, "cli_help", "cpts --help (démarrage à froid)", ["--help"],
                         CLICK_FLOOR, "python -c 'import click'", 2.0)]


def cli_list_show(bench: Bench) -> list[Row]:
    floor = "import sqlalchemy.orm, pydantic, transitions, click"
    show = _command_row(bench, "cli_show", f"cpts show {bench.base.sample_slug}",
                        ["show", bench.base.sample_slug], IMPORT_FLOOR, floor, 1.5)
    listing = _command_row(bench, "cli_list_json", "cpts list --json", ["list", "--json"],
                           IMPORT_FLOOR, floor, 1.5)
    # The SQL each command runs once its base is open (schema check included).
    ws = bench.workspace()
    with counting_queries(ws.db.engine) as counter:
        ws.detail(bench.base.sample_slug)
    show.queries = counter.count
    with counting_queries(ws.db.engine) as counter:
        ws.list_projects()
    listing.queries = counter.count
    ws.db.dispose()
    return [show, listing]


def cli_report(bench: Bench) -> list[Row]:
    return [_command_row(bench, "cli_report_json", "cpts report --format json",
                         ["report", "--format", "json"], IMPORT_FLOOR,
                         "import sqlalchemy.orm, pydantic, transitions, click", 2.5)]


# --- inside one process --------------------------------------------------------------

PROJECT_SQL = (
    "SELECT id, slug, name, officer, stage, workflow_id, workflow_version, created_at, "
    "updated_at, stage_entered_at, row_version FROM projects ORDER BY name, id"
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _hand_written_list(path: str, labels: dict[str, str], status: dict[str, str]) -> list[dict]:
    with sqlite3.connect(path) as conn:
        return [
            dict(id=r[0], slug=r[1], name=r[2], officer=r[3], stage=r[4], stage_label=labels.get(r[4], r[4]),
                 status=status.get(r[4], "active"), workflow_id=r[5], workflow_version=r[6],
                 created_at=_utc(r[7]), updated_at=_utc(r[8]), stage_entered_at=_utc(r[9]),
                 row_version=r[10])
            for r in conn.execute(PROJECT_SQL)
        ]


def portfolio_list(bench: Bench) -> list[Row]:
    """`Workspace.list_projects()` against the same rows read with sqlite3 by hand."""
    row = Row("portfolio_list", "liste du portefeuille (Workspace.list_projects)",
              "SQL écrit à la main (sqlite3)", target=3.0)
    if bench.sqlite_path is None:
        row.note = "non mesuré : la référence sqlite3 demande une base SQLite"
        return [row]
    ws = bench.workspace()
    definition = ws.definition()
    labels = {s.id: s.label for s in (*definition.stages, *definition.side_states)}
    status = {s.id: {"pause": "paused", "end": "abandoned"}[s.kind] for s in definition.side_states}
    library = [p.to_dict() for p in ws.list_projects()]
    by_hand = _hand_written_list(bench.sqlite_path, labels, status)
    assert [p["slug"] for p in library] == [p["slug"] for p in by_hand], "résultats différents"
    with counting_queries(ws.db.engine) as counter:
        ws.list_projects()
    row.queries = counter.count
    row.value, row.baseline = paired_medians(
        ws.list_projects, lambda: _hand_written_list(bench.sqlite_path, labels, status), bench.repeats
    )
    ws.db.dispose()
    return [row]


def _library_row(bench: Bench, row: Row, ws, subject: Callable[[], Any],
                 baseline: Callable[[], Any], check: Callable[[Any, Any], None]) -> list[Row]:
    """Time a library call against its baseline, interleaved. Their first calls warm both
    up, count the library's SQL, and give the results `check` compares: a baseline that
    computed something else would make the ratio meaningless."""
    try:
        with counting_queries(ws.db.engine) as counter:
            found = subject()
        row.queries = counter.count
        check(found, baseline())
        row.value, row.baseline = paired_medians(subject, baseline, bench.repeats, warmed=True)
    finally:
        ws.db.dispose()
    return [row]


# --- the national report -------------------------------------------------------------

# The six queries of `cpts_workflow.reports.queries._fetch`, written by hand.
REPORT_SQL = {
    "projects": "SELECT id, slug, name, officer, stage, resume_stage, stage_entered_at, "
                "workflow_id, workflow_version FROM projects ORDER BY name, id",
    # The newest event of each project, one index seek per project (as the library does).
    "last_events": "SELECT e.project_id, e.at, e.kind FROM events e JOIN (SELECT (SELECT id FROM "
                   "events WHERE project_id = p.id ORDER BY at DESC, id DESC LIMIT 1) AS eid "
                   "FROM projects p) l ON e.id = l.eid",
    "done_items": "SELECT project_id, item_id FROM checklist_states WHERE status <> 'todo'",
    "communes": "SELECT project_id, insee FROM project_communes",
    "overlapping": "SELECT insee FROM project_communes WHERE project_id NOT IN "
                   "(SELECT id FROM projects WHERE stage = :ended) GROUP BY insee HAVING COUNT(*) > 1",
    "stage_changes": "SELECT project_id, to_stage, at, LEAD(at) OVER (PARTITION BY project_id "
                     "ORDER BY at, id) FROM events WHERE to_stage IS NOT NULL",
}


@dataclass(frozen=True)
class ReportPlan:
    """What the hand-written report knows without a query: the workflow (one definition,
    as in the generated base) and the communes reference, both held in memory as the
    library holds them."""

    stage_ids: tuple[str, ...]
    items: dict[str, tuple[str, ...]]  # stage → its checklist items
    required: dict[str, tuple[str, ...]]
    paused: str
    ended: str
    # insee → (population, commune it is an arrondissement of, department, region)
    facts: dict[str, tuple[int | None, str | None, str, str]]
    communes: tuple[tuple[str, int | None], ...]  # (region, population) of every commune
    now: datetime
    stalled_days: int = 60

    @classmethod
    def of(cls, ws, now: datetime) -> ReportPlan:
        from cpts_workflow.reports import DEFAULT_STALLED_DAYS
        from cpts_workflow.territory.reference import reference_for

        definition = ws.definition()
        with ws.session() as session:
            reference = reference_for(session)
        return cls(
            stage_ids=tuple(definition.stage_ids),
            items={s.id: tuple(i.id for i in s.items) for s in definition.stages},
            required={s.id: tuple(i.id for i in s.items if i.required) for s in definition.stages},
            paused=definition.side_state("pause").id, ended=definition.side_state("end").id,
            facts={c.insee: (c.population, c.commune_parent, c.departement, c.region)
                   for c in reference.communes.values()},
            communes=tuple((c.region, c.population) for c in reference.communes.values()
                           if c.type == "COM"),
            now=now, stalled_days=DEFAULT_STALLED_DAYS,
        )


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _population(codes: set[str], facts: dict) -> int | None:
    known = [(c, facts[c]) for c in codes if c in facts]
    if not known or all(f[0] is None for _, f in known):
        return None
    return sum(f[0] or 0 for _, f in known if not (f[1] and f[1] in codes))


def _hand_written_report(path: str, plan: ReportPlan) -> dict[str, Any]:
    """The national report's figures from the same six queries, run through sqlite3."""
    with sqlite3.connect(path) as conn:
        projects = conn.execute(REPORT_SQL["projects"]).fetchall()
        last = {pid: (at, kind) for pid, at, kind in conn.execute(REPORT_SQL["last_events"])}
        done: dict[int, set[str]] = defaultdict(set)
        for pid, item in conn.execute(REPORT_SQL["done_items"]):
            done[pid].add(item)
        communes: dict[int, set[str]] = defaultdict(set)
        for pid, insee in conn.execute(REPORT_SQL["communes"]):
            communes[pid].add(insee)
        overlapping = {insee for (insee,) in conn.execute(REPORT_SQL["overlapping"],
                                                            {"ended": plan.ended})}
        changes: dict[int, list[tuple[str, datetime, datetime | None]]] = defaultdict(list)
        for pid, stage, at, left in conn.execute(REPORT_SQL["stage_changes"]):
            changes[pid].append((stage, _at(at), _at(left)))
    order = {s: i for i, s in enumerate(plan.stage_ids)}
    rows = []
    for pid, slug, _name, officer, stage, resume, _entered, _wf, _version in projects:
        status = "paused" if stage == plan.paused else "abandoned" if stage == plan.ended else "active"
        position = resume or stage
        mine = done.get(pid, set())
        items = plan.items.get(position, ())
        codes = communes.get(pid, set())
        at, kind = last.get(pid, (None, None))
        last_at = _at(at)
        since = None if last_at is None else max(0, (plan.now - last_at).days)
        flags = []
        if status == "active" and since is not None and since >= plan.stalled_days:
            flags.append("stalled")
        if status != "active":
            flags.append(status)
        if status != "abandoned" and codes & overlapping:
            flags.append("overlap")
        rows.append(dict(
            id=pid, slug=slug, officer=officer, status=status, position=position,
            checklist_done=sum(1 for i in items if i in mine), checklist_total=len(items),
            required_todo=[i for i in plan.required.get(position, ()) if i not in mine],
            last_event_at=last_at, last_event_kind=kind, days_since_last_event=since,
            communes=len(codes), population=_population(codes, plan.facts),
            departments=sorted({plan.facts[c][2] for c in codes if c in plan.facts}), flags=flags,
        ))
    kept = [r for r in rows if r["status"] != "abandoned"]
    counts = Counter(r["position"] for r in kept)
    paused = Counter(r["position"] for r in rows if r["status"] == "paused")
    spent: dict[str, list[float]] = defaultdict(list)
    positions = {r["id"]: r["position"] for r in rows}
    for pid, visits in changes.items():
        position = order.get(positions.get(pid, ""), -1)
        if position < 0:
            position = next((order[s] for s, _, _ in reversed(visits) if s in order), -1)
        total: dict[str, float] = defaultdict(float)
        for stage, entered, left in visits:
            if left is not None and stage in order:
                total[stage] += (left - entered).total_seconds() / 86400
        for stage, days in total.items():
            if order[stage] < position:
                spent[stage].append(days)
    regions = Counter(plan.facts[c][3] for r in kept for c in communes.get(r["id"], ())
                      if c in plan.facts)
    region = regions.most_common(1)[0][0] if regions else None
    in_region = {c for r in kept for c in communes.get(r["id"], ())
                 if c in plan.facts and plan.facts[c][3] == region}
    return {
        "projects": rows,
        "funnel": [(s, counts[s], paused[s]) for s in plan.stage_ids],
        "abandoned": len(rows) - len(kept),
        "durations": [(s, round(statistics.median(spent[s]), 1) if spent[s] else None, len(spent[s]))
                      for s in plan.stage_ids],
        "officers": sorted(Counter(r["officer"] for r in kept).items(), key=lambda kv: (-kv[1], kv[0])),
        "region": region,
        "region_population": sum(p or 0 for r, p in plan.communes if r == region),
        "covered_population": _population(in_region, plan.facts) or 0,
    }


def report_figures(bench: Bench) -> list[Row]:
    """`reports.portfolio(ws)` against the same six queries by hand through sqlite3."""
    from cpts_workflow.reports import portfolio

    row = Row("report_figures", "chiffres du rapport national (reports.portfolio)",
              "les six mêmes requêtes écrites à la main (sqlite3)", target=3.0)
    if bench.sqlite_path is None:
        row.note = "non mesuré : la référence sqlite3 demande une base SQLite"
        return [row]
    now = datetime.now(UTC)
    ws = bench.workspace(now=now)
    plan = ReportPlan.of(ws, now)
    return _library_row(bench, row, ws, lambda: portfolio(ws),
                        lambda: _hand_written_report(bench.sqlite_path, plan), _same_report)


def _same_report(report, by_hand: dict[str, Any]) -> None:
    """The figures both sides give agree (else the comparison would be meaningless)."""
    def check(what: str, library: object, hand: object) -> None:
        assert library == hand, f"rapport : {what} différent(e)s — bibliothèque {library!r}, à la main {hand!r}"

    check("projets", [p.slug for p in report.projects], [p["slug"] for p in by_hand["projects"]])
    check("entonnoir", [(f.stage, f.count, f.paused) for f in report.funnel], by_hand["funnel"])
    check("abandons", report.abandoned, by_hand["abandoned"])
    check("durées", [(d.stage, d.median_days, d.finished) for d in report.durations],
          by_hand["durations"])
    check("chargé·es de mission", [(o.officer, o.count) for o in report.officers], by_hand["officers"])
    keys = ("checklist_done", "checklist_total", "required_todo", "last_event_at", "last_event_kind",
            "days_since_last_event", "communes", "population", "departments", "flags")
    for mine, hand in zip(report.projects, by_hand["projects"], strict=True):
        check(f"{mine.slug}", {k: getattr(mine, k) for k in keys}, {k: hand[k] for k in keys})
    if report.coverage is not None:
        check("couverture", (report.coverage.region, report.coverage.region_population,
                             report.coverage.covered_population),
              (by_hand["region"], by_hand["region_population"], by_hand["covered_population"]))


def _fresh_initiative_projects(bench: Bench, count: int, tag: str) -> list[int]:
    """Projects at the first stage with an empty checklist, inserted without timing."""
    from sqlalchemy import insert, select

    from cpts_workflow.store.models import Event, Project

    ws = bench.workspace()
    now = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    definition = ws.definition()
    with ws.db.engine.begin() as conn:
        first = (conn.scalar(select(Project.id).order_by(Project.id.desc()).limit(1)) or 0) + 1
        ids = list(range(first, first + count))
        conn.execute(insert(Project.__table__), [
            dict(id=i, slug=f"ops-{tag}-{i}", name=f"Opérations {tag} {i}", officer="Banc",
                 workflow_id=definition.id, workflow_version=definition.version,
                 stage=definition.initial, created_at=now, created_by="Banc", updated_at=now,
                 stage_entered_at=now, row_version=1)
            for i in ids
        ])
        conn.execute(insert(Event.__table__), [
            dict(project_id=i, at=now, actor="Banc", kind="created", to_stage=definition.initial)
            for i in ids
        ])
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('projects', 'id'), "
                                 "(SELECT MAX(id) FROM projects))")
    ws.db.dispose()
    return ids


def operations(bench: Bench) -> list[Row]:
    """`total` check/advance operations through the library, against the same writes done
    with raw SQLAlchemy Core (one transaction each: the change, the event, the project)."""
    from sqlalchemy import insert, update

    from cpts_workflow.store.models import ChecklistState, Event, Project

    total = bench.base.size.operations
    ws = bench.workspace()
    definition = ws.definition()
    stage = definition.stages[0]
    items = [i for i in stage.items if i.required]
    per_project = len(items) + 1  # check every required item, then advance
    count = max(1, total // per_project)
    engine = ws.db.engine
    now = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    next_stage = definition.stage_ids[1]
    rounds = max(1, min(3, bench.repeats))  # each round is already 1 000 operations
    library_times, core_times = [], []

    for r in range(rounds):
        lib_ids = _fresh_initiative_projects(bench, count, f"lib{r}")
        core_ids = _fresh_initiative_projects(bench, count, f"core{r}")
        start = time.perf_counter()
        for pid in lib_ids:
            for item in items:
                ws.check(f"ops-lib{r}-{pid}", item.id,
                         value="01/09/2026" if item.evidence == "date" else None)
            ws.advance(f"ops-lib{r}-{pid}")
        library_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for pid in core_ids:
            for item in items:
                with engine.begin() as conn:
                    conn.execute(insert(ChecklistState.__table__).values(
                        project_id=pid, item_id=item.id, status="done", updated_by="Banc",
                        updated_at=now, value="2026-09-01" if item.evidence == "date" else None))
                    conn.execute(insert(Event.__table__).values(
                        project_id=pid, at=now, actor="Banc", kind="checked", item_id=item.id))
                    conn.execute(update(Project.__table__).where(Project.id == pid).values(
                        updated_at=now, row_version=Project.row_version + 1))
            with engine.begin() as conn:
                conn.execute(update(Project.__table__).where(Project.id == pid).values(
                    stage=next_stage, stage_entered_at=now, updated_at=now,
                    row_version=Project.row_version + 1))
                conn.execute(insert(Event.__table__).values(
                    project_id=pid, at=now, actor="Banc", kind="advanced",
                    from_stage=stage.id, to_stage=next_stage))
        core_times.append(time.perf_counter() - start)
    # Queries of one check and one advance, to keep an eye on round trips.
    probe = _fresh_initiative_projects(bench, 1, "probe")[0]
    with counting_queries(engine) as counter:
        for item in items:
            ws.check(f"ops-probe-{probe}", item.id, value="01/09/2026" if item.evidence == "date" else None)
        ws.advance(f"ops-probe-{probe}")
    ws.db.dispose()
    return [Row("operations", f"{count * per_project} opérations check/advance (bibliothèque)",
                "SQLAlchemy Core brut : mise à jour + événement", value=statistics.median(library_times),
                baseline=statistics.median(core_times), target=2.0,
                queries=round(counter.count / per_project),
                note="requêtes : moyenne par opération")]


def engine_memory(bench: Bench) -> list[Row]:
    """Loading every project into the engine, in a fresh process: extra RSS and machines."""
    done = subprocess.run([PYTHON, "-m", "benchmarks.probe_engine", bench.base.url],
                          capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    row = Row("engine_memory", "tous les projets chargés dans le moteur",
              "RSS avant chargement", unit="Mo", target=30.0)
    if done.returncode != 0:
        row.note = f"non mesuré : {done.stderr.strip().splitlines()[-1:]}"
        return [row]
    probe = json.loads(done.stdout)
    row.label = f"{probe['models']} projets chargés dans le moteur"
    row.value = round(probe["extra_rss_mb"], 1)
    row.baseline = round(probe["rss_before_mb"], 1)
    row.note = f"{probe['machines']} machine(s) transitions pour {probe['models']} projets"
    if probe["machines"] != 1:
        row.target = 0.0  # more than one machine fails the target whatever the memory
    return [row]


TERRITORY_SQL = ("SELECT pc.project_id, p.slug, pc.insee, pc.forced_reason FROM project_communes pc "
                 "JOIN projects p ON p.id = pc.project_id WHERE p.stage NOT IN ({})")

# (code, name, department, population) of a commune, as the reference holds it in memory.
CommuneLine = tuple[str, str, str, int | None]


def _plain_territory(path: str, communes: list[CommuneLine], names: dict[str, CommuneLine],
                     arrondissements: dict[str, tuple[str, ...]], inactive: list[str]) -> dict:
    """Overlaps and white zones by hand: one query, then dicts and sets over its rows.

    Same rules and same lists as the library: abandoned projects hold nothing, a split
    commune (Paris, Lyon, Marseille) is its arrondissements, two projects holding the same
    whole commune are one overlap (with its holders, resolved when one gave a reason), a
    commune is covered when all its arrondissements are; white zones listed by department
    and name (the library sorts names in natural order: « 2e » before « 10e »).
    """
    holders: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    reasons: dict[str, list[str]] = defaultdict(list)
    with sqlite3.connect(path) as conn:
        for _pid, slug, insee, reason in conn.execute(
                TERRITORY_SQL.format(", ".join("?" * len(inactive))), inactive):
            for atom in arrondissements.get(insee, (insee,)):
                holders[atom][slug].add(insee)
                if reason:
                    reasons[atom].append(reason)
    overlaps = {}
    for atom, by_project in holders.items():
        if len(by_project) > 1:
            held_as = set().union(*by_project.values())
            code = held_as.pop() if len(held_as) == 1 else atom
            key = (code, frozenset(by_project))
            if key not in overlaps:
                line = names.get(code)
                overlaps[key] = (code, line[1] if line else code, line[3] if line else None,
                                 bool(reasons.get(atom)), sorted(by_project))
    covered, covered_population, total_population, gaps, partial = 0, 0, 0, [], []
    for line in communes:
        insee, population = line[0], line[3] or 0
        total_population += population
        atoms = arrondissements.get(insee, (insee,))
        open_ = [a for a in atoms if a not in holders]
        if not open_:
            covered += 1
            covered_population += population
        elif len(open_) == len(atoms):
            gaps.append(line)
        else:
            partial.append(insee)
            gaps.extend(names[a] for a in open_)
            covered_population += sum(names[a][3] or 0 for a in atoms if a in holders)
    gaps.sort(key=lambda g: (g[2], g[1], g[0]))
    return {"overlaps": sorted(overlaps.values()), "communes": len(communes),
            "population": total_population, "covered": covered,
            "covered_population": covered_population, "partial": sorted(partial), "gaps": gaps,
            "gap_population": sum(g[3] or 0 for g in gaps)}


def _same_territory(found: tuple[Any, Any], by_hand: dict) -> None:
    overlaps, gaps = found
    library = {
        "overlaps": sorted((o.insee, o.population, o.resolved, sorted({c.project for c in o.claims}))
                           for o in overlaps.overlaps),
        "gaps": sorted(g.insee for g in gaps.gaps),
        "figures": (gaps.communes_total, gaps.population_total, gaps.covered_communes,
                    gaps.covered_population, gaps.partial, gaps.gap_population),
    }
    hand = {
        "overlaps": sorted((o[0], o[2], o[3], o[4]) for o in by_hand["overlaps"]),
        "gaps": sorted(g[0] for g in by_hand["gaps"]),
        "figures": (by_hand["communes"], by_hand["population"], by_hand["covered"],
                    by_hand["covered_population"], by_hand["partial"], by_hand["gap_population"]),
    }
    for key in library:
        assert library[key] == hand[key], f"territoire, {key} : bibliothèque {library[key]!r:.300}, " \
                                          f"à la main {hand[key]!r:.300}"
    assert hand["overlaps"] and hand["gaps"], "ni chevauchement ni zone blanche"


def territory(bench: Bench) -> list[Row]:
    """`territory.coverage.overlaps` and `gaps` of all France (as `cpts territory gaps`
    without filter), against a plain Python pass over the same rows."""
    from cpts_workflow.territory import coverage
    from cpts_workflow.territory.claims import inactive_for
    from cpts_workflow.territory.reference import reference_for

    row = Row("territory_france", "chevauchements + zones blanches, France entière",
              "passe Python dict/set sur les mêmes lignes", target=2.0)
    if bench.sqlite_path is None:
        row.note = "non mesuré : la référence sqlite3 demande une base SQLite"
        return [row]
    ws = bench.workspace()
    with ws.session() as session:
        reference = reference_for(session)
    # The reference in memory, as the library keeps it, and the stages holding no territory.
    names = {c.insee: (c.insee, c.nom, c.departement, c.population)
             for c in reference.communes.values()}
    communes = [names[c.insee] for c in reference.communes.values() if c.type == "COM"]
    arrondissements = dict(reference.arrondissements)
    inactive = sorted(inactive_for(ws))

    def library() -> tuple[Any, Any]:
        return coverage.overlaps(ws), coverage.gaps(ws)

    def plain() -> dict:
        return _plain_territory(bench.sqlite_path, communes, names, arrondissements, inactive)

    def check(found: tuple[Any, Any], by_hand: dict) -> None:
        _same_territory(found, by_hand)
        row.note = (f"{len(by_hand['overlaps'])} chevauchements, {len(by_hand['gaps'])} communes "
                    f"en zone blanche sur {by_hand['communes']}")

    return _library_row(bench, row, ws, library, plain, check)


# --- documents -----------------------------------------------------------------------

# Answers to the questions the shipped templates ask without a default.
SAMPLE_ANSWERS: dict[str, Any] = {
    "date_ag": "2027-03-15",
    "heure": "19 h 30",
    "heure_debut": "19 h 30",
    "heure_fin": "21 h 45",
    "lieu": "Salle des fêtes, 1 place de la Mairie, 13100 Aix-en-Provence",
    "presents": 42,
    "siege": "12 rue des Écoles, 13100 Aix-en-Provence",
    "ville": "Aix-en-Provence",
    "ville_signature": "Aix-en-Provence",
    "contact": "recrutement@cpts-exemple.fr",
    "constats": "Délais d'accès à un médecin traitant, soins non programmés difficiles à "
                "organiser le soir et le week-end, parcours des personnes âgées à coordonner.",
}


def _sample_answer(question) -> Any:
    """A plausible answer to a question, for a template added after this file was written."""
    if question.id in SAMPLE_ANSWERS:
        return SAMPLE_ANSWERS[question.id]
    by_type = {"date": "2027-03-15", "integer": 1, "number": 1, "boolean": True,
               "choice": question.choices[0] if question.choices else "à préciser",
               "multi_choice": list(question.choices[:1])}
    return by_type.get(question.type, "À préciser")


def answer_every_template(docs, slug: str) -> list[str]:
    """Save answers for every question without one (untimed setup); the template ids."""
    ids = [t.id for t in docs.templates()]
    for template_id in ids:
        stored = docs.stored_answers(slug, template_id)
        missing = {q.id: _sample_answer(q) for q in docs.template(template_id).questions
                   if q.required and q.default is None and q.id not in stored}
        if missing:
            docs.save_answers(slug, template_id, missing)
    if "statuts" in ids:
        # The PV is checked against the statutes: a board of the sample's size.
        docs.save_answers(slug, "statuts", {"ca_membres_min": 3})
    # A generated sample may not satisfy every cross-document rule (a PV needs an
    # administrator in each deliberative collège): such a template is left out, and said.
    from cpts_workflow.errors import CptsError

    kept = []
    for template_id in ids:
        try:
            docs.render(slug, template_id)
        except CptsError as refused:
            print(f"  ({template_id} laissé de côté : {refused.message})")
        else:
            kept.append(template_id)
    return kept


def documents(bench: Bench) -> list[Row]:
    """Every document template of one project as DOCX through `Documents.generate_many`,
    against one raw pandoc call per document (its Markdown rendered beforehand)."""
    import pypandoc

    from cpts_workflow.documents import Documents
    from cpts_workflow.documents.convert import MARKDOWN

    slug = bench.base.sample_slug
    row = Row("documents_docx", f"tous les documents de {slug} (DOCX)",
              "un appel pandoc brut par document", target=1.5)
    out = Path(tempfile.mkdtemp(dir=bench.workdir))
    ws = bench.workspace()
    docs = Documents(ws)
    ids = answer_every_template(docs, slug)
    # The Markdown and the pandoc options `convert._pandoc` uses (title and language).
    sources = [(docs.render(slug, t)[0], docs.template(t).title) for t in ids]

    def raw() -> None:
        for n, (markdown, title) in enumerate(sources):
            pypandoc.convert_text(markdown, "docx", format=MARKDOWN, outputfile=str(out / f"raw-{n}.docx"),
                                  extra_args=[f"--metadata=pagetitle:{title}", "--metadata=lang:fr-FR"])

    def library() -> tuple[list, list]:
        return docs.generate_many(slug, ids, ["docx"])

    def check(found: tuple[list, list], _raw: None) -> None:
        written, failed = found
        assert not failed and len(written) == len(ids), f"documents en échec : {failed}"
        row.note = f"{len(written)} documents"

    return _library_row(bench, row, ws, library, raw, check)


def postgresql_commands(bench: Bench) -> list[Row]:
    """The same national list, show and report on PostgreSQL (information, next to SQLite's)."""
    admin = os.environ.get("CPTS_TEST_POSTGRES_URL")
    rows = {
        "list": (Row("pg_list_json", "PostgreSQL : cpts list --json", "plancher d'imports"),
                 ["list", "--json"]),
        "show": (Row("pg_show", "PostgreSQL : cpts show", "plancher d'imports"), ["show"]),
        "report": (Row("pg_report_json", "PostgreSQL : cpts report --format json", "plancher d'imports"),
                   ["report", "--format", "json"]),
    }
    if not admin:
        for row, _args in rows.values():
            row.note = "non mesuré : CPTS_TEST_POSTGRES_URL non défini"
        return [row for row, _args in rows.values()]
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from .generate import build

    name = "cpts_bench"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        pg = build(url, bench.base.size)
        env = {"CPTS_DATABASE_URL": url, "CPTS_ACTOR": "Banc d'essai"}
        floor = run_process(IMPORT_FLOOR)
        for key, (row, args) in rows.items():
            argv = [*cpts_command(), *args, *([pg.sample_slug] if key == "show" else [])]
            works, error = command_works(argv, env)
            if not works:
                row.note = f"non mesuré : « cpts {' '.join(args)} » échoue ({error[:80]})"
                continue
            floor()  # the command's warm-up was the check above
            row.value, row.baseline = paired_medians(run_process(argv, env), floor, bench.repeats,
                                                     warmed=True)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    return [row for row, _args in rows.values()]


WORKSPACES_PER_BATCH = 1000


def workspace_per_request(bench: Bench) -> list[Row]:
    """`App.workspace(account)`, what a server does on every request, against the cheapest
    thing a request does anyway: one `SELECT 1` through the same pool."""
    from sqlalchemy import text

    from cpts_workflow.accounts import Account
    from cpts_workflow.app import App

    app = App(bench.base.url)
    now = datetime.now(UTC)
    # An account as a session lookup gives it: a porteur of one project.
    account = Account(id=1, login="banc", name="Banc d'essai", role="porteur", active=True,
                      project_ids=(1,), projects=("cpts-0001",), created_at=now, updated_at=now)
    n = WORKSPACES_PER_BATCH

    def workspaces() -> None:
        for _ in range(n):
            app.workspace(account)

    def queries() -> None:
        for _ in range(n):
            with app.db.session() as session:
                session.execute(text("SELECT 1"))

    row = Row("workspace_per_request", f"{n} espaces de travail par requête (App.workspace)",
              f"{n} × SELECT 1 par le même pool", target=0.5)
    try:
        assert app.workspace(account).account == account
        row.value, row.baseline = paired_medians(workspaces, queries, bench.repeats)
        row.note = f"{row.value / n * 1e6:.1f} µs par espace de travail"
    finally:
        app.dispose()
    return [row]


MEASURES: dict[str, Measure] = {
    "cli_help": cli_help,
    "cli_list_show": cli_list_show,
    "cli_report": cli_report,
    "portfolio_list": portfolio_list,
    "report_figures": report_figures,
    "engine_memory": engine_memory,
    "operations": operations,
    "territory": territory,
    "documents": documents,
    "workspace_per_request": workspace_per_request,
}
OPTIONAL: dict[str, Measure] = {"postgresql": postgresql_commands}
