"""Portfolio figures from a handful of aggregated queries (never one query per project).

`portfolio()` runs six queries whatever the number of projects: the projects, their
last event, their checklist states, their communes, the communes held twice, and their
stage changes (with `LEAD()` giving when each stage was left). Everything else is
computed in Python from those rows, one function per figure. Days are counted against
the workspace's clock (`ws.now`), so that a fixed clock gives fixed figures.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..bulk import collector_paused
from ..errors import BadInput, CptsError
from ..officers import matching_officers
from ..stage_names import resolve_stage
from ..store.models import ChecklistState, Event, Member, Project, ProjectCommune
from .territory_link import CommuneFacts, TerritoryLink, department_of, load_link, population_of
from .views import (
    SCHEMA_VERSION,
    Coverage,
    Filters,
    OfficerCount,
    Portfolio,
    PortfolioRow,
    ProjectReport,
    StageCount,
    StageCoverage,
    StageDuration,
    StageVisit,
    StalledRow,
)

if TYPE_CHECKING:
    from ..workflow.definition import WorkflowDefinition
    from ..workspace import Workspace

DEFAULT_STALLED_DAYS = 60
Progress = Callable[[str], None]
# Steps announced to `progress`, so that a caller can size a progress bar.
PORTFOLIO_STEPS = ("projets", "dernières activités", "checklists", "territoires",
                   "durées des étapes", "synthèse")
_DEPARTMENT = re.compile(r"^(\d{2}|2A|2B|97\d)$")


@dataclass
class _Raw:
    """What the queries bring back, keyed by project id."""

    projects: list[Any]
    last_events: dict[int, Any]
    done_items: dict[int, set[str]]
    communes: dict[int, set[str]]
    overlapping: set[str]
    stage_changes: dict[int, list[tuple[str, datetime, datetime | None]]]


# --- queries -------------------------------------------------------------------------


def _selected(ws: Workspace, officers: list[str] | None, department: str | None,
              stage: str | None, since: date | None):
    """Ids of the projects the filters keep, as a subquery (no id lists in SQL).

    `officers`: the spellings of the officer asked for, as the projects hold them."""
    query = select(Project.id)
    if officers is not None:
        query = query.where(Project.officer.in_(officers))
    if stage:
        query = query.where(or_(Project.stage == stage, Project.resume_stage == stage))
    if department:
        query = query.where(Project.id.in_(
            select(ProjectCommune.project_id).where(ProjectCommune.insee.like(f"{department}%"))))
    if since:
        start = datetime.combine(since, time.min, tzinfo=ws.now().tzinfo)
        query = query.where(Project.id.in_(select(Event.project_id).where(Event.at >= start)))
    visible = ws.visible_clause(Project.id)
    return query if visible is None else query.where(visible)


def _fetch(session: Session, selected, progress: Progress, ended: str = "abandoned") -> _Raw:
    # Core rows on the session's connection, fetched all at once: the ORM's per-row loading
    # and row-by-row fetching doubled the time of these queries, which bring back some
    # 60 000 rows for a national portfolio.
    conn = session.connection()
    progress(PORTFOLIO_STEPS[0])
    projects = conn.execute(
        select(Project.id, Project.slug, Project.name, Project.officer, Project.stage,
               Project.resume_stage, Project.stage_entered_at, Project.workflow_id,
               Project.workflow_version)
        .where(Project.id.in_(selected)).order_by(Project.name, Project.id)
    ).all()

    progress(PORTFOLIO_STEPS[1])
    # The newest event of each project, found through the (project_id, at) index one
    # project at a time: a window ranking every event of the trail took seconds.
    newest = (
        select(Event.id).where(Event.project_id == Project.id)
        .order_by(Event.at.desc(), Event.id.desc()).limit(1)
        .correlate(Project).scalar_subquery()
    )
    latest = select(newest.label("event_id")).where(Project.id.in_(selected)).subquery()
    last_events = {r.project_id: r for r in conn.execute(
        select(Event.project_id, Event.at, Event.kind).join(latest, Event.id == latest.c.event_id))}

    progress(PORTFOLIO_STEPS[2])
    done_items: dict[int, set[str]] = defaultdict(set)
    for pid, item in conn.execute(
        select(ChecklistState.project_id, ChecklistState.item_id).where(
            ChecklistState.project_id.in_(selected), ChecklistState.status != "todo")
    ).all():
        done_items[pid].add(item)

    progress(PORTFOLIO_STEPS[3])
    communes: dict[int, set[str]] = defaultdict(set)
    for pid, insee in conn.execute(
        select(ProjectCommune.project_id, ProjectCommune.insee).where(
            ProjectCommune.project_id.in_(selected))
    ).all():
        communes[pid].add(insee)
    # (project, commune) is the key: counting rows counts projects. Leaving out the few
    # abandoned projects by id spares a join on each of the country's claims.
    ended_ids = select(Project.id).where(Project.stage == ended)
    shared = (
        select(ProjectCommune.insee)
        .where(ProjectCommune.project_id.not_in(ended_ids))
        .group_by(ProjectCommune.insee)
        .having(func.count() > 1)
    )
    if len(projects) == 1:  # one project's page: its own communes, not all of France's
        shared = shared.where(ProjectCommune.insee.in_(communes[projects[0].id] or {""}))
    overlapping = set(conn.execute(shared).scalars())

    progress(PORTFOLIO_STEPS[4])
    changes = select(
        Event.project_id, Event.to_stage, Event.at,
        func.lead(Event.at).over(partition_by=Event.project_id,
                                 order_by=(Event.at, Event.id)).label("left_at"),
        func.lead(Event.kind).over(partition_by=Event.project_id,
                                   order_by=(Event.at, Event.id)).label("left_by"),
    ).where(Event.project_id.in_(selected), Event.to_stage.is_not(None))
    stage_changes: dict[int, list[tuple[str, datetime, datetime | None]]] = defaultdict(list)
    for pid, stage, at, left_at, left_by in conn.execute(changes).all():
        if left_by == "sheet_imported":
            continue  # the moment between a sheet's row created and placed is no stage's duration
        stage_changes[pid].append((stage, _aware(at), _aware(left_at)))
    return _Raw(list(projects), last_events, done_items, communes, overlapping, stage_changes)


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    """Window-function results bypass the column type: SQLite gives naive UTC datetimes."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# --- one function per figure ---------------------------------------------------------


