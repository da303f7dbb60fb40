"""Accounts of the people who sign in: roles, argon2 passwords, sign-in sessions.

What each role may do is decided in `permissions`; this module keeps who is who.

- Managing accounts (`add_account`, `set_role`, `disable`…) takes a `Workspace`: its
  account must be an admin (or the local operator), and every change is audited in
  `account_events`, in the same transaction.
- Signing in (`authenticate`) answers the same sentence, in about the same time, whether
  the login exists or not; repeated failures for one login block it for a while (counted
  in the base, so that every server process sees them).
- Sessions for the web app live in the base; only the SHA-256 of their token is stored.
  Disabling an account, changing its password or signing out ends its sessions at their
  next lookup.
- A calendar address (`new_calendar_address`): a secret URL that calendar programs poll
  without signing in. Only its SHA-256 is stored, so it is shown once, when made; making
  a new one revokes the previous one; a disabled account's address answers nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update

from . import french
from .errors import BadInput, Busy, NotFound, Refused, Unauthenticated
from .limits import NAME, clean_text
from .permissions import ROLE_LABELS, ROLES
from .store.models import (
    AccountEvent,
    AccountProject,
    AccountRow,
    CalendarToken,
    LoginSessionRow,
    LoginThrottle,
    Project,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .shared import Shared
    from .workspace import Workspace

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,79}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# Sign-in throttling: this many failures for one login within the window block it.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
BLOCKED_FOR = timedelta(minutes=15)
# Sessions end after their lifetime, or sooner when unused for `SESSION_IDLE`.
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
# `last_seen` is written at most this often: not one write per page.
LAST_SEEN_EVERY = timedelta(minutes=1)

ACCOUNT_EVENT_LABELS = {
    "account_added": "Compte créé",
    "role_changed": "Rôle modifié",
    "disabled": "Compte désactivé",
    "enabled": "Compte réactivé",
    "password_changed": "Mot de passe changé",
    "attached": "Rattaché à un projet",
    "detached": "Détaché d'un projet",
    "calendar_created": "Adresse d'agenda créée",
    "calendar_revoked": "Adresse d'agenda révoquée",
    "invited": "Invitation créée",
    "invitation_accepted": "Invitation utilisée : mot de passe choisi",
}
# A calendar address's last use is written at most this often (programs poll hourly).
CALENDAR_TOUCH_EVERY = timedelta(hours=1)
WRONG_CREDENTIALS = "Identifiant ou mot de passe incorrect."

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """Someone who signs in; `project_ids`/`projects`: a porteur's projects (ids, slugs)."""

    id: int
    login: str
    name: str
    role: str
    active: bool
    project_ids: tuple[int, ...]
    projects: tuple[str, ...]
    created_at: datetime
    updated_at: datetime

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "login": self.login, "name": self.name, "role": self.role,
            "role_label": self.role_label, "active": self.active,
            "project_ids": list(self.project_ids), "projects": list(self.projects),
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class LoginSession:
    """An open sign-in: `token` goes in the browser's cookie, `csrf_token` in its forms."""

    token: str
    csrf_token: str
    expires_at: datetime
    account: Account


@dataclass(frozen=True)
class CalendarAddress:
    """An account's calendar subscription: `token` is the secret, known only right after
    it was made (the base keeps its hash)."""

    login: str
    created_at: datetime
    last_used_at: datetime | None
    token: str | None = None


@dataclass(frozen=True)
class AccountEventView:
    at: datetime
    actor: str
    actor_login: str | None
    kind: str
    kind_label: str
    login: str
    payload: dict[str, Any] | None


# --- checks ------------------------------------------------------------------------------


def clean_login(login: str) -> str:
    """A login as stored: trimmed, lower case; `BadInput` when malformed."""
    text = (login or "").strip().lower()
    if not LOGIN_PATTERN.fullmatch(text):
        raise BadInput(
            f"L'identifiant « {login} » n'est pas valide.",
            "De 2 à 80 caractères : lettres minuscules sans accent, chiffres, point, tiret, "
            "tiret bas ou @.",
        )
    return text


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(
            f"Le rôle « {role} » n'existe pas.",
            "Rôles : " + ", ".join(f"{r} ({ROLE_LABELS[r]})" for r in ROLES) + ".",
        )
    return role


