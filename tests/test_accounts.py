"""Accounts: argon2 passwords, sign-in without user enumeration, throttling, sessions."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from cpts_workflow import accounts
from cpts_workflow.app import App
from cpts_workflow.errors import BadInput, NotFound, Refused, Unauthenticated
from cpts_workflow.store.models import AccountRow, LoginSessionRow

PASSWORD = "correct horse battery"


@pytest.fixture
def app(db_url, clock) -> Iterator[App]:
    application = App(db_url, now=clock)
    yield application
    application.dispose()


@pytest.fixture
def claire(app: App) -> accounts.Account:
    return accounts.add_account(app.workspace(actor="Opératrice"), "Claire",
                                name="Claire Martin", role="officer", password=PASSWORD)


def test_account_is_stored_with_an_argon2_hash_only(app: App, claire) -> None:
    assert (claire.login, claire.name, claire.role, claire.active) == (
        "claire", "Claire Martin", "officer", True)
    with app.db.session() as session:
        stored = session.scalar(select(AccountRow.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert app.authenticate(" CLAIRE ", PASSWORD).login == "claire"


def test_bad_account_input_is_refused_in_french(app: App, claire) -> None:
    ws = app.workspace()
    with pytest.raises(BadInput, match="au moins 10 caractères"):
        accounts.add_account(ws, "marc", name="Marc", role="reader", password="court")
    with pytest.raises(BadInput, match="Le rôle « chef » n'existe pas"):
        accounts.add_account(ws, "marc", name="Marc", role="chef", password=PASSWORD)
    with pytest.raises(BadInput, match="identifiant « marc petit » n'est pas valide"):
        accounts.add_account(ws, "marc petit", name="Marc", role="reader", password=PASSWORD)
    with pytest.raises(Refused, match="existe déjà"):
        accounts.add_account(ws, "claire", name="Autre", role="reader", password=PASSWORD)
    with pytest.raises(NotFound, match="Compte « personne » introuvable"):
        accounts.set_role(ws, "personne", "reader")


def test_unknown_login_and_wrong_password_get_the_same_answer(app: App, claire) -> None:
    answers = []
    for login, password in (("claire", "mauvais mot de passe"), ("inconnu", PASSWORD)):
        with pytest.raises(Unauthenticated) as exc:
            app.authenticate(login, password)
        answers.append((exc.value.message, exc.value.hint, exc.value.code))
    accounts.disable(app.workspace(), "claire")
    with pytest.raises(Unauthenticated) as exc:
        app.authenticate("claire", PASSWORD)  # disabled: the right password opens nothing
    answers.append((exc.value.message, exc.value.hint, exc.value.code))
    assert len(set(answers)) == 1
    assert answers[0][0] == "Identifiant ou mot de passe incorrect."


def test_unknown_login_costs_about_the_same_time(app: App, claire) -> None:
    def timing(login: str) -> float:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(Unauthenticated):
                app.authenticate(login, "mauvais mot de passe")
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    known, unknown = timing("claire"), timing("personne")
    # Both verify one argon2 hash: an unknown login is not answered at once.
    assert unknown > known / 3 and known > unknown / 3


def test_repeated_failures_block_the_login_for_a_while(app: App, claire, clock) -> None:
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(Unauthenticated, match="incorrect"):
            app.authenticate("claire", "mauvais mot de passe")
    with pytest.raises(Unauthenticated, match="Trop de tentatives.*15 minutes"):
        app.authenticate("claire", PASSWORD)  # even the right password, while blocked
    # An unknown login is blocked the same way: blocking tells nothing either.
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(Unauthenticated):
            app.authenticate("fantome", "x" * 12)
    with pytest.raises(Unauthenticated, match="Trop de tentatives"):
        app.authenticate("fantome", "x" * 12)
    clock.advance(minutes=16)
    assert app.authenticate("claire", PASSWORD).login == "claire"
    # A success forgets the failures: four more are allowed again.
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(Unauthenticated, match="incorrect"):
            app.authenticate("claire", "mauvais mot de passe")
    assert app.authenticate("claire", PASSWORD).login == "claire"


def test_failures_spread_over_time_do_not_block(app: App, claire, clock) -> None:
    for _ in range(accounts.MAX_FAILURES * 2):
        with pytest.raises(Unauthenticated, match="incorrect"):
            app.authenticate("claire", "mauvais mot de passe")
        clock.advance(minutes=4)
    assert app.authenticate("claire", PASSWORD).login == "claire"


def test_session_open_lookup_close(app: App, claire, clock) -> None:
    opened = app.open_session(app.authenticate("claire", PASSWORD))
    assert len(opened.token) >= 40 and opened.csrf_token != opened.token
    with app.db.session() as session:
        stored = session.scalars(select(LoginSessionRow.token_hash)).all()
    assert stored and opened.token not in stored  # only its hash is kept
    found = app.lookup_session(opened.token)
    assert found is not None and found.account.login == "claire"
    assert found.csrf_token == opened.csrf_token
    assert app.session_account(opened.token).name == "Claire Martin"
    assert app.session_account("jeton-inventé") is None
    assert app.session_account(None) is None
    app.close_session(opened.token)
    assert app.session_account(opened.token) is None


def test_disabling_or_new_password_ends_sessions(app: App, claire) -> None:
    ws = app.workspace()
    first = app.open_session(app.authenticate("claire", PASSWORD))
    accounts.disable(ws, "claire")
    assert app.session_account(first.token) is None
    accounts.enable(ws, "claire")
    assert app.session_account(first.token) is None  # re-enabling does not revive it
    second = app.open_session(app.authenticate("claire", PASSWORD))
    accounts.set_password(ws, "claire", "un tout nouveau secret")
    assert app.session_account(second.token) is None
    assert app.authenticate("claire", "un tout nouveau secret").login == "claire"


def test_sessions_expire_and_go_idle(app: App, claire, clock) -> None:
    account = app.authenticate("claire", PASSWORD)
    short = app.open_session(account, lifetime=timedelta(hours=1))
    idle = app.open_session(account)
    clock.advance(minutes=61)
    assert app.session_account(short.token) is None
    assert app.session_account(idle.token) is not None  # seen now: idle clock restarts
    clock.advance(hours=2, minutes=1)
    assert app.session_account(idle.token) is None


def test_role_changes_apply_at_next_lookup(app: App, claire) -> None:
    opened = app.open_session(app.authenticate("claire", PASSWORD))
    accounts.set_role(app.workspace(), "claire", "reader")
    assert app.session_account(opened.token).role == "reader"


def test_last_admin_cannot_be_removed(app: App) -> None:
    ws = app.workspace()
    accounts.add_account(ws, "admin", name="Admin", role="admin", password=PASSWORD)
    with pytest.raises(Refused, match="dernier compte administrateur"):
        accounts.disable(ws, "admin")
    with pytest.raises(Refused, match="dernier compte administrateur"):
        accounts.set_role(ws, "admin", "officer")
    accounts.add_account(ws, "admin2", name="Admin bis", role="admin", password=PASSWORD)
    assert not accounts.disable(ws, "admin").active


def test_account_changes_are_audited(app: App, claire) -> None:
    ws = app.workspace(actor="Opératrice")
    project = ws.create_project("CPTS du Pays d'Aix").slug
    accounts.add_account(ws, "lea", name="Léa", role="porteur", password=PASSWORD)
    accounts.attach(ws, "lea", project)
    admin_ws = app.workspace(accounts.add_account(ws, "root", name="Admin", role="admin",
                                                  password=PASSWORD))
    accounts.detach(admin_ws, "lea", project)
    history = accounts.account_history(ws, "lea")
    assert [(e.kind, e.actor, e.actor_login) for e in history] == [
        ("account_added", "Opératrice", None), ("attached", "Opératrice", None),
        ("detached", "Admin", "root")]
    assert history[1].payload == {"project": project}
    with pytest.raises(Refused, match="voit déjà tous les projets"):
        accounts.attach(ws, "claire", project)


def test_backups_never_hold_accounts_or_sessions(app: App, claire) -> None:
    from cpts_workflow.backup import export_data

    app.open_session(app.authenticate("claire", PASSWORD))
    tables = export_data(app.workspace())["tables"]
    assert not {"accounts", "account_projects", "login_sessions", "login_throttle",
                "account_events"} & set(tables)
    assert "argon2" not in str(tables)


def test_calendar_address_is_one_per_account_and_only_its_own(app: App, claire, clock) -> None:
    from cpts_workflow.errors import Forbidden

    operator = app.workspace(actor="Opératrice")
    lea = accounts.add_account(operator, "lea", name="Léa", role="reader", password=PASSWORD)
    with pytest.raises(BadInput, match="précisez le compte"):
        accounts.new_calendar_address(operator)  # the local operator names the account
    mine = accounts.new_calendar_address(app.workspace(claire))
    assert mine.login == "claire" and len(mine.token or "") >= 40
    assert app.calendar_account(mine.token).login == "claire"
    with pytest.raises(Forbidden):
        accounts.revoke_calendar_address(app.workspace(lea), "claire")  # not someone else's
    assert accounts.calendar_address(app.workspace(lea)) is None
    clock.advance(hours=2)
    again = accounts.new_calendar_address(operator, "claire")  # an admin's business
    assert app.calendar_account(mine.token) is None and app.calendar_account(again.token).login == "claire"
    seen = accounts.calendar_address(app.workspace(claire))
    assert seen is not None and seen.token is None and seen.last_used_at == clock()
    assert app.calendar_account("x" * 201) is None and app.calendar_account("") is None