def days_between(start: datetime | None, now: datetime) -> int | None:
    """Whole days elapsed (a stage entered this morning has 0 days)."""
    return None if start is None else max(0, (now - start).days)


def funnel(rows: Iterable[PortfolioRow], definition: WorkflowDefinition) -> list[StageCount]:
    """Projects at each stage, in workflow order; paused ones count at the stage they left."""
    counts = Counter(r.position for r in rows if r.status != "abandoned")
    paused = Counter(r.position for r in rows if r.status == "paused")
    return [StageCount(s.id, s.label, counts[s.id], paused[s.id]) for s in definition.stages]


def stage_durations(
    changes: dict[int, list[tuple[str, datetime, datetime | None]]],
    positions: dict[int, str],
    definition: WorkflowDefinition,
) -> list[StageDuration]:
    """Median days per stage, over the projects that finished it.

    A project finished a stage when it stands at a later one now (an abandoned project:
    when it was abandoned). Its time in the stage is the sum of its visits (a
    back-and-forth counts twice, a pause not at all).
    """
    order = {s: i for i, s in enumerate(definition.stage_ids)}
    spent: dict[str, list[float]] = defaultdict(list)
    for pid, visits in changes.items():
        position = order.get(positions.get(pid, ""), -1)
        if position < 0:  # abandoned: the last workflow stage it stood at
            position = next((order[s] for s, _, _ in reversed(visits) if s in order), -1)
        total: dict[str, float] = defaultdict(float)
        for stage, entered, left in visits:
            if left is not None and stage in order:
                total[stage] += (left - entered).total_seconds() / 86400
        for stage, days in total.items():
            if order[stage] < position:
                spent[stage].append(days)
    return [
        StageDuration(s.id, s.label,
                      round(statistics.median(spent[s.id]), 1) if spent[s.id] else None,
                      len(spent[s.id]))
        for s in definition.stages
    ]


def per_officer(rows: Iterable[PortfolioRow]) -> list[OfficerCount]:
    """Projects per officer (abandoned ones excluded), most loaded first."""
    counts = Counter(r.officer for r in rows if r.status != "abandoned")
    return [OfficerCount(o, n) for o, n in sorted(counts.items(),
                                                  key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))]


def coverage(
    rows: Iterable[PortfolioRow],
    communes: dict[int, set[str]],
    facts: dict[str, CommuneFacts],
    link: TerritoryLink,
    definition: WorkflowDefinition,
) -> Coverage | None:
    """Share of the region's population covered by the projects at each stage.

    The region is the one most of the projects' communes lie in. Abandoned projects
    cover nothing; a commune held by two projects counts once.
    """
    rows = [r for r in rows if r.status != "abandoned"]
    regions = Counter(facts[c].region for r in rows for c in communes.get(r.id, ()) if c in facts)
    if not regions:
        return None
    region = regions.most_common(1)[0][0]
    total = link.region_population(region)
    if not total:
        return None
    in_region = {c for c, f in facts.items() if f.region == region}
    by_stage: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_stage[r.position] |= communes.get(r.id, set()) & in_region
    everything = set().union(*by_stage.values()) if by_stage else set()
    stages = []
    for s in definition.stages:
        population = population_of(by_stage.get(s.id, set()), facts) or 0
        stages.append(StageCoverage(s.id, s.label, population, population / total))
    covered = population_of(everything, facts) or 0
    return Coverage(region, link.region_name(region), total, covered, covered / total, stages)


