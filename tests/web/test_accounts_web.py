"""Signing in, sessions, CSRF of signed-in forms, and who may do what through the web."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from .conftest import make_app

AIX = "cpts-du-pays-d-aix"
EYG = "cpts-d-eyguieres-et-alpilles"
PASSWORD = "un mot de passe solide"


@pytest.fixture
def people(web_url, clock) -> str:
    ws = Workspace(web_url, now=clock)
    for login, role in (("admin", "admin"), ("claire", "officer"), ("lea", "reader"), ("paul", "porteur")):
        accounts.add_account(ws, login, name=login.capitalize(), role=role, password=PASSWORD)
    accounts.attach(ws, "paul", AIX)
    ws.db.dispose()
    return web_url


def signed_in(url, clock, login: str) -> TestClient:
    client = TestClient(make_app(url, clock), raise_server_exceptions=False)
    client.get("/connexion")
    response = client.post("/connexion", data={"login": login, "password": PASSWORD, "suite": "/",
                                               "csrf": client.cookies.get("cpts_csrf")},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def token(client: TestClient, path: str = "/") -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_pages_ask_to_sign_in_once_an_account_exists(people, clock):
    client = TestClient(make_app(people, clock), raise_server_exceptions=False)
    response = client.get(f"/projets/{AIX}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/connexion?suite=%2Fprojets%2F{AIX}"
    assert client.get("/export/portefeuille.json").status_code == 401
    assert client.get("/export/portefeuille.json").json()["error"]["code"] == "unauthenticated"
    assert client.get("/connexion").status_code == 200
    assert client.get("/sante").status_code == 200


def test_one_answer_for_unknown_login_and_wrong_password(people, clock):
    client = TestClient(make_app(people, clock), raise_server_exceptions=False)
    client.get("/connexion")
    answers = []
    for login, password in (("claire", "mauvais mot de passe"), ("personne", "mauvais mot de passe")):
        response = client.post("/connexion", data={"login": login, "password": password,
                                                   "csrf": client.cookies.get("cpts_csrf")})
        assert response.status_code == 401
        answers.append(response.text.replace(login, "LOGIN"))
    assert "Identifiant ou mot de passe incorrect." in answers[0]
    assert answers[0] == answers[1]


def test_login_is_throttled(people, clock):
    client = TestClient(make_app(people, clock), raise_server_exceptions=False)
    client.get("/connexion")
    for _ in range(5):
        client.post("/connexion", data={"login": "claire", "password": "faux faux faux",
                                        "csrf": client.cookies.get("cpts_csrf")})
    blocked = client.post("/connexion", data={"login": "claire", "password": PASSWORD,
                                              "csrf": client.cookies.get("cpts_csrf")})
    assert blocked.status_code == 401 and "Trop de tentatives" in blocked.text


def test_session_cookie_logout_and_disabling(people, clock):
    client = signed_in(people, clock, "claire")
    cookie = next(c for c in client.cookies.jar if c.name == "cpts_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") == "lax"
    page = client.get("/").text
    assert "Claire" in page and "Se déconnecter" in page
    old = cookie.value
    assert client.post("/deconnexion", data={"csrf": token(client)}, follow_redirects=False).status_code == 303
    other = TestClient(make_app(people, clock), raise_server_exceptions=False, cookies={"cpts_session": old})
    assert other.get("/", follow_redirects=False).status_code == 303  # the session ended
    client = signed_in(people, clock, "claire")
    admin = signed_in(people, clock, "admin")
    assert admin.post("/admin/comptes", data={"action": "disable", "login": "claire",
                                              "csrf": token(admin, "/admin/comptes")}).status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 303  # at the next request


def test_signed_in_forms_need_the_session_token(people, clock, web_url):
    client = signed_in(people, clock, "claire")
    cookie_token = client.cookies.get("cpts_csrf")
    refused = client.post(f"/projets/{AIX}/elements/working_group",
                          data={"action": "check", "csrf": cookie_token or "x"}, follow_redirects=False)
    assert refused.status_code == 403
    ok = client.post(f"/projets/{AIX}/elements/working_group",
                     data={"action": "check", "csrf": token(client)}, follow_redirects=False)
    assert ok.status_code == 303
    ws = Workspace(web_url)
    last = ws.history(AIX)[-1]
    ws.db.dispose()
    assert last.actor == "Claire" and last.kind == "checked"


# role × route × own/other project: the status each gets (own = the porteur's project)
MATRIX = [
    ("GET", "/", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{AIX}", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/elements/working_group", {"action": "check"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{AIX}/elements/letter_of_intent_validated", {"action": "check", "value": "2026-10-01"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/elements/working_group", {"action": "uncheck"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{AIX}/etape/pause", {"comment": "test"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", "/projets", {"name": "CPTS Test"}, {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/modifier", {"name": "CPTS Aix"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("GET", "/admin/comptes", {}, {"admin": 200, "claire": 403, "lea": 403, "paul": 403}),
    ("GET", "/echeances", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/export/projets/{EYG}.json", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/journal", {"text": "Réunion avec l'ARS"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/journal", {"text": "Réunion avec l'ARS"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{AIX}/etape/abandon", {"comment": "test"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
]


@pytest.mark.parametrize("login", ["admin", "claire", "lea", "paul"])
def test_access_control_matrix(people, clock, login):
    client = signed_in(people, clock, login)
    for method, path, data, expected in MATRIX:
        if method == "GET":
            status = client.get(path, follow_redirects=False).status_code
        else:
            status = client.post(path, data={**data, "csrf": token(client)}, follow_redirects=False).status_code
        assert status == expected[login], (login, method, path, status)


def test_porteur_lists_only_own_projects(people, clock):
    page = signed_in(people, clock, "paul").get("/").text
    assert "Pays d&#39;Aix" in page and "Eyguières" not in page


def test_password_change_ends_sessions(people, clock):
    client = signed_in(people, clock, "claire")
    wrong = client.post("/compte/mot-de-passe", data={"current": "pas le bon", "new": "nouveau mot de passe",
                                                     "confirm": "nouveau mot de passe", "csrf": token(client)})
    assert wrong.status_code == 400 and "incorrect" in wrong.text
    done = client.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": "nouveau mot de passe",
                                                    "confirm": "nouveau mot de passe", "csrf": token(client, "/compte/mot-de-passe")},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_admin_creates_an_account(people, clock):
    admin = signed_in(people, clock, "admin")
    page = admin.post("/admin/comptes", data={"action": "add", "login": "hugo", "name": "Hugo Roux",
                                              "role": "officer", "password": "court",
                                              "csrf": token(admin, "/admin/comptes")})
    assert page.status_code == 400 and "au moins 10 caractères" in page.text
    page = admin.post("/admin/comptes", data={"action": "add", "login": "hugo", "name": "Hugo Roux",
                                              "role": "officer", "password": PASSWORD,
                                              "csrf": token(admin, "/admin/comptes")})
    assert page.status_code == 200 and "Compte « hugo » créé." in page.text


def test_serve_refuses_a_public_address_without_admin(cpts):
    cpts("init")
    result = cpts("serve --host 0.0.0.0")
    assert result.exit_code == 1
    assert "aucun compte administrateur" in result.output


ROLE_COLUMNS = [("admin", "administrateur·rice"), ("claire", "chargé·e de mission"),
                ("lea", "lecture seule"), ("paul", "porteur (projet Aix rattaché)")]
ANSWERS = {200: "oui", 303: "oui", 403: "refusé (403)", 404: "introuvable (404)"}


def matrix_markdown() -> str:
    """The access-control matrix as the table docs/web.md shows."""
    def route(method: str, path: str, data: dict) -> str:
        path = path.replace(AIX, "AIX").replace(EYG, "AUTRE")
        extra = f" ({data['action']})" if "action" in data else ""
        return f"`{method} {path}`{extra}"

    lines = ["| route | " + " | ".join(label for _, label in ROLE_COLUMNS) + " |",
             "| --- |" + " --- |" * len(ROLE_COLUMNS)]
    for method, path, data, expected in MATRIX:
        lines.append(f"| {route(method, path, data)} | "
                     + " | ".join(ANSWERS[expected[login]] for login, _ in ROLE_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def test_the_matrix_is_the_one_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text("utf-8")
    assert matrix_markdown() in doc, "régénérez le tableau : print(matrix_markdown())"


def test_sign_out_from_an_error_page(people, clock):
    client = signed_in(people, clock, "claire")
    missing = client.get("/nulle-part").text  # rendered without the session: the cookie's token
    import re

    sent = re.search(r'name="csrf" value="([^"]+)"', missing)
    token_ = sent.group(1) if sent else client.cookies.get("cpts_csrf")
    assert client.post("/deconnexion", data={"csrf": token_}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.post("/deconnexion", data={"csrf": "forged"}, follow_redirects=False).status_code == 403
