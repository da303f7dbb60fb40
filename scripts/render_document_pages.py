"""Render the first page of the statutes, the bulletin d'adhésion and the PV, as a porteur
sees them in LibreOffice, to PNG for `docs/documents.md`.

Each document is generated as DOCX on a sample project, laid out and printed to PDF by
LibreOffice (`soffice --headless --convert-to pdf`), and the pages shown (first pages,
the statutes' « Fait à » page, the PV's last) rasterised by `pdftoppm` (poppler-utils).
Needs `soffice` and `pdftoppm` on PATH:

    python scripts/render_document_pages.py            # writes docs/img/documents-*.png
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
# (template, which page: 1 = first, -1 = last, or the first page showing a text, output)
PAGES: tuple[tuple[str, int | str, str], ...] = (
    ("statuts", 1, "documents-statuts.png"),
    ("statuts", "Fait à", "documents-statuts-fin.png"),
    ("bulletin_adhesion", 1, "documents-bulletin.png"),
    ("pv_ag", 1, "documents-pv.png"),
    ("pv_ag", -1, "documents-pv-fin.png"),
)
STATUTS = {"siege": "12 rue des Écoles, 13100 Aix-en-Provence",
           "ville_signature": "Aix-en-Provence", "ca_membres_min": 4}
CONVOCATION = {"date_ag": "15/01/2027", "heure": "19 h 30",
               "lieu": "Salle des fêtes, 1 place de la Mairie, 13100 Aix-en-Provence"}
PV = {"heure_debut": "19 h 30", "heure_fin": "21 h 45", "presents": 23, "representes": 4,
      "vote_statuts_pour": 25, "vote_statuts_contre": 1, "vote_statuts_abstention": 1,
      "vote_cotisation_pour": 20, "vote_cotisation_contre": 4, "vote_cotisation_abstention": 3,
      "vote_conseil_pour": 27, "vote_pouvoirs_pour": 27}


def sample_project(url: str):  # type: ignore[no-untyped-def]
    """A project with a bureau, a board, a territory and answered documents."""
    from cpts_workflow import Workspace, members
    from cpts_workflow.documents import Documents
    from cpts_workflow.territory.changes import add_communes

    ws = Workspace(url, actor="Claire Martin")
    docs = Documents(ws)
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    add_communes(ws, slug, ["13001", "13071", "13099"])
    for name, role, profession in (("Jeanne Durand", "president", "médecin généraliste"),
                                   ("Paul Martin", "treasurer", "infirmier"),
                                   ("Sophie Bernard", "secretary", "pharmacienne")):
        members.add_member(ws, slug, name, college="liberaux", role=role, profession=profession)
    members.add_member(ws, slug, "MSP des Collines", legal=True, structure_kind="msp",
                       college="structures", role="board")
    docs.save_answers(slug, "statuts", STATUTS)
    docs.save_answers(slug, "convocation_ag", CONVOCATION)
    docs.save_answers(slug, "pv_ag", PV)
    return docs, slug


def main() -> None:
    from pypdf import PdfReader

    from cpts_workflow.documents.convert import office_to_pdf

    os.environ.setdefault("CPTS_NOW", "2026-11-22T09:30:00+00:00")
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cpts-pages-") as tmp:
        docs, slug = sample_project(f"sqlite:///{tmp}/pages.db")
        pdfs: dict[str, Path] = {}
        for template, page, name in PAGES:
            if template not in pdfs:
                pdf = office_to_pdf(docs.generate(slug, template, "docx").data, "docx")
                pdfs[template] = Path(tmp, f"{template}.pdf")
                pdfs[template].write_bytes(pdf)
            texts = [p.extract_text() for p in PdfReader(pdfs[template]).pages]
            if isinstance(page, str):
                number = next(n for n, text in enumerate(texts, 1) if page in text)
            else:
                number = page if page > 0 else len(texts)
            stem = Path(tmp, name).with_suffix("")
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", str(number),
                            "-l", str(number), str(pdfs[template]), str(stem)], check=True)
            (IMG / name).write_bytes(stem.with_suffix(".png").read_bytes())
            print(f"{IMG / name} ({template}, page {number})", file=sys.stderr)


if __name__ == "__main__":
    main()
