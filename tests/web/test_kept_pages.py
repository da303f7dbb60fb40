"""Pages kept between two changes of the base: each browser still gets its own token, its
own name and rights, the fragment or the page it asked for, and the state after a change."""

from __future__ import annotations

import re

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from .conftest import AIX, PASSWORD, make_app
from .test_accounts_web import signed_in


def _csrf(html: str) -> set[str]:
    return set(re.findall(r'name="csrf" value="([^"]*)"', html))


def test_a_kept_page_carries_each_browsers_token_and_name(people, clock):
    ws = Workspace(people, now=clock)  # a second officer: same role, same view as Claire
    accounts.add_account(ws, "hugo", name="Hugo", role="officer", password=PASSWORD)
    ws.db.dispose()
    app = make_app(people, clock)
    claire, hugo = signed_in(people, clock, "claire", app), signed_in(people, clock, "hugo", app)
    first = claire.get(f"/projets/{AIX}").text
    assert claire.get(f"/projets/{AIX}").text == first  # kept: the same page again
    other = hugo.get(f"/projets/{AIX}").text
    mine, theirs = _csrf(first), _csrf(other)
    assert len(mine) == len(theirs) == 1 and mine != theirs and "\x00" not in first + other
    assert "Claire <span" in first and "Hugo <span" in other and "Claire <span" not in other
    reader = signed_in(people, clock, "lea", app).get(f"/projets/{AIX}").text
    assert 'value="check"' in first and 'value="check"' not in reader  # rights: not shared
    # The token each one got is the one its session accepts.
    version = re.search(r'name="version" value="(\d+)"', first).group(1)
    response = claire.post(f"/projets/{AIX}/elements/working_group",
                           data={"csrf": mine.pop(), "action": "check", "version": version},
                           follow_redirects=False)
    assert response.status_code == 303
    refused = hugo.post(f"/projets/{AIX}/elements/porteur_named",
                        data={"csrf": _csrf(first).pop(), "action": "check", "version": version})
    assert refused.status_code == 403  # another's token is not Hugo's
    # After the change, both see it (the kept page is not served any more).
    for browser in (claire, hugo):
        page = browser.get(f"/projets/{AIX}").text
        assert page != first and re.search(r'name="version" value="(\d+)"', page).group(1) != version


def test_a_porteur_and_an_officer_never_share_a_kept_page(people, clock):
    app = make_app(people, clock)
    claire, paul = signed_in(people, clock, "claire", app), signed_in(people, clock, "paul", app)
    assert "CPTS d&#39;Eyguières" in claire.get("/?q=").text
    assert claire.get(f"/projets/{AIX}").status_code == 200
    home = paul.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == f"/projets/{AIX}"
    assert paul.get("/projets/cpts-d-eyguieres-et-alpilles").status_code == 404


def test_the_table_fragment_and_the_whole_portfolio_are_kept_apart(site):
    fragment = site.get("/?tri=nom", headers={"HX-Request": "true", "HX-Target": "projects"}).text
    assert "<html" not in fragment and "CPTS du Pays d&#39;Aix" in fragment
    whole = site.get("/?tri=nom").text
    assert whole.startswith("<!doctype html>") or "<html" in whole
    assert "<html" not in site.get("/?tri=nom", headers={"HX-Request": "true", "HX-Target": "projects"}).text
