"""User text is text: names, answers and commune labels come out literally in every format.

Each payload goes into a project name, a member's name (a table cell), a one-line answer
and a long answer; the documents are opened back (python-docx, odfpy, the HTML's text,
pypdf) and must hold the payload as written, no embedded file, no link, no broken table.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cpts_workflow import members
from cpts_workflow.documents import Documents
from cpts_workflow.documents.convert import convert
from cpts_workflow.documents.markdown import markdown_text
from cpts_workflow.store.models import ProjectCommune, ReferenceCommune, ReferenceVintage

PAYLOADS = [
    "![x](/etc/passwd)",
    "[a](javascript:alert(1))",
    "<https://exemple.fr/pixel.png>",
    "a | b | c",
    "---\ntitle: pirate\nauthor: moi\n---",
    "<script>alert(1)</script>",
    "<!-- caché -->",
    "`x`{=html} <b>gras</b>{.classe}",
    "C:\\Users\\x \\\\ fin",
    "*étoiles* _souligné_ **gras** ~~barré~~ ^sup^ ~sub~",
    "# pas un titre",
    "1. pas une liste",
    "@dupont2020 et [@doe, p. 3]",
    "$x^2$ et $$y$$ \\(z\\)",
    "[^1] note",
    "::: {.div}",
    "    quatre espaces",
    "& &amp; &lt;b&gt; &#65;",
    "% titre pandoc",
]
TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\xa0": " ", "\u202f": " "})


def squeeze(text: str) -> str:
    """Compare texts without their whitespace (line wraps, hard breaks) or pandoc's curly
    quotes."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(TYPOGRAPHY))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = False

    def handle_starttag(self, tag, attrs):
        self.skip = tag in ("style", "title")

    def handle_endtag(self, tag):
        self.skip = False

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def read_docx(data: bytes) -> tuple[str, list[list[str]]]:
    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not [n for n in z.namelist() if n.startswith("word/media")], z.namelist()
        for name in z.namelist():
            if name.endswith(".rels"):
                rels = z.read(name).decode()
                assert 'TargetMode="External"' not in rels and "hyperlink" not in rels
        assert "<w:hyperlink" not in z.read("word/document.xml").decode()
    document = docx.Document(io.BytesIO(data))
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    text = "\n".join(p.text for p in document.paragraphs)
    return text + "\n" + "\n".join(" ".join(r) for r in rows), rows


def read_odt(data: bytes) -> tuple[str, list[list[str]]]:
    from odf import table, teletype, text
    from odf.opendocument import load

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not [n for n in z.namelist() if n.startswith("Pictures/")], z.namelist()
        content = z.read("content.xml").decode()
        assert "<text:a " not in content and "xlink:href" not in content
    document = load(io.BytesIO(data))
    body = [teletype.extractText(p) for p in document.getElementsByType(text.P)]
    body += [teletype.extractText(h) for h in document.getElementsByType(text.H)]
    rows = [
        [teletype.extractText(c) for c in row.getElementsByType(table.TableCell)]
        for row in document.getElementsByType(table.TableRow)
    ]
    return "\n".join(body), rows


def read_html(data: bytes) -> str:
    html = data.decode("utf-8")
    assert "<script" not in html and "<img" not in html and "href=" not in html
    assert "<a " not in html and "<iframe" not in html and "<!--" not in html.split("</head>")[1]
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.fixture
def docs(ws):
    return Documents(ws)


def one_line(payload: str) -> str:
    """Names are one line of text (the limits refuse a line break there)."""
    return payload.replace("\n", " ")


def _project(ws, docs, payload: str, n: int) -> str:
    slug = ws.create_project(f"CPTS {one_line(payload)} {n}").slug
    members.add_member(ws, slug, "Jeanne Durand", college="liberaux", role="president")
    members.add_member(ws, slug, "Paul Martin", college="liberaux", role="treasurer")
    members.add_member(ws, slug, "Sophie Bernard", college="liberaux", role="secretary")
    members.add_member(ws, slug, one_line(payload), college="liberaux", role="board")
    docs.save_answers(slug, "statuts", {"siege": payload, "ville_signature": "Aix",
                                        "ca_membres_min": 3})
    docs.save_answers(
        slug,
        "pv_ag",
        {
            "date_ag": "15/01/2027",
            "heure_debut": "19h30",
            "heure_fin": "21:45",
            "lieu": payload,
            "presents": 4,
            "siege": payload,
        },
    )
    docs.save_answers(slug, "lettre_intention", {"ville": "Aix", "constats": payload})
    return slug


@pytest.mark.parametrize("n", range(len(PAYLOADS)), ids=[f"p{n}" for n in range(len(PAYLOADS))])
def test_payload_is_literal_text_in_docx_odt_html(ws, docs, n):
    payload = PAYLOADS[n]
    slug = _project(ws, docs, payload, n)
    wanted = squeeze(payload)
    for fmt in ("docx", "odt"):
        made = docs.generate(slug, "pv_ag", fmt)
        text, rows = (read_docx if fmt == "docx" else read_odt)(made.data)
        # Project name (title), place (paragraph), siège, and the member in the board table.
        assert squeeze(text).count(wanted) >= 3, (fmt, payload, text[:400])
        board = [r for r in rows if squeeze(payload) in squeeze(" ".join(r))]
        assert board and all(len(r) == 3 for r in rows if len(r) > 2 or r is board[0]), rows
        assert len(board[0]) == 3, board  # the `|` did not split the cell
    html = read_html(docs.generate(slug, "pv_ag", "html").data)
    assert squeeze(html).count(wanted) >= 3
    # A long answer keeps its lines and stays one paragraph of the letter.
    letter, _ = read_docx(docs.generate(slug, "lettre_intention", "docx").data)
    assert wanted in squeeze(letter)
    # The Markdown itself is escaped: what pandoc reads back is exactly the payload.
    md = docs.generate(slug, "pv_ag", "md").data.decode()
    assert "/etc/passwd)" not in md.replace("\\)", "")


