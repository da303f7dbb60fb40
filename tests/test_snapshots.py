"""Reports kept until the base changes: any audited change, a new day, another view."""

from __future__ import annotations

from sqlalchemy import delete

from cpts_workflow import accounts
from cpts_workflow.app import App
from cpts_workflow.reports import latest_portfolio
from cpts_workflow.store.models import Event, Project
from cpts_workflow.territory.changes import add_communes

PASSWORD = "mot de passe assez long"


def test_portfolio_is_kept_until_the_base_changes(db_url, clock):
    app = App(db_url, now=clock)
    ws = app.workspace(actor="Claire Martin")
    aix = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug
    first = latest_portfolio(ws)
    assert latest_portfolio(ws) is first  # nothing changed: the same report

    ws.check(aix, "working_group")
    after_check = latest_portfolio(ws)
    assert after_check is not first
    assert after_check.projects[0].checklist_done > first.projects[0].checklist_done

    add_communes(ws, aix, ["13001"])
    after_territory = latest_portfolio(ws)
    assert after_territory is not after_check and after_territory.projects[0].population

    assert latest_portfolio(ws, officer="Claire Martin") is not after_territory  # other filters
    clock.advance(days=1)
    assert latest_portfolio(ws) is not after_territory  # a new day: days in stage move on
    app.dispose()


def test_a_project_deleted_with_its_trail_is_gone_from_the_report(db_url, clock):
    app = App(db_url, now=clock)
    ws = app.workspace(actor="Claire Martin")
    ws.create_project("CPTS A")
    ws.create_project("CPTS B")
    assert len(latest_portfolio(ws).projects) == 2
    with ws.atomic() as session:  # the newest event stays: only the count of projects moves
        first = session.query(Project).filter_by(slug="cpts-a").one()
        session.execute(delete(Event).where(Event.project_id == first.id))
        session.delete(first)
    assert [p.slug for p in latest_portfolio(ws).projects] == ["cpts-b"]
    app.dispose()


def test_each_view_of_the_base_has_its_own_report(db_url, clock):
    app = App(db_url, now=clock)
    local = app.workspace(actor="Opératrice")
    aix = local.create_project("CPTS du Pays d'Aix").slug
    local.create_project("CPTS du Gapençais")
    accounts.add_account(local, "lea", name="Léa", role="porteur", password=PASSWORD)
    accounts.attach(local, "lea", aix)
    assert len(latest_portfolio(local).projects) == 2
    porteur = app.workspace(app.account("lea"))
    assert [p.slug for p in latest_portfolio(porteur).projects] == [aix]
    assert len(latest_portfolio(local).projects) == 2
    app.dispose()


def test_one_thread_computes_while_the_others_wait(db_url, clock):
    import threading
    import time

    from cpts_workflow.snapshots import Snapshots

    app = App(db_url, now=clock)
    ws = app.workspace(actor="Claire Martin")
    ws.create_project("CPTS A")
    store, calls, results = Snapshots(), [], []

    def slow() -> object:
        calls.append(1)
        time.sleep(0.2)
        return object()

    threads = [threading.Thread(target=lambda: results.append(store.get(ws, "r", None, slow)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1 and len(results) == 8

    def failing() -> object:
        raise ValueError("illisible")

    for _ in range(2):  # a failure is not kept: the next caller computes again
        try:
            store.get(ws, "f", None, failing)
        except ValueError:
            pass
        else:
            raise AssertionError("the error was swallowed")
    assert store.get(ws, "f", None, lambda: 42) == 42
    app.dispose()
