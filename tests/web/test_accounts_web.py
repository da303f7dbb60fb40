"""Signing in, sessions, CSRF of signed-in forms, and who may do what through the web."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cpts_workflow.workspace import Workspace

from .conftest import AIX, EYG, PASSWORD, make_app, sign_contract


def signed_in(url, clock, login: str, app=None) -> TestClient:
    """A browser signed in as `login` (on its own app, or on `app` beside other browsers)."""
    client = TestClient(app or make_app(url, clock), raise_server_exceptions=False)
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
    ("GET", "/", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 303}),
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
    # contacts and partners (contact n° 1 and partner n° 1 are Aix's)
    ("POST", f"/projets/{AIX}/contacts", {"role": "ars", "name": "Anne Roux"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/contacts", {"role": "ars", "name": "Anne Roux"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/contacts/1", {}, {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/contacts/1", {"role": "ars", "name": "Anne Rousse"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("GET", f"/projets/{AIX}/contacts/1/supprimer", {}, {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/contacts/1/supprimer", {}, {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/partenaires", {"kind": "dac", "name": "DAC 13"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/partenaires", {"kind": "dac", "name": "DAC 13"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/partenaires/1", {}, {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/partenaires/1", {"kind": "ght", "name": "GHT 13", "state": "convention_signed"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("GET", f"/projets/{AIX}/partenaires/1/supprimer", {},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/partenaires/1/supprimer", {},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("GET", "/projets/nouveau", {}, {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("GET", f"/projets/{AIX}/etape/advance", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", f"/projets/{EYG}/etape/advance", {"comment": "test"},
     {"admin": 409, "claire": 409, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{EYG}/historique", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("GET", f"/projets/{EYG}/territoire", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("GET", f"/projets/{AIX}/documents", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", f"/projets/{AIX}/documents", {"template": "bulletin_adhesion", "format": "md"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    ("GET", f"/projets/{EYG}/documents/1", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("GET", "/region", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", "/export/portefeuille.csv", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", "/compte", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", "/compte/calendrier", {"action": "new"}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", "/compte/mot-de-passe", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", "/compte/mot-de-passe", {"current": "x", "new": "un nouveau mot", "confirm": "un autre mot"},
     {"admin": 400, "claire": 400, "lea": 400, "paul": 400}),
    ("POST", "/admin/comptes", {"action": "role", "login": "lea", "role": "reader"},
     {"admin": 200, "claire": 403, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/porteurs", {"action": "invite", "login": "zoe", "name": "Zoé"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/porteurs", {"action": "detach", "login": "paul"},
     {"admin": 404, "claire": 404, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/membres", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/membres", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/membres", {"name": "Jean Dupont", "legal": "physique"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{EYG}/membres", {"name": "Jean Dupont", "legal": "physique"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/membres/1", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", f"/projets/{AIX}/membres/1", {"name": "Jean Dupond"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{AIX}/membres/verifier", {"field": "rpps", "rpps": "10003456789"},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("POST", f"/projets/{EYG}/membres/verifier", {"field": "rpps", "rpps": "10003456789"},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/import-membres", {"action": "preview", "csv_text": "nom\nA B"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    ("POST", f"/projets/{EYG}/import-membres", {"action": "preview", "csv_text": "nom\nA B"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{AIX}/membres/1/supprimer", {},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("GET", f"/projets/{AIX}/territoire", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/territoire/suggestions?commune=aix", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/territoire", {"action": "add", "commune": "13001"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{EYG}/territoire", {"action": "add", "commune": "13034"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{AIX}/territoire", {"action": "add", "commune": "13034", "force": "oui", "reason": "accord"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{AIX}/justificatifs", {"item_id": "working_group", "_file": "proof.pdf"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{AIX}/justificatifs", {"item_id": "letter_of_intent_validated", "_file": "lettre.pdf"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
    ("POST", f"/projets/{EYG}/justificatifs", {"item_id": "working_group", "_file": "proof.pdf"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/justificatifs/1", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/justificatifs/1", {}, {"admin": 404, "claire": 404, "lea": 404, "paul": 404}),
    ("POST", f"/projets/{AIX}/justificatifs/1/supprimer", {},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{AIX}/bulletin", {"format": "docx"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    # guided documents
    ("GET", f"/projets/{AIX}/entretiens", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/entretiens", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("GET", f"/projets/{AIX}/entretiens/statuts", {}, {"admin": 303, "claire": 303, "lea": 303, "paul": 303}),
    ("GET", f"/projets/{AIX}/entretiens/statuts/etapes/1", {},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    ("GET", f"/projets/{EYG}/entretiens/statuts/etapes/1", {},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{AIX}/entretiens/statuts/etapes/1/verifier", {"question": "siege", "siege": "1 rue"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    ("POST", f"/projets/{AIX}/entretiens/statuts/etapes/1", {"siege": "1 rue", "ville_signature": "Aix"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{EYG}/entretiens/statuts/etapes/1", {"siege": "1 rue", "ville_signature": "Aix"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{AIX}/entretiens/statuts/relecture", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/entretiens/statuts/relecture", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("GET", f"/projets/{AIX}/entretiens/bulletin_adhesion/document", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{AIX}/entretiens/bulletin_adhesion/apercu", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/entretiens/bulletin_adhesion/apercu", {},
     {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/entretiens/bulletin_adhesion/telecharger", {"format": "odt"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 200}),
    ("POST", f"/projets/{EYG}/entretiens/bulletin_adhesion/telecharger", {"format": "odt"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 404}),
    # the ACI contract (Aix: none yet, recorded by the row below; the other: signed)
    ("GET", f"/projets/{AIX}/contrat", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 200}),
    ("GET", f"/projets/{EYG}/contrat", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{AIX}/contrat", {"signed": "2026-10-05", "taille": "2"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{AIX}/contrat/versements",
     {"key": "fonctionnement-1", "amount": "1 000", "received_on": "2026-10-10"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 303}),
    ("POST", f"/projets/{EYG}/contrat/versements",
     {"key": "fonctionnement-1", "amount": "131 250", "received_on": "2026-05-02"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("POST", f"/projets/{EYG}/contrat/indicateurs", {"indicator": "acces/patients_mt", "year": "1", "value": "850"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 404}),
    ("GET", f"/projets/{EYG}/contrat/versements.ics", {}, {"admin": 200, "claire": 200, "lea": 200, "paul": 404}),
    ("POST", f"/projets/{EYG}/contrat/revue", {"year": "1", "format": "docx"},
     {"admin": 200, "claire": 200, "lea": 403, "paul": 404}),
    # Last: an abandoned project can no longer be changed by the rows after it.
    ("POST", f"/projets/{AIX}/etape/abandon", {"comment": "test"},
     {"admin": 303, "claire": 303, "lea": 403, "paul": 403}),
]
# Routes anyone may reach without an account: signing in and out, supervision, the
# stylesheet and htmx, calendar addresses and invitation links (their secret is the
# credential; tests/web/test_porteurs_web.py covers reuse and expiry).
PUBLIC_ROUTES = {("GET", "/connexion"), ("POST", "/connexion"), ("POST", "/deconnexion"),
                 ("GET", "/sante"), ("MOUNT", "/static"), ("GET", "/calendrier/{token}.ics"),
                 ("GET", "/invitation/{token}"), ("POST", "/invitation/{token}")}


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.mark.parametrize("login", ["admin", "claire", "lea", "paul"])
def test_access_control_matrix(people, clock, login):
    """Rows run in order on one base: a row may use what an earlier one created (the
    member n° 1, the file n° 1), and deleting them comes after."""
    from cpts_workflow.contacts import add_contact
    from cpts_workflow.evidence import add_evidence
    from cpts_workflow.members import add_member
    from cpts_workflow.partners import add_partner
    from cpts_workflow.territory.changes import add_communes

    sign_contract(people, clock, EYG)  # for the contract rows
    ws = Workspace(people, now=clock)
    add_communes(ws, EYG, ["13034"])  # for the overlap rows
    add_member(ws, AIX, "Marie Curie")  # member n° 1
    add_evidence(ws, AIX, "working_group", "liste.pdf", PDF)  # file n° 1
    add_contact(ws, AIX, "porteur", "Jean Martin")  # contact n° 1
    add_partner(ws, AIX, "ght", "GHT 13")  # partner n° 1
    ws.db.dispose()
    client = signed_in(people, clock, login)
    for method, path, data, expected in MATRIX:
        if method == "GET":
            status = client.get(path, follow_redirects=False).status_code
        elif "_file" in data:
            fields = {k: v for k, v in data.items() if k != "_file"}
            status = client.post(path, data={**fields, "csrf": token(client)},
                                 files={"file": (data["_file"], PDF, "application/pdf")},
                                 follow_redirects=False).status_code
        else:
            status = client.post(path, data={**data, "csrf": token(client)}, follow_redirects=False).status_code
        assert status == expected[login], (login, method, path, status)


def app_routes(app) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers, static mounts as ("MOUNT", path)."""
    from starlette.routing import Mount, Route

    found: set[tuple[str, str]] = set()

    def walk(routes, prefix: str = "") -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router, kept whole
                walk(route.original_router.routes, prefix + (route.include_context.prefix or ""))
            elif isinstance(route, Mount):
                found.add(("MOUNT", prefix + route.path))
            elif isinstance(route, Route):
                found.update((m, prefix + route.path) for m in route.methods or () if m != "HEAD")
    walk(app.routes)
    return found