def test_payloads_in_commune_labels_keep_the_table(ws, docs):
    slug = ws.create_project("CPTS des Communes").slug
    with ws.session() as session:
        project = ws.get_project(session, slug)
        vintage = ReferenceVintage(label="essai", rows=len(PAYLOADS), imported_by="test",
                                   imported_at=ws.now())
        session.add(vintage)
        session.flush()
        for n, payload in enumerate(PAYLOADS):
            insee = f"13{n:03d}"
            session.add(ReferenceCommune(vintage_id=vintage.id, insee=insee, type="COM",
                                         nom=payload, departement="13", region="93",
                                         population=1000 + n))
            session.add(ProjectCommune(project_id=project.id, insee=insee, added_at=ws.now(),
                                       added_by="test"))
    text, rows = read_docx(docs.generate(slug, "diagnostic", "docx").data)
    communes = [r for r in rows if re.fullmatch(r"13\d{3}", r[0])]
    assert len(communes) == len(PAYLOADS) and all(len(r) == 3 for r in communes)
    for n, payload in enumerate(PAYLOADS):
        assert squeeze(communes[n][1]) == squeeze(payload)
        assert communes[n][2].replace("\xa0", " ").replace("\u202f", " ") == f"1 {n:03d}"


@pytest.mark.browser
def test_payloads_literal_in_pdf(ws, docs):
    from pypdf import PdfReader

    from cpts_workflow.documents.convert import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium absent")
    slug = ws.create_project("CPTS du PDF").slug
    for name in ("Jeanne Durand", "Paul Martin", "Sophie Bernard"):
        role = {"Jeanne Durand": "president", "Paul Martin": "treasurer"}.get(name, "secretary")
        members.add_member(ws, slug, name, college="liberaux", role=role)
    for payload in PAYLOADS:
        members.add_member(ws, slug, one_line(payload), college="liberaux")
    made = docs.generate(slug, "lettre_intention", "pdf",
                         answers={"ville": "Aix", "constats": "\n".join(PAYLOADS)})
    reader = PdfReader(io.BytesIO(made.data))
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    for payload in PAYLOADS:
        assert squeeze(payload) in text, payload
    assert not any(page.images for page in reader.pages)
    assert all("/Annots" not in page for page in reader.pages)


def test_pandoc_sandbox_embeds_no_local_file_even_unescaped(tmp_path):
    """The second layer alone: raw Markdown naming a local image and a remote one."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(Path(__file__).read_bytes())
    raw = f"# Titre\n\n![x]({secret})\n\n![y](/etc/passwd)\n\n![z](http://127.0.0.1:9/x.png)\n"
    with zipfile.ZipFile(io.BytesIO(convert(raw, "docx", "Essai"))) as z:
        assert not [n for n in z.namelist() if n.startswith("word/media")]
    with zipfile.ZipFile(io.BytesIO(convert(raw, "odt", "Essai"))) as z:
        assert not [n for n in z.namelist() if n.startswith("Pictures/")]
    # Extensions that would read outside the text are off: no YAML block, no raw HTML.
    html = convert("---\ntitle: pirate\n---\n\n<script>x</script>\n", "html", "Essai").decode()
    assert "<script>x" not in html and "<title>Essai</title>" in html


def test_template_authors_cannot_forget_to_escape(ws, demo_custom):
    docs, slug = demo_custom
    text = docs.generate(slug, "essai", "md").data.decode()
    # {{ x }}, ~, join, join_fr, a macro and a set block: all escaped; | md is kept.
    assert text.count("\\*x\\*") == 6 and "*voulu*" in text


@pytest.fixture
def demo_custom(ws, tmp_path):
    folder = tmp_path / "modeles" / "essai"
    folder.mkdir(parents=True)
    (folder / "meta.yaml").write_text(
        "title: Essai\nstage: initiative\nversion: '1'\noutput: essai\n", encoding="utf-8"
    )
    (folder / "template.md.j2").write_text(
        "{% set v = project.name %}{% macro m() %}{{ v }}{% endmacro %}"
        "{% set b %}{{ v }}{% endset %}\n"
        "{{ v }} / {{ 'a' ~ v }} / {{ [v] | join(', ') }} / {{ [v, 'y'] | join_fr }} / "
        "{{ m() }} / {{ b }} / {{ '*voulu*' | md }}\n",
        encoding="utf-8",
    )
    slug = ws.create_project("*x*").slug
    return Documents(ws, template_dirs=[tmp_path / "modeles"]), slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a*b", "a\\*b"),
        ("l1\nl2", "l1 l2"),
        ("    code", "code"),
        ("tab\there", "tab here"),
        ("nul\x00", "nul"),
    ],
)
def test_markdown_text(text, expected):
    assert markdown_text(text) == expected
