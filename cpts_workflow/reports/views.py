"""Records the reports return; their JSON form is documented in docs/reports.md.

Keys are English snake_case and stable: add keys, never rename or remove one
(`schema_version` changes only on a breaking change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..views import EventView, StageProgress, View

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PortfolioRow(View):
    id: int
    slug: str
    name: str
    officer: str | None
    stage: str
    stage_label: str
    status: str  # active | paused | abandoned
    position: str  # the workflow stage the project is at (the one it resumes to when paused)
    position_label: str
    stage_entered_at: datetime
    days_in_stage: int
    checklist_done: int  # done or not applicable, in the current checklist
    checklist_total: int
    required_todo: list[str]  # ids of the required items still to do (what blocks the advance)
    last_event_at: datetime | None
    last_event_kind: str | None
    last_event_label: str | None
    days_since_last_event: int | None
    departments: list[str]
    communes: int
    population: int | None
    taille: int | None
    flags: list[str]  # stalled | paused | overlap | abandoned
    workflow_id: str  # the definition the project runs on (its labels and checklists)
    workflow_version: int
    # The officer's follow-up: the journal's latest note, the next step that holds, the
    # partners (« GHT Provence (convention signée) »).
    last_note: str | None = None
    last_note_on: date | None = None
    next_step: str | None = None
    next_step_on: date | None = None
    partners: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StageCount(View):
    stage: str
    label: str
    count: int  # projects at this stage, paused ones included
    paused: int


@dataclass(frozen=True)
class StageDuration(View):
    stage: str
    label: str
    median_days: float | None  # over projects that finished the stage; None when none did
    finished: int


@dataclass(frozen=True)
class OfficerCount(View):
    officer: str | None
    count: int


@dataclass(frozen=True)
class StageCoverage(View):
    stage: str
    label: str
    population: int
    share: float  # 0–1 of the region's population


@dataclass(frozen=True)
class Coverage(View):
    region: str
    region_name: str | None
    region_population: int
    covered_population: int  # by projects at any stage (each inhabitant once)
    share: float
    stages: list[StageCoverage]


@dataclass(frozen=True)
class Filters(View):
    officer: str | None
    department: str | None
    stage: str | None
    since: date | None
    stalled_days: int


@dataclass(frozen=True)
class Portfolio(View):
    schema_version: int
    generated_at: datetime
    filters: Filters
    projects: list[PortfolioRow]
    funnel: list[StageCount]
    abandoned: int
    durations: list[StageDuration]
    officers: list[OfficerCount]
    territory_available: bool
    coverage: Coverage | None
    population_vintage: str | None = None  # where every population of the report comes from


@dataclass(frozen=True)
class StalledRow(View):
    project: PortfolioRow
    blocking: list[dict[str, str]]  # required items to do: {"id", "label", "role"}


@dataclass(frozen=True)
class StageVisit(View):
    stage: str
    label: str
    entered_at: datetime
    left_at: datetime | None  # None: still there
    days: int


@dataclass(frozen=True)
class ProjectReport(View):
    schema_version: int
    generated_at: datetime
    project: PortfolioRow
    timeline: list[StageVisit]
    stages: list[StageProgress]
    events: list[EventView]
    members: dict[str, int]  # collège → members (erased ones included)
    bureau: dict[str, str]  # role → name
    population_vintage: str | None = None
