"""A porteur answers the statuts interview in a real Chromium (Debian's, never downloaded):
one invalid answer corrected on the way, the review, the preview, the DOCX downloaded and
read back. Screenshots of a step and of the review go to docs/img/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cpts_workflow import accounts, members
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.workspace import Workspace

from .conftest import CHROMIUM, live_server
from .journeys import answer_statuts_and_download

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

    answer_statuts_and_download(page, server, SLUG, tmp_path, communes=COMMUNES, bureau=BUREAU,
                                responder="Paul Martin", screenshots=True)

    # 768 px: the step is still readable, the facts below the form
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{server}/projets/{SLUG}/entretiens/statuts/etapes/1")
    assert page.get_by_label("Adresse du siège social").is_visible()
    page.goto(f"{server}/projets/cpts-qui-n-existe-pas/entretiens/statuts/etapes/1")
    assert page.get_by_text("introuvable").first.is_visible()
    assert not errors
