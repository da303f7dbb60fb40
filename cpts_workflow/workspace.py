"""The library's front door: projects, checklists and stage changes, persisted and audited.

Every change runs in one transaction with its audit event, and bumps the project's row
version, so that two people changing the same project never silently overwrite each
other: the second gets `Conflict` and nothing of theirs is written.
"""

from __future__ import annotations

import getpass
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from . import french, limits, permissions
from .checklist import item_payload, write_item
from .clock import Clock
from .errors import BadInput, Conflict, CptsError, NotFound, Refused
from .folding import fold
from .limits import clean_text
from .officers import matching_officers, resolve_officer
from .paging import Page, after, check_limit, decode_cursor, encode_cursor, parse_instant
from .permissions import Operation
from .shared import Shared
from .store.models import ChecklistState, Event, Project, ProjectSlug
from .views import EventView, ItemView, ProjectDetail, ProjectOverview, ProjectSummary, StageProgress
from .workflow.catalog import DEFAULT_WORKFLOW, WorkflowCatalog
from .workflow.definition import Item, WorkflowDefinition
from .workflow.engine import engine_for
from .workflow.guards import GuardContext

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import InstrumentedAttribute

    from .accounts import Account

WORKFLOW_MIGRATED = "workflow_migrated"  # the event of a move to another workflow version

EVENT_LABELS = {
    "created": "Création du projet",
    "updated": "Projet modifié (nom, chargé·e de mission ou identifiant court)",
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
    "territory_added": "Communes ajoutées au territoire",
    "territory_removed": "Communes retirées du territoire",
    "territory_updated": "Communes fusionnées remplacées par leur commune nouvelle",
    "taille_changed": "Taille ACI modifiée",
    "members_added": "Membres ajoutés",
    "workflow_migrated": "Changement de version du workflow",
    "imported": "Import d'une sauvegarde",
    "sheet_imported": "Import d'un tableur",
    "member_erased": "Effacement des données d'une personne (RGPD)",
    "contract_set": "Contrat ACI enregistré ou modifié",
    "contract_amounts_set": "Contrat ACI : montants de l'annexe saisis",
    "contract_amounts_imported": "Contrat ACI : annexe importée",
    "payment_received": "Contrat ACI : versement reçu",
    "indicator_defined": "Contrat ACI : indicateur défini",
    "indicator_recorded": "Contrat ACI : valeur d'indicateur saisie",
    "spending_recorded": "Contrat ACI : dépense enregistrée",
    "contract_review_generated": "Contrat ACI : dossier du dialogue de gestion produit",
    "porteur_invited": "Porteur invité ou rattaché",
    "porteur_detached": "Porteur détaché du projet",
    "evidence_added": "Justificatif déposé",
    "evidence_removed": "Justificatif supprimé",
    "note_added": "Note ajoutée au journal",
    "contact_added": "Contact ajouté",
    "contact_updated": "Contact modifié",
    "contact_removed": "Contact retiré",
    "contact_erased": "Effacement des données d'un contact (RGPD)",
    "partner_added": "Partenaire ajouté",
    "partner_changed": "Relation avec un partenaire mise à jour",
    "partner_removed": "Partenaire retiré",
}
STATUS_LABELS = {"todo": "à faire", "done": "fait", "not_applicable": "sans objet"}
# What a project's summary is made of, in the order `Workspace._summary_of` reads them.
SUMMARY_COLUMNS = ("id", "slug", "name", "officer", "stage", "workflow_id", "workflow_version",
                   "created_at", "updated_at", "stage_entered_at", "row_version")


# Statements of the write path, built once: building them on every change (coercing each
# value) cost more than running them.
_BY_SLUG = select(Project).where(Project.slug == bindparam("slug"))
_BY_SLUG_LOCKED = _BY_SLUG.with_for_update().execution_options(populate_existing=True)
_EVENT_INSERT = insert(Event)


# The session of each workspace inside `atomic()`, per thread: a workspace shared by
# threads never lends one thread's transaction to another.
_ATOMIC = threading.local()


def _atomic_sessions() -> dict[int, Session]:
    sessions: dict[int, Session] | None = getattr(_ATOMIC, "sessions", None)
    if sessions is None:
        sessions = _ATOMIC.sessions = {}
    return sessions


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


