"""Generating a document from the documents tab: real DOCX, ODT and PDF read back."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

from cpts_workflow.workspace import Workspace

from .conftest import Site

EYG = "cpts-d-eyguieres-et-alpilles"
NAME = "CPTS d'Eyguières et Alpilles"
DISPOSITION = re.compile(r'^attachment; filename="([a-z0-9-]+\.[a-z]+)"; filename\*=UTF-8\'\'([A-Za-z0-9._%-]+)$')


def generate(site: Site, fmt: str, template: str = "diagnostic", **extra):
    page = site.get(f"/projets/{EYG}/documents").text
    assert 'action="/projets/cpts-d-eyguieres-et-alpilles/documents"' in page
    return site.post(f"/projets/{EYG}/documents",
                     {"template": template, "format": fmt, "version": site.version(EYG), **extra})


def plain(text: str) -> str:
    """The document's text with straight apostrophes (pandoc typesets them curly)."""
    return text.replace("\u2019", "'")


def file_name(response) -> str:
    found = DISPOSITION.match(response.headers["content-disposition"])
    assert found, response.headers["content-disposition"]
    assert found.group(1) == found.group(2)  # plain ASCII: the same name for every browser
    return found.group(1)


def test_docx_and_odt_from_the_page(site: Site, web_url):
    import docx
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H

    response = generate(site, "docx")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert file_name(response) == f"diagnostic-{EYG}.docx"
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert NAME in plain(text)

    response = generate(site, "odt")
    assert response.status_code == 200
    assert file_name(response) == f"diagnostic-{EYG}.odt"
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("mimetype") == b"application/vnd.oasis.opendocument.text"
    odt = load(io.BytesIO(response.content))
    headings = [teletype.extractText(h) for h in odt.getElementsByType(H)]
    assert NAME in plain(headings[0])

    # recorded in the project's history and listed, without a server copy to download
    ws = Workspace(web_url)
    kinds = [e.kind for e in ws.history(EYG)]
    ws.db.dispose()
    assert kinds.count("document_generated") == 2
    listing = unescape(site.get(f"/projets/{EYG}/documents").text)
    assert f"diagnostic-{EYG}.odt" in listing and "remis au navigateur" in listing


def test_pdf_from_the_page(site: Site):
    from pypdf import PdfReader

    response = generate(site, "pdf", template="bulletin_adhesion")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert file_name(response) == f"bulletin-adhesion-{EYG}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Eyguières" in text


def test_refusals_show_on_the_page(site: Site, web_url):
    stale = site.post(f"/projets/{EYG}/documents", {"template": "diagnostic", "format": "md",
                                                    "version": site.version(EYG) - 1})
    assert stale.status_code == 409 and "a changé depuis votre lecture" in unescape(stale.text)
    unanswered = generate(site, "md", template="statuts")
    assert unanswered.status_code == 400
    assert "Réponses invalides pour « Statuts de l'association »" in unescape(unanswered.text)
    assert generate(site, "exe").status_code == 400
    assert site.post(f"/projets/{EYG}/documents", {"template": "diagnostic", "format": "md"},
                     csrf=False).status_code == 403
    ws = Workspace(web_url)
    assert "document_generated" not in [e.kind for e in ws.history(EYG)]
    ws.db.dispose()
    assert site.get(f"/projets/{EYG}/documents/999").status_code == 404
