"""The « Contrat ACI » tab in a real Chromium: a porteur records a payment from the
calendar's « Saisir » link and sees the calendar update; the same payment again is
refused until confirmed. The screenshot goes to docs/img/web-contrat.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cpts_workflow import accounts
from cpts_workflow.workspace import Workspace

from .conftest import AIX, CHROMIUM, live_server, sign_contract

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "mot de passe de test"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent")]


@pytest.fixture
def server(web_url, clock) -> Iterator[str]:
    sign_contract(web_url, clock, AIX)
    ws = Workspace(web_url, now=clock)
    accounts.add_account(ws, "jeanne", name="Jeanne Durand", role="porteur", password=PASSWORD)
    accounts.attach(ws, "jeanne", AIX)
    ws.db.dispose()
    with live_server(web_url, clock) as base:
        yield base


def test_porteur_records_a_payment(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/connexion")
    page.get_by_label("Identifiant").fill("jeanne")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/projets/{AIX}")
    page.get_by_role("link", name="Contrat ACI").click()
    page.wait_for_url(f"{server}/projets/{AIX}/contrat")
    row = page.locator("#versement-avance-acces-1")
    expect(row.locator(".badge")).to_have_text("manquant")

    row.get_by_role("link", name="Saisir").click()
    expect(page.get_by_label("Versement attendu")).to_have_value("avance-acces-1")
    page.get_by_label("Montant reçu (€)").fill("58 808,22")
    page.get_by_label("Reçu le").fill("2026-06-20")
    page.get_by_label("Note (référence du virement…)").fill("virement CPAM 2026-0612")
    page.get_by_role("button", name="Enregistrer le versement").click()
    page.wait_for_selector("text=Versement enregistré.")
    expect(row.locator(".badge")).to_have_text("reçu")
    expect(row).to_contain_text("le 20/06/2026")
    expect(page.locator("dl.cards")).to_contain_text("58 808,22 €")
    page.locator("h1").scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS_IMG / "web-contrat.png"), full_page=True)

    # The same payment again: refused next to the form, kept, then confirmed.
    row.get_by_role("link", name="Saisir").click()
    page.get_by_label("Montant reçu (€)").fill("58 808,22")
    page.get_by_label("Reçu le").fill("2026-06-20")
    page.get_by_role("button", name="Enregistrer le versement").click()
    alert = page.locator("form .alert.error")
    expect(alert).to_contain_text("Ce versement est déjà enregistré")
    expect(page.get_by_label("Montant reçu (€)")).to_have_value("58 808,22")
    page.get_by_label("Oui, c'est un second virement identique").check()
    page.get_by_role("button", name="Enregistrer le versement").click()
    page.wait_for_selector("text=Versement enregistré.")
    expect(row).to_contain_text("117 616,44 €")
    assert not errors
