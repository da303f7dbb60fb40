"""The web app in a real Chromium (Debian's, never downloaded): sign in, tick an item,
a refused advance with its missing items, pause and resume, a conflict between two
sessions. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from .conftest import live_server, make_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PASSWORD = "mot de passe de test"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent")]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture
def server(demo_url) -> Iterator[str]:
    ws = Workspace(demo_url)
    accounts.add_account(ws, "claire", name="Claire Martin", role="officer", password=PASSWORD)
    ws.db.dispose()
    with live_server(make_app(demo_url)) as address:
        yield address


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/")
    assert "/connexion" in page.url
    page.get_by_label("Identifiant").fill("claire")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")


def test_officer_journey(server, page, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/connexion")
    page.screenshot(path=str(SHOTS / "login.png"))
    sign_in(page, server)
    assert page.locator("svg.funnel").is_visible()
    page.screenshot(path=str(SHOTS / "portfolio.png"), full_page=True)

    # search through htmx, accents ignored
    page.get_by_label("Rechercher").fill("CPTS")
    page.wait_for_timeout(800)
    first = page.locator("table.projects tbody tr td a").first
    first.click()
    page.wait_for_selector("#checklist")
    slug = page.url.rsplit("/", 1)[1]

    # tick the first item still to do (htmx swaps the checklist)
    todo = page.locator("li.item.todo").first
    item_id = todo.get_attribute("id")
    todo.locator("summary", has_text="Marquer fait").click()
    value = todo.locator("input[name=value]")
    if value.count() and value.get_attribute("type") == "date":
        value.fill("2026-11-20")
    elif value.count():
        value.fill("12")
    todo.get_by_role("button", name="Marquer fait").click()
    page.wait_for_selector(f"#{item_id}.done")
    assert page.get_by_text("Checklist enregistrée.").is_visible()
    page.screenshot(path=str(SHOTS / "project.png"), full_page=True)

    # a refused advance lists the missing items (when some remain)
    page.goto(f"{server}/projets/{slug}/etape/advance")
    missing = page.locator(".alert.warn li").count()
    page.get_by_role("button", name="Confirmer").click()
    if missing:
        assert page.locator(".alert.error li").count() == missing
        page.screenshot(path=str(SHOTS / "advance-refused.png"), full_page=True)

    # pause, then resume
    page.goto(f"{server}/projets/{slug}/etape/pause")
    page.get_by_label("Raison de la pause").fill("Attente de l'ARS")
    page.get_by_role("button", name="Confirmer").click()
    assert page.get_by_text("Le projet est en pause.").is_visible()
    page.goto(f"{server}/projets/{slug}/etape/resume")
    page.get_by_role("button", name="Confirmer").click()
    assert page.get_by_text("Le projet a repris.").is_visible()

    # two sessions: the second one's stale form is refused and shows the current state
    other = browser.new_context()
    second = other.new_page()
    sign_in(second, server)
    second.goto(f"{server}/projets/{slug}/etape/pause")
    page.goto(f"{server}/projets/{slug}/etape/pause")
    page.get_by_label("Raison de la pause").fill("Première session")
    page.get_by_role("button", name="Confirmer").click()
    second.get_by_label("Raison de la pause").fill("Seconde session")
    second.get_by_role("button", name="Confirmer").click()
    assert second.get_by_text("a changé depuis votre lecture").is_visible()
    second.screenshot(path=str(SHOTS / "conflict.png"), full_page=True)
    other.close()

    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{server}/projets/{slug}")
    page.screenshot(path=str(SHOTS / "project-tablet.png"), full_page=True)
    assert not errors