def check_password(password: str, login: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.")
    if len(password) > MAX_PASSWORD:
        raise BadInput(f"Le mot de passe dépasse {french.number(MAX_PASSWORD)} caractères.")
    if "\x00" in password:
        raise BadInput("Le mot de passe contient des caractères binaires.")
    if password.strip().lower() == login:
        raise BadInput("Le mot de passe ne peut pas être l'identifiant.")
    return password


# --- reading -----------------------------------------------------------------------------


def account_view(session: Session, row: AccountRow) -> Account:
    # Only porteurs are attached to projects (`attach`, `set_role`): every page asks for
    # the signed-in account, and the other roles need not read their (empty) list.
    projects = session.execute(
        select(Project.id, Project.slug)
        .join(AccountProject, AccountProject.project_id == Project.id)
        .where(AccountProject.account_id == row.id)
        .order_by(Project.id)
    ).all() if row.role == "porteur" else []
    return Account(
        id=row.id, login=row.login, name=row.name, role=row.role, active=row.active,
        project_ids=tuple(p.id for p in projects), projects=tuple(p.slug for p in projects),
        created_at=row.created_at, updated_at=row.updated_at,
    )


def account_row(session: Session, login: str, *, lock: bool = False) -> AccountRow:
    key = (login or "").strip().lower()
    query = select(AccountRow).where(AccountRow.login == key)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"Compte « {login} » introuvable.",
                       "La liste des comptes donne les identifiants existants.")
    return row


def list_accounts(ws: Workspace) -> list[Account]:
    """Every account, by login (admins only)."""
    ws.require("accounts")
    with ws.session() as session:
        rows = session.scalars(select(AccountRow).order_by(AccountRow.login)).all()
        return [account_view(session, row) for row in rows]


def get_account(ws: Workspace, login: str) -> Account:
    ws.require("accounts")
    with ws.session() as session:
        return account_view(session, account_row(session, login))


def account_for(shared: Shared, login: str) -> Account:
    """The active account `login`, for a local operator who chooses to act as it."""
    with shared.db.session() as session:
        row = account_row(session, login)
        if not row.active:
            raise Refused(f"Le compte « {row.login} » est désactivé.")
        return account_view(session, row)


def account_history(ws: Workspace, login: str | None = None) -> list[AccountEventView]:
    """What was done to accounts (one account's, or all), oldest first."""
    ws.require("accounts")
    with ws.session() as session:
        query = select(AccountEvent).order_by(AccountEvent.at, AccountEvent.id)
        if login is not None:
            query = query.where(AccountEvent.login == account_row(session, login).login)
        return [
            AccountEventView(e.at, e.actor, e.actor_login, e.kind,
                             ACCOUNT_EVENT_LABELS.get(e.kind, e.kind), e.login, e.payload)
            for e in session.scalars(query)
        ]


# --- changes -----------------------------------------------------------------------------


def audit_account(ws: Workspace, session: Session, kind: str, login: str,
           payload: dict[str, Any] | None = None) -> None:
    session.execute(insert(AccountEvent).values(
        at=ws.now(), actor=ws.actor, actor_login=ws.account_login, kind=kind, login=login,
        payload=payload,
    ))


