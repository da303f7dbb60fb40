"""A porteur's whole path in a real Chromium: invited by an officer, they choose a
password, add three members and five communes (through suggestions), attach a proof,
answer the statuts interview (an invalid answer corrected on the way), download the DOCX
and find the CPTS name, the communes and the bureau in it, and cannot open another
project. Screenshots of the members and territory pages go to docs/img/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpts_workflow import accounts
from cpts_workflow.evidence import list_evidence
from cpts_workflow.members import list_members
from cpts_workflow.workspace import Workspace

from .conftest import CHROMIUM, live_server
from .journeys import answer_statuts_and_download

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "mot de passe de test"
AIX = "cpts-du-pays-d-aix"
EYG = "cpts-d-eyguieres-et-alpilles"
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent")]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def server(web_url) -> Iterator[str]:
    ws = Workspace(web_url)
    accounts.add_account(ws, "claire", name="Claire Martin", role="officer", password=PASSWORD)
    ws.db.dispose()
    with live_server(web_url) as base:
        yield base


MEMBERS = [("Jeanne Durand", "médecin généraliste", "president", "10003456789"),
           ("Paul Roux", "infirmier", "treasurer", "10003456796"),
           ("Inès Martin", "pharmacienne", "secretary", "10001234567")]
COMMUNES = [("aix-en", "13001"), ("eguil", "13032"), ("VENELLES", "13113"), ("meyreuil", "13060"),
            ("le tholo", "13109")]


def test_porteur_journey(server, browser, web_url, tmp_path):
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    officer = browser.new_page(viewport={"width": 1280, "height": 900})
    officer.goto(f"{server}/connexion")
    officer.get_by_label("Identifiant").fill("claire")
    officer.get_by_label("Mot de passe").fill(PASSWORD)
    officer.get_by_role("button", name="Se connecter").click()
    officer.wait_for_url(f"{server}/")
    officer.goto(f"{server}/projets/{AIX}")
    officer.get_by_label("Nom affiché").fill("Jeanne Durand")
    officer.get_by_label("Identifiant de connexion").fill("jeanne")
    officer.get_by_role("button", name="Inviter").click()
    link = officer.locator("#invitation-link").input_value()
    assert re.fullmatch(rf"{re.escape(server)}/invitation/[A-Za-z0-9_-]+", link)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(link)
    assert "Bienvenue, Jeanne Durand" in page.content()
    page.get_by_label("Mot de passe (au moins 10 caractères)").fill("le mot de passe de Jeanne")
    page.get_by_label("Confirmez le mot de passe").fill("le mot de passe de Jeanne")
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    page.wait_for_url(f"{server}/projets/{AIX}")  # one project: home goes straight to it
    # Items of the officer are shown read-only, with who is responsible.
    assert "Revient au rôle « chargé·e de mission »" in page.content()

    page.goto(f"{server}/projets/{AIX}/membres")
    for name, profession, role, rpps in MEMBERS:
        page.get_by_label("Nom (ou raison sociale)").fill(name)
        page.get_by_label("Profession", exact=True).fill(profession)
        page.get_by_label("Rôle au bureau").select_option(role)
        page.get_by_label("RPPS (11 chiffres)").fill(rpps[:5])
        page.wait_for_selector("#m-rpps-check .field-error")  # checked as one types
        page.get_by_label("RPPS (11 chiffres)").fill(rpps)
        page.wait_for_selector("#m-rpps-check .field-ok, #m-rpps-check .field-warning")
        page.get_by_role("button", name="Ajouter le membre").click()
        page.wait_for_selector("text=Membre ajouté.")
    page.screenshot(path=str(DOCS_IMG / "web-membres.png"), full_page=True)
    assert len(list_members(Workspace(web_url), AIX)) == 3

    page.goto(f"{server}/projets/{AIX}/territoire")
    search = page.locator("#commune-search")
    for typed, code in COMMUNES:
        search = page.locator("#commune-search")
        search.fill(typed)
        suggestion = page.locator("button.suggestion", has_text=f"({code},")
        suggestion.wait_for()
        suggestion.click()
        page.wait_for_selector(f"#communes td:text-is('{code}')")
    assert "5" in page.locator("#territory-figures dd").first.inner_text()
    assert "hab." in page.locator("#territory-figures").inner_text()
    page.screenshot(path=str(DOCS_IMG / "web-territoire.png"), full_page=True)

    page.goto(f"{server}/projets/{AIX}")
    item = page.locator("#item-working_group")
    item.get_by_text("Joindre un justificatif").click()
    proof = tmp_path / "liste des volontaires.pdf"
    proof.write_bytes(PDF)
    item.locator("input[type=file]").set_input_files(str(proof))
    item.get_by_role("button", name="Déposer").click()
    page.wait_for_selector("text=Justificatif déposé.")
    assert "liste des volontaires.pdf" in page.locator("#item-working_group").inner_text()
    assert [f.filename for f in list_evidence(Workspace(web_url), AIX)] == ["liste des volontaires.pdf"]

    names = {"13001": "Aix-en-Provence", "13032": "Éguilles", "13113": "Venelles",
             "13060": "Meyreuil", "13109": "Le Tholonet"}
    answer_statuts_and_download(page, server, AIX, tmp_path, communes=names.values(),
                                bureau=[name for name, *_ in MEMBERS], responder="Jeanne Durand")

    response = page.goto(f"{server}/projets/{EYG}")
    assert response.status == 404 and "introuvable" in page.content()
    assert errors == []
