"""Documents fit to sign and file: page setup, page numbers, amounts, collèges, checks
of each answer, across answers and across documents, skeletons that tick nothing."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from cpts_workflow import members
from cpts_workflow.documents import Documents
from cpts_workflow.errors import BadInput

from .documents_data import STATUTS, project_with_bureau

PV = {"date_ag": "15/01/2027", "heure_debut": "19h30", "heure_fin": "21:45",
      "lieu": "Salle des fêtes", "presents": 10, "siege": STATUTS["siege"]}


@pytest.fixture
def docs(ws):
    return Documents(ws)


@pytest.fixture
def slug(ws, docs):
    slug = project_with_bureau(ws, docs)
    return slug


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells).replace("\xa0", " ")


def test_docx_is_a4_with_french_margins_and_page_x_of_y(docs, slug):
    import docx
    from docx.shared import Cm

    data = docs.generate(slug, "statuts", "docx").data
    document = docx.Document(io.BytesIO(data))
    section = document.sections[-1]
    assert abs(section.page_width - Cm(21)) < Cm(0.05)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.05)
    assert abs(section.left_margin - Cm(2.5)) < Cm(0.05)
    footer = section.footer._element.xml
    assert "Page " in footer and 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3"} <= styles


def test_odt_is_a4_with_page_x_of_y(docs, slug):
    data = docs.generate(slug, "statuts", "odt").data
    styles = zipfile.ZipFile(io.BytesIO(data)).read("styles.xml").decode()
    assert 'fo:page-width="21.0cm"' in styles and 'fo:page-height="29.7cm"' in styles
    assert 'fo:margin-left="2.5cm"' in styles
    footer = re.search(r"<style:footer>.*?</style:footer>", styles, re.S).group(0)
    assert "Page " in footer and "<text:page-number" in footer and "<text:page-count" in footer


@pytest.mark.browser
def test_pdf_pages_are_numbered_and_bulletins_one_per_page(docs, slug):
    from pypdf import PdfReader

    from cpts_workflow.documents.convert import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium absent")
    reader = PdfReader(io.BytesIO(docs.generate(slug, "statuts", "pdf").data))
    total = len(reader.pages)
    for n, page in enumerate(reader.pages, 1):
        assert f"Page {n} / {total}" in page.extract_text()
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
    bulletin = PdfReader(io.BytesIO(docs.generate(slug, "bulletin_adhesion", "pdf").data))
    starts = [i for i, p in enumerate(bulletin.pages) if "Bulletin d" in p.extract_text()]
    # One bulletin per page, its RGPD notice included (it used to spill over).
    assert starts == [0, 1] and len(bulletin.pages) == 2
    assert "personne morale" in bulletin.pages[1].extract_text()
    assert "personne morale" not in bulletin.pages[0].extract_text()


def test_cents_are_kept_in_amounts(docs, slug):
    text = docx_text(docs.generate(slug, "statuts", "docx", answers={"cotisation_montant":
                                                                      "12,50"}).data)
    assert "12,50 €" in text and "12 €" not in text


def test_colleges_with_members_stay_in_the_statutes(docs, slug):
    text = docx_text(docs.generate(slug, "statuts", "docx",
                                   answers={"colleges": "liberaux"}).data)
    assert "Collège 1 : Professionnels de santé libéraux" in text
    assert "Collège 2 : Structures d'exercice coordonné" in text.replace("’", "'")
    assert "Usagers" not in text.split("Adhésion")[0].split("Membres et collèges")[-1]
    # Articles are numbered once: the collèges are not a second numbered list.
    assert not re.search(r"^\s*1\.\s*Collège", text, re.M)


def test_optional_federation_can_be_removed(docs, slug):
    assert "Affiliation" in docx_text(docs.generate(slug, "statuts", "docx").data)
    saved = docs.save_answers(slug, "statuts", {"federation": ""})
    assert saved["federation"] is None
    assert "Affiliation" not in docx_text(docs.generate(slug, "statuts", "docx").data)


@pytest.mark.parametrize(
    ("template", "answers", "message"),
    [
        ("statuts", {"ca_membres_min": 30, "ca_membres_max": 3}, "de 30 à 3 membres"),
        ("statuts", {"mandat_annees": -2}, "entre 1 et 6"),
        ("statuts", {"procurations_max": 0}, "entre 1 et 10"),
        ("statuts", {"cotisation_montant": "-5"}, "entre 0 et 10 000"),
        ("convocation_ag", {"date_ag": "23/11/2026", "heure": "19 h", "lieu": "Aix"},
         "délai de 15 jours"),
        ("convocation_ag", {"date_ag": "15/01/2027", "heure": "25 h 99", "lieu": "Aix"},
         "eure « 25 h 99 » invalide"),
        ("pv_ag", {**PV, "representes": 40}, "limitent chaque présent à 2 pouvoirs"),
        ("pv_ag", {**PV, "presents": 0}, "entre 1 et 100 000"),
        ("pv_ag", {**PV, "cotisation_montant": 20}, "ne donnent pas la cotisation"),
    ],
)
def test_bad_answers_are_refused(docs, slug, template, answers, message):
    with pytest.raises(BadInput, match=re.escape(message)):
        docs.save_answers(slug, template, answers)
        docs.generate(slug, template, "md")
    assert not [h for h in docs.history(slug) if h.template == template]


def test_pv_checked_against_the_statutes_board_and_convocation(ws, docs, slug):
    docs.save_answers(slug, "convocation_ag", {"date_ag": "15/01/2027", "heure": "19h",
                                               "lieu": "Aix"})
    with pytest.raises(BadInput, match="la convocation du 15/01/2027"):
        docs.generate(slug, "pv_ag", "md", answers={**PV, "date_ag": "16/01/2027"})
    docs.save_answers(slug, "statuts", {"ca_membres_min": 6})
    with pytest.raises(BadInput, match="de 6 à 18"):
        docs.generate(slug, "pv_ag", "md", answers=PV)
    docs.save_answers(slug, "statuts", {"ca_membres_min": 3, "usagers_voix_deliberative": True})
    members.add_member(ws, slug, "France Assos Santé", legal=True, college="usagers")
    with pytest.raises(BadInput, match="aucun pour : Usagers"):
        docs.generate(slug, "pv_ag", "md", answers=PV)
    docs.save_answers(slug, "statuts", {"usagers_voix_deliberative": False})
    made = docs.generate(slug, "pv_ag", "md", answers={**PV, "heure_debut": "19h30"})
    assert "19 h 30" in made.data.decode()


def test_a_skeleton_ticks_nothing_and_says_what_is_left(ws, docs, slug):
    made = docs.generate(slug, "diagnostic", "md")
    assert made.view.checked_items == () and "À compléter." in made.view.placeholders
    item = next(i for i in ws.checklist(slug, "diagnostic") if i.id == "diagnostic_summary")
    assert item.status == "todo"
    event = [e for e in ws.history(slug) if e.kind == "document_generated"][-1]
    assert event.payload["placeholders"] == len(made.view.placeholders)
    # Statutes that must list a territory the project has not chosen yet are a skeleton…
    made = docs.generate(slug, "statuts", "md")
    assert made.view.checked_items == () and made.view.placeholders
    # … and a document with nothing left to complete ticks its item.
    made = docs.generate(slug, "statuts", "md", answers={"territoire_dans": "règlement intérieur"})
    assert made.view.checked_items == ("statutes_drafted",)


def test_one_table_of_missions_in_every_document(docs, slug):
    from cpts_workflow.aci.missions import MISSIONS

    docs.save_answers(slug, "fiche_aci", {"missions_complementaires": ["qualite"]})
    for template in ("projet_sante", "fiche_aci", "statuts"):
        text = docs.generate(slug, template, "md").data.decode().replace("\\", "")
        for m in MISSIONS:
            if m.core:
                assert m.label.lower() in text.lower(), (template, m.id)


def test_long_answers_keep_their_lines(docs, slug):
    made = docs.generate(slug, "lettre_intention", "docx",
                         answers={"ville": "Aix", "constats": "Ligne un.\nLigne deux."})
    assert "Ligne un.\nLigne deux." in docx_text(made.data)


def test_suggested_name_and_bytes_without_writing(docs, slug, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = docs.generate(slug, "statuts", "docx")
    assert made.file_name == "statuts-cpts-du-pays-d-aix.docx"
    assert made.media_type.endswith("wordprocessingml.document") and made.data[:2] == b"PK"
    assert not list(tmp_path.glob("statuts*"))
    for bad in ("../x.md", "a/b.md", "..", "C:x.md", "a\\b.md"):
        with pytest.raises(BadInput, match="refusé"):
            docs.generate(slug, "statuts", "md", name=bad)
