"""Pages of projects and of history: `limit`, an opaque cursor, a stable order."""

from __future__ import annotations

import json

import pytest

from cpts_workflow.errors import BadInput


def _all_pages(fetch, limit: int) -> list:
    pages, cursor = [], None
    while True:
        page = fetch(limit=limit, cursor=cursor)
        pages.append(list(page))
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_projects_page_by_page_in_name_order(ws) -> None:
    ws.init()
    for name in ["CPTS Beta", "CPTS Alpha", "CPTS Gamma", "CPTS Alpha", "CPTS Delta"]:
        ws.create_project(name)
    everything = ws.list_projects()
    assert everything.next_cursor is None
    pages = _all_pages(ws.list_projects, 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [p for page in pages for p in page] == everything
    # Two projects of the same name are told apart by their number.
    assert [p.slug for p in pages[0]] == ["cpts-alpha", "cpts-alpha-2"]
    # A project added before the cursor does not shift the next page.
    first = ws.list_projects(limit=2)
    ws.create_project("CPTS Aaa")
    assert [p.name for p in ws.list_projects(limit=2, cursor=first.next_cursor)] == ["CPTS Beta", "CPTS Delta"]
    assert ws.list_projects(limit=5, stage="initiative", cursor=first.next_cursor)[0].name == "CPTS Beta"


def test_history_page_by_page(ws) -> None:
    ws.init()
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    for item in ["working_group", "porteur_named", "territory_sketch"]:
        ws.check(slug, item)
    everything = ws.history(slug)
    assert [e for page in _all_pages(lambda **kw: ws.history(slug, **kw), 3) for e in page] == everything
    assert len(ws.history(slug, limit=4)) == 4 and ws.history(slug, limit=4).next_cursor is None


def test_bad_cursor_and_limit_are_bad_input(ws) -> None:
    ws.init()
    for bad in ("n'importe quoi", "W10", "WyJhIl0"):
        with pytest.raises(BadInput, match="Curseur de page invalide"):
            ws.list_projects(limit=2, cursor=bad)
    with pytest.raises(BadInput, match="par page"):
        ws.list_projects(limit=0)


def test_cli_pages(cpts) -> None:
    assert cpts("init").exit_code == 0
    for name in ["CPTS A", "CPTS B", "CPTS C"]:
        assert cpts("new", name).exit_code == 0
    r = cpts("list --limit 2 --json")
    data = json.loads(r.stdout)
    assert [p["slug"] for p in data["items"]] == ["cpts-a", "cpts-b"] and data["next_cursor"]
    r = cpts(f"list --limit 2 --cursor {data['next_cursor']}")
    assert "cpts-c" in r.stdout and "cpts-a" not in r.stdout and "Page suivante" not in r.stderr
    r = cpts("history cpts-a --limit 1")
    assert r.exit_code == 0 and "Page suivante : --cursor" not in r.stderr
    assert json.loads(cpts("list --json").stdout)[0]["slug"] == "cpts-a"  # unpaged: a plain list
