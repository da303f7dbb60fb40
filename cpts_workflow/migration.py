"""Moving projects to another version of their workflow (`cpts workflow migrate`).

A project keeps its history: its events are never rewritten, its checklist states move
to the items' new ids (a done item stays done), its stage follows a renamed or removed
stage, and one `workflow_migrated` event records the whole mapping.

Several projects migrate all-or-nothing, in one transaction: if one of them would lose
data, nothing is written and every refusal is listed. A migration loses data when a
project's stage has nowhere to go (never allowed: the new version must say where, with
`changes.stages_removed`), or when a removed item holds something (done, not applicable,
a value, a note, a due date): refused unless `accept_loss`, and even then what is dropped
is kept in the event's payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import french
from .errors import Refused
from .limits import LONG_TEXT, clean_text
from .store.models import ChecklistState, Project
from .views import View
from .workflow.catalog import DEFAULT_WORKFLOW
from .workflow.definition import WorkflowDefinition
from .workflow.versions import VersionMapping, version_mapping
from .workspace import STATUS_LABELS, WORKFLOW_MIGRATED, Workspace

EVENT_KIND = WORKFLOW_MIGRATED


@dataclass(frozen=True)
class ProjectMigration(View):
    """What a migration does (or would do) to one project."""

    slug: str
    name: str
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str | None
    from_resume_stage: str | None
    to_resume_stage: str | None
    items_moved: list[dict[str, str]] = field(default_factory=list)  # {from, to, status}
    items_dropped: list[dict[str, Any]] = field(default_factory=list)  # states of removed items
    newly_required: list[dict[str, str]] = field(default_factory=list)  # {id, stage, label}
    refusals: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the project is left as it is


@dataclass(frozen=True)
class MigrationReport(View):
    workflow_id: str
    to_version: int
    dry_run: bool
    accept_loss: bool
    projects: list[ProjectMigration]

    @property
    def refused(self) -> bool:
        return any(p.refusals for p in self.projects)

    @property
    def migrated(self) -> list[ProjectMigration]:
        return [p for p in self.projects if not p.skipped and not p.refusals]


def _holds_data(state: ChecklistState) -> bool:
    return state.status != "todo" or any((state.value, state.note, state.reason, state.due_date))


def _state_record(state: ChecklistState) -> dict[str, Any]:
    return {
        "item_id": state.item_id,
        "status": state.status,
        "value": state.value,
        "note": state.note,
        "reason": state.reason,
        "due_date": state.due_date.isoformat() if state.due_date else None,
        "updated_by": state.updated_by,
        "updated_at": state.updated_at.isoformat(),
    }


def _target(mapping: VersionMapping, item_id: str) -> str | None:
    """The new id of an item state (a state of an item unknown to the old version is kept
    if the new version has it)."""
    if item_id in mapping.items:
        return mapping.items[item_id]
    return item_id if mapping.new.has_item(item_id) else None


def item_named(definition: WorkflowDefinition, item_id: str) -> str:
    """An item as a sentence names it: its label, then its id for whoever edits the files."""
    if definition.has_item(item_id):
        return f"« {definition.item(item_id)[1].label} » ({item_id})"
    return f"« {item_id} »"


def plan_project(
    project: Project, states: list[ChecklistState], mapping: VersionMapping, *, accept_loss: bool
) -> ProjectMigration:
    """The migration of one project, without changing anything."""
    old, new = mapping.old, mapping.new
    refusals: list[str] = []
    to_stage = mapping.states.get(project.stage)
    to_resume = mapping.states.get(project.resume_stage) if project.resume_stage else None
    for stage_id, target in ((project.stage, to_stage), (project.resume_stage, to_resume)):
        if stage_id and target is None:
            refusals.append(
                f"son étape « {old.state_label(stage_id)} » ({stage_id}) n'existe plus en version "
                f"{new.version} et la version ne dit pas où vont ses projets (changes.stages_removed)."
            )
    moved, dropped = [], []
    targets: dict[str, str] = {}
    for state in states:
        target = _target(mapping, state.item_id)
        if target is None:
            if _holds_data(state):
                dropped.append(_state_record(state))
                if not accept_loss:
                    refusals.append(
                        f"l'élément {item_named(old, state.item_id)}, retiré en version {new.version}, est "
                        f"« {STATUS_LABELS.get(state.status, state.status)} »"
                        + (" avec une valeur, une note ou une échéance" if state.status == "todo" else "")
                        + " : cette information serait perdue."
                    )
            continue
        if target in targets:
            refusals.append(
                f"les éléments {item_named(old, targets[target])} et {item_named(old, state.item_id)} "
                f"deviendraient tous deux {item_named(new, target)}."
            )
        targets[target] = state.item_id
        if target != state.item_id:
            moved.append({"from": state.item_id, "to": target, "status": state.status})
    newly_required = _newly_required(mapping, states, to_resume or to_stage)
    return _migration_of(
        project,
        new.version,
        to_stage,
        to_resume,
        items_moved=moved,
        items_dropped=dropped,
        newly_required=newly_required,
        refusals=refusals,
    )


def _migration_of(
    project: Project, to_version: int, to_stage: str | None, to_resume: str | None, **rest: Any
) -> ProjectMigration:
    return ProjectMigration(
        slug=project.slug,
        name=project.name,
        from_version=project.workflow_version,
        to_version=to_version,
        from_stage=project.stage,
        to_stage=to_stage,
        from_resume_stage=project.resume_stage,
        to_resume_stage=to_resume,
        **rest,
    )


def _newly_required(
    mapping: VersionMapping, states: list[ChecklistState], current: str | None
) -> list[dict[str, str]]:
    """Required items, up to the current stage, that were absent or optional before and are
    not done: what the project must now catch up on."""
    new = mapping.new
    if current not in new.stage_ids:
        return []
    finished = {mapping.items.get(s.item_id) for s in states if s.status != "todo"}
    was_required = {n for o, n in mapping.items.items() if n and mapping.old.item(o)[1].required}
    out = []
    for stage in new.stages[: new.stage_index(current) + 1]:
        for item in stage.items:
            if item.required and item.id not in was_required and item.id not in finished:
                out.append({"id": item.id, "stage": stage.id, "label": item.label})
    return out


def _apply(
    ws: Workspace,
    session: Session,
    project: Project,
    states: list[ChecklistState],
    plan: ProjectMigration,
    mapping: VersionMapping,
    comment: str | None,
) -> None:
    moves = {m["from"]: m["to"] for m in plan.items_moved}
    # Two passes through temporary ids, so that swapped or chained renames never meet
    # the (project, item) unique constraint half-way.
    for state in states:
        if state.item_id in moves:
            state.item_id = f"~{state.item_id}"
    session.flush()
    for state in states:
        if state.item_id.startswith("~"):
            state.item_id = moves[state.item_id[1:]]
        elif _target(mapping, state.item_id) is None:
            session.delete(state)  # removed items: lost data is in the event payload
    from_version = project.workflow_version
    project.workflow_version = plan.to_version
    project.stage = plan.to_stage or project.stage
    project.resume_stage = plan.to_resume_stage
    ws.record_event(
        session,
        project,
        EVENT_KIND,
        from_stage=plan.from_stage,
        to_stage=plan.to_stage,
        # The version change heads the comment, so that the history table shows it.
        comment=f"Version {from_version} → version {plan.to_version}" + (f" : {comment}" if comment else ""),
        payload={
            "workflow_id": project.workflow_id,
            "from_version": from_version,
            "to_version": plan.to_version,
            "items_renamed": mapping.renamed_items,
            "items_removed": mapping.removed_items,
            "items_added": mapping.added_items,
            "stages": {o: n for o, n in mapping.states.items() if o != n},
            "items_moved": plan.items_moved,
            "items_dropped": plan.items_dropped,
            "newly_required": [i["id"] for i in plan.newly_required],
        },
    )
    session.flush()


def migrate(
    ws: Workspace,
    projects: list[str] | None,
    to_version: int,
    *,
    workflow_id: str = DEFAULT_WORKFLOW,
    dry_run: bool = False,
    accept_loss: bool = False,
    comment: str | None = None,
) -> MigrationReport:
    """Move `projects` (refs; None: every project of the workflow) to `to_version`.

    All-or-nothing: on any refusal nothing is written and `Refused` lists why (with
    `dry_run`, the report carries the refusals instead). Abandoned projects and projects
    already on the version are left as they are (`skipped`), unless named explicitly for
    an abandoned one, which is refused.
    """
    if projects is None:
        ws.require("migrate")  # named projects are checked one by one as they are read
    # The event's comment is headed by the version change: room is kept for it.
    comment = clean_text(comment, "Le commentaire", max_length=LONG_TEXT - 100)
    target = ws.definition(workflow_id, to_version)
    plans: list[ProjectMigration] = []
    with ws.session() as session:
        if projects is None:
            rows = list(
                session.scalars(
                    select(Project)
                    .where(Project.workflow_id == workflow_id)
                    .order_by(Project.name, Project.id)
                )
            )
        else:
            rows = list(dict.fromkeys(ws.get_project(session, ref, "migrate") for ref in projects))
        for project in rows:
            plans.append(_plan_one(ws, session, project, target, accept_loss, named=projects is not None))
        report = MigrationReport(workflow_id, to_version, dry_run, accept_loss, plans)
        if report.refused and not dry_run:
            refused = [p for p in plans if p.refusals]
            raise Refused(
                f"Migration vers la version {to_version} refusée pour "
                f"{french.plural(len(refused), 'projet')} ; rien n'a été modifié.",
                "Voyez le détail par un essai à blanc. Pour abandonner les données des éléments "
                "retirés (elles restent dans l'historique), acceptez leur perte.",
                reasons=[f"{p.slug} : {r}" for p in refused for r in p.refusals],
                topic="migration_refused",
            )
        if dry_run:
            return report  # planning only read: the transaction ends with nothing to write
        for project, plan in zip(rows, plans, strict=True):
            if not plan.skipped:
                mapping = version_mapping(ws.catalog, ws.definition_of(project), target)
                _apply(ws, session, project, _states(session, project), plan, mapping, comment)
    return report


def _states(session: Session, project: Project) -> list[ChecklistState]:
    return list(
        session.scalars(
            select(ChecklistState).where(ChecklistState.project_id == project.id).order_by(ChecklistState.id)
        )
    )


def _plan_one(
    ws: Workspace, session: Session, project: Project, target, accept_loss: bool, *, named: bool
) -> ProjectMigration:
    definition = ws.definition_of(project)
    skipped = None
    if project.workflow_id != target.id:
        skipped = f"il suit le workflow « {project.workflow_id} », pas « {target.id} »"
    elif project.workflow_version == target.version:
        skipped = f"il est déjà en version {target.version}"
    end = definition.side_state("end")
    abandoned = end is not None and project.stage == end.id
    if skipped or (abandoned and not named):
        return _migration_of(
            project,
            target.version,
            project.stage,
            project.resume_stage,
            skipped=skipped or "il est abandonné ; il reste sur sa version",
        )
    mapping = version_mapping(ws.catalog, definition, target)
    plan = plan_project(project, _states(session, project), mapping, accept_loss=accept_loss)
    if abandoned:
        plan.refusals.insert(0, "il est abandonné : il ne peut plus être modifié.")
    return plan


def projects_per_version(ws: Workspace) -> dict[tuple[str, int], int]:
    """How many projects run on each (workflow, version), for `cpts workflow versions`."""
    from sqlalchemy import func

    with ws.session(read_only=True) as session:
        rows = session.execute(
            select(Project.workflow_id, Project.workflow_version, func.count()).group_by(
                Project.workflow_id, Project.workflow_version
            )
        )
        return {(w, v): n for w, v, n in rows}