def add_account(ws: Workspace, login: str, *, name: str, role: str, password: str) -> Account:
    """Create an active account; the password is stored as an argon2 hash only."""
    ws.require("accounts")
    login = clean_login(login)
    name = clean_text(name, "Le nom affiché du compte", max_length=NAME, required=True) or ""
    check_role(role)
    check_password(password, login)
    hashed = _HASHER.hash(password)  # outside the transaction: it takes a while on purpose
    with ws.session() as session:
        if session.scalar(select(AccountRow.id).where(AccountRow.login == login)) is not None:
            raise Refused(f"Le compte « {login} » existe déjà.",
                          "Choisissez un autre identifiant, ou modifiez ce compte.")
        now = ws.now()
        row = AccountRow(login=login, name=name, role=role, password_hash=hashed, active=True,
                         created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        audit_account(ws, session, "account_added", login, {"name": name, "role": role})
        return account_view(session, row)


def _last_admin_left(session: Session, row: AccountRow) -> bool:
    if row.role != "admin" or not row.active:
        return False
    admins = session.scalar(select(func.count()).select_from(AccountRow)
                            .where(AccountRow.role == "admin", AccountRow.active.is_(True)))
    return admins == 1


def _refuse_last_admin(session: Session, row: AccountRow) -> None:
    if _last_admin_left(session, row):
        raise Refused(
            f"« {row.login} » est le dernier compte administrateur actif.",
            "Créez ou réactivez d'abord un autre compte administrateur.",
        )


@contextmanager
def _changing(ws: Workspace, login: str) -> Iterator[tuple[Session, AccountRow]]:
    """One change of one account (admins only), its row locked, in one transaction."""
    ws.require("accounts")
    with ws.session() as session:
        yield session, account_row(session, login, lock=True)
        session.flush()


def end_sessions(session: Session, row: AccountRow) -> None:
    session.execute(delete(LoginSessionRow).where(LoginSessionRow.account_id == row.id))


def set_role(ws: Workspace, login: str, role: str) -> Account:
    check_role(role)
    with _changing(ws, login) as (session, row):
        if row.role != role:
            if role != "admin":
                _refuse_last_admin(session, row)
            previous, row.role, row.updated_at = row.role, role, ws.now()
            if role != "porteur":  # other roles see every project: attachments mean nothing
                session.execute(delete(AccountProject).where(AccountProject.account_id == row.id))
            audit_account(ws, session, "role_changed", row.login, {"previous": previous, "role": role})
        return account_view(session, row)


def set_active(ws: Workspace, login: str, active: bool) -> Account:
    """Disable (its sessions end at once) or enable an account."""
    with _changing(ws, login) as (session, row):
        if row.active != active:
            if not active:
                _refuse_last_admin(session, row)
                end_sessions(session, row)
            row.active, row.updated_at = active, ws.now()
            audit_account(ws, session, "enabled" if active else "disabled", row.login)
        return account_view(session, row)


def disable(ws: Workspace, login: str) -> Account:
    return set_active(ws, login, False)


def enable(ws: Workspace, login: str) -> Account:
    return set_active(ws, login, True)


def set_password(ws: Workspace, login: str, password: str) -> Account:
    """A new password; the account's open sessions end."""
    ws.require("accounts")
    key = clean_login(login)
    check_password(password, key)
    hashed = _HASHER.hash(password)
    with _changing(ws, key) as (session, row):
        row.password_hash, row.updated_at = hashed, ws.now()
        end_sessions(session, row)
        audit_account(ws, session, "password_changed", row.login)
        return account_view(session, row)


def change_own_password(shared: Shared, login: str, current: str, new: str) -> Account:
    """Someone changes their own password, proving the current one (throttled like a
    sign-in); their open sessions end, the web app opens a new one."""
    from .workspace import Workspace

    account = authenticate(shared, login, current)
    check_password(new, account.login)
    hashed = _HASHER.hash(new)
    ws = Workspace(account=account, shared=shared)
    with ws.session() as session:
        row = account_row(session, account.login, lock=True)
        row.password_hash, row.updated_at = hashed, ws.now()
        end_sessions(session, row)
        audit_account(ws, session, "password_changed", row.login, {"by": "self"})
        session.flush()
        return account_view(session, row)


def attach(ws: Workspace, login: str, project: str | int) -> Account:
    """Give a porteur one more project."""
    with _changing(ws, login) as (session, row):
        if row.role != "porteur":
            raise Refused(
                f"Le compte « {row.login} » ({ROLE_LABELS.get(row.role, row.role)}) voit déjà "
                "tous les projets : seuls les comptes porteurs sont rattachés à des projets."
            )
        target = ws.get_project(session, project)
        known = session.get(AccountProject, (row.id, target.id))
        if known is None:
            session.add(AccountProject(account_id=row.id, project_id=target.id))
            row.updated_at = ws.now()
            audit_account(ws, session, "attached", row.login, {"project": target.slug})
        return account_view(session, row)


def detach(ws: Workspace, login: str, project: str | int) -> Account:
    with _changing(ws, login) as (session, row):
        target = ws.get_project(session, project)
        link = session.get(AccountProject, (row.id, target.id))
        if link is None:
            raise NotFound(f"Le compte « {row.login} » n'est pas rattaché au projet "
                           f"« {target.slug} ».")
        session.delete(link)
        row.updated_at = ws.now()
        audit_account(ws, session, "detached", row.login, {"project": target.slug})
        return account_view(session, row)


# --- signing in --------------------------------------------------------------------------


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the login is unknown, so that it costs the same time."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2 hash stored for a password (slow on purpose: outside transactions)."""
    return _HASHER.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _blocked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, -int((now - until).total_seconds() // 60))  # rounded up
    return (f"Trop de tentatives de connexion échouées pour cet identifiant ; réessayez dans "
            f"{minutes} minute{'s' if minutes > 1 else ''}.")


def authenticate(shared: Shared, login: str, password: str) -> Account:
    """The account whose login and password these are, or `Unauthenticated`.

    One sentence for an unknown login, a wrong password or a disabled account, and the
    same argon2 work in each case: the answer tells nothing about which accounts exist.
    """
    key = (login or "").strip().lower()[:80]
    password = password or ""
    with shared.db.session() as session:
        now = shared.now()
        throttle = session.get(LoginThrottle, key, with_for_update=True) if key else None
        if throttle is not None and throttle.blocked_until and throttle.blocked_until > now:
            blocked = _blocked_message(throttle.blocked_until, now)
        else:
            blocked = None
            row = session.scalar(select(AccountRow).where(AccountRow.login == key)) if key else None
            good = _verify(row.password_hash if row else _decoy_hash(), password[:MAX_PASSWORD])
            if row is not None and good and row.active:
                if _HASHER.check_needs_rehash(row.password_hash):
                    row.password_hash = _HASHER.hash(password)
                if throttle is not None:
                    session.delete(throttle)
                return account_view(session, row)
            if key:
                _count_failure(session, throttle, key, now)
    # Raised after the transaction: the failure just counted is kept.
    raise Unauthenticated(blocked or WRONG_CREDENTIALS,
                          None if blocked else "Vérifiez l'identifiant et le mot de passe.")


def _count_failure(session: Session, throttle: LoginThrottle | None, key: str, now: datetime) -> None:
    # Forget old windows of every login: the table holds only the current attempts.
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start < now - FAILURE_WINDOW,
        (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < now),
        LoginThrottle.login != key,
    ))
    if throttle is None:
        session.add(LoginThrottle(login=key, failures=1, window_start=now, blocked_until=None))
        return
    if throttle.window_start < now - FAILURE_WINDOW:
        throttle.failures, throttle.window_start, throttle.blocked_until = 1, now, None
    else:
        throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.blocked_until = now + BLOCKED_FOR


