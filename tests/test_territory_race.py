"""One CPTS per territory, with many processes claiming the same communes at once.

Each process has its own engine and its own project; a barrier releases them together.
Whatever the interleaving, the database must leave no two active projects sharing a
commune: the losers get the overlap refusal, never a half-written territory.
"""

from __future__ import annotations

import multiprocessing as mp

import pytest

from cpts_workflow.integrity import check_integrity
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.territory.coverage import overlaps
from cpts_workflow.workspace import Workspace

# Forked: started at once, with the modules already imported; each child opens its own
# engine and connections (nothing of the parent's pool is used).
CTX = mp.get_context("fork")
PROCESSES = 6


def _claim(url: str, slug: str, codes: list[str], barrier, results) -> None:
    from cpts_workflow.errors import CptsError, Refused

    ws = Workspace(url, actor=slug)
    ws.init()
    ws.project(slug)  # connected and warmed up before the start
    barrier.wait()
    try:
        change = add_communes(ws, slug, codes)
        results.put((slug, "ok", ",".join(change.codes)))
    except Refused as exc:
        results.put((slug, "refused", str(exc)))
    except CptsError as exc:
        results.put((slug, "error", f"{exc.__class__.__name__}: {exc}"))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put((slug, "error", repr(exc)))
    finally:
        ws.db.dispose()


def race(ws: Workspace, claims: list[list[str]]) -> list[tuple[str, str, str]]:
    """One project per claim, all claiming at the same instant; their outcomes by slug."""
    slugs = [ws.create_project(f"CPTS concurrente {i}").slug for i in range(len(claims))]
    barrier, results = CTX.Barrier(len(claims)), CTX.Queue()
    procs = [CTX.Process(target=_claim, args=(ws.db.url, slug, codes, barrier, results))
             for slug, codes in zip(slugs, claims, strict=True)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return sorted(outcomes)


def _assert_refusals(outcomes: list[tuple[str, str, str]]) -> None:
    for slug, status, message in outcomes:
        assert status in ("ok", "refused"), (slug, message)
        if status == "refused":
            assert "une seule CPTS par territoire" in message, message
            assert "Rien n'a été ajouté" in message, message


def test_same_commune_exactly_one_wins(ws):
    outcomes = race(ws, [["04001"]] * PROCESSES)
    assert [o[1] for o in outcomes].count("ok") == 1, outcomes
    _assert_refusals(outcomes)
    winner = next(slug for slug, status, _ in outcomes if status == "ok")
    assert overlaps(ws).overlaps == []
    for slug, _, _ in outcomes:
        codes = [c.insee for c in ws_territory(ws, slug)]
        assert codes == (["04001"] if slug == winner else []), (slug, codes)
        added = [e for e in ws.history(slug) if e.kind == "territory_added"]
        assert len(added) == (1 if slug == winner else 0)  # the refused wrote no event
    assert check_integrity(ws).ok


def test_split_commune_and_its_arrondissements_never_both(ws):
    """Marseille against its own arrondissements: holding the commune holds them all."""
    claims = [["13055"], ["13201"], ["13201", "13202"], ["13202"], ["13203"], ["13055"]]
    outcomes = race(ws, claims)
    _assert_refusals(outcomes)
    assert overlaps(ws).overlaps == [], outcomes
    won = {slug: codes for slug, status, codes in outcomes if status == "ok"}
    assert won, outcomes
    if any("13055" in codes for codes in won.values()):
        assert len(won) == 1, outcomes  # the whole city excludes every arrondissement


def ws_territory(ws: Workspace, slug: str):
    from cpts_workflow.territory.coverage import territory

    return territory(ws, slug).communes


@pytest.mark.postgresql
def test_lock_keys_are_taken_in_one_order(pg_url, clock):
    """Projects claiming the same large set in opposite orders: no deadlock."""
    ws = Workspace(pg_url, actor="Claire Martin", now=clock)
    from cpts_workflow.territory.reference import shipped_reference

    codes = sorted(c for c in shipped_reference().communes if c.startswith("04"))[:40]
    outcomes = race(ws, [codes, list(reversed(codes))] * 3)
    assert [o[1] for o in outcomes].count("ok") == 1, outcomes
    _assert_refusals(outcomes)
    ws.db.dispose()
