"""Inviting porteurs: an officer attaches a porteur to a project, the porteur chooses a
password through a single-use link valid 7 days.

- `invite_porteur` attaches an existing porteur account, or creates one without a usable
  password and returns the link's token, shown once: only its SHA-256 is stored.
- `accept_invitation` sets the password through the token; a used, expired or unknown
  token is refused with one French sentence, nothing is written.
- `detach_porteur`, `renew_invitation`, `project_porteurs` for the project's page.

Who may invite is decided by `permissions` (the project operation `porteurs`: officers
and admins). Every change is audited twice: in the account's trail (`account_events`)
and in the project's history. The optional e-mail address is kept as text on the
invitation, for whoever passes the link on; nothing is sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from . import french, identifiers
from .accounts import (
    Account,
    account_view,
    audit_account,
    check_password,
    clean_login,
    end_sessions,
    hash_password,
    token_hash,
)
from .errors import NotFound, Refused
from .limits import NAME, clean_text
from .permissions import ROLE_LABELS
from .store.models import AccountProject, AccountRow, Invitation, Project

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .shared import Shared
    from .workspace import Workspace

INVITATION_LIFETIME = timedelta(days=7)
# A password hash no password matches (argon2 refuses it as malformed): the account
# exists, nobody can sign in until the invitation is used.
NO_PASSWORD = "!invitation"


@dataclass(frozen=True)
class InvitationIssued:
    """What `invite_porteur` did: `token` is None when the account already had a password
    (it was only attached); otherwise pass `token`'s link on, it is not kept."""

    account: Account
    project: str
    created: bool
    token: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class PorteurView:
    login: str
    name: str
    active: bool
    pending: bool  # has not chosen a password yet
    invitation_expires_at: datetime | None  # of the pending invitation, if any
    email: str | None


def has_password(row: AccountRow) -> bool:
    return row.password_hash != NO_PASSWORD