# --- sessions ----------------------------------------------------------------------------


def token_hash(token: str) -> str:
    # A plain SHA-256 is enough: tokens are 256 random bits, not guessable passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(shared: Shared, account: Account, *,
                 lifetime: timedelta = SESSION_LIFETIME) -> LoginSession:
    """A new sign-in session for `account` (just authenticated)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with shared.db.session() as session:
        now = shared.now()
        # The account's ended sessions go as a new one opens.
        session.execute(delete(LoginSessionRow).where(
            LoginSessionRow.account_id == account.id, LoginSessionRow.expires_at <= now))
        session.add(LoginSessionRow(token_hash=token_hash(token), account_id=account.id,
                                    csrf_token=csrf, created_at=now, last_seen=now,
                                    expires_at=now + lifetime))
    return LoginSession(token, csrf, now + lifetime, account)


def lookup_session(shared: Shared, token: str | None) -> LoginSession | None:
    """The open session of this token with its account as it is now, or None when the
    token is unknown, expired, idle for too long, or its account disabled.

    Every page asks this: it reads in a reader's transaction (on SQLite, one that never
    waits for a writer) and writes only when needed — an ended session removed, or
    `last_seen` moved at most once a minute, skipped when the base is busy.
    """
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    with shared.db.session(read_only=True) as session:
        found_row = session.execute(
            select(LoginSessionRow, AccountRow)
            .outerjoin(AccountRow, AccountRow.id == LoginSessionRow.account_id)
            .where(LoginSessionRow.token_hash == digest)
        ).first()
        if found_row is None:
            return None
        row, account = found_row
        now = shared.now()
        ended = (account is None or not account.active or row.expires_at <= now
                 or row.last_seen + SESSION_IDLE <= now)
        stale = now - row.last_seen >= LAST_SEEN_EVERY
        found = None if ended or account is None else LoginSession(
            token, row.csrf_token, row.expires_at, account_view(session, account))
    if ended or stale:
        try:
            with shared.db.session() as session:
                rows = delete(LoginSessionRow) if ended else (
                    update(LoginSessionRow).values(last_seen=now))
                session.execute(rows.where(LoginSessionRow.token_hash == digest))
        except Busy:
            pass  # refused or not, this answer holds; the write is tried again next time
    return found


def close_session(shared: Shared, token: str | None) -> None:
    """Sign out: the session ends (nothing happens for an unknown token)."""
    if not token or len(token) > 200:
        return
    with shared.db.session() as session:
        session.execute(delete(LoginSessionRow).where(
            LoginSessionRow.token_hash == token_hash(token)))


# --- calendar address (.ics subscription) ------------------------------------------------


def _calendar_owner(ws: Workspace, session: Session, login: str | None) -> AccountRow:
    """Whose calendar address: one's own (`login` None or one's login), else an admin's
    business."""
    own = ws.account.login if ws.account is not None else None
    if login is None and own is None:
        raise BadInput("Aucun compte n'est connecté : précisez le compte dont l'adresse "
                       "d'agenda est demandée.")
    key = own if login is None else (login or "").strip().lower()
    if key != own:
        ws.require("accounts")
    return account_row(session, key or "")


def calendar_address(ws: Workspace, login: str | None = None) -> CalendarAddress | None:
    """The account's current calendar address (without its secret), or None."""
    with ws.session(read_only=True) as session:
        row = _calendar_owner(ws, session, login)
        token = session.get(CalendarToken, row.id)
        return None if token is None else CalendarAddress(row.login, token.created_at,
                                                          token.last_used_at)


