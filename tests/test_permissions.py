"""Who may do what: every role × operation × own or other project, on a real base.

Each cell runs the real library call as the account and sees what happens: done,
`Forbidden`, or the project unknown (`NotFound`: a porteur is not told that another
project exists). The expected table is written out here, not derived from the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cpts_workflow import (
    accounts,
    backup,
    deletion,
    journal,
    members,
    migration,
    objection,
    privacy,
)
from cpts_workflow.aci import calendar
from cpts_workflow.aci.contract import set_contract
from cpts_workflow.aci.grids import import_grid
from cpts_workflow.app import App
from cpts_workflow.deadlines import portfolio_deadlines
from cpts_workflow.documents.service import Documents
from cpts_workflow.errors import CptsError, Forbidden, NotFound
from cpts_workflow.reports.queries import portfolio
from cpts_workflow.territory.changes import add_communes, remove_communes
from cpts_workflow.territory.coverage import gaps, overlaps
from cpts_workflow.workspace import Workspace

PASSWORD = "un mot de passe solide"
ROLES = ("admin", "officer", "reader", "porteur")

# Operation on a project → the library call that does it (project slug given).
PROJECT_CALLS: dict[str, Callable[[Workspace, str], object]] = {
    "read": lambda ws, p: ws.detail(p),
    "history": lambda ws, p: ws.history(p),
    "check porteur item": lambda ws, p: ws.check(p, "working_group"),
    "check officer item": lambda ws, p: ws.check(p, "letter_of_intent_validated",
                                                 value="01/09/2026"),
    "answer": lambda ws, p: Documents(ws).save_answers(p, "statuts", {}),
    "members": lambda ws, p: members.add_member(ws, p, "Jeanne Durand", profession="infirmière"),
    # Added then removed: the next call's project finds the commune free.
    "territory": lambda ws, p: (add_communes(ws, p, ["04001"]), remove_communes(ws, p, ["04001"])),
    "force territory": lambda ws, p: (add_communes(ws, p, ["04002"], force=True, reason="test"),
                                      remove_communes(ws, p, ["04002"])),
    "stage": lambda ws, p: ws.pause(p, reason="attente"),
    "force": lambda ws, p: ws.advance(p, comment="forcé", force=True),
    "abandon": lambda ws, p: ws.abandon(p, reason="abandon"),
    "missions": lambda ws, p: calendar.set_missions(ws, p, add=["qualite"]),
    "objection": lambda ws, p: objection.record_objection(ws, p, ground="sraps", on="01/11/2026"),
    "migrate": lambda ws, p: migration.migrate(ws, [p], 1, dry_run=True),
    "export": lambda ws, p: backup.export_data(ws, p),
    "contract": lambda ws, p: set_contract(ws, p, signed="15/04/2026", taille_=3),
    "follow_up": lambda ws, p: journal.add_note(ws, p, "Réunion"),
    "delete": lambda ws, p: deletion.delete_project(ws, p, reason="erreur"),
}
# Operations on the base as a whole.
BASE_CALLS: dict[str, Callable[[Workspace], object]] = {
    "create": lambda ws: ws.create_project("CPTS Nouvelle"),
    "export_all": lambda ws: backup.export_data(ws),
    "import": lambda ws: backup.import_backup(ws, backup.validate_backup(_EXPORT)),
    "reference": lambda ws: import_grid(ws, "/nonexistent/grille.yaml"),
    "privacy": lambda ws: privacy.export_person(ws, "Personne Inconnue"),
    "accounts": lambda ws: accounts.list_accounts(ws),
}
_EXPORT: dict = {}

Y, F, H = "done", "forbidden", "hidden"
# role → operation → (own project, other project); a porteur's own project is attached.
EXPECTED_PROJECT = {
    "admin": {op: (Y, Y) for op in PROJECT_CALLS},
    "officer": {op: (Y, Y) for op in PROJECT_CALLS},
    "reader": {op: (Y, Y) if op in ("read", "history") else (F, F) for op in PROJECT_CALLS},
    "porteur": {
        "read": (Y, H), "history": (Y, H), "check porteur item": (Y, H),
        "check officer item": (F, H), "answer": (Y, H), "members": (Y, H),
        "territory": (Y, H), "force territory": (F, H), "stage": (Y, H), "force": (F, H), "abandon": (F, H),
        "missions": (F, H), "objection": (F, H), "migrate": (F, H), "export": (F, H),
        "contract": (Y, H),  # a CPTS's own people keep its contract after signature
        "follow_up": (F, H), "delete": (F, H),
    },
}
EXPECTED_BASE = {
    "admin": dict.fromkeys(BASE_CALLS, Y),
    "officer": {**dict.fromkeys(BASE_CALLS, Y), "accounts": F},
    "reader": dict.fromkeys(BASE_CALLS, F),
    "porteur": dict.fromkeys(BASE_CALLS, F),
}


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except Forbidden:
        return F
    except NotFound as exc:
        return H if exc.message.startswith("Projet « ") else Y
    except CptsError:
        return Y  # refused by a business rule (a stage, a file): the permission let it through
    return Y


@pytest.fixture
def app(db_url, clock) -> Iterator[App]:
    application = App(db_url, now=clock)
    yield application
    application.dispose()


def _account_ws(app: App, role: str, attached: str | None) -> Workspace:
    """A workspace of an account of `role` (a porteur attached to `attached` only)."""
    local = app.workspace(actor="Opératrice")
    login = f"{role}-{attached}" if attached and role == "porteur" else role
    if login not in {a.login for a in accounts.list_accounts(local)}:
        accounts.add_account(local, login, name=f"Compte {role}", role=role, password=PASSWORD)
        if login != role:
            accounts.attach(local, login, attached)
    return app.workspace(app.account(login))


def test_permission_matrix(app: App, clock) -> None:
    local = app.workspace(actor="Opératrice")
    _EXPORT.clear()
    _EXPORT.update(backup.export_data(local))
    got_project, got_base = {}, {}
    for role in ROLES:
        got_project[role] = {}
        for op, call in PROJECT_CALLS.items():
            cells = []
            for whose in ("own", "other"):
                # A fresh project per cell: a cell that abandons or pauses spoils no other.
                slug = local.create_project(f"CPTS {role} {op} {whose}").slug
                ws = _account_ws(app, role, slug if whose == "own" else None)
                cells.append(outcome(lambda ws=ws, slug=slug, call=call: call(ws, slug)))
            got_project[role][op] = tuple(cells)
        ws = _account_ws(app, role, None)
        got_base[role] = {op: outcome(lambda ws=ws, call=call: call(ws))
                          for op, call in BASE_CALLS.items()}
    wrong = [f"{role} {op}: {got_project[role][op]} attendu {want}"
             for role, ops in EXPECTED_PROJECT.items() for op, want in ops.items()
             if got_project[role][op] != want]
    wrong += [f"{role} {op}: {got_base[role][op]} attendu {want}"
              for role, ops in EXPECTED_BASE.items() for op, want in ops.items()
              if got_base[role][op] != want]
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def two_projects(app: App) -> tuple[Workspace, Workspace, str, str]:
    """A porteur attached to Aix only; Gap belongs to someone else."""
    local = app.workspace(actor="Opératrice")
    aix = local.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug
    gap = local.create_project("CPTS du Gapençais", officer="Marc Petit").slug
    add_communes(local, aix, ["13001"])
    add_communes(local, gap, ["13001", "05061"], force=True, reason="chevauchement à arbitrer")
    accounts.add_account(local, "lea", name="Léa Porteuse", role="porteur", password=PASSWORD)
    accounts.attach(local, "lea", aix)
    return local, app.workspace(app.account("lea")), aix, gap


def test_porteur_sees_only_attached_projects_everywhere(two_projects) -> None:
    local, porteur, aix, gap = two_projects
    assert [p.slug for p in porteur.list_projects()] == [aix]
    assert {p.slug for p in local.list_projects()} == {aix, gap}
    assert [r.slug for r in portfolio(porteur).projects] == [aix]
    assert len(portfolio(local).projects) == 2
    ids = set(portfolio_deadlines(porteur))
    assert ids <= {p.id for p in porteur.list_projects()}
    # Overlaps: Aix and Gap share 13001, but the porteur does not learn Gap exists.
    assert overlaps(local).overlaps
    assert overlaps(porteur).overlaps == []
    # Gaps: computed from what the account sees (Gap's 05061 is a gap for the porteur).
    assert "05061" in {g.insee for g in gaps(porteur, department="05").gaps}
    assert "05061" not in {g.insee for g in gaps(local, department="05").gaps}


def test_hidden_project_is_not_found_without_hint_of_it(two_projects) -> None:
    _local, porteur, _aix, gap = two_projects
    for call in (lambda: porteur.detail(gap), lambda: porteur.history(gap),
                 lambda: porteur.check(gap, "working_group")):
        with pytest.raises(NotFound) as exc:
            call()
        assert "gapen" not in str(exc.value).lower().replace(gap, "")
    with pytest.raises(NotFound) as exc:
        porteur.detail("cpts-du-gapencai")  # a near miss suggests only what it sees
    assert gap not in str(exc.value)


def test_events_record_the_account(two_projects) -> None:
    local, porteur, aix, _gap = two_projects
    porteur.check(aix, "working_group")
    local.check(aix, "porteur_named")
    last_two = local.history(aix)[-2:]
    assert [(e.actor, e.account_login) for e in last_two] == [
        ("Léa Porteuse", "lea"), ("Opératrice", None)]
    assert last_two[0].to_dict()["account_login"] == "lea"


def test_disabled_account_cannot_be_acted_as(two_projects, app: App) -> None:
    local, _porteur, _aix, _gap = two_projects
    accounts.disable(local, "lea")
    with pytest.raises(CptsError, match="désactivé"):
        app.account("lea")
    accounts.enable(local, "lea")
    assert app.account("lea").active


def test_forbidden_message_is_french_and_names_the_role(two_projects) -> None:
    _local, porteur, aix, _gap = two_projects
    with pytest.raises(Forbidden) as exc:
        porteur.abandon(aix, reason="fin")
    assert exc.value.message == ("Le compte « lea » (porteur de projet) n'a pas le droit "
                                 "d'abandonner un projet.")
    assert exc.value.code == "forbidden"
