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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .features import Unplugged, all_documents, portfolio_report, territory_pass
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

    def workspace(self):
        from cpts_workflow.workspace import Workspace

        return Workspace(self.base.url, actor="Banc d'essai")

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
    row.value, row.baseline = paired_medians(run_process(argv, bench.env), run_process(floor),
                                             bench.repeats)
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


REPORT_SQL = {
    "by_stage": "SELECT stage, COUNT(*) FROM projects GROUP BY stage",
    "by_officer": "SELECT officer, stage, COUNT(*) FROM projects GROUP BY officer, stage",
    "last_event": "SELECT project_id, MAX(at) FROM events GROUP BY project_id",
    "overdue": "SELECT project_id, COUNT(*) FROM checklist_states WHERE status = 'todo' "
               "AND due_date < ? GROUP BY project_id",
    "members": "SELECT project_id, college, COUNT(*) FROM members WHERE erased_at IS NULL "
               "GROUP BY project_id, college",
    "communes": "SELECT project_id, COUNT(*) FROM project_communes GROUP BY project_id",
}


def _hand_written_report(path: str) -> dict:
    with sqlite3.connect(path) as conn:
        return {key: conn.execute(sql, ("2026-11-22",) if "?" in sql else ()).fetchall()
                for key, sql in REPORT_SQL.items()}


def report_figures(bench: Bench) -> list[Row]:
    """The national report's figures against the same figures from hand-written SQL."""
    row = Row("report_figures", "chiffres du rapport national (bibliothèque)",
              "SQL écrit à la main (sqlite3)", target=3.0)
    if bench.sqlite_path is None:
        row.note = "non mesuré : la référence sqlite3 demande une base SQLite"
        return [row]
    return _feature_row(bench, row, portfolio_report,
                        lambda: _hand_written_report(bench.sqlite_path))


def _feature_row(bench: Bench, row: Row, adapter: Callable[..., Callable[[], object]],
                 baseline: Callable[[], object]) -> list[Row]:
    """Time a feature of another branch through its adapter, or say why it cannot be."""
    ws = bench.workspace()
    try:
        run = adapter(ws)
        with counting_queries(ws.db.engine) as counter:
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - an adapter guessing a new API
                raise Unplugged(f"non mesuré : l'adaptateur de benchmarks/features.py est à "
                                f"brancher ({exc.__class__.__name__} : {exc})"[:200]) from exc
        row.queries = counter.count
        row.value, row.baseline = paired_medians(run, baseline, bench.repeats)
    except Unplugged as why:
        row.note = str(why)
    finally:
        ws.db.dispose()
    return [row]


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


def _plain_territory(bench: Bench) -> tuple[dict, dict]:
    """Overlaps and white zones by hand: a dict of sets over the same rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(bench.base.url)
    holders: dict[str, set[int]] = defaultdict(set)
    with engine.connect() as conn:
        for project_id, insee in conn.execute(text(
            "SELECT pc.project_id, pc.insee FROM project_communes pc JOIN projects p "
            "ON p.id = pc.project_id WHERE p.stage <> 'abandoned'"
        )):
            holders[insee].add(project_id)
    engine.dispose()
    overlaps = {insee: ids for insee, ids in holders.items() if len(ids) > 1}
    gaps: dict[str, list[str]] = defaultdict(list)
    for commune in bench.base.communes:
        if commune.insee not in holders:
            gaps[commune.departement].append(commune.insee)
    return overlaps, gaps


def territory(bench: Bench) -> list[Row]:
    row = Row("territory_france", "chevauchements + zones blanches, France entière",
              "passe Python dict/set sur les mêmes lignes", target=2.0)
    return _feature_row(bench, row, territory_pass, lambda: _plain_territory(bench))


def documents(bench: Bench) -> list[Row]:
    """All documents of one project as DOCX, against one raw pandoc call per document."""
    row = Row("documents_docx", f"tous les documents de {bench.base.sample_slug} (DOCX)",
              "un appel pandoc brut par document", target=1.5)
    out = Path(tempfile.mkdtemp(dir=bench.workdir))
    sources = _template_sources()

    def adapter(ws) -> Callable[[], object]:
        run = all_documents(ws, bench.base.sample_slug, out)
        if not sources:
            raise Unplugged("non mesuré : aucun modèle de document livré")
        return run

    def raw() -> None:
        import pypandoc

        for n, source in enumerate(sources):
            pypandoc.convert_text(source.read_text(encoding="utf-8"), "docx", format="md",
                                  outputfile=str(out / f"raw-{n}.docx"))

    return _feature_row(bench, row, adapter, raw)


def _template_sources() -> list[Path]:
    from cpts_workflow.resources import templates_dir

    return sorted(p for p in templates_dir().rglob("*.md") if p.is_file())


def postgresql_list_show(bench: Bench) -> list[Row]:
    """The same national list and show on PostgreSQL (information, next to SQLite's)."""
    admin = os.environ.get("CPTS_TEST_POSTGRES_URL")
    row_list = Row("pg_list_json", "PostgreSQL : cpts list --json", "plancher d'imports")
    row_show = Row("pg_show", "PostgreSQL : cpts show", "plancher d'imports")
    if not admin:
        for row in (row_list, row_show):
            row.note = "non mesuré : CPTS_TEST_POSTGRES_URL non défini"
        return [row_list, row_show]
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
        row_list.value, row_list.baseline = paired_medians(
            run_process([*cpts_command(), "list", "--json"], env), floor, bench.repeats)
        row_show.value, row_show.baseline = paired_medians(
            run_process([*cpts_command(), "show", pg.sample_slug], env), floor, bench.repeats)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    return [row_list, row_show]


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
}
OPTIONAL: dict[str, Measure] = {"postgresql": postgresql_list_show}
