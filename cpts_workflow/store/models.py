"""SQLAlchemy 2 typed models of everything a CPTS project keeps.

Schema changes go through Alembic (`store/migrations`), never `create_all`, so that a
base in the field can always be brought up to date.

No `from __future__ import annotations` here: SQLAlchemy would evaluate every `Mapped[…]`
string when the classes are mapped, a sixth of this module's import time, paid by every
command. Only the references to a later class are written as strings.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    officer: Mapped[str | None] = mapped_column(String(120), index=True)
    workflow_id: Mapped[str] = mapped_column(String(60))
    workflow_version: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(60), index=True)
    # Where `resume` goes back to while the project is paused.
    resume_stage: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]
    stage_entered_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    checklist: Mapped[list["ChecklistState"]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Event.id"
    )

    # Optimistic locking: every UPDATE checks the version it read.
    __mapper_args__ = {"version_id_col": row_version}


class ChecklistState(Base):
    """State of one item for one project; an item without a row is `todo`."""

    __tablename__ = "checklist_states"
    __table_args__ = (UniqueConstraint("project_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="todo")  # todo|done|not_applicable
    note: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]

    project: Mapped[Project] = relationship(back_populates="checklist")


class Event(Base):
    """Append-only audit trail: who, when, what, from, to, why."""

    __tablename__ = "events"
    # Migration 0002 also indexes the stage changes alone (partial index `WHERE to_stage IS
    # NOT NULL`), what reports read to time each stage. It is not declared here: dialect
    # options make SQLAlchemy import both dialects, 60 ms on every command.
    __table_args__ = (Index("ix_events_project_at", "project_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    # The account that acted (None: the local operator, who holds the base's credentials).
    account_login: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(60))
    to_stage: Mapped[str | None] = mapped_column(String(60))
    item_id: Mapped[str | None] = mapped_column(String(80))
    comment: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    project: Mapped[Project] = relationship(back_populates="events")


class ProjectCommune(Base):
    """A commune (or municipal arrondissement) of a project's territory."""

    __tablename__ = "project_communes"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    insee: Mapped[str] = mapped_column(String(5), primary_key=True, index=True)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(120))
    # Set when the commune was added although another active project holds it.
    forced_reason: Mapped[str | None] = mapped_column(Text)


class Member(Base):
    """A professional (personne physique) or a structure (personne morale) of a project."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    legal: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str | None] = mapped_column(String(120))
    structure_kind: Mapped[str | None] = mapped_column(String(60))
    college: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str | None] = mapped_column(String(40))
    rpps: Mapped[str | None] = mapped_column(String(11))
    siret: Mapped[str | None] = mapped_column(String(14))
    finess: Mapped[str | None] = mapped_column(String(9))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # RGPD erasure keeps the row (collège counts stay right) but drops personal fields.
    erased_at: Mapped[datetime | None]


class DocumentAnswers(Base):
    """Answers given for one template of one project."""

    __tablename__ = "document_answers"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    template: Mapped[str] = mapped_column(String(60), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class GeneratedDocument(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    answers_checksum: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class ProjectMission(Base):
    """An ACI mission of a project: chosen or not, and when it started and was deployed."""

    __tablename__ = "project_missions"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    mission: Mapped[str] = mapped_column(String(40), primary_key=True)
    chosen: Mapped[bool] = mapped_column(Boolean, default=True)
    started_on: Mapped[date | None] = mapped_column(Date)
    deployed_on: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class FundingGrid(Base):
    """An ACI funding grid imported by a user (the shipped ones are package data)."""

    __tablename__ = "funding_grids"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime]


class ReferenceVintage(Base):
    """A communes/population file imported by a user (the shipped one is package data)."""

    __tablename__ = "reference_vintages"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60), unique=True)
    source: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime]


class ReferenceCommune(Base):
    __tablename__ = "reference_communes"

    vintage_id: Mapped[int] = mapped_column(
        ForeignKey("reference_vintages.id", ondelete="CASCADE"), primary_key=True
    )
    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    type: Mapped[str] = mapped_column(String(3))
    nom: Mapped[str] = mapped_column(String(120))
    departement: Mapped[str] = mapped_column(String(3))
    region: Mapped[str] = mapped_column(String(3))
    epci_siren: Mapped[str | None] = mapped_column(String(9))
    epci_nom: Mapped[str | None] = mapped_column(String(200))
    commune_parent: Mapped[str | None] = mapped_column(String(5))
    population: Mapped[int | None] = mapped_column(Integer)


# --- accounts -------------------------------------------------------------------------
# Credentials and sessions are not project data: backups leave these tables out
# (`info["backup"] = False`), so that a backup file never carries a password hash.

_NOT_BACKED_UP = {"backup": False}


class AccountRow(Base):
    """A person who signs in: a role, an argon2 password hash, active or disabled."""

    __tablename__ = "accounts"
    __table_args__ = {"info": _NOT_BACKED_UP}

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AccountProject(Base):
    """A porteur's project: the only projects that account sees."""

    __tablename__ = "account_projects"
    __table_args__ = {"info": _NOT_BACKED_UP}

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LoginSessionRow(Base):
    """A signed-in browser: only the SHA-256 of its token is stored."""

    __tablename__ = "login_sessions"
    __table_args__ = {"info": _NOT_BACKED_UP}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginThrottle(Base):
    """Failed sign-ins of one login (known or not) in the current window."""

    __tablename__ = "login_throttle"
    __table_args__ = {"info": _NOT_BACKED_UP}

    login: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class _TrailColumns:
    """What every audit trail outside a project's history records: when, who (name and
    login), what kind of change, and its details."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    actor_login: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AccountEvent(_TrailColumns, Base):
    """Audit trail of the accounts: who created, changed, disabled which account."""

    __tablename__ = "account_events"
    __table_args__ = {"info": _NOT_BACKED_UP}

    login: Mapped[str] = mapped_column(String(80), index=True)


# --- the ACI contract after signature --------------------------------------------------


class AciContract(Base):
    """A project's signed ACI contract: when, for how long, at which taille, on which grid."""

    __tablename__ = "aci_contracts"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    signed_on: Mapped[date] = mapped_column(Date)
    years: Mapped[int] = mapped_column(Integer)
    taille: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[str] = mapped_column(String(60))
    # Fonctionnement of the contract, in cents; None while not typed in.
    operating_cents: Mapped[int | None] = mapped_column(BigInteger)
    operating_status: Mapped[str] = mapped_column(String(20))  # contract | estimated
    operating_yearly: Mapped[bool] = mapped_column(Boolean, default=False)
    # Plafond annuel de la sécurité sociale by calendar year, in cents, when the user set it.
    caps: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class ContractAmount(Base):
    """The fixed and variable amounts of one mission for one contract year (the annex)."""

    __tablename__ = "aci_contract_amounts"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    mission: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    fixed_cents: Mapped[int | None] = mapped_column(BigInteger)
    variable_cents: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # contract | estimated
    source: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class ContractPayment(Base):
    """Money received from the Assurance Maladie against one expected payment."""

    __tablename__ = "aci_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    line_key: Mapped[str] = mapped_column(String(80))
    received_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]


