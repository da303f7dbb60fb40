"""A porteur answers the statuts interview in a real Chromium (Debian's, never downloaded):
one invalid answer corrected on the way, the review, the preview, the DOCX downloaded and
read back. Screenshots of a step and of the review go to docs/img/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpts_workflow import accounts, members
from cpts_workflow.documents.interview import plan_steps
from cpts_workflow.documents.templates import TemplateCatalog
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.workspace import Workspace

from .conftest import CHROMIUM, live_server

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "mot de passe du porteur"
SLUG = "cpts-du-pays-d-aix"
COMMUNES = ["Aix-en-Provence", "Gardanne", "Les Pennes-Mirabeau", "Le Puy-Sainte-Réparade", "Rousset"]
BUREAU = {"Jeanne Durand": "president", "Paul Martin": "treasurer", "Sophie Bernard": "secretary"}
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent")]


@pytest.fixture
def server(tmp_path, clock) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'porteur.db'}"
    ws = Workspace(url, actor="Claire Martin", now=clock)
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    add_communes(ws, SLUG, ["13001", "13041", "13071", "13080", "13087"])
    professions = ["médecin généraliste", "infirmier", "pharmacienne"]
    for (name, role), profession in zip(BUREAU.items(), professions, strict=True):
        members.add_member(ws, SLUG, name, profession=profession, college="liberaux", role=role)
    accounts.add_account(ws, "paul", name="Paul Martin", role="porteur", password=PASSWORD)
    accounts.attach(ws, "paul", SLUG)
    ws.db.dispose()
    with live_server(url, clock) as address:
        yield address


def test_porteur_answers_the_statuts_and_downloads_the_docx(server, page, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/connexion")
    page.get_by_label("Identifiant").fill("paul")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/projets/{SLUG}")  # one project: straight to it

    page.goto(f"{server}/projets/{SLUG}/documents")
    page.get_by_role("link", name="Documents guidés").click()
    page.get_by_role("link", name="Commencer : Statuts de l'association").click()
    steps = plan_steps(TemplateCatalog().get("statuts"))
    assert page.get_by_text(f"Étape 1 sur {len(steps)}").is_visible()

    # step 1: the required text answers, typed with the keyboard
    page.get_by_label("Adresse du siège social").fill("12 rue des Écoles, 13100 Aix-en-Provence")
    page.get_by_label("Ville où les statuts sont signés").fill("Aix-en-Provence")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url("**/etapes/2?message=saved")

    # the step holding the CA's size: an invalid answer, caught as one leaves the field
    number = next(s.number for s in steps if "ca_membres_max" in [q.id for q in s.questions])
    page.goto(f"{server}/projets/{SLUG}/entretiens/statuts/etapes/{number}")
    field = page.get_by_label("Nombre maximal d'administrateurs")
    field.fill("300")
    field.press("Tab")
    error = page.locator("#err-ca_membres_max")
    error.get_by_text("300 n'est pas possible ; attendu entre 3 et 100.").wait_for()
    assert field.get_attribute("aria-describedby").endswith("err-ca_membres_max")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / "web-entretien.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    assert page.locator("#error-summary").is_visible()  # submitted anyway: refused, said again
    page.get_by_label("Nombre maximal d'administrateurs").fill("12")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_url(f"**/etapes/{number + 1}?message=saved")

    # the remaining steps keep their proposed values
    for _ in range(number + 1, len(steps) + 1):
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_load_state()
    page.wait_for_url("**/relecture?message=saved")
    assert page.get_by_text("répondu par Paul Martin le 22/11/2026").first.is_visible()
    assert page.get_by_role("link", name="Modifier l'étape 1").is_visible()
    page.screenshot(path=str(DOCS_IMG / "web-entretien-relecture.png"), full_page=True)

    page.get_by_role("link", name="Générer le document").click()
    frame = page.frame_locator("iframe.preview")
    frame.get_by_text("12 rue des Écoles").first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="DOCX (Word)").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name == f"statuts-{SLUG}.docx"

    import docx

    document = docx.Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    text = text.replace("\u2019", "'")
    assert "CPTS du Pays d'Aix" in text
    for commune in COMMUNES:
        assert commune in text, commune
    for name in BUREAU:
        assert name in text, name
    assert re.search(r"\b12 (?:membres|administrateurs)", text.replace("\xa0", " "))  # the corrected answer

    # 768 px: the step is still readable, the facts below the form
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{server}/projets/{SLUG}/entretiens/statuts/etapes/1")
    assert page.get_by_label("Adresse du siège social").is_visible()
    page.goto(f"{server}/projets/cpts-qui-n-existe-pas/entretiens/statuts/etapes/1")
    assert page.get_by_text("introuvable").first.is_visible()
    assert not errors