class Workspace:
    """A base of CPTS projects, seen by one actor.

    `url`: database URL (default: `CPTS_DATABASE_URL` or SQLite in the user data dir);
    `actor`: who is acting, recorded on every change; `now`: the clock (tests fix it).
    `account`: the signed-in account whose rights apply (None: the local operator, who
    holds the base's credentials and may do everything); its name becomes the actor.
    `shared`: the engine and catalogue of a long-lived `App`; a workspace made without one
    builds its own (what a one-shot command needs). Cheap to make from an `App`.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        actor: str | None = None,
        now: Clock | None = None,
        workflow_files: list[Path] | None = None,
        account: Account | None = None,
        shared: Shared | None = None,
    ) -> None:
        if shared is None:
            shared = Shared(url, workflow_files=workflow_files, **({"now": now} if now else {}))
        self.shared = shared
        self.db = shared.db
        self.now: Clock = now or shared.now
        self.account = account
        self.account_login: str | None
        if account is not None:
            self.actor, self.account_login = account.name, account.login
        else:
            self.actor = limits.clean_actor(actor or default_actor())
            self.account_login = None
        self._facts = shared.stage_facts

    @property
    def catalog(self) -> WorkflowCatalog:
        return self.shared.catalog

    def definition(self, workflow_id: str = DEFAULT_WORKFLOW, version: int | None = None) -> WorkflowDefinition:
        return self.catalog.get(workflow_id, version)

    def definition_of(self, project: Project | ProjectSummary) -> WorkflowDefinition:
        """The definition (and version) a project runs on."""
        return self.catalog.get(project.workflow_id, project.workflow_version)

    def init(self) -> str:
        """Create or upgrade the base (a shared PostgreSQL one too); return its schema revision."""
        return self.shared.init()

    # --- permissions -------------------------------------------------------------------

    def require(self, operation: Operation) -> None:
        """`Forbidden` unless this workspace's account may do a base-wide `operation`."""
        permissions.require(self.account, operation)

    def visible_clause(
        self, column: ColumnElement[int] | InstrumentedAttribute[int]
    ) -> ColumnElement[bool] | None:
        """A WHERE clause keeping the projects (ids in `column`) this account sees, or None."""
        return permissions.visible_clause(self.account, column)

    # --- sessions and lookups ----------------------------------------------------------

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction; a concurrent change of the same project becomes `Conflict`.

        `read_only=True` when it only reads: it then never waits for a writer (SQLite).
        Inside `atomic()`, the transaction of the block, within a savepoint: a call that
        fails undoes its own writes only, and the block decides for the rest.
        """
        outer = _atomic_sessions().get(id(self))
        try:
            if outer is not None:
                with outer.begin_nested():
                    yield outer
                return
            with self.db.session(read_only=read_only) as session:
                yield session
        except StaleDataError:
            raise Conflict(
                "Ce projet vient d'être modifié par quelqu'un d'autre ; votre modification "
                "n'a pas été enregistrée.",
                "Recommencez : la modification s'appliquera à la version à jour.",
            ) from None

    @contextmanager
    def atomic(self) -> Iterator[Session]:
        """Several library calls in one transaction: all written, or nothing.

            with ws.atomic():
                ws.check("cpts-du-pays-d-aix", "working_group")
                ws.advance("cpts-du-pays-d-aix")

        Every call made inside the block on this workspace (and in this thread) joins its
        transaction; an exception leaving the block rolls everything back. A nested
        `atomic()` joins the outer one.
        """
        sessions = _atomic_sessions()
        if id(self) in sessions:
            yield sessions[id(self)]
            return
        with self.session() as session:
            sessions[id(self)] = session
            try:
                yield session
            finally:
                del sessions[id(self)]

    def get_project(
        self, session: Session, ref: str | int, operation: Operation = "read", *, lock: bool = False
    ) -> Project:
        """A project by slug or numeric id, for `operation`, or `NotFound` with close matches.

        A project the account may not see is `NotFound` too (its existence is not told);
        one it sees but may not do `operation` on is `Forbidden`.
        `lock=True` takes the project's row lock (PostgreSQL `SELECT … FOR UPDATE`) so that
        two changes of the same project run one after the other, each on fresh data.
        SQLite needs no row lock: every transaction starts with `BEGIN IMMEDIATE`.
        """
        text = str(ref).strip()
        project = None
        if (number := limits.as_id(text)) is not None:
            project = session.get(Project, number, with_for_update=lock or None,
                                  populate_existing=lock)
        if project is None:
            project = session.scalar(_BY_SLUG_LOCKED if lock else _BY_SLUG, {"slug": text})
        if project is None and text:
            # A slug the project had before it was changed still leads to it.
            former = session.scalar(select(ProjectSlug.project_id).where(ProjectSlug.slug == text))
            if former is not None:
                project = session.get(Project, former, with_for_update=lock or None,
                                      populate_existing=lock)
        if project is not None and not permissions.can_see(self.account, project.id):
            project = None
        if project is None:
            import difflib  # only to suggest close names, after a miss

            query = select(Project.slug)
            visible = self.visible_clause(Project.id)
            slugs = session.scalars(query if visible is None else query.where(visible)).all()
            close = difflib.get_close_matches(slugify(text), slugs, n=3)
            hint = (
                f"Vouliez-vous dire : {', '.join(close)} ?"
                if close
                else "La liste des projets donne leurs identifiants."
            )
            raise NotFound(f"Projet « {text} » introuvable.", hint, topic="unknown_project")
        permissions.require(self.account, operation, project.id)
        return project

    def _item(self, definition: WorkflowDefinition, item_id: str, project: Project) -> Item:
        if not definition.has_item(item_id):
            import difflib

            ids = [i.id for s in definition.stages for i in s.items]
            close = difflib.get_close_matches(item_id, ids, n=3)
            hint = (
                f"Vouliez-vous dire : {', '.join(close)} ?"
                if close
                else "La checklist du projet liste les éléments et leurs identifiants."
            )
            raise NotFound(f"Élément « {item_id} » inconnu dans le workflow.", hint,
                           topic="unknown_item", details={"project": project.slug})
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
            "project_id": project.id, "at": now, "actor": self.actor,
            "account_login": self.account_login, "kind": kind,
            "from_stage": from_stage, "to_stage": to_stage, "item_id": item_id,
            "comment": comment, "payload": payload,
        })
        if not created:
            project.updated_at = now
            # Bump the row version even when the clock has not moved (fixed clocks, same second).
            flag_modified(project, "updated_at")

    @contextmanager
    def changing(
        self, ref: str | int, operation: Operation, expected_version: int | None = None
    ) -> Iterator[tuple[Session, Project]]:
        """A transaction around one change (`operation`) of one project (refused once abandoned)."""
        with self.session() as session:
            project = self.get_project(session, ref, operation, lock=True)
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
        self.require("create")
        name = clean_text(name, "Le nom du projet", max_length=limits.NAME, required=True) or ""
        officer = clean_text(officer, "Le nom du chargé de mission", max_length=limits.PERSON)
        definition = self.definition(workflow_id, version)
        with self.session() as session:
            officer = resolve_officer(session, officer) or None
            base = slugify(slug or name)
            if base.isdigit():  # a slug of digits would be taken for a project number
                base = f"projet-{base}"
            taken = set(session.scalars(select(Project.slug).where(Project.slug.like(f"{base}%"))))
            # A slug a project had before stays its own: old links must not lead elsewhere.
            taken |= set(session.scalars(
                select(ProjectSlug.slug).where(ProjectSlug.slug.like(f"{base}%"))))
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

    def update_project(
        self,
        ref: str | int,
        *,
        name: str | None = None,
        officer: str | None = None,
        slug: str | None = None,
        expected_version: int | None = None,
    ) -> ProjectSummary:
        """Rename a project, give it to another officer (`""` leaves it unassigned) and/or
        change its slug.

        A rename keeps the slug; a new slug keeps the old one working (it still leads to
        the project, so links and scripts do not break). Once the base has officer
        accounts, the officer must be one of them (see `officers`).
        """
        new_name = clean_text(name, "Le nom du projet", max_length=limits.NAME) if name is not None else None
        if name is not None and not new_name:
            raise BadInput("Le nom du projet est obligatoire.")
        new_officer = clean_text(officer, "Le nom du chargé de mission", max_length=limits.PERSON) if officer is not None else None
        new_slug = None
        if slug is not None:
            new_slug = slugify(clean_text(slug, "L'identifiant court", max_length=limits.SLUG,
                                          required=True) or "")
            if new_slug.isdigit():
                raise BadInput(f"L'identifiant court « {new_slug} » ne peut pas être un nombre : "
                               "il serait pris pour un numéro de projet.")
        # Who may create projects (officers, admins) may rename and reassign them.
        self.require("create")
        with self.changing(ref, "stage", expected_version) as (session, project):
            changes: dict[str, Any] = {}
            if new_name is not None and new_name != project.name:
                changes["name"] = {"from": project.name, "to": new_name}
                project.name = new_name
            if officer is not None:
                # Keeping the officer a project has (a form sends it back) needs no account.
                if fold(new_officer) != fold(project.officer):
                    new_officer = resolve_officer(session, new_officer)
                else:
                    new_officer = project.officer if new_officer else None
                new_officer = new_officer or None
                if new_officer != project.officer:
                    changes["officer"] = {"from": project.officer, "to": new_officer}
                    project.officer = new_officer
            if new_slug is not None and new_slug != project.slug:
                old_slug = project.slug
                self._change_slug(session, project, new_slug)
                changes["slug"] = {"from": old_slug, "to": new_slug}
            if changes:
                self.record_event(session, project, "updated", payload=changes)
                session.flush()
            return self.summary(project)

    def _change_slug(self, session: Session, project: Project, new_slug: str) -> None:
        """Give `project` a new slug, keeping the old one as a way to reach it."""
        taken = session.scalar(select(Project.id).where(Project.slug == new_slug))
        former = session.get(ProjectSlug, new_slug)
        if taken is not None or (former is not None and former.project_id != project.id):
            raise Conflict(f"L'identifiant court « {new_slug} » est déjà pris par un autre projet.",
                           "Choisissez-en un autre.")
        if former is not None:  # going back to a slug it had: it is current again
            session.delete(former)
        session.add(ProjectSlug(slug=project.slug, project_id=project.id, replaced_at=self.now()))
        project.slug = new_slug
        session.flush()

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

    def list_projects(
        self,
        *,
        officer: str | None = None,
        stage: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[ProjectSummary]:
        """Projects ordered by name (then number), optionally filtered by officer and stage.

        `limit` projects at most, after `cursor` (the `next_cursor` of the page before);
        the page's `next_cursor` is None on the last page.
        """
        check_limit(limit)
        if stage is not None:
            stage = self._check_stage(self.definition(), stage)
        with self.session(read_only=True) as session:
            # Plain rows, not ORM objects: a national list needs no identity map nor change
            # tracking, and building 1 000 tracked objects was most of its time.
            columns = [Project.__table__.c[name] for name in SUMMARY_COLUMNS]
            query = select(*columns).order_by(Project.name, Project.id)
            if officer:
                query = query.where(Project.officer.in_(matching_officers(session, officer)))
            if stage:
                query = query.where(Project.stage == stage)
            visible = self.visible_clause(Project.id)
            if visible is not None:
                query = query.where(visible)
            if cursor:
                name, pid = decode_cursor(cursor, (str, int))
                query = query.where(after(Project.name, Project.id, name, pid))
            if limit:
                query = query.limit(limit + 1)
            projects = [self._summary_of(tuple(row)) for row in session.execute(query)]
        if limit and len(projects) > limit:
            del projects[limit:]
            return Page(projects, encode_cursor([projects[-1].name, projects[-1].id]))
        return Page(projects)

    def project(self, ref: str | int) -> ProjectSummary:
        with self.session(read_only=True) as session:
            return self.summary(self.get_project(session, ref))

    def _check_stage(self, definition: WorkflowDefinition, stage: str) -> str:
        """The id of the stage typed (id, French label or a word of it), or `BadInput`."""
        from .stage_names import resolve_stage

        return resolve_stage(definition, stage)

    def detail(self, ref: str | int) -> ProjectDetail:
        """Current stage, progress of every stage, the next required items."""
        with self.session(read_only=True) as session:
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
                stage = definition.stage(current)
                next_required = [
                    self._item_view(stage.id, i, states.get(i.id))
                    for i in stage.items
                    if i.required and (states.get(i.id) is None or states[i.id].status == "todo")
                ]
            return ProjectDetail(
                project=self.summary(project),
                resume_stage=project.resume_stage,
                stages=stages,
                next_required=next_required,
            )

    def overview(self, ref: str | int, *, deadlines: int = 3) -> ProjectOverview:
        """A project at a glance, in one transaction: its detail (`detail`), its next
        `deadlines` dates and its late ACI missions."""
        from dataclasses import fields

        from .aci.calendar import mission_flags
        from .deadlines import next_deadlines

        with self.atomic():
            detail = self.detail(ref)
            slug = detail.project.slug
            upcoming = next_deadlines(self, slug, deadlines)
            flags = mission_flags(self, slug)
        shared = {f.name: getattr(detail, f.name) for f in fields(detail)}
        return ProjectOverview(**shared, next_deadlines=upcoming, mission_flags=flags)

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
        with self.session(read_only=True) as session:
            project = self.get_project(session, ref)
            definition = self.definition_of(project)
            states = self._states(session, project)
            if stage == "all":
                stages = list(definition.stages)
            else:
                wanted = self._check_stage(definition, stage) if stage else (
                    project.resume_stage or project.stage)
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
        expected_version: int | None = None,
    ) -> ItemView:
        with self.changing(ref, "check", expected_version) as (session, project):
            definition = self.definition_of(project)
            item = self._item(definition, item_id, project)
            permissions.require_item(self.account, item.label, item.role)
            if check_value:
                value = normalise_value(item, value)
            stage_id = definition.item(item_id)[0].id
            changes: dict[str, Any] = {}
            if status is not None:
                changes.update(status=status, note=note, value=value, reason=reason)
            if due is not None:
                changes["due_date"] = due
            state = write_item(self, session, project, item_id, changes, kind=kind,
                               comment=note or reason, payload=item_payload(value, due))
            session.flush()
            return self._item_view(stage_id, item, state)

    def check(
        self,
        ref: str | int,
        item_id: str,
        *,
        note: str | None = None,
        value: str | None = None,
        due: date | str | None = None,
        expected_version: int | None = None,
    ) -> ItemView:
        """Mark an item done; its evidence (`date`, `number`) is validated and normalised.

        `expected_version`: the project's row version the caller read (a web form); another
        change since then is a `Conflict` and nothing is written.
        """
        note = clean_text(note, "La note")
        value = clean_text(value, "La valeur")
        # The value is checked inside the change's own transaction: looking the project up
        # in a transaction of its own first cost one more BEGIN/COMMIT per check.
        return self._set_item(ref, item_id, "checked", status="done", note=note, value=value,
                              due=french.parse_date(due) if due else None, check_value=True,
                              expected_version=expected_version)

    def set_due(self, ref: str | int, item_id: str, due: date | str, *,
                expected_version: int | None = None) -> ItemView:
        """Set a due date on an item without changing its status."""
        return self._set_item(ref, item_id, "due_set", status=None, due=french.parse_date(due),
                              expected_version=expected_version)

    def uncheck(self, ref: str | int, item_id: str, *, expected_version: int | None = None) -> ItemView:
        """Put an item back to `todo`."""
        return self._set_item(ref, item_id, "unchecked", status="todo",
                              expected_version=expected_version)

    def skip(self, ref: str | int, item_id: str, *, reason: str,
             expected_version: int | None = None) -> ItemView:
        """Mark an item not applicable; a reason is required."""
        reason = clean_text(reason, "La raison", required=True) or ""
        return self._set_item(ref, item_id, "skipped", status="not_applicable", reason=reason,
                              expected_version=expected_version)

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
        operation: Operation = "abandon" if trigger == "abandon" else "force" if force else "stage"
        with self.changing(ref, operation, expected_version) as (session, project):
            self.move_stage(session, project, trigger, kind, comment=comment, force=force)
            session.flush()
            return self.summary(project)

    def move_stage(
        self,
        session: Session,
        project: Project,
        trigger: str,
        kind: str,
        *,
        comment: str | None = None,
        force: bool = False,
        target: str | None = None,
        item_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """The one way a project changes stage: the engine runs `trigger` (its guards
        refuse with what is missing), the project moves, and event `kind` records it.

        `force` passes over failing guards, audited with what was missing; `target` is
        the stage `reopen` goes back to (a paused project stays paused, and will resume
        there).
        """
        definition = self.definition_of(project)
        engine = engine_for(definition)
        source = project.stage
        ctx = None
        if source in definition.stage_ids:
            ctx = GuardContext(
                session=session,
                project=project,
                definition=definition,
                stage=definition.stage(source),
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
        dest = engine.fire(trigger, source, ctx, resume_stage=project.resume_stage, force=force,
                           target=target)
        pause = definition.side_state("pause")
        if pause and dest == pause.id:
            project.resume_stage = target if source == pause.id else source
        else:
            project.resume_stage = None
        if dest != source:
            project.stage = dest
            project.stage_entered_at = self.now()
        if force:
            payload = {**(payload or {}), "forced": True, "missing": missing}
        self.record_event(session, project, kind, from_stage=source, to_stage=dest, item_id=item_id,
                          comment=comment, payload=payload)

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
        comment = clean_text(comment, "Le commentaire", required=force)
        return self._fire(ref, "advance", "advanced", comment=comment, force=force,
                          expected_version=expected_version)

    def back(self, ref: str | int, *, comment: str, expected_version: int | None = None) -> ProjectSummary:
        """Go back one stage; a comment says why."""
        comment = clean_text(comment, "Le commentaire", required=True) or ""
        return self._fire(ref, "back", "back", comment=comment, expected_version=expected_version)

    def pause(self, ref: str | int, *, reason: str, expected_version: int | None = None) -> ProjectSummary:
        reason = clean_text(reason, "La raison", required=True) or ""
        return self._fire(ref, "pause", "paused", comment=reason, expected_version=expected_version)

    def resume(self, ref: str | int, *, comment: str | None = None,
               expected_version: int | None = None) -> ProjectSummary:
        comment = clean_text(comment, "Le commentaire")
        return self._fire(ref, "resume", "resumed", comment=comment,
                          expected_version=expected_version)

    def abandon(self, ref: str | int, *, reason: str, expected_version: int | None = None) -> ProjectSummary:
        reason = clean_text(reason, "La raison", required=True) or ""
        return self._fire(ref, "abandon", "abandoned", comment=reason,
                          expected_version=expected_version)

    # --- audit -------------------------------------------------------------------------

    def _described(self, session: Session, project: Project, events: list[EventView]) -> list[EventView]:
        """`events` with their French description (what changed)."""
        from dataclasses import replace

        from .history_text import describe

        namer = _commune_namer(session, events)
        in_force = self._definitions_in_force(session, project)
        return [replace(e, description=describe(e, in_force(e.id), namer)) for e in events]

    def _definitions_in_force(self, session: Session, project: Project) -> Callable[[int], WorkflowDefinition]:
        """The workflow definition in force when event n° id was recorded: a project moved to
        a newer version keeps naming the items and stages of the older one in its history."""
        current = self.definition_of(project)
        moves = session.execute(
            select(Event.id, Event.payload)
            .where(Event.project_id == project.id, Event.kind == WORKFLOW_MIGRATED).order_by(Event.id)
        ).all()
        known: dict[Any, WorkflowDefinition] = {}

        def at(event_id: int) -> WorkflowDefinition:
            version = next(((payload or {}).get("from_version") for move_id, payload in moves
                            if move_id > event_id), None)
            if version is None or version == project.workflow_version:
                return current
            if version not in known:
                try:
                    known[version] = self.definition(project.workflow_id, int(version))
                except (CptsError, TypeError, ValueError):  # a version this program no longer has
                    known[version] = current
            return known[version]

        return at

    def history(
        self, ref: str | int, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[EventView]:
        """Every event of a project, oldest first; `limit` and `cursor` page through them
        (see `list_projects`)."""
        check_limit(limit)
        with self.session(read_only=True) as session:
            project = self.get_project(session, ref)
            query = select(Event).where(Event.project_id == project.id).order_by(Event.at, Event.id)
            if cursor:
                at, last = decode_cursor(cursor, (str, int))
                query = query.where(after(Event.at, Event.id, parse_instant(at), last))
            if limit:
                query = query.limit(limit + 1)
            events = self._described(session, project, [event_view(e) for e in session.scalars(query)])
        if limit and len(events) > limit:
            del events[limit:]
            return Page(events, encode_cursor([events[-1].at.isoformat(), events[-1].id]))
        return Page(events)


def _commune_namer(session: Session, events: list[EventView]):
    """A function naming communes by INSEE code, when some event lists communes."""
    if not any(e.kind.startswith("territory_") for e in events):
        return str
    from .territory.reference import reference_for

    communes = reference_for(session).communes

    def name(code: str) -> str:
        commune = communes.get(code)
        return f"{commune.nom} ({code})" if commune else code
    return name


def event_view(event: Event) -> EventView:
    return EventView(
        id=event.id,
        at=event.at,
        actor=event.actor,
        account_login=event.account_login,
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
                "Donnez-la, par exemple 01/09/2026.",
                topic="item_value",
            )
        return french.parse_date(value).isoformat()
    if item.evidence == "number" and value:
        return limits.number_text(value)
    return value

