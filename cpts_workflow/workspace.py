"""The library's front door: projects, checklists and stage changes, persisted and audited.

Every change runs in one transaction with its audit event, and bumps the project's row
version, so that two people changing the same project never silently overwrite each
other: the second gets `Conflict` and nothing of theirs is written.
"""

from __future__ import annotations

import getpass
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from . import french
from .clock import Clock, system_now
from .errors import BadInput, Conflict, NotFound, Refused
from .store.database import Database
from .store.models import ChecklistState, Event, Project
from .views import EventView, ItemView, ProjectDetail, ProjectSummary, StageProgress
from .workflow.catalog import DEFAULT_WORKFLOW, WorkflowCatalog
from .workflow.definition import Item, WorkflowDefinition
from .workflow.engine import engine_for
from .workflow.guards import GuardContext

EVENT_LABELS = {
    "created": "Création du projet",
    "checked": "Élément fait",
    "unchecked": "Élément remis à faire",
    "skipped": "Élément sans objet",
    "due_set": "Échéance fixée",
    "advanced": "Passage à l'étape suivante",
    "back": "Retour à l'étape précédente",
    "paused": "Mise en pause",
    "resumed": "Reprise",
    "abandoned": "Abandon",
    "member_added": "Membre ajouté",
    "member_updated": "Membre modifié",
    "member_removed": "Membre retiré",
    "document_answered": "Réponses d'un document enregistrées",
    "document_generated": "Document généré",
    "missions_changed": "Missions ACI modifiées",
    "mission_updated": "Mission ACI : démarrage ou déploiement",
    "objection": "Opposition de l'ARS au projet de santé",
    "territory_changed": "Territoire modifié",
    "members_added": "Membres ajoutés",
    "workflow_migrated": "Changement de version du workflow",
    "imported": "Import d'une sauvegarde",
    "member_erased": "Effacement des données d'une personne (RGPD)",
    "contract_set": "Contrat ACI enregistré ou modifié",
    "contract_amounts_set": "Contrat ACI : montants de l'annexe saisis",
    "contract_amounts_imported": "Contrat ACI : annexe importée",
    "payment_received": "Contrat ACI : versement reçu",
    "indicator_defined": "Contrat ACI : indicateur défini",
    "indicator_recorded": "Contrat ACI : valeur d'indicateur saisie",
    "spending_recorded": "Contrat ACI : dépense enregistrée",
    "contract_review_generated": "Contrat ACI : dossier du dialogue de gestion produit",
}
STATUS_LABELS = {"todo": "à faire", "done": "fait", "not_applicable": "sans objet"}
MAX_TEXT = 5000
# What a project's summary is made of, in the order `Workspace._summary_of` reads them.
SUMMARY_COLUMNS = ("id", "slug", "name", "officer", "stage", "workflow_id", "workflow_version",
                   "created_at", "updated_at", "stage_entered_at", "row_version")


# Statements of the write path, built once: building them on every change (coercing each
# value) cost more than running them.
_BY_SLUG = select(Project).where(Project.slug == bindparam("slug"))
_BY_SLUG_LOCKED = _BY_SLUG.with_for_update().execution_options(populate_existing=True)
_STATES = ChecklistState.__table__
_STATE = select(_STATES).where(_STATES.c.project_id == bindparam("project"),
                               _STATES.c.item_id == bindparam("item"))
_STATE_INSERT = insert(_STATES)
_STATE_UPDATE = update(_STATES).where(_STATES.c.id == bindparam("state_id"))
_EVENT_INSERT = insert(Event.__table__)