# --- the reports ---------------------------------------------------------------------


def check_department(department: str | None) -> str | None:
    if department is None:
        return None
    code = department.strip().upper()
    if not _DEPARTMENT.match(code):
        raise BadInput(f"« {department} » n'est pas un code de département.",
                       "Exemples : 13, 06, 2A, 974.")
    return code


def with_follow_up(session: Session, rows: list[PortfolioRow]) -> list[PortfolioRow]:
    """`rows` with the journal's latest note and next step and the partners (two queries)."""
    from dataclasses import replace

    from ..journal import latest_notes
    from ..partners import partners_by_project

    if not rows:
        return rows
    ids = [r.id for r in rows] if len(rows) < 500 else None  # a national report: read all
    last, steps = latest_notes(session, ids)
    partners = partners_by_project(session, ids)
    out = []
    for r in rows:
        note, step = last.get(r.id), steps.get(r.id)
        listed = partners.get(r.id, [])
        if note is None and not listed:
            out.append(r)
            continue
        out.append(replace(
            r, last_note=note.text if note else None, last_note_on=note.noted_on if note else None,
            next_step=step.next_step if step else None, next_step_on=step.next_date if step else None,
            partners=[f"{p.name} ({p.state_label})" for p in listed]))
    return out


def _rows(ws: Workspace, raw: _Raw, facts: dict[str, CommuneFacts], link: TerritoryLink | None,
          stalled_days: int) -> list[PortfolioRow]:
    from ..workspace import EVENT_LABELS

    now = ws.now()
    rows = []
    for p in raw.projects:
        definition = ws.catalog.get(p.workflow_id, p.workflow_version)
        side = definition.side_state("pause"), definition.side_state("end")
        status = ("paused" if side[0] and p.stage == side[0].id
                  else "abandoned" if side[1] and p.stage == side[1].id else "active")
        position = p.resume_stage or p.stage
        done, total, todo = 0, 0, []
        if position in definition.stage_ids:
            items = definition.state(position).items  # type: ignore[union-attr]
            total = len(items)
            done = sum(1 for i in items if i.id in raw.done_items.get(p.id, ()))
            todo = [i.id for i in items if i.required and i.id not in raw.done_items.get(p.id, ())]
        last = raw.last_events.get(p.id)
        last_at = _aware(last.at) if last else None
        codes = raw.communes.get(p.id, set())
        population = population_of(codes, facts) if facts else None
        departments = sorted({facts[c].departement if c in facts else department_of(c)
                              for c in codes})
        since_last = days_between(last_at, now)
        flags = []
        if status == "active" and since_last is not None and since_last >= stalled_days:
            flags.append("stalled")
        if status != "active":
            flags.append(status)
        if status != "abandoned" and codes & raw.overlapping:
            flags.append("overlap")
        rows.append(PortfolioRow(
            id=p.id, slug=p.slug, name=p.name, officer=p.officer, stage=p.stage,
            stage_label=definition.state_label(p.stage), status=status, position=position,
            position_label=definition.state_label(position),
            stage_entered_at=_aware(p.stage_entered_at),
            days_in_stage=days_between(_aware(p.stage_entered_at), now) or 0,
            checklist_done=done, checklist_total=total, required_todo=todo,
            last_event_at=last_at, last_event_kind=last.kind if last else None,
            last_event_label=EVENT_LABELS.get(last.kind, last.kind) if last else None,
            days_since_last_event=since_last, departments=departments, communes=len(codes),
            population=population,
            taille=link.taille(population) if population and link is not None else None,
            flags=flags, workflow_id=p.workflow_id, workflow_version=p.workflow_version,
        ))
    return rows


