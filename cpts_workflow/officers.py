"""The chargé·es de mission a project may be given to: the active accounts of role officer.

The rule: once the base has at least one officer account, a project's officer must be one
of them, named by login or by name (case, accents and spaces ignored); anything else is
refused with the closest names. A base without any officer account (one person using the
command line alone) keeps free text, as before accounts existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from .errors import BadInput
from .folding import close_matches, fold
from .store.models import AccountRow, Project

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workspace import Workspace

OFFICER_ROLE = "officer"


def officer_accounts(session: Session) -> list[tuple[str, str]]:
    """(login, name) of the active officer accounts, by name."""
    rows = session.execute(
        select(AccountRow.login, AccountRow.name)
        .where(AccountRow.role == OFFICER_ROLE, AccountRow.active.is_(True))
        .order_by(AccountRow.name, AccountRow.login)
    )
    return [(login, name) for login, name in rows]


def resolve_officer(session: Session, typed: str | None) -> str | None:
    """The officer name to store for `typed` (already cleaned); None or "" unassigns.

    With officer accounts, the account's name (`claire` or `claire martin` → `Claire
    Martin`); without any, `typed` itself.
    """
    if not typed:
        return typed
    accounts = officer_accounts(session)
    if not accounts:
        return typed
    wanted = fold(typed)
    for login, name in accounts:
        if wanted in (fold(login), fold(name)):
            return name
    names = [name for _, name in accounts]
    close = close_matches(typed, names + [login for login, _ in accounts])
    shown = list(dict.fromkeys(
        next((n for lg, n in accounts if lg == c), c) for c in close))
    hint = (f"Vouliez-vous dire : {', '.join(shown)} ?" if shown
            else f"Chargé·es de mission : {', '.join(names)}.")
    raise BadInput(f"« {typed} » n'est pas un compte de chargé·e de mission.", hint,
                   topic="unknown_officer")


def matching_officers(session: Session, typed: str) -> list[str]:
    """Every officer value of the projects that reads as `typed` (case, accents ignored)."""
    wanted = fold(typed)
    values = session.scalars(select(Project.officer).where(Project.officer.is_not(None)).distinct())
    return [v for v in values if v is not None and fold(v) == wanted]


def officer_names(ws: Workspace) -> list[str]:
    """The names a project's officer may take (empty: free text), for a form's choices."""
    with ws.session(read_only=True) as session:
        return [name for _, name in officer_accounts(session)]
