"""The calendar subscription address, sign-in throttling per address, a busy base."""

from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from .conftest import AIX, EYG, PASSWORD, make_app
from .test_accounts_web import signed_in, token

FEED = re.compile(r'value="(http://testserver/calendrier/([A-Za-z0-9_-]{40,})\.ics)"')


@pytest.fixture
def dated(people) -> str:  # noqa: F811 - the fixture imported above
    ws = Workspace(people)
    ws.set_due(AIX, "info_meeting", "2026-12-15")
    ws.set_due(EYG, "info_meeting", "2027-01-20")
    ws.db.dispose()
    return people


def summaries(body: bytes) -> list[str]:
    return sorted(str(e["summary"]) for e in Calendar.from_ical(body).walk("VEVENT"))


def new_address(client: TestClient) -> tuple[str, str]:
    page = client.post("/compte/calendrier", data={"action": "new", "csrf": token(client, "/compte")})
    assert page.status_code == 200, page.text
    assert "affichée qu'une fois" in unescape(page.text)
    url, secret = FEED.search(page.text).groups()
    return url, secret


def test_calendar_address_serves_what_the_account_sees(dated, clock):
    paul = signed_in(dated, clock, "paul")
    assert "Créer mon adresse d'agenda" in unescape(paul.get("/compte").text)
    url, secret = new_address(paul)
    anonymous = TestClient(make_app(dated, clock), raise_server_exceptions=False)
    feed = anonymous.get(url)  # no cookie: the secret is the credential
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    found = summaries(feed.content)
    assert len(found) == 1 and found[0].startswith("CPTS du Pays d'Aix : Réunion d'information")  # not Eyguières
    claire_url, _ = new_address(signed_in(dated, clock, "claire"))
    assert len(summaries(anonymous.get(claire_url).content)) == 2
    # shown once: the page then tells it exists, never the secret again
    again = paul.get("/compte").text
    assert "Une adresse est active depuis" in again and secret not in again
    # the base keeps a hash only
    with sqlite3.connect(dated.removeprefix("sqlite:///")) as db:
        stored = [r[0] for r in db.execute("select token_hash from calendar_tokens")]
    assert len(stored) == 2 and secret not in stored and all(len(h) == 64 for h in stored)


def test_regenerate_revoke_and_disable_end_the_address(dated, clock):
    claire = signed_in(dated, clock, "claire")
    anonymous = TestClient(make_app(dated, clock), raise_server_exceptions=False)
    old, _ = new_address(claire)
    new, _ = new_address(claire)  # « Régénérer »
    missing = anonymous.get(old)
    assert missing.status_code == 404 and "révoquée" in unescape(missing.text)
    assert anonymous.get(new).status_code == 200
    assert anonymous.get("/calendrier/nimporte-quoi.ics").status_code == 404
    revoked = claire.post("/compte/calendrier", data={"action": "revoke", "csrf": token(claire, "/compte")})
    assert "Adresse d'agenda révoquée" in unescape(revoked.text)
    assert anonymous.get(new).status_code == 404
    third, _ = new_address(claire)
    admin = signed_in(dated, clock, "admin")
    admin.post("/admin/comptes", data={"action": "disable", "login": "claire",
                                       "csrf": token(admin, "/admin/comptes")})
    assert anonymous.get(third).status_code == 404  # a disabled account's address says nothing
    ws = Workspace(dated)
    kinds = [e.kind for e in accounts.account_history(ws, "claire")]
    ws.db.dispose()
    assert kinds.count("calendar_created") == 3 and kinds.count("calendar_revoked") == 1


def test_calendar_forms_need_the_session_token(dated, clock):
    claire = signed_in(dated, clock, "claire")
    refused = claire.post("/compte/calendrier", data={"action": "new", "csrf": "forged"})
    assert refused.status_code == 403
    assert "Vous n'avez pas d'adresse d'agenda active." in unescape(claire.get("/compte").text)


def test_sign_in_is_throttled_per_address_without_telling_logins_apart(people, clock):  # noqa: F811
    client = TestClient(make_app(people, clock), raise_server_exceptions=False)
    client.get("/connexion")
    for n in range(20):  # twenty logins, each tried once: no login reaches its own limit
        answer = client.post("/connexion", data={"login": f"inconnu{n}", "password": "au hasard 123",
                                                 "csrf": client.cookies.get("cpts_csrf")})
        assert answer.status_code == 401
    answers = []
    for login, password in (("claire", PASSWORD), ("personne", PASSWORD)):
        blocked = client.post("/connexion", data={"login": login, "password": password,
                                                  "csrf": client.cookies.get("cpts_csrf")})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "depuis votre adresse réseau" in blocked.text
        answers.append(blocked.text.replace(login, "LOGIN"))
    assert answers[0] == answers[1]  # the same answer for a real and an unknown login
    clock.advance(minutes=16)
    assert client.post("/connexion", data={"login": "claire", "password": PASSWORD,
                                           "csrf": client.cookies.get("cpts_csrf")},
                       follow_redirects=False).status_code == 303


def test_behind_the_trusted_proxy_each_visitor_counts_for_itself(people, clock):  # noqa: F811
    app = make_app(people, clock, trusted_proxies=("127.0.0.1",))
    proxy = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 40000))
    proxy.get("/connexion")

    def attempt(visitor: str, login: str, password: str) -> int:
        return proxy.post("/connexion", headers={"X-Forwarded-For": f"{visitor}, 10.0.0.1"},
                          data={"login": login, "password": password,
                                "csrf": proxy.cookies.get("cpts_csrf")},
                          follow_redirects=False).status_code

    for n in range(20):
        assert attempt("203.0.113.5", f"inconnu{n}", "au hasard 123") == 401
    assert attempt("203.0.113.5", "claire", PASSWORD) == 429
    assert attempt("203.0.113.6", "claire", PASSWORD) == 303  # another visitor of the proxy
    # a visitor who is not the proxy cannot pick an address by sending the header itself
    direct = TestClient(app, raise_server_exceptions=False, client=("198.51.100.7", 40000))
    direct.get("/connexion")
    for n in range(20):
        direct.post("/connexion", headers={"X-Forwarded-For": f"192.0.2.{n}"},
                    data={"login": f"autre{n}", "password": "au hasard 123",
                          "csrf": direct.cookies.get("cpts_csrf")})
    assert direct.post("/connexion", data={"login": "claire", "password": PASSWORD,
                                           "csrf": direct.cookies.get("cpts_csrf")}).status_code == 429


def test_pages_answer_while_another_program_writes(people, clock, monkeypatch):  # noqa: F811
    """Signed-in pages read without the write lock; a write kept waiting is 503, not 409."""
    monkeypatch.setenv("CPTS_BUSY_TIMEOUT", "0.3")
    client = signed_in(people, clock, "claire")
    form = token(client, f"/projets/{AIX}")
    clock.advance(minutes=5)  # the session's last use is due for an update: skipped, not waited for
    holder = sqlite3.connect(people.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for path in ("/", f"/projets/{AIX}", "/echeances"):
            assert client.get(path, follow_redirects=False).status_code == 200, path
        busy = client.post(f"/projets/{AIX}/elements/working_group",
                           data={"action": "check", "csrf": form}, follow_redirects=False)
        assert busy.status_code == 503 and busy.headers["retry-after"]
        assert "Base occupée" in unescape(busy.text)
    finally:
        holder.rollback()
        holder.close()
    assert client.post(f"/projets/{AIX}/elements/working_group", data={"action": "check", "csrf": form},
                       follow_redirects=False).status_code == 303