class ContractIndicator(Base):
    """An indicator of the contract: target, unit, and how it earns the variable part."""

    __tablename__ = "aci_indicators"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    mission: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(40))  # an exact decimal number
    rule: Mapped[str] = mapped_column(String(20))  # proportional | threshold | all_or_nothing
    threshold_percent: Mapped[int | None] = mapped_column(Integer)
    weight_percent: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class IndicatorValue(Base):
    """The value an indicator achieved in one contract year, with its evidence."""

    __tablename__ = "aci_indicator_values"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    mission: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(40))  # an exact decimal number
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"files": [...]}
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime]


class ContractSpending(Base):
    """Money spent on a mission (or on fonctionnement), by category."""

    __tablename__ = "aci_spending"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    envelope: Mapped[str] = mapped_column(String(40))  # a mission id or "fonctionnement"
    category: Mapped[str] = mapped_column(String(30))
    spent_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    professional: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]


# --- calendar subscription (.ics) ----------------------------------------------------------


class CalendarToken(Base):
    """An account's secret calendar address: only the SHA-256 of its token is stored.

    One per account; making a new one replaces (revokes) the previous one."""

    __tablename__ = "calendar_tokens"
    __table_args__ = {"info": _NOT_BACKED_UP}

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


# --- porteurs in the browser: invitations and evidence files ---------------------------


class Invitation(Base):
    """A single-use link for a porteur to choose a password; only its token's SHA-256 is kept.

    Never in a backup: like the accounts it opens, it is a credential.
    """

    __tablename__ = "invitations"
    __table_args__ = {"info": _NOT_BACKED_UP}

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(200))  # kept as text, never sent
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Evidence(Base):
    """A file proving a checklist item (PDF, DOCX, ODT, PNG, JPEG), kept in the base.

    In the base rather than in a directory: every server process of a PostgreSQL base
    sees it, the upload and its audit event are one transaction, and backups, restores and
    deletions carry it with the project's other rows.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: lists of files never load their bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime]


# --- an officer's daily work: old slugs, journal, contacts, partners, deletions ---------


class ProjectSlug(Base):
    """A slug a project had before it was changed: links and scripts keep working."""

    __tablename__ = "project_slugs"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    replaced_at: Mapped[datetime]


class JournalNote(Base):
    """A dated note of a project's journal: a meeting held, who was there, the next step."""

    __tablename__ = "journal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_date: Mapped[date | None] = mapped_column(Date)
    written_by: Mapped[str] = mapped_column(String(120))
    written_at: Mapped[datetime]


class Contact(Base):
    """A person the officer deals with for a project: porteur, ARS/CPAM referent, coordinator."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # RGPD erasure keeps the row (the role stays known) but drops what identifies the person.
    erased_at: Mapped[datetime | None]


class Partner(Base):
    """A structure the project works with (GHT, DAC, SAS…) and where the relation stands."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    state_date: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class DeletedProject(Base):
    """The audit of a deleted project, kept by the base once the project and its events
    are gone: who deleted what, when and why."""

    __tablename__ = "deleted_projects"
    __table_args__ = (UniqueConstraint("slug", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_number: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    account_login: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    events: Mapped[int] = mapped_column(Integer)


# --- the base's own audit trail -----------------------------------------------------------


class BaseEvent(_TrailColumns, Base):
    """What was done to the base as a whole (reference data: communes, funding grids), by
    whom and when; a project's changes are its `events`, an account's `account_events`."""

    __tablename__ = "base_events"
    __table_args__ = {"info": _NOT_BACKED_UP}

    subject: Mapped[str] = mapped_column(String(200))