def portfolio(
    ws: Workspace,
    *,
    officer: str | None = None,
    department: str | None = None,
    stage: str | None = None,
    since: date | str | None = None,
    stalled_days: int = DEFAULT_STALLED_DAYS,
    progress: Progress | None = None,
) -> Portfolio:
    """Every project kept by the filters, with the summary figures."""
    from .. import french

    progress = progress or (lambda _step: None)
    definition = ws.definition()
    if stage is not None:
        stage = resolve_stage(definition, stage)
    department = check_department(department)
    since_date = french.parse_date(since) if since else None
    if stalled_days < 1:
        raise BadInput("Le nombre de jours doit être au moins 1.", "Exemple : 60 jours.")
    with ws.session(read_only=True) as session, collector_paused():
        end = definition.side_state("end")
        officers = matching_officers(session, officer) if officer else None
        raw = _fetch(session, _selected(ws, officers, department, stage, since_date), progress,
                     end.id if end else "")
        progress(PORTFOLIO_STEPS[5])
        link = load_link(session)
        codes = set().union(*raw.communes.values()) if raw.communes else set()
        facts = link.communes(codes) if codes else {}
        rows = with_follow_up(session, _rows(ws, raw, facts, link, stalled_days))
        cover = coverage(rows, raw.communes, facts, link, definition) if facts else None
    return Portfolio(
        schema_version=SCHEMA_VERSION,
        generated_at=ws.now(),
        filters=Filters(officer, department, stage, since_date, stalled_days),
        projects=rows,
        funnel=funnel(rows, definition),
        abandoned=sum(1 for r in rows if r.status == "abandoned"),
        durations=stage_durations(raw.stage_changes, {r.id: r.position for r in rows}, definition),
        officers=per_officer(rows),
        territory_available=link is not None,
        coverage=cover,
        population_vintage=link.vintage(),
    )



def latest_portfolio(
    ws: Workspace,
    *,
    officer: str | None = None,
    department: str | None = None,
    stage: str | None = None,
) -> Portfolio:
    """`portfolio(...)`, computed again only once the base has changed since the last call
    with the same filters, account view and day (a server's home page)."""
    return ws.shared.snapshots.get(
        ws, "portfolio", (officer, department, stage),
        lambda: portfolio(ws, officer=officer, department=department, stage=stage),
    )

def stalled(ws: Workspace, *, days: int = DEFAULT_STALLED_DAYS, officer: str | None = None,
            department: str | None = None) -> list[StalledRow]:
    """Active projects with no event for `days` days, longest silent first, with what blocks."""
    report = portfolio(ws, officer=officer, department=department, stalled_days=days)
    result = []
    for row in report.projects:
        if "stalled" not in row.flags:
            continue
        definition = ws.catalog.get(row.workflow_id, row.workflow_version)  # its own version
        blocking = []
        for item_id in row.required_todo:
            if definition.has_item(item_id):
                item = definition.item(item_id)[1]
                blocking.append({"id": item.id, "label": item.label, "role": item.role})
        result.append(StalledRow(row, blocking))
    return sorted(result, key=lambda s: -(s.project.days_since_last_event or 0))


def timeline(changes: list[tuple[str, datetime, datetime | None]], now: datetime,
             definition: WorkflowDefinition) -> list[StageVisit]:
    """Each stay in a stage or side state, oldest first."""
    return [
        StageVisit(stage, definition.state_label(stage), entered, left,
                   days_between(entered, left or now) or 0)
        for stage, entered, left in changes
    ]


def project_report(ws: Workspace, ref: str | int) -> ProjectReport:
    """One project: its portfolio line, stage timeline, progress, events and members."""
    detail = ws.detail(ref)
    events = ws.history(ref)
    pid = detail.project.id
    with ws.session(read_only=True) as session:
        raw = _fetch(session, select(Project.id).where(Project.id == pid), lambda _s: None)
        link = load_link(session)
        vintage = link.vintage()
        codes = raw.communes.get(pid, set())
        facts = link.communes(codes) if codes else {}
        row = with_follow_up(session, _rows(ws, raw, facts, link, DEFAULT_STALLED_DAYS))[0]
        members: Counter[str] = Counter()
        bureau: dict[str, str] = {}
        for college, role, name, erased in session.execute(
            select(Member.college, Member.role, Member.name, Member.erased_at)
            .where(Member.project_id == pid).order_by(Member.id)
        ):
            members[college or "sans collège"] += 1
            if role and erased is None:
                bureau.setdefault(role, name)
    definition = ws.definition_of(detail.project)
    return ProjectReport(
        schema_version=SCHEMA_VERSION,
        generated_at=ws.now(),
        project=row,
        timeline=timeline(raw.stage_changes.get(pid, []), ws.now(), definition),
        stages=detail.stages,
        events=events,
        members=dict(sorted(members.items())),
        bureau=bureau,
        population_vintage=vintage,
    )


__all__ = ["portfolio", "stalled", "project_report", "coverage_map", "funnel", "stage_durations",
           "per_officer", "coverage", "days_between"]


def coverage_map(ws: Workspace, report: Portfolio) -> str | None:
    """The territory feature's coverage map of the report's region, coloured by stage."""
    from ..territory.coverage_map import map_svg

    if not report.coverage:
        return None
    try:
        return map_svg(ws, region=report.coverage.region, color_by="stage")
    except CptsError:
        return None  # no outlines shipped for this region
