"""What a porteur sees in LibreOffice: the statutes, the bulletin d'adhésion and the PV,
as DOCX and ODT, laid out and printed to PDF by `soffice --headless --convert-to pdf`,
then read back with pypdf: A4 pages, « Page n / N » on each, one bulletin per page."""

from __future__ import annotations

import io

import pytest

from cpts_workflow.documents import Documents
from cpts_workflow.documents.convert import office_to_pdf, soffice_path

from .documents_data import project_with_bureau

pytestmark = pytest.mark.skipif(
    soffice_path() is None,
    reason="LibreOffice (soffice) absent : installez libreoffice-writer-nogui (la CI l'a)",
)

A4_POINTS = (595.3, 841.9)


@pytest.fixture
def db_url(tmp_path):
    # LibreOffice is slow: one database backend is enough to check the layout.
    return f"sqlite:///{tmp_path / 'office.db'}"


@pytest.fixture
def made(ws):
    docs = Documents(ws)
    slug = project_with_bureau(ws, docs)
    docs.save_answers(slug, "convocation_ag", {"date_ag": "15/01/2027", "heure": "19 h",
                                               "lieu": "Salle des fêtes, Aix"})
    docs.save_answers(slug, "pv_ag", {"heure_debut": "19 h 30", "heure_fin": "21 h",
                                      "presents": 10, "vote_statuts_pour": 10})
    return docs, slug


@pytest.mark.parametrize("fmt", ["docx", "odt"])
@pytest.mark.parametrize("template", ["statuts", "bulletin_adhesion", "pv_ag"])
def test_libreoffice_prints_a4_numbered_pages(made, template, fmt):
    from pypdf import PdfReader

    docs, slug = made
    pdf = office_to_pdf(docs.generate(slug, template, fmt).data, fmt)
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    for n, page in enumerate(reader.pages, 1):
        box = page.mediabox
        assert abs(float(box.width) - A4_POINTS[0]) < 2, (template, fmt, n)
        assert abs(float(box.height) - A4_POINTS[1]) < 2, (template, fmt, n)
        assert f"Page {n} / {total}" in page.extract_text(), (template, fmt, n)
    if template == "bulletin_adhesion":
        # Both bulletins (personne physique, personne morale): one page each, its RGPD
        # notice included.
        assert total == 2, fmt
        texts = [p.extract_text() for p in reader.pages]
        assert "personne physique" in texts[0] and "personne morale" in texts[1]
        assert all("www.cnil.fr" in t for t in texts)
    if template == "statuts":
        assert total >= 4


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_one_bulletin_is_one_page(made, fmt):
    from pypdf import PdfReader

    docs, slug = made
    for kind in ("physique", "morale"):
        data = docs.generate(slug, "bulletin_adhesion", fmt, answers={"type_adherent": kind})
        assert len(PdfReader(io.BytesIO(office_to_pdf(data.data, fmt))).pages) == 1, kind



def _signature_page_holds_everyone(data: bytes, fmt: str) -> bool:
    from pypdf import PdfReader

    pages = [p.extract_text().replace("\xa0", " ")
             for p in PdfReader(io.BytesIO(office_to_pdf(data, fmt))).pages]
    last = pages[max(n for n, text in enumerate(pages) if "Fait à" in text)]
    return all(name in last for name in ("Jeanne Durand", "Sophie Bernard", "Paul Martin"))


# Lengths of an answer that move the end of the statutes down a page: without the kept
# block, « Fait à » stayed on one page and some signatures went to the next from ≈ 1 800.
FEDERATION_LENGTHS = (0, 1200, 1800, 2040, 2280)


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_the_signature_block_stays_on_one_page(made, fmt):
    """« Fait à … » and every signature of the final version on one page: a signature alone
    at the top of a page is not what a préfecture expects to receive."""
    docs, slug = made
    text = "Fédération des communautés professionnelles territoriales de santé " * 40
    for length in FEDERATION_LENGTHS:
        answers = {"date_ag_constitutive": "15/01/2027", "federation": text[:length] or None}
        data = docs.generate(slug, "statuts", fmt, answers=answers, final=True).data
        assert _signature_page_holds_everyone(data, fmt), (fmt, length)
    docs.save_answers(slug, "reglement_interieur", {"date_adoption": "15/01/2027"})
    data = docs.generate(slug, "reglement_interieur", fmt, final=True).data
    assert _signature_page_holds_everyone(data, fmt), (fmt, "reglement_interieur")