def default_actor() -> str:
    """`CPTS_ACTOR`, else the operating-system user."""
    try:
        return os.environ.get("CPTS_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def slugify(name: str) -> str:
    """`CPTS du Pays d'Aix` → `cpts-du-pays-d-aix`."""
    # Drop accents only; any other non-ASCII character (’, —) separates words.
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("æ", "ae"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:100] or "projet"


def _clean_text(value: str | None, what: str, required: bool = False) -> str | None:
    value = value.strip() if value else None
    if required and not value:
        raise BadInput(f"{what} est obligatoire.", "Donnez-le avec l'option indiquée dans l'aide.")
    if value and len(value) > MAX_TEXT:
        raise BadInput(f"{what} dépasse {french.number(MAX_TEXT)} caractères.")
    if value and "\x00" in value:
        raise BadInput(f"{what} contient des caractères binaires.")
    return value


class Workspace:
    """A base of CPTS projects, seen by one actor.

    `url`: database URL (default: `CPTS_DATABASE_URL` or SQLite in the user data dir);
    `actor`: who is acting, recorded on every change; `now`: the clock (tests fix it).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        actor: str | None = None,
        now: Clock = system_now,
        workflow_files: list[Path] | None = None,
    ) -> None:
        self.db = Database(url)
        self.actor = (actor or default_actor()).strip() or "inconnu"
        self.now = now
        self._workflow_files = workflow_files
        self._catalog: WorkflowCatalog | None = None
        self._facts: dict[tuple[str, int], dict[str, tuple[str, str]]] = {}

    @property
    def catalog(self) -> WorkflowCatalog:
        if self._catalog is None:
            self._catalog = WorkflowCatalog(self._workflow_files)
        return self._catalog

    def definition(self, workflow_id: str = DEFAULT_WORKFLOW, version: int | None = None) -> WorkflowDefinition:
        return self.catalog.get(workflow_id, version)

    def definition_of(self, project: Project | ProjectSummary) -> WorkflowDefinition:
        """The definition (and version) a project runs on."""
        return self.catalog.get(project.workflow_id, project.workflow_version)

    def init(self) -> str:
        """Create or upgrade the base; return its schema revision."""
        self.db.ensure_schema()
        return self.db.current_revision() or ""

    # --- sessions and lookups ----------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; a concurrent change of the same project becomes `Conflict`."""
        try:
            with self.db.session() as session:
                yield session
        except StaleDataError:
            raise Conflict(
                "Ce projet vient d'être modifié par quelqu'un d'autre ; votre modification "
                "n'a pas été enregistrée.",
                "Relancez la commande : elle s'appliquera à la version à jour.",
            ) from None

    def get_project(self, session: Session, ref: str | int, *, lock: bool = False) -> Project:
        """A project by slug or numeric id, or `NotFound` with close matches.

        `lock=True` takes the project's row lock (PostgreSQL `SELECT … FOR UPDATE`) so that
        two changes of the same project run one after the other, each on fresh data.
        SQLite needs no row lock: every transaction starts with `BEGIN IMMEDIATE`.
        """
        text = str(ref).strip()
        project = None
        if text.isdigit():
            project = session.get(Project, int(text), with_for_update=lock or None,
                                  populate_existing=lock)
        if project is None:
            project = session.scalar(_BY_SLUG_LOCKED if lock else _BY_SLUG, {"slug": text})
        if project is None:
            import difflib  # only to suggest close names, after a miss

            slugs = session.scalars(select(Project.slug)).all()
            close = difflib.get_close_matches(slugify(text), slugs, n=3)
            hint = (
                f"Vouliez-vous dire : {', '.join(close)} ?"
                if close
                else "« cpts list » affiche les projets et leurs identifiants."
            )
            raise NotFound(f"Projet « {text} » introuvable.", hint)
        return project

    def _item(self, definition: WorkflowDefinition, item_id: str, project: Project) -> Item:
        if not definition.has_item(item_id):
            import difflib

            ids = [i.id for s in definition.stages for i in s.items]
            close = difflib.get_close_matches(item_id, ids, n=3)
            hint = (
                f"Vouliez-vous dire : {', '.join(close)} ?"
                if close
                else f"« cpts checklist {project.slug} » liste les éléments et leurs identifiants."
            )
            raise NotFound(f"Élément « {item_id} » inconnu dans le workflow.", hint)
        return definition.item(item_id)[1]

    def record_event(
        self,
        session: Session,
        project: Project,
        kind: str,
        *,
        from_stage: str | None = None,
        to_stage: str | None = None,
        item_id: str | None = None,
        comment: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit event and touch the project (bumping its row version)."""
        now = self.now()
        created = project.id is None
        if created:
            session.flush()  # a new project: its id is needed for the event
        # A plain INSERT rather than an ORM object: the audit trail is append-only and
        # never read back in the same transaction, and the unit of work's bookkeeping
        # for one more object was a visible share of every change.
        session.connection().execute(_EVENT_INSERT, {
            "project_id": project.id, "at": now, "actor": self.actor, "kind": kind,
            "from_stage": from_stage, "to_stage": to_stage, "item_id": item_id,
            "comment": comment, "payload": payload,
        })
        if not created:
            project.updated_at = now
            # Bump the row version even when the clock has not moved (fixed clocks, same second).
            flag_modified(project, "updated_at")

    @contextmanager
    def changing(self, ref: str | int, expected_version: int | None = None) -> Iterator[tuple[Session, Project]]:
        """A transaction around one change of one project (refused once abandoned)."""
        with self.session() as session:
            project = self.get_project(session, ref, lock=True)
            if expected_version is not None and project.row_version != expected_version:
                raise Conflict(
                    f"Le projet « {project.slug} » a changé depuis votre lecture "
                    f"(version {project.row_version}, vous aviez la {expected_version}).",
                    "Rechargez-le puis recommencez.",
                )
            end = self.definition_of(project).side_state("end")
            if end and project.stage == end.id:
                raise Refused(
                    f"Le projet « {project.slug} » est abandonné : il ne peut plus être modifié."
                )
            yield session, project
            session.flush()

    def _states(self, session: Session, project: Project) -> dict[str, ChecklistState]:
        rows = session.scalars(select(ChecklistState).where(ChecklistState.project_id == project.id))
        return {row.item_id: row for row in rows}

    # --- projects ----------------------------------------------------------------------

    def create_project(
        self,
        name: str,
        *,
        officer: str | None = None,
        workflow_id: str = DEFAULT_WORKFLOW,
        version: int | None = None,
        slug: str | None = None,
    ) -> ProjectSummary:
        """Create a project at the first stage of the (newest) workflow."""
        name = _clean_text(name, "Le nom du projet", required=True) or ""
        if len(name) > 200:
            raise BadInput("Le nom du projet dépasse 200 caractères.")
        officer = _clean_text(officer, "Le nom du chargé de mission")
        definition = self.definition(workflow_id, version)
        with self.session() as session:
            base = slugify(slug or name)
            taken = set(session.scalars(select(Project.slug).where(Project.slug.like(f"{base}%"))))
            final = base
            n = 2
            while final in taken:
                final, n = f"{base}-{n}", n + 1
            now = self.now()
            project = Project(
                slug=final,
                name=name,
                officer=officer,
                workflow_id=definition.id,
                workflow_version=definition.version,
                stage=definition.initial,
                created_at=now,
                created_by=self.actor,
                updated_at=now,
                stage_entered_at=now,
            )
            session.add(project)
            self.record_event(session, project, "created", to_stage=definition.initial,
                              payload={"name": name, "officer": officer})
            session.flush()
            return self.summary(project)

    def summary(self, project: Project) -> ProjectSummary:
        """A project's summary: where it stands, in which workflow, since when."""
        return self._summary_of(tuple(getattr(project, name) for name in SUMMARY_COLUMNS))

    def _summary_of(self, values: tuple[Any, ...]) -> ProjectSummary:
        """A summary from the values of `SUMMARY_COLUMNS`, in that order (a plain row)."""
        pid, slug, name, officer, stage, workflow_id, version, created, updated, entered, row = values
        label, status = self._stage_facts(workflow_id, version).get(stage, (stage, "active"))
        return ProjectSummary(
            id=pid,
            slug=slug,
            name=name,
            officer=officer,
            stage=stage,
            stage_label=label,
            status=status,
            workflow_id=workflow_id,
            workflow_version=version,
            created_at=created,
            updated_at=updated,
            stage_entered_at=entered,
            row_version=row,
        )

    def _stage_facts(self, workflow_id: str, version: int) -> dict[str, tuple[str, str]]:
        """Label and status (active, paused, abandoned) of every state of a definition,
        worked out once: a national list asks for them a thousand times."""
        key = (workflow_id, version)
        facts = self._facts.get(key)
        if facts is None:
            definition = self.catalog.get(workflow_id, version)
            facts = {s.id: (s.label, "active") for s in definition.stages}
            for side in definition.side_states:
                facts[side.id] = (side.label, {"pause": "paused", "end": "abandoned"}[side.kind])
            self._facts[key] = facts
        return facts

    def list_projects(self, *, officer: str | None = None, stage: str | None = None) -> list[ProjectSummary]:
        """Projects ordered by name, optionally filtered by officer and stage."""
        if stage is not None:
            self._check_stage(self.definition(), stage)
        with self.session() as session:
            # Plain rows, not ORM objects: a national list needs no identity map nor change
            # tracking, and building 1 000 tracked objects was most of its time.
            columns = [Project.__table__.c[name] for name in SUMMARY_COLUMNS]
            query = select(*columns).order_by(Project.name, Project.id)
            if officer:
                query = query.where(Project.officer == officer)
            if stage:
                query = query.where(Project.stage == stage)
            return [self._summary_of(tuple(row)) for row in session.execute(query)]

    def project(self, ref: str | int) -> ProjectSummary:
        with self.session() as session:
            return self.summary(self.get_project(session, ref))

    def _check_stage(self, definition: WorkflowDefinition, stage: str) -> None:
        known = [*definition.stage_ids, *(s.id for s in definition.side_states)]
        if stage not in known:
            raise BadInput(f"Étape « {stage} » inconnue.", f"Étapes : {', '.join(known)}.")

    def detail(self, ref: str | int) -> ProjectDetail:
        """Current stage, progress of every stage, the next required items."""
        with self.session() as session:
            project = self.get_project(session, ref)
            definition = self.definition_of(project)
            states = self._states(session, project)
            current = project.resume_stage or project.stage
            current_index = definition.stage_index(current) if current in definition.stage_ids else -1
            stages = []
            for index, stage in enumerate(definition.stages):
                views = [self._item_view(stage.id, i, states.get(i.id)) for i in stage.items]
                finished = [v for v in views if v.status != "todo"]
                required = [v for v in views if v.required]
                stages.append(
                    StageProgress(
                        id=stage.id,
                        label=stage.label,
                        position="done" if index < current_index else "current" if index == current_index else "todo",
                        done=len(finished),
                        total=len(views),
                        required_done=sum(1 for v in required if v.status != "todo"),
                        required_total=len(required),
                    )
                )
            next_required = []
            if current in definition.stage_ids:
                stage = definition.state(current)
                next_required = [
                    self._item_view(stage.id, i, states.get(i.id))
                    for i in stage.items  # type: ignore[union-attr]
                    if i.required and (states.get(i.id) is None or states[i.id].status == "todo")
                ]
            return ProjectDetail(
                project=self.summary(project),
                resume_stage=project.resume_stage,
                stages=stages,
                next_required=next_required,
            )

    # --- checklists --------------------------------------------------------------------

    @staticmethod
    def _item_view(stage_id: str, item: Item, state: ChecklistState | None) -> ItemView:
        return ItemView(
            id=item.id,
            stage=stage_id,
            label=item.label,
            help=item.help,
            required=item.required,
            role=item.role,
            evidence=item.evidence,
            document=item.document,
            status=state.status if state else "todo",
            note=state.note if state else None,
            value=state.value if state else None,
            reason=state.reason if state else None,
            due_date=state.due_date if state else None,
            updated_by=state.updated_by if state else None,
            updated_at=state.updated_at if state else None,
        )

    def checklist(self, ref: str | int, stage: str | None = None) -> list[ItemView]:
        """Items of one stage (default: the current one, or `"all"`), with their state."""
        with self.session() as session:
            project = self.get_project(session, ref)
            definition = self.definition_of(project)
            states = self._states(session, project)
            if stage == "all":
                stages = list(definition.stages)
            else:
                wanted = stage or project.resume_stage or project.stage
                self._check_stage(definition, wanted)
                stages = [s for s in definition.stages if s.id == wanted]
            return [self._item_view(s.id, i, states.get(i.id)) for s in stages for i in s.items]

    def _set_item(
        self,
        ref: str | int,
        item_id: str,
        kind: str,
        *,
        status: str | None,
        note: str | None = None,
        value: str | None = None,
        reason: str | None = None,
        due: date | None = None,
        check_value: bool = False,
    ) -> ItemView:
        with self.changing(ref) as (session, project):
            definition = self.definition_of(project)
            item = self._item(definition, item_id, project)
            if check_value:
                value = normalise_value(item, value)
            stage_id = definition.item(item_id)[0].id
            # Core statements rather than an ORM object: a check is the most frequent
            # change of all, and the unit of work's bookkeeping cost more than its SQL.
            conn = session.connection()
            row = conn.execute(_STATE, {"project": project.id, "item": item_id}).mappings().first()
            state = {k: v for k, v in row.items() if k != "id"} if row else {
                "project_id": project.id, "item_id": item_id, "status": "todo",
                "note": None, "value": None, "reason": None, "due_date": None,
            }
            previous = state["status"]
            if status is not None:
                state.update(status=status, note=note, value=value, reason=reason)
            if due is not None:
                state["due_date"] = due
            state.update(updated_by=self.actor, updated_at=self.now())
            if row:
                conn.execute(_STATE_UPDATE, {**state, "state_id": row["id"]})
            else:
                conn.execute(_STATE_INSERT, state)
            payload: dict[str, Any] = {"previous": previous}
            if value is not None:
                payload["value"] = value
            if due is not None:
                payload["due_date"] = due.isoformat()
            self.record_event(session, project, kind, item_id=item_id,
                              comment=note or reason, payload=payload)
            session.flush()
            return self._item_view(stage_id, item, ChecklistState(**state))

    def check(
        self,
        ref: str | int,
        item_id: str,
        *,
        note: str | None = None,
        value: str | None = None,
        due: date | str | None = None,
    ) -> ItemView:
        """Mark an item done; its evidence (`date`, `number`) is validated and normalised."""
        note = _clean_text(note, "La note")
        value = _clean_text(value, "La valeur")
        # The value is checked inside the change's own transaction: looking the project up
        # in a transaction of its own first cost one more BEGIN/COMMIT per check.
        return self._set_item(ref, item_id, "checked", status="done", note=note, value=value,
                              due=french.parse_date(due) if due else None, check_value=True)

    def set_due(self, ref: str | int, item_id: str, due: date | str) -> ItemView:
        """Set a due date on an item without changing its status."""
        return self._set_item(ref, item_id, "due_set", status=None, due=french.parse_date(due))

    def uncheck(self, ref: str | int, item_id: str) -> ItemView:
        """Put an item back to `todo`."""
        return self._set_item(ref, item_id, "unchecked", status="todo")

    def skip(self, ref: str | int, item_id: str, *, reason: str) -> ItemView:
        """Mark an item not applicable; a reason is required."""
        reason = _clean_text(reason, "La raison", required=True)
        return self._set_item(ref, item_id, "skipped", status="not_applicable", reason=reason)

    # --- stage changes -----------------------------------------------------------------

    def _fire(
        self,
        ref: str | int,
        trigger: str,
        kind: str,
        *,
        comment: str | None,
        force: bool = False,
        expected_version: int | None = None,
    ) -> ProjectSummary:
        with self.changing(ref, expected_version) as (session, project):
            definition = self.definition_of(project)
            engine = engine_for(definition)
            source = project.stage
            ctx = None
            if source in definition.stage_ids:
                ctx = GuardContext(
                    session=session,
                    project=project,
                    definition=definition,
                    stage=definition.state(source),  # type: ignore[arg-type]
                    actor=self.actor,
                    now=self.now(),
                    states=self._states(session, project),
                )
            missing: list[str] = []
            if force and ctx is not None and trigger == "advance":
                # Forcing is audited with what was missing at the time.
                try:
                    engine.fire(trigger, source, ctx)
                except Refused as refusal:
                    missing = refusal.reasons
            dest = engine.fire(trigger, source, ctx, resume_stage=project.resume_stage, force=force)
            pause = definition.side_state("pause")
            project.resume_stage = source if pause and dest == pause.id else None
            project.stage = dest
            project.stage_entered_at = self.now()
            payload = {"forced": True, "missing": missing} if force else None
            self.record_event(session, project, kind, from_stage=source, to_stage=dest,
                              comment=comment, payload=payload)
            session.flush()
            return self.summary(project)

    def advance(
        self,
        ref: str | int,
        *,
        comment: str | None = None,
        force: bool = False,
        expected_version: int | None = None,
    ) -> ProjectSummary:
        """Move to the next stage; refused with the missing items while a guard fails.

        `force=True` passes over failing guards; it needs a comment and is audited.
        """
        comment = _clean_text(comment, "Le commentaire", required=force)
        return self._fire(ref, "advance", "advanced", comment=comment, force=force,
                          expected_version=expected_version)

    def back(self, ref: str | int, *, comment: str) -> ProjectSummary:
        """Go back one stage; a comment says why."""
        comment = _clean_text(comment, "Le commentaire", required=True)
        return self._fire(ref, "back", "back", comment=comment)

    def pause(self, ref: str | int, *, reason: str) -> ProjectSummary:
        reason = _clean_text(reason, "La raison", required=True)
        return self._fire(ref, "pause", "paused", comment=reason)

    def resume(self, ref: str | int, *, comment: str | None = None) -> ProjectSummary:
        comment = _clean_text(comment, "Le commentaire")
        return self._fire(ref, "resume", "resumed", comment=comment)

    def abandon(self, ref: str | int, *, reason: str) -> ProjectSummary:
        reason = _clean_text(reason, "La raison", required=True)
        return self._fire(ref, "abandon", "abandoned", comment=reason)

    # --- audit -------------------------------------------------------------------------

    def history(self, ref: str | int) -> list[EventView]:
        """Every event of a project, oldest first."""
        with self.session() as session:
            project = self.get_project(session, ref)
            rows = session.scalars(
                select(Event).where(Event.project_id == project.id).order_by(Event.at, Event.id)
            )
            return [event_view(e) for e in rows]


def event_view(event: Event) -> EventView:
    return EventView(
        id=event.id,
        at=event.at,
        actor=event.actor,
        kind=event.kind,
        kind_label=EVENT_LABELS.get(event.kind, event.kind),
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        item_id=event.item_id,
        comment=event.comment,
        payload=event.payload,
    )


def normalise_value(item: Item, value: str | None) -> str | None:
    """Validate an item's evidence: a `date` item needs a date, a `number` item a number."""
    if item.evidence == "date":
        if not value:
            raise BadInput(
                f"« {item.label} » se justifie par une date.",
                "Donnez-la avec --value, par exemple --value 01/09/2026.",
            )
        return french.parse_date(value).isoformat()
    if item.evidence == "number" and value:
        cleaned = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        try:
            float(cleaned)
        except ValueError:
            raise BadInput(f"« {value} » n'est pas un nombre.", "Exemple : --value 142482.") from None
        return cleaned
    return value

