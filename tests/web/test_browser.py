"""The web app in a real Chromium (Debian's, never downloaded), one test per scenario:
signing in (and a wrong password), ticking an item, a refused advance with its missing
items, an advance, pause and resume, a conflict between two sessions, the keyboard, a
768 px tablet. One server per module, one project per scenario so they stay independent.
The documentation's screenshots go to docs/img/, the others to test-artifacts/web/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from ..conftest import FixedClock
from .conftest import CHROMIUM, INITIATIVE_REQUIRED, live_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "web"
DOC_SHOTS = ROOT / "docs" / "img"
PASSWORD = "mot de passe de test"
DATED = ("info_meeting", "letter_of_intent_sent", "letter_of_intent_validated")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent")]


@pytest.fixture(scope="module")
def base(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo base with an officer's account."""
    copy = tmp_path_factory.mktemp("browser") / "demo.db"
    shutil.copy(demo_file, copy)
    url = f"sqlite:///{copy}"
    ws = Workspace(url, now=FixedClock())
    accounts.add_account(ws, "claire", name="Claire Martin", role="officer", password=PASSWORD)
    ws.db.dispose()
    return url


def project(base: str, name: str, *, ready: bool = False) -> str:
    """A fresh project for one scenario (the server reads the same base); its slug."""
    ws = Workspace(base, actor="Claire Martin", now=FixedClock())
    try:
        slug = ws.create_project(f"CPTS Navigateur {name}", officer="Claire Martin").slug
        for item in INITIATIVE_REQUIRED if ready else ():
            ws.check(slug, item, value="2026-10-01" if item in DATED else None)
        return slug
    finally:
        ws.db.dispose()


@pytest.fixture(scope="module")
def server(base: str) -> Iterator[str]:
    """The base served by uvicorn in a thread, for the whole module."""
    with live_server(base) as url:
        yield url


@pytest.fixture
def page(page):
    """Chromium's page at 1280 px; a script error anywhere fails the test."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    yield page
    assert not errors


def sign_in(page, base: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    assert "/connexion" in page.url
    page.get_by_label("Identifiant").fill("claire")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}{path}")


def shot(page, name: str, docs: bool = False) -> None:
    folder = DOC_SHOTS if docs else SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_screenshots_for_the_documentation(server, page):
    """First of the module: the portfolio shows the demo's projects only."""
    sign_in(page, server)
    shot(page, "web-portfolio.png", docs=True)
    page.goto(f"{server}/projets/cpts-briancon-ecrins")  # a demo project with a history
    shot(page, "web-project.png", docs=True)
    page.goto(f"{server}/echeances")
    shot(page, "web-deadlines.png", docs=True)
    page.goto(f"{server}/region")
    shot(page, "web-region.png", docs=True)
    page.goto(f"{server}/compte")
    page.get_by_role("button", name="Créer mon adresse d'agenda").click()
    feed = page.get_by_label("Adresse à copier dans votre agenda").input_value()
    assert feed.startswith(f"{server}/calendrier/") and feed.endswith(".ics")
    shot(page, "web-account.png", docs=True)
    # the address works without signing in, in another browser
    response = page.context.browser.new_context().request.get(feed)
    assert response.status == 200 and b"BEGIN:VCALENDAR" in response.body()


def test_sign_in_and_a_wrong_password(server, base, page):
    project(base, "Refus")
    page.goto(f"{server}/")
    assert "/connexion" in page.url
    page.get_by_label("Identifiant").fill("claire")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Identifiant ou mot de passe incorrect.").is_visible()
    assert page.get_by_label("Mot de passe").input_value() == ""  # never sent back
    shot(page, "login-refused.png")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/")
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert page.locator("svg.funnel").is_visible()
    # search through htmx, accents and case ignored
    page.get_by_label("Rechercher").press_sequentially("NAVIGATEUR refus")  # as typed: keyup
    expect(page.locator("table.projects tbody tr")).to_have_count(1)
    assert "CPTS Navigateur Refus" in page.locator("table.projects tbody").inner_text()


def test_tick_an_item(server, base, page):
    sign_in(page, server, f"/projets/{project(base, 'Coche')}")
    todo = page.locator("li.item.todo").first
    item_id = todo.get_attribute("id")
    todo.locator("summary", has_text="Marquer fait").click()
    value = todo.locator("input[name=value]")
    if value.count() and value.get_attribute("type") == "date":
        value.fill("2026-11-20")
    elif value.count():
        value.fill("12")
    todo.locator("textarea[name=note], input[name=note]").first.fill("Réunion du 20 novembre")
    todo.get_by_role("button", name="Marquer fait").click()
    page.wait_for_selector(f"#{item_id}.done")  # htmx swapped the checklist alone
    assert page.get_by_text("Checklist enregistrée.").is_visible()
    page.reload()
    assert page.locator(f"#{item_id}.done").count() == 1  # it was recorded


def test_a_refused_advance_lists_the_missing_items(server, base, page):
    sign_in(page, server, f"/projets/{project(base, 'Sans lettre')}/etape/advance")
    announced = [t.strip() for t in page.locator(".alert.warn li").all_inner_texts()]
    assert len(announced) == len(INITIATIVE_REQUIRED)
    page.get_by_role("button", name="Confirmer").click()
    refused = [t.strip() for t in page.locator(".alert.error li").all_inner_texts()]
    assert len(refused) == len(INITIATIVE_REQUIRED)
    assert any("Lettre d'intention" in t or "lettre d'intention" in t for t in refused)
    shot(page, "advance-refused.png")


