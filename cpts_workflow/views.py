"""What the library returns: plain, frozen records with a stable JSON form.

The JSON keys are a documented API (README, « API JSON »): English snake_case, dates in
ISO 8601. Add keys, never rename or remove one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aci.calendar import MissionFlag
    from .deadlines import Deadline

_SCALARS = (str, int, float, bool, type(None))


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _fields_of(value: Any) -> tuple[str, ...]:
    return _field_names(type(value))  # type: ignore[arg-type]  # a class is hashable; typeshed says type[Any] is not


def to_jsonable(value: Any) -> Any:
    """Dataclasses, dates and containers to JSON-ready values."""
    # Scalars first and field names cached per class: a national listing converts
    # thousands of records, and `dataclasses.fields` on each was a third of the time.
    if isinstance(value, _SCALARS):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: field if isinstance(field := getattr(value, name), _SCALARS) else to_jsonable(field)
            for name in _fields_of(value)
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


class View:
    """Base of every record the library returns: `to_dict()` gives its JSON form."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def replace(self, **changes: Any):
        return type(self)(**{**asdict(self), **changes})  # type: ignore[call-overload]  # subclasses are dataclasses


@dataclass(frozen=True)
class ProjectSummary(View):
    id: int
    slug: str
    name: str
    officer: str | None
    stage: str
    stage_label: str
    status: str  # active | paused | abandoned
    workflow_id: str
    workflow_version: int
    created_at: datetime
    updated_at: datetime
    stage_entered_at: datetime
    row_version: int


@dataclass(frozen=True)
class ItemView(View):
    id: str
    stage: str
    label: str
    help: str
    required: bool
    role: str
    evidence: str
    document: str | None
    status: str  # todo | done | not_applicable
    note: str | None
    value: str | None
    reason: str | None
    due_date: date | None
    updated_by: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class StageProgress(View):
    id: str
    label: str
    position: str  # done | current | todo
    done: int
    total: int
    required_done: int
    required_total: int


@dataclass(frozen=True)
class ProjectDetail(View):
    project: ProjectSummary
    resume_stage: str | None
    stages: list[StageProgress]
    next_required: list[ItemView]


@dataclass(frozen=True)
class ProjectOverview(ProjectDetail):
    """A project at a glance, read in one transaction: its detail, its next dates and its
    late ACI missions."""

    next_deadlines: list[Deadline]
    mission_flags: list[MissionFlag]


@dataclass(frozen=True)
class EventView(View):
    id: int
    at: datetime
    actor: str
    kind: str
    kind_label: str
    from_stage: str | None
    to_stage: str | None
    item_id: str | None
    comment: str | None
    payload: dict[str, Any] | None
    # The account that acted; None for the local operator (`actor` names them).
    account_login: str | None = None
    # What changed, in French (names, communes, item labels): see `history_text`.
    description: str | None = None
