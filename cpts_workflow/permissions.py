"""Who may do what: the one place that decides.

Every project access goes through `Workspace.get_project` / `Workspace.changing`, which
name an operation and ask `require` here; lists, reports, deadlines and the territory ask
`visible_ids` / `visible_clause` which projects an account sees. The local operator
(`account=None`: whoever holds the base's credentials, the CLI by default) may do
everything.

Roles:
- `admin`: everything, accounts included;
- `officer` (chargé·e de mission): every project, everything but accounts;
- `reader`: reads every project, changes nothing;
- `porteur`: only the projects attached to the account; ticks the checklist items whose
  role is `porteur`, answers and generates documents, manages members and territory,
  moves its project along (without forcing); never forces, abandons, migrates, imports,
  deletes nor creates a project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from .errors import Forbidden

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import InstrumentedAttribute

    from .accounts import Account

Role = Literal["admin", "officer", "reader", "porteur"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {
    "admin": "administrateur·rice",
    "officer": "chargé·e de mission",
    "reader": "lecture seule",
    "porteur": "porteur de projet",
}

# What one asks to do with one project.
ProjectOperation = Literal[
    "read",       # see it: detail, checklist, history, members, documents, reports
    "check",      # change a checklist item (for a porteur, only items whose role allows it)
    "answer",     # answer a document's questions, generate the document
    "members",    # add, change, remove members
    "territory",  # add or remove communes
    "stage",      # advance, back, pause, resume
    "force",      # advance although guards fail
    "abandon",    # abandon the project
    "missions",   # ACI missions: chosen, started, deployed
    "contract",   # the signed ACI contract: amounts, payments, indicators, spending, review
    "objection",  # record the ARS objection to the health project
    "migrate",    # move to another workflow version
    "export",     # a backup of the project
    "follow_up",  # the officer's follow-up: journal notes, contacts, partners
    "delete",     # delete or replace it (import), erase a person's data in it
    "porteurs",   # invite, attach or detach the porteurs of this project
    "force_territory",  # add a commune another active project already holds
]
# What one asks to do with the base as a whole.
BaseOperation = Literal[
    "create",     # create a project
    "import",     # import a backup
    "export_all",  # a backup of the whole base
    "reference",  # import reference data: communes, funding grids
    "privacy",    # erase a person's data across projects
    "accounts",   # create and change accounts
]
Operation = ProjectOperation | BaseOperation
PROJECT_OPERATIONS: frozenset[str] = frozenset(get_args(ProjectOperation))
BASE_OPERATIONS: frozenset[str] = frozenset(get_args(BaseOperation))

_EVERYTHING = PROJECT_OPERATIONS | BASE_OPERATIONS
RIGHTS: dict[str, frozenset[str]] = {
    "admin": _EVERYTHING,
    "officer": _EVERYTHING - {"accounts"},
    "reader": frozenset({"read"}),
    # A CPTS's own people keep its contract after signature (payments, indicators, spending).
    "porteur": frozenset({"read", "check", "answer", "members", "territory", "stage", "contract"}),
}
# Checklist items (their `role` in the workflow file) a porteur may change.
PORTEUR_ITEM_ROLES = frozenset({"porteur"})
# Who is responsible for an item, as the workflow files name them, in French.
ITEM_ROLE_LABELS = {
    "porteur": "porteur de projet",
    "bureau": "bureau de l'association",
    "coordinateur": "coordinateur·rice",
    "chargé de mission": "chargé·e de mission",
}

OPERATION_LABELS = {
    "read": "consulter ce projet",
    "check": "modifier la checklist",
    "answer": "répondre aux documents ou les générer",
    "members": "gérer les membres",
    "territory": "modifier le territoire",
    "stage": "changer l'étape du projet",
    "force": "forcer le passage d'une étape",
    "abandon": "abandonner un projet",
    "missions": "modifier les missions ACI",
    "contract": "tenir le contrat ACI (montants, versements, indicateurs, dépenses)",
    "objection": "enregistrer l'opposition de l'ARS",
    "migrate": "changer la version du workflow",
    "export": "sauvegarder ce projet",
    "follow_up": "tenir le suivi du projet (journal, contacts, partenaires)",
    "delete": "supprimer ou remplacer des données du projet",
    "porteurs": "inviter ou détacher les porteurs d'un projet",
    "force_territory": "forcer l'ajout d'une commune déjà dans le territoire d'un autre projet",
    "create": "créer un projet",
    "import": "importer une sauvegarde",
    "export_all": "sauvegarder toute la base",
    "reference": "importer des données de référence",
    "privacy": "effacer les données d'une personne",
    "accounts": "gérer les comptes",
}


def _known(operation: str) -> None:
    if operation not in _EVERYTHING:
        raise ValueError(f"unknown operation {operation!r}")  # a programming error


def _of(infinitive: str) -> str:
    """« de modifier », « d'abandonner »."""
    return ("d'" if infinitive[0] in "aeéèiouh" else "de ") + infinitive


def can_see(account: Account | None, project_id: int) -> bool:
    """Whether the project exists for this account at all (porteurs: attached only)."""
    return account is None or account.role != "porteur" or project_id in account.project_ids


def allowed(account: Account | None, operation: Operation, project_id: int | None = None) -> bool:
    """Whether `account` may do `operation` (on `project_id` for a project operation)."""
    _known(operation)
    if account is None:
        return True
    if not account.active or operation not in RIGHTS.get(account.role, frozenset()):
        return False
    if operation in PROJECT_OPERATIONS and project_id is not None:
        return can_see(account, project_id)
    return True


def require(account: Account | None, operation: Operation, project_id: int | None = None) -> None:
    """`Forbidden` unless `account` may do `operation`."""
    if not allowed(account, operation, project_id):
        assert account is not None
        what = OPERATION_LABELS[operation]
        raise Forbidden(
            f"Le compte « {account.login} » ({ROLE_LABELS.get(account.role, account.role)}) "
            f"n'a pas le droit {_of(what)}.",
            "Demandez-le à un·e administrateur·rice." if operation == "accounts" else
            "Demandez-le à un·e chargé·e de mission ou à un·e administrateur·rice.",
        )


def may_change_item(account: Account | None, item_role: str) -> bool:
    """Whether `account` may change a checklist item whose workflow role is `item_role`."""
    if account is None or account.role in ("admin", "officer"):
        return True
    return account.role == "porteur" and item_role in PORTEUR_ITEM_ROLES


def require_item(account: Account | None, item_label: str, item_role: str) -> None:
    """`Forbidden` unless `account` may change an item (named by its French label)."""
    if not may_change_item(account, item_role):
        assert account is not None
        raise Forbidden(
            f"L'élément « {item_label} » revient au rôle « {item_role} » : le compte "
            f"« {account.login} » ne peut pas le modifier.",
            "Demandez-le au ou à la chargé·e de mission qui accompagne le projet.",
        )


def visible_ids(account: Account | None) -> frozenset[int] | None:
    """The projects an account sees; None means every project of the base."""
    if account is None or account.role != "porteur":
        return None
    return frozenset(account.project_ids)


def visible_clause(
    account: Account | None, column: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool] | None:
    """A WHERE clause restricting `column` (a project id) to what `account` sees, or None."""
    ids = visible_ids(account)
    if ids is None:
        return None
    return column.in_(sorted(ids))