def route_of(method: str, path: str, routes: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The route template a concrete request reaches (the most specific one)."""
    from starlette.routing import compile_path

    path = path.partition("?")[0]
    matching = [(m, p) for m, p in routes if m == method and compile_path(p)[0].match(path)]
    return min(matching, key=lambda r: r[1].count("{"), default=None)


def test_every_route_is_in_the_matrix_or_public(people, clock):
    routes = app_routes(make_app(people, clock))
    assert len(routes) > 25
    covered = {route_of(method, path, routes) for method, path, _, _ in MATRIX}
    assert None not in covered, "an entry of the matrix reaches no route"
    missing = sorted(routes - covered - PUBLIC_ROUTES)
    assert not missing, f"routes neither in MATRIX nor public: {missing}"
    assert routes >= PUBLIC_ROUTES, sorted(PUBLIC_ROUTES - routes)


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
    # The base's journal, at the bottom of the page, names who created it.
    journal = page.text[page.text.index("Journal de la base"):]
    assert "Compte créé</td><td>compte « hugo »" in journal and "<td>Admin</td>" in journal
    assert "Les 6 derniers changements" in journal  # `people`: four accounts and an attachment; Hugo


def test_serve_refuses_a_public_address_without_admin(cpts):
    cpts("init")
    result = cpts("serve --host 0.0.0.0")
    assert result.exit_code == 1
    assert "aucun compte administrateur" in result.output


ROLE_COLUMNS = [("admin", "administrateur·rice"), ("claire", "chargé·e de mission"),
                ("lea", "lecture seule"), ("paul", "porteur (projet Aix rattaché)")]
ANSWERS = {200: "oui", 303: "oui", 400: "oui (saisie refusée, 400)", 403: "refusé (403)",
           404: "introuvable (404)", 409: "oui (passage refusé, 409)"}


def matrix_markdown() -> str:
    """The access-control matrix as the table docs/web.md shows."""
    def route(method: str, path: str, data: dict) -> str:
        path = path.replace(AIX, "AIX").replace(EYG, "AUTRE")
        extra = f" ({data.get('action') or data.get('format') or ''})" if {"action", "format"} & set(data) else ""
        extra += f" ({data['item_id']})" if "item_id" in data else ""
        extra += " (forcer)" if "force" in data else ""
        return f"`{method} {path}`{extra}"

    lines = ["| route | " + " | ".join(label for _, label in ROLE_COLUMNS) + " |",
             "| --- |" + " --- |" * len(ROLE_COLUMNS)]
    for method, path, data, expected in MATRIX:
        lines.append(f"| {route(method, path, data)} | "
                     + " | ".join(ANSWERS[expected[login]] for login, _ in ROLE_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def test_the_matrix_is_the_one_documented():

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