def _issue(ws: Workspace, session: Session, row: AccountRow, project: Project,
           email: str | None) -> tuple[str, datetime]:
    """A new token for `row`; its earlier unused invitations stop working."""
    session.execute(delete(Invitation).where(Invitation.account_id == row.id,
                                             Invitation.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    now = ws.now()
    expires = now + INVITATION_LIFETIME
    session.add(Invitation(token_hash=token_hash(token), account_id=row.id, project_id=project.id,
                           email=email, created_by=ws.actor, created_at=now, expires_at=expires))
    audit_account(ws, session, "invited", row.login, {"project": project.slug})
    return token, expires


def invite_porteur(ws: Workspace, ref: str | int, login: str, *, name: str,
                   email: str | None = None) -> InvitationIssued:
    """Attach the porteur `login` to the project, creating the account if need be."""
    login = clean_login(login)
    name = clean_text(name, "Le nom du porteur", max_length=NAME, required=True) or ""
    email = identifiers.clean_email(email) if email and email.strip() else None
    with ws.changing(ref, "porteurs") as (session, project):
        row = session.scalar(select(AccountRow).where(AccountRow.login == login).with_for_update())
        created = row is None
        if row is None:
            now = ws.now()
            row = AccountRow(login=login, name=name, role="porteur", password_hash=NO_PASSWORD,
                             active=True, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            audit_account(ws, session, "account_added",
                          login, {"name": name, "role": "porteur", "by": "invitation"})
        elif row.role != "porteur":
            raise Refused(
                f"Le compte « {row.login} » ({ROLE_LABELS.get(row.role, row.role)}) voit déjà "
                "tous les projets : seuls les comptes porteurs sont rattachés à un projet.",
                "Choisissez un autre identifiant pour le porteur.",
            )
        elif not row.active:
            raise Refused(f"Le compte « {row.login} » est désactivé.",
                          "Un·e administrateur·rice peut le réactiver.")
        if session.get(AccountProject, (row.id, project.id)) is None:
            session.add(AccountProject(account_id=row.id, project_id=project.id))
            row.updated_at = ws.now()
            audit_account(ws, session, "attached", row.login, {"project": project.slug})
        token = expires = None
        if not has_password(row):
            token, expires = _issue(ws, session, row, project, email)
        ws.record_event(session, project, "porteur_invited",
                        payload={"login": row.login, "name": row.name, "created": created,
                                 "link": token is not None})
        session.flush()
        return InvitationIssued(account_view(session, row), project.slug, created, token, expires)


def renew_invitation(ws: Workspace, ref: str | int, login: str) -> InvitationIssued:
    """A new link for a porteur of the project who has not chosen a password yet."""
    with ws.changing(ref, "porteurs") as (session, project):
        row = _attached(session, project, login)
        if has_password(row):
            raise Refused(
                f"« {row.login} » a déjà choisi son mot de passe : une invitation ne sert plus.",
                "S'il l'a oublié, un·e administrateur·rice peut lui en donner un nouveau.",
            )
        previous = session.scalar(select(Invitation.email).where(Invitation.account_id == row.id)
                                  .order_by(Invitation.id.desc()).limit(1))
        token, expires = _issue(ws, session, row, project, previous)
        ws.record_event(session, project, "porteur_invited",
                        payload={"login": row.login, "name": row.name, "created": False,
                                 "link": True})
        session.flush()
        return InvitationIssued(account_view(session, row), project.slug, False, token, expires)


def _attached(session: Session, project: Project, login: str) -> AccountRow:
    key = (login or "").strip().lower()
    row = session.scalar(select(AccountRow).join(
        AccountProject, AccountProject.account_id == AccountRow.id).where(
        AccountRow.login == key, AccountProject.project_id == project.id).with_for_update())
    if row is None:
        raise NotFound(f"Aucun porteur « {login} » n'est rattaché au projet « {project.slug} ».")
    return row


def detach_porteur(ws: Workspace, ref: str | int, login: str) -> Account:
    """The porteur no longer sees the project; their pending invitations for it end."""
    with ws.changing(ref, "porteurs") as (session, project):
        row = _attached(session, project, login)
        session.execute(delete(AccountProject).where(AccountProject.account_id == row.id,
                                                     AccountProject.project_id == project.id))
        session.execute(delete(Invitation).where(Invitation.account_id == row.id,
                                                 Invitation.project_id == project.id,
                                                 Invitation.used_at.is_(None)))
        row.updated_at = ws.now()
        audit_account(ws, session, "detached", row.login, {"project": project.slug})
        ws.record_event(session, project, "porteur_detached",
                        payload={"login": row.login, "name": row.name})
        session.flush()
        return account_view(session, row)


def project_porteurs(ws: Workspace, ref: str | int) -> list[PorteurView]:
    """The porteurs attached to a project, with their pending invitation if any."""
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        rows = session.scalars(select(AccountRow).join(
            AccountProject, AccountProject.account_id == AccountRow.id).where(
            AccountProject.project_id == project.id).order_by(AccountRow.login)).all()
        found = []
        for row in rows:
            pending = session.scalar(select(Invitation).where(
                Invitation.account_id == row.id, Invitation.used_at.is_(None))
                .order_by(Invitation.id.desc()).limit(1))
            found.append(PorteurView(row.login, row.name, row.active, not has_password(row),
                                     pending.expires_at if pending else None,
                                     pending.email if pending else None))
        return found


# --- the porteur's side: the link ---------------------------------------------------------


def _usable(session: Session, token: str, now: datetime, *, lock: bool = False) -> tuple[Invitation, AccountRow]:
    """The invitation of this token and its account, or `Refused` saying why not."""
    if not token or len(token) > 200:
        raise NotFound("Ce lien d'invitation n'existe pas.",
                       "Vérifiez qu'il a été copié en entier, ou demandez-en un nouveau.")
    query = select(Invitation).where(Invitation.token_hash == token_hash(token))
    invitation = session.scalar(query.with_for_update() if lock else query)
    if invitation is None:
        raise NotFound("Ce lien d'invitation n'existe pas ou a été remplacé par un plus récent.",
                       "Demandez un nouveau lien à votre chargé·e de mission.")
    if invitation.used_at is not None:
        raise Refused("Ce lien d'invitation a déjà servi : il ne s'utilise qu'une fois.",
                      "Connectez-vous avec le mot de passe choisi, ou demandez un nouveau lien "
                      "à votre chargé·e de mission.")
    if invitation.expires_at <= now:
        raise Refused(f"Ce lien d'invitation a expiré le {french.short_datetime(invitation.expires_at)}.",
                      "Demandez un nouveau lien à votre chargé·e de mission.")
    row = session.get(AccountRow, invitation.account_id)
    if row is None or not row.active:
        raise Refused("Le compte de cette invitation est désactivé.")
    return invitation, row


def invitation_account(shared: Shared, token: str) -> Account:
    """Whose invitation this token is, while it can still be used."""
    with shared.db.session(read_only=True) as session:
        return account_view(session, _usable(session, token, shared.now())[1])


def accept_invitation(shared: Shared, token: str, password: str) -> Account:
    """Set the password through the invitation; the token can never serve again."""
    from .workspace import Workspace

    with shared.db.session(read_only=True) as session:
        login = _usable(session, token, shared.now())[1].login
    check_password(password, login)
    hashed = hash_password(password)  # slow on purpose: outside the transaction
    with shared.db.session() as session:
        invitation, row = _usable(session, token, shared.now(), lock=True)
        account = account_view(session, row)
        ws = Workspace(account=account, shared=shared)
        row.password_hash, row.updated_at = hashed, ws.now()
        invitation.used_at = ws.now()
        end_sessions(session, row)
        audit_account(ws, session, "invitation_accepted", row.login)
        session.flush()
        return account_view(session, row)

