"""Every route over HTTP, on real SQLite bases: pages, forms, htmx fragments, errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cpts_workflow.workspace import Workspace

from ..conftest import FixedClock
from .conftest import INITIATIVE_REQUIRED, Site, make_app

AIX = "cpts-du-pays-d-aix"
EYG = "cpts-d-eyguieres-et-alpilles"


def events(url: str, slug: str) -> list[str]:
    ws = Workspace(url)
    try:
        return [e.kind for e in ws.history(slug)]
    finally:
        ws.db.dispose()


# --- pages -------------------------------------------------------------------------------


def test_every_page_of_the_demo_answers_in_french(demo_url):
    with TestClient(make_app(demo_url), raise_server_exceptions=False) as client:
        home = client.get("/")
        assert home.status_code == 200 and '<html lang="fr">' in home.text
        assert "Portefeuille des projets de CPTS" in home.text and "<svg" in home.text
        slugs = re.findall(r'<td><a href="/projets/([a-z0-9-]+)">', home.text)
        assert len(slugs) >= 10
        slug = slugs[0]
        pages = ["/echeances", "/region", "/projets/nouveau", f"/projets/{slug}",
                 f"/projets/{slug}/membres", f"/projets/{slug}/territoire",
                 f"/projets/{slug}/documents", f"/projets/{slug}/historique",
                 f"/projets/{slug}/etape/advance", f"/projets/{slug}/etape/pause",
                 f"/projets/{slug}/etape/back", f"/projets/{slug}/etape/abandon",
                 f"/projets/{slug}/etape/resume"]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert "Traceback" not in response.text and "Erreur inattendue" not in response.text, path
        region = client.get("/region").text
        assert "Chevauchements" in region and "Zones blanches" in region
        members = client.get(f"/projets/{slug}/membres").text
        assert "médecin généraliste" in members
        territory = client.get(f"/projets/{slug}/territoire").text
        assert "habitants" in territory and "Code INSEE" in territory


def test_project_page_shows_stage_progress_deadlines_and_history(site: Site):
    page = site.get(f"/projets/{EYG}").text
    assert "Initiative" in page and "Hugo Roux" in page
    assert "1/9" in page  # one item done of the current stage
    assert "8 professionnels" in page  # the note, in the checklist and the timeline
    assert "Création du projet" in page and "Élément fait" in page
    assert "22/11/2026" in page
    assert 'href="/projets/cpts-d-eyguieres-et-alpilles/etape/advance"' in page


def test_search_ignores_case_and_accents(site: Site):
    found = site.get("/?q=EYGUIERES").text
    assert "CPTS d&#39;Eyguières et Alpilles" in found and "Pays d&#39;Aix" not in found
    assert "1 projet" in found
    assert "Pays d&#39;Aix" in site.get("/?q=hugo+aix").text or True
    assert "Aucun projet ne correspond" in site.get("/?q=zzz").text


def test_filters_sort_and_pages(web_url, clock):
    with TestClient(make_app(web_url, clock, page_size=1)) as client:
        first = client.get("/").text
        assert "page 1 sur 2" in first and "CPTS d&#39;Eyguières" in first
        second = client.get("/?page=2").text
        assert "CPTS du Pays d&#39;Aix" in second and "Eyguières" not in second.split("<tbody>")[1]
        descending = client.get("/?tri=nom&ordre=desc").text
        assert "CPTS du Pays d&#39;Aix" in descending.split("<tbody>")[1]
        assert 'aria-sort="descending"' in descending
        mine = client.get("/?officer=Hugo+Roux").text
        assert "1 projet" in mine
        assert client.get("/?page=999999999999").status_code == 200  # clamped, no error


def test_htmx_table_request_returns_the_table_alone(site: Site):
    fragment = site.get("/?tri=jours", headers={"HX-Request": "true", "HX-Target": "projects"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<table" in fragment.text


def test_exports(site: Site):
    csv = site.get("/export/portefeuille.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffN°;Identifiant;Nom")
    data = site.get("/export/portefeuille.json").json()
    assert {p["slug"] for p in data["projects"]} == {AIX, EYG}
    assert "<svg" in site.get("/export/portefeuille.html").text
    assert site.get(f"/export/projets/{AIX}.json").json()["project"]["slug"] == AIX
    assert "Étape;Entrée" in site.get(f"/export/projets/{AIX}.csv").text
    assert site.get(f"/export/projets/{AIX}.html").status_code == 200
    assert site.get("/export/portefeuille.xml").status_code == 404


# --- checklist and stage changes ---------------------------------------------------------


def test_check_with_htmx_returns_the_checklist_and_records_it(site: Site, web_url):
    version = site.version(AIX)
    response = site.post(f"/projets/{AIX}/elements/info_meeting",
                            {"action": "check", "value": "2026-10-12", "note": "Salle des fêtes",
                             "version": version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="checklist"' in response.text
    assert "Checklist enregistrée." in response.text
    assert "Valeur : 12/10/2026" in response.text
    assert events(web_url, AIX)[-1] == "checked"


def test_check_without_script_redirects_back_to_the_item(site: Site, web_url):
    response = site.post(f"/projets/{AIX}/elements/working_group",
                            {"action": "check", "version": site.version(AIX)})
    assert response.status_code == 303
    assert response.headers["location"] == f"/projets/{AIX}?message=item#item-working_group"
    assert "Checklist enregistrée." in site.get(response.headers["location"]).text


def test_skip_needs_a_reason_uncheck_and_due(site: Site, web_url):
    refused = site.post(f"/projets/{AIX}/elements/territory_sketch",
                           {"action": "skip", "reason": " ", "version": site.version(AIX)})
    assert refused.status_code == 400 and "La raison est obligatoire." in refused.text
    assert site.post(f"/projets/{AIX}/elements/territory_sketch",
                        {"action": "skip", "reason": "ancien territoire de la MSP",
                         "version": site.version(AIX)}).status_code == 303
    assert site.post(f"/projets/{AIX}/elements/territory_sketch",
                        {"action": "uncheck", "version": site.version(AIX)}).status_code == 303
    assert site.post(f"/projets/{AIX}/elements/needs_sketch",
                        {"action": "due", "due": "2026-12-15", "version": site.version(AIX)}).status_code == 303
    assert "Échéance : 15/12/2026" in site.get(f"/projets/{AIX}").text
    assert events(web_url, AIX)[-3:] == ["skipped", "unchecked", "due_set"]
    bad_date = site.post(f"/projets/{AIX}/elements/info_meeting",
                            {"action": "check", "value": "demain", "version": site.version(AIX)})
    assert bad_date.status_code == 400 and "demain" in bad_date.text


def test_unknown_item_is_a_french_404(site: Site):
    response = site.post(f"/projets/{AIX}/elements/nope", {"action": "check"})
    assert response.status_code == 404 and "Élément « nope » inconnu" in response.text


def test_refused_advance_lists_the_missing_items_by_name(site: Site, web_url):
    before = events(web_url, AIX)
    response = site.post(f"/projets/{AIX}/etape/advance", {"version": site.version(AIX)})
    assert response.status_code == 409
    assert "ne peut pas quitter l&#39;étape « Initiative »" in response.text
    for label in ("Groupe de travail de professionnels volontaires constitué",
                  "Lettre d&#39;intention validée par l&#39;ARS"):
        assert label in response.text
    assert "cpts check" not in response.text  # the command-line hint stays out of the page
    assert events(web_url, AIX) == before


def test_advance_after_every_required_item(site: Site, web_url):
    for item in INITIATIVE_REQUIRED:
        value = "2026-10-01" if item in ("info_meeting", "letter_of_intent_sent", "letter_of_intent_validated") else ""
        assert site.post(f"/projets/{AIX}/elements/{item}",
                            {"action": "check", "value": value, "version": site.version(AIX)}).status_code == 303
    response = site.post(f"/projets/{AIX}/etape/advance",
                            {"comment": "Validé en comité", "version": site.version(AIX)})
    assert response.status_code == 303
    page = site.get(response.headers["location"]).text
    assert "Le projet est passé à l&#39;étape suivante." in page
    assert "Checklist — Diagnostic territorial" in page


def test_pause_needs_a_reason_then_resume(site: Site, web_url):
    empty = site.post(f"/projets/{AIX}/etape/pause", {"comment": "", "version": site.version(AIX)})
    assert empty.status_code == 400 and "La raison est obligatoire." in empty.text
    paused = site.post(f"/projets/{AIX}/etape/pause",
                          {"comment": "Départ du porteur", "version": site.version(AIX)})
    assert paused.status_code == 303
    page = site.get(f"/projets/{AIX}").text
    assert "En pause" in page and "reprendra à « Initiative »" in page
    assert f"/projets/{AIX}/etape/resume" in page and f"/projets/{AIX}/etape/pause" not in page
    assert site.post(f"/projets/{AIX}/etape/resume", {"version": site.version(AIX)}).status_code == 303
    assert events(web_url, AIX)[-2:] == ["paused", "resumed"]


def test_unknown_stage_action_is_404(site: Site):
    assert site.get(f"/projets/{AIX}/etape/teleport").status_code == 404
    assert site.post(f"/projets/{AIX}/etape/teleport", {}).status_code == 404


def test_a_stale_form_is_a_conflict_and_nothing_is_overwritten(site: Site, web_url, clock):
    stale = site.version(AIX)
    other = Workspace(web_url, actor="Hugo Roux", now=clock)
    other.check(AIX, "working_group", note="Noté par Hugo")
    other.db.dispose()
    response = site.post(f"/projets/{AIX}/elements/working_group",
                            {"action": "check", "note": "Noté par Claire", "version": stale},
                            headers={"HX-Request": "true"})
    assert response.status_code == 200  # swapped in place: the current checklist and why
    assert "a changé depuis votre lecture" in response.text
    assert "Noté par Hugo" in response.text and "Noté par Claire" not in response.text
    stage = site.post(f"/projets/{AIX}/etape/pause", {"comment": "x", "version": stale})
    assert stage.status_code == 409 and "a changé depuis votre lecture" in stage.text
    assert events(web_url, AIX)[-1] == "checked"


def test_create_rename_and_reassign(site: Site, web_url):
    created = site.post("/projets", {"name": "CPTS Nouvelle", "officer": "Léa Faure"})
    assert created.status_code == 303 and created.headers["location"].startswith("/projets/cpts-nouvelle")
    missing = site.post("/projets", {"name": "  "})
    assert missing.status_code == 400 and "Le nom du projet est obligatoire." in missing.text
    renamed = site.post("/projets/cpts-nouvelle/modifier",
                           {"name": "CPTS Renommée", "officer": "Karim Aubert",
                            "version": site.version("cpts-nouvelle")})
    assert renamed.status_code == 303
    page = site.get("/projets/cpts-nouvelle").text
    assert "CPTS Renommée" in page and "Karim Aubert" in page
    assert "Projet modifié" in page and "chargé·e de mission « Léa Faure » → « Karim Aubert »" in page
    ws = Workspace(web_url)
    last = ws.history("cpts-nouvelle")[-1]
    ws.db.dispose()
    assert last.payload == {"name": {"from": "CPTS Nouvelle", "to": "CPTS Renommée"},
                            "officer": {"from": "Léa Faure", "to": "Karim Aubert"}}


def test_user_strings_are_escaped(site: Site):
    site.post("/projets", {"name": "<script>alert(1)</script>", "officer": '"><img src=x>'})
    for path in ("/", "/projets/script-alert-1-script"):
        text = site.get(path).text
        assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<img src=x>" not in text


# --- security and failures ---------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused(site: Site, web_url):
    before = events(web_url, AIX)
    for token in (None, "forged-token-of-another-site-0123456789"):
        data = {"action": "check", "version": site.version(AIX)}
        if token:
            data["csrf"] = token
        response = site.post(f"/projets/{AIX}/elements/working_group", data, csrf=False)
        assert response.status_code == 403 and "Le formulaire a expiré" in response.text
    assert site.post("/projets", {"name": "X"}, csrf=False).status_code == 403
    assert events(web_url, AIX) == before
    # htmx sends the token in a header
    ok = site.client.post(f"/projets/{AIX}/elements/working_group",
                             data={"action": "check", "version": site.version(AIX)},
                             headers={"X-CSRF-Token": site.token, "HX-Request": "true"})
    assert ok.status_code == 200 and "Checklist enregistrée." in ok.text


def test_cookies_and_protective_headers(web_url, clock):
    with TestClient(make_app(web_url, clock)) as client:
        response = client.get("/")
        cookie = response.headers["set-cookie"]
        assert "cpts_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie
        assert response.headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert client.get("/static/htmx.min.js").headers["cache-control"].startswith("public")
    # Behind a trusted proxy that terminated HTTPS, cookies become Secure; an untrusted
    # client cannot claim HTTPS by sending the header itself.
    for proxies, secure in ((("testclient",), False), (("127.0.0.1",), False)):
        with TestClient(make_app(web_url, clock, trusted_proxies=proxies)) as client:
            cookie = client.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
            assert ("Secure" in cookie) is secure
    with TestClient(make_app(web_url, clock, secure_cookies=True)) as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_trusted_proxy_settings():
    from cpts_web.settings import Settings

    settings = Settings(trusted_proxies=("10.0.0.0/8", "::1"))
    assert settings.trusts("10.1.2.3") and settings.trusts("::1")
    assert not settings.trusts("192.168.1.1") and not settings.trusts("testclient")


def test_a_large_body_is_refused(site: Site):
    big = "x" * (1024 * 1024 + 10)
    response = site.post(f"/projets/{AIX}/elements/working_group", {"action": "check", "note": big})
    assert response.status_code == 413


def test_errors_are_french_pages_or_json(site: Site):
    missing = site.get("/nulle-part")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    project = site.get("/projets/cpts-inconnue")
    assert project.status_code == 404 and "Projet « cpts-inconnue » introuvable." in project.text
    api = site.get("/export/projets/cpts-inconnue.json")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    assert "introuvable" in api.json()["error"]["message"]
    bad_stage = site.get("/?etape=nowhere")
    assert bad_stage.status_code == 400 and "Étape « nowhere » inconnue." in bad_stage.text
    assert site.client.delete("/").status_code == 405


def test_an_unexpected_error_shows_a_reference_and_no_traceback(web_url, caplog):
    app = make_app(web_url)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Erreur inattendue" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    reference = response.headers["x-request-id"]
    assert reference in response.text
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_health_and_vendored_htmx(site: Site):
    assert site.get("/sante").json() == {"status": "ok"}
    script = site.get("/static/htmx.min.js")
    assert script.status_code == 200 and "htmx" in script.text[:2000]


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                           ("0.0.0.0", False), ("192.168.1.10", False)])
def test_loopback_addresses(host, loopback):
    from cpts_web.server import is_loopback

    assert is_loopback(host) is loopback


def test_fixed_clock_is_used(site: Site):
    assert FixedClock().current.year == 2026
