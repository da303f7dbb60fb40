"""Build `templates/_reference/reference.docx` and `reference.odt`, the page setup and
styles every generated DOCX and ODT takes (pandoc's `--reference-doc`).

pandoc's own reference documents are US Letter with one-inch margins, and only the ODT
numbers its pages. Ours: A4, French margins (2,5 cm; 2 cm top and bottom), "Page 1 / 8"
centred in the footer, French language, a serif body and sans-serif headings kept with
the text that follows. Run after changing this script, and commit the built files:

    python scripts/build_reference_docs.py
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "templates" / "_reference"
PAGE = {"width_cm": 21.0, "height_cm": 29.7, "side_cm": 2.5, "top_cm": 2.0, "bottom_cm": 2.0}
BODY_FONT, HEADING_FONT = "Liberation Serif", "Liberation Sans"
FIELD_SPACE_PT, NOTICE_PT, RECIPIENT_INDENT_CM = 11, 8.5, 8.5


def pandoc_default(name: str) -> bytes:
    import pypandoc

    return subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", name],
        check=True,
        capture_output=True,
    ).stdout


def build_docx() -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document(io.BytesIO(pandoc_default("reference.docx")))
    for section in document.sections:
        section.page_width, section.page_height = Cm(PAGE["width_cm"]), Cm(PAGE["height_cm"])
        section.left_margin = section.right_margin = Cm(PAGE["side_cm"])
        section.top_margin, section.bottom_margin = Cm(PAGE["top_cm"]), Cm(PAGE["bottom_cm"])
        section.footer_distance = Cm(1.0)
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for run in list(paragraph.runs):
            run._r.getparent().remove(run._r)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for piece in ("Page ", "PAGE", " / ", "NUMPAGES"):
            if piece.isupper():
                # A simple field (a child of the paragraph): Word and LibreOffice compute
                # it when the page is laid out.
                field = OxmlElement("w:fldSimple")
                field.set(qn("w:instr"), f" {piece} ")
                inner = paragraph.add_run("1")
                inner.font.size = Pt(9)
                paragraph._p.remove(inner._r)
                field.append(inner._r)
                paragraph._p.append(field)
            else:
                paragraph.add_run(piece).font.size = Pt(9)
    styles = document.styles
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        if name in [s.name for s in styles]:
            style = styles[name]
            style.font.name, style.font.size = BODY_FONT, Pt(11)
            rpr = style.element.get_or_add_rPr()
            lang = rpr.find(qn("w:lang")) or OxmlElement("w:lang")
            lang.set(qn("w:val"), "fr-FR")
            rpr.append(lang)
    for level, size in ((1, 16), (2, 13), (3, 11.5)):
        name = f"Heading {level}"
        if name in [s.name for s in styles]:
            style = styles[name]
            style.font.name, style.font.size, style.font.bold = HEADING_FONT, Pt(size), True
            style.paragraph_format.keep_with_next = True
            style.paragraph_format.space_before = Pt(14 if level == 1 else 10)
    # `::: {custom-style="Saut de page"}` in a template starts a new page (one bulletin
    # d'adhésion per page).
    from docx.enum.style import WD_STYLE_TYPE

    if "Saut de page" not in [s.name for s in styles]:
        breaker = styles.add_style("Saut de page", WD_STYLE_TYPE.PARAGRAPH)
        breaker.base_style = styles["Normal"]
        breaker.paragraph_format.page_break_before = True
        breaker.paragraph_format.space_before = breaker.paragraph_format.space_after = Pt(0)
        breaker.font.size = Pt(2)
    # `::: {custom-style="Champ de formulaire"}`: a line of a paper form, with room above
    # it to write by hand (bulletin d'adhésion).
    if "Champ de formulaire" not in [s.name for s in styles]:
        field = styles.add_style("Champ de formulaire", WD_STYLE_TYPE.PARAGRAPH)
        field.base_style = styles["Normal"]
        field.paragraph_format.space_before = Pt(FIELD_SPACE_PT)
        field.paragraph_format.space_after = Pt(0)
        field.paragraph_format.keep_with_next = True
    # `::: {custom-style="Bloc de signature"}`: « Fait à … » and the signatures, never split
    # across two pages (a signature alone at the top of a page invites a substituted page).
    if "Bloc de signature" not in [s.name for s in styles]:
        block = styles.add_style("Bloc de signature", WD_STYLE_TYPE.PARAGRAPH)
        block.base_style = styles["Normal"]
        block.paragraph_format.keep_with_next = True
        block.paragraph_format.keep_together = True
    # `::: {custom-style="Destinataire"}`: a letter's recipient and date, on the right half.
    if "Destinataire" not in [s.name for s in styles]:
        recipient = styles.add_style("Destinataire", WD_STYLE_TYPE.PARAGRAPH)
        recipient.base_style = styles["Normal"]
        recipient.paragraph_format.left_indent = Cm(RECIPIENT_INDENT_CM)
        recipient.paragraph_format.space_before = Pt(12)
    # Notices (the RGPD one on the bulletin) in a smaller body so that a form fits a page.
    if "Block Text" in [s.name for s in styles]:
        styles["Block Text"].font.size = Pt(NOTICE_PT)
        styles["Block Text"].paragraph_format.space_before = Pt(6)
    if "Title" in [s.name for s in styles]:
        styles["Title"].font.name = HEADING_FONT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cm(value: float) -> str:
    return f"{value}cm"


def build_odt() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(pandoc_default("reference.odt")))
    styles = source.read("styles.xml").decode("utf-8")
    layout = (
        f'fo:page-width="{_cm(PAGE["width_cm"])}" fo:page-height="{_cm(PAGE["height_cm"])}" '
        'style:num-format="1" style:print-orientation="portrait" '
        f'fo:margin-top="{_cm(PAGE["top_cm"])}" fo:margin-bottom="{_cm(PAGE["bottom_cm"])}" '
        f'fo:margin-left="{_cm(PAGE["side_cm"])}" fo:margin-right="{_cm(PAGE["side_cm"])}"'
    )
    styles, n = re.subn(
        r'fo:page-width="[^"]*"\s+fo:page-height="[^"]*"\s+style:num-format="1"\s+'
        r'style:print-orientation="portrait"\s+fo:margin-top="[^"]*"\s+fo:margin-bottom="[^"]*"'
        r'\s+fo:margin-left="[^"]*"\s+fo:margin-right="[^"]*"',
        layout,
        styles,
    )
    assert n == 1, "page layout of pandoc's reference.odt not found"
    footer = (
        '<style:footer><text:p text:style-name="Footer">Page '
        '<text:page-number text:select-page="current">1</text:page-number> / '
        "<text:page-count>1</text:page-count></text:p></style:footer>"
    )
    styles, n = re.subn(r"<style:footer>.*?</style:footer>", footer, styles, flags=re.S)
    assert n == 1, "footer of pandoc's reference.odt not found"
    # The footer centred on the A4 text width, 9 pt.
    width = PAGE["width_cm"] - 2 * PAGE["side_cm"]
    styles = re.sub(
        r'(<style:style style:name="Footer".*?<style:paragraph-properties)',
        r'\1 fo:text-align="center"',
        styles,
        count=1,
        flags=re.S,
    )
    styles = styles.replace('style:position="3.25in"', f'style:position="{width / 2}cm"')
    styles = styles.replace('style:position="6.5in"', f'style:position="{width}cm"')
    styles = styles.replace('fo:language="en" fo:country="US"', 'fo:language="fr" fo:country="FR"')
    styles = styles.replace(
        "</office:styles>",
        '<style:style style:name="Saut_20_de_20_page" style:display-name="Saut de page" '
        'style:family="paragraph" style:parent-style-name="Standard">'
        '<style:paragraph-properties fo:break-before="page" fo:margin-top="0cm" '
        'fo:margin-bottom="0cm"/><style:text-properties fo:font-size="2pt"/></style:style>'
        "</office:styles>",
        1,
    )
    styles = styles.replace(
        "</office:styles>",
        '<style:style style:name="Champ_20_de_20_formulaire" '
        'style:display-name="Champ de formulaire" style:family="paragraph" '
        'style:parent-style-name="Standard"><style:paragraph-properties '
        f'fo:margin-top="{FIELD_SPACE_PT}pt" fo:margin-bottom="0cm" fo:keep-with-next="always"/>'
        "</style:style>"
        '<style:style style:name="Bloc_20_de_20_signature" style:display-name="Bloc de signature" '
        'style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties '
        'fo:keep-with-next="always" fo:keep-together="always"/></style:style>'
        '<style:style style:name="Destinataire" style:family="paragraph" '
        'style:parent-style-name="Standard"><style:paragraph-properties '
        f'fo:margin-left="{RECIPIENT_INDENT_CM}cm" fo:margin-top="12pt"/></style:style>'
        "</office:styles>",
        1,
    )
    # The notice (blockquote) smaller, as in the DOCX.
    styles, n = re.subn(
        r'(<style:style style:name="Quotations".*?)(</style:style>)',
        lambda m: m.group(1) + f'<style:text-properties fo:font-size="{NOTICE_PT}pt"/>'
        + m.group(2) if "style:text-properties" not in m.group(1) else m.group(0),
        styles, count=1, flags=re.S,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        # The mimetype first and stored, as ODF requires.
        target.writestr(zipfile.ZipInfo("mimetype"), source.read("mimetype"))
        for item in source.infolist():
            if item.filename == "mimetype":
                continue
            data = styles.encode("utf-8") if item.filename == "styles.xml" else source.read(item)
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reference.docx").write_bytes(build_docx())
    (OUT / "reference.odt").write_bytes(build_odt())
    print(f"Écrits : {OUT / 'reference.docx'}, {OUT / 'reference.odt'}")


if __name__ == "__main__":
    main()