def new_calendar_address(ws: Workspace, login: str | None = None) -> CalendarAddress:
    """A new secret calendar address for the account; the previous one stops answering.
    The secret is in the answer only: the base keeps its hash."""
    secret = secrets.token_urlsafe(32)
    with ws.session() as session:
        row = _calendar_owner(ws, session, login)
        now = ws.now()
        previous = session.get(CalendarToken, row.id, with_for_update=True)
        if previous is not None:
            session.delete(previous)
            session.flush()
        session.add(CalendarToken(account_id=row.id, token_hash=token_hash(secret),
                                  created_at=now, last_used_at=None))
        audit_account(ws, session, "calendar_created", row.login, {"replaced": previous is not None})
        return CalendarAddress(row.login, now, None, secret)


def revoke_calendar_address(ws: Workspace, login: str | None = None) -> bool:
    """The account's calendar address stops answering; False when it had none."""
    with ws.session() as session:
        row = _calendar_owner(ws, session, login)
        token = session.get(CalendarToken, row.id, with_for_update=True)
        if token is None:
            return False
        session.delete(token)
        audit_account(ws, session, "calendar_revoked", row.login)
        return True


def calendar_account(shared: Shared, token: str | None) -> Account | None:
    """The active account whose calendar address holds this secret, or None (unknown,
    revoked, or the account disabled): the caller answers « not found » alike."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    with shared.db.session(read_only=True) as session:
        found = session.scalar(select(CalendarToken).where(CalendarToken.token_hash == digest))
        account = session.get(AccountRow, found.account_id) if found is not None else None
        if found is None or account is None or not account.active:
            return None
        view, last = account_view(session, account), found.last_used_at
    now = shared.now()
    if last is None or now - last >= CALENDAR_TOUCH_EVERY:
        try:  # bookkeeping only: a busy base does not keep the calendar from answering
            with shared.db.session() as session:
                session.execute(update(CalendarToken).where(CalendarToken.token_hash == digest)
                                .values(last_used_at=now))
        except Busy:
            pass
    return view
