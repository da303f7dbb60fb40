"""Paths through the web app that several browser tests walk (a real Chromium page)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import docx

from cpts_workflow.documents.interview import plan_steps
from cpts_workflow.documents.templates import TemplateCatalog

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def answer_statuts_and_download(page, server: str, slug: str, tmp_path: Path, *,
                                communes: Iterable[str], bureau: Iterable[str], responder: str,
                                screenshots: bool = False) -> Path:
    """From the documents tab: the statuts interview (an invalid board size corrected on
    the way), the review, the preview, the DOCX downloaded and read back with python-docx:
    the CPTS name, the communes, the bureau and the corrected answer are in it."""
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}/projets/{slug}/documents")
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
    page.goto(f"{server}/projets/{slug}/entretiens/statuts/etapes/{number}")
    field = page.get_by_label("Nombre maximal d'administrateurs")
    field.fill("300")
    field.press("Tab")
    error = page.locator("#err-ca_membres_max")
    error.get_by_text("300 n'est pas possible ; attendu entre 3 et 100.").wait_for()
    assert field.get_attribute("aria-describedby").endswith("err-ca_membres_max")
    if screenshots:
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
    assert page.get_by_text(f"répondu par {responder} le 22/11/2026").first.is_visible()
    assert page.get_by_role("link", name="Modifier l'étape 1").is_visible()
    if screenshots:
        page.screenshot(path=str(DOCS_IMG / "web-entretien-relecture.png"), full_page=True)

    page.get_by_role("link", name="Générer le document").click()
    frame = page.frame_locator("iframe.preview")
    frame.get_by_text("12 rue des Écoles").first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="DOCX (Word)").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name == f"statuts-{slug}.docx"

    document = docx.Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    text = text.replace("\u2019", "'")
    assert "CPTS du Pays d'Aix" in text
    for commune in communes:
        assert commune in text, commune
    for name in bureau:
        assert name in text, name
    assert re.search(r"\b12 (?:membres|administrateurs)", text.replace("\xa0", " "))  # the corrected answer
    return target