def test_advance(server, base, page):
    slug = project(base, "Passage", ready=True)
    sign_in(page, server, f"/projets/{slug}/etape/advance")
    assert page.locator(".alert.warn li").count() == 0
    page.get_by_label("Commentaire (facultatif)").fill("Validé en comité")
    page.get_by_role("button", name="Confirmer").click()
    assert page.get_by_text("Le projet est passé à l'étape suivante.").is_visible()
    assert page.url.endswith(f"/projets/{slug}?message=advance")


def test_pause_and_resume(server, base, page):
    slug = project(base, "Pause")
    sign_in(page, server, f"/projets/{slug}/etape/pause")
    page.get_by_label("Raison de la pause").fill("Attente de l'ARS")
    page.get_by_role("button", name="Confirmer").click()
    assert page.get_by_text("Le projet est en pause.").is_visible()
    page.goto(f"{server}/projets/{slug}/etape/resume")
    page.get_by_role("button", name="Confirmer").click()
    assert page.get_by_text("Le projet a repris.").is_visible()


def test_a_conflict_between_two_sessions(server, base, page, browser):
    slug = project(base, "Conflit")
    other = browser.new_context()
    try:
        second = other.new_page()
        sign_in(second, server, f"/projets/{slug}/etape/pause")
        sign_in(page, server, f"/projets/{slug}/etape/pause")
        page.get_by_label("Raison de la pause").fill("Première session")
        page.get_by_role("button", name="Confirmer").click()
        assert page.get_by_text("Le projet est en pause.").is_visible()
        second.get_by_label("Raison de la pause").fill("Seconde session")
        second.get_by_role("button", name="Confirmer").click()
        assert second.get_by_text("a changé depuis votre lecture").is_visible()
        shot(second, "conflict.png")
    finally:
        other.close()


def test_keyboard_reaches_the_page(server, page):
    sign_in(page, server, "/projets/cpts-briancon-ecrins")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab after tab reaches the first form control of the page, each visibly focused
    for _ in range(60):
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        if tag in ("INPUT", "SELECT", "TEXTAREA", "BUTTON", "SUMMARY"):
            break
    else:
        pytest.fail("no form control reached with the keyboard")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize("path", ["/", "/projets/cpts-briancon-ecrins", "/echeances", "/region", "/compte"])
def test_readable_on_a_768_px_tablet(server, page, path):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, server, path)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 768, (path, width)
    if path == "/projets/cpts-briancon-ecrins":
        shot(page, "project-tablet.png")


def test_contacts_and_partners_kept_from_the_page(server, base, page):
    """An officer adds a contact and a partner, changes the partner's state and removes
    the contact: htmx swaps the section each time, the page is never reloaded."""
    slug = project(base, "Suivi")
    sign_in(page, server, f"/projets/{slug}")
    page.evaluate("window.notReloaded = true")
    follow = page.locator("#follow-up")
    follow.locator("summary", has_text="Ajouter un contact").click()
    page.locator("#contact-add-role").select_option(label="référent·e ARS")
    page.locator("#contact-add-name").fill("Anne Roux")
    page.locator("#contact-add-email").fill("anne.roux@ars.sante.fr")
    page.locator("#contact-add-phone").fill("0491000000")
    page.get_by_role("button", name="Ajouter le contact").click()
    expect(page.get_by_text("Contact ajouté.")).to_be_visible()
    expect(follow.locator("li[id^=contact-]")).to_have_text(
        "référent·e ARS : Anne Roux · anne.roux@ars.sante.fr · 04 91 00 00 00 Modifier Retirer",
        use_inner_text=True)
    follow.locator("summary", has_text="Ajouter un partenaire").click()
    page.locator("#partner-add-kind").select_option("ght")
    page.locator("#partner-add-name").fill("GHT Alpes du Sud")
    page.locator("#partner-add-state").select_option(label="convention en cours")
    page.locator("#partner-add-date").fill("01/10/2026")
    page.get_by_role("button", name="Ajouter le partenaire").click()
    expect(page.get_by_text("Partenaire ajouté.")).to_be_visible()
    expect(follow).to_contain_text("GHT : GHT Alpes du Sud — convention en cours depuis le 01/10/2026")
    page.get_by_role("link", name="Modifier le partenaire GHT Alpes du Sud").click()
    edit = follow.locator("form.relation-form", has=page.locator("select[name=state]")).first
    expect(edit.locator("input[name=name]")).to_be_focused()
    edit.locator("select[name=state]").select_option(label="convention signée")
    edit.locator("input[name=date]").fill("15/11/2026")
    box, top = follow.bounding_box(), page.evaluate("window.scrollY")  # the box is in the viewport
    page.screenshot(path=str(DOC_SHOTS / "web-suivi.png"), full_page=True,
                    clip={"x": box["x"] - 16, "y": top + box["y"] - 8, "width": box["width"] + 32,
                          "height": box["height"] + 16})
    edit.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Partenaire mis à jour.")).to_be_visible()
    expect(follow).to_contain_text("GHT Alpes du Sud — convention signée depuis le 15/11/2026")
    page.get_by_role("link", name="Retirer le contact Anne Roux").click()
    expect(follow).to_contain_text("Retirer le contact « Anne Roux » du projet ?")
    page.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.get_by_text("Contact retiré.")).to_be_visible()
    expect(follow).to_contain_text("Aucun contact.")
    assert page.evaluate("window.notReloaded") is True  # htmx, not a page load
    page.reload()
    assert "Aucun contact." in follow.inner_text()
    assert "convention signée depuis le 15/11/2026" in follow.inner_text()
    history = page.locator("#history-title + *").inner_text()
    assert "Contact retiré" in history and "Relation avec un partenaire mise à jour" in history
