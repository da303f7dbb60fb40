"""Documents: sandboxed rendering, real DOCX/ODT/PDF reopened, recording and checklist."""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from pathlib import Path

import pytest

from cpts_workflow import members
from cpts_workflow.documents import Documents
from cpts_workflow.errors import BadInput, NotFound, Refused
from cpts_workflow.store.models import ProjectCommune, ReferenceCommune, ReferenceVintage

STATUTS = {
    "siege": "12 rue des Écoles, 13100 Aix-en-Provence",
    "ville_signature": "Aix-en-Provence",
    "ca_membres_min": 3,
}
# pandoc typesets apostrophes (’) and we tie « » : ; with non-breaking spaces: compare plainly.
PLAIN = str.maketrans({"’": "'", "\xa0": " "})
COMMUNES = [
    ("13001", "Aix-en-Provence", 147_122),
    ("13071", "Le Tholonet", 2_398),
    ("13099", "Venelles", 8_600),
]
ANSWERS = {
    "statuts": STATUTS,
    "lettre_intention": {"ville": "Aix-en-Provence", "constats": "Patients sans médecin traitant."},
    "convocation_ag": {"date_ag": "15/01/2027", "heure": "19 h 30", "lieu": "Salle des fêtes"},
    "pv_ag": {
        "date_ag": "15/01/2027",
        "heure_debut": "19 h 30",
        "heure_fin": "21 h 45",
        "lieu": "Salle des fêtes",
        "presents": 23,
        "siege": STATUTS["siege"],
        # Every resolution's real vote: a PV without them leaves blanks and ticks nothing.
        **{f"vote_{r}_pour": 23 for r in ("statuts", "cotisation", "conseil", "pouvoirs")},
    },
    "fiche_aci": {"date_signature": "01/03/2027", "missions_complementaires": ["qualite"]},
    "fiche_poste": {"lieu": "Aix-en-Provence", "contact": "bureau@cpts-aix.fr"},
}


def add_territory(ws, slug: str, with_reference: bool = True) -> None:
    with ws.session() as session:
        project = ws.get_project(session, slug)
        if with_reference:
            vintage = ReferenceVintage(
                label="test 2026", rows=3, imported_by="test", imported_at=ws.now()
            )
            session.add(vintage)
            session.flush()
            for insee, nom, pop in COMMUNES:
                session.add(
                    ReferenceCommune(
                        vintage_id=vintage.id,
                        insee=insee,
                        type="COM",
                        nom=nom,
                        departement="13",
                        region="93",
                        population=pop,
                    )
                )
        for insee, _, _ in COMMUNES:
            session.add(
                ProjectCommune(
                    project_id=project.id, insee=insee, added_at=ws.now(), added_by="test"
                )
            )


def add_members(ws, slug: str) -> None:
    members.add_member(
        ws,
        slug,
        "Jeanne Durand",
        profession="médecin généraliste",
        college="liberaux",
        role="president",
        email="jeanne@exemple.fr",
    )
    members.add_member(
        ws, slug, "Paul Martin", profession="infirmier", college="liberaux", role="treasurer"
    )
    members.add_member(
        ws, slug, "Sophie Bernard", profession="pharmacienne", college="liberaux", role="secretary"
    )
    members.add_member(
        ws,
        slug,
        "MSP des Collines",
        legal=True,
        structure_kind="msp",
        college="structures",
        siret="73282932000074",
        role="board",
    )
    members.add_member(
        ws,
        slug,
        "France Assos Santé 13",
        legal=True,
        structure_kind="association_usagers",
        college="usagers",
    )


def md_text(view) -> str:
    """A generated Markdown file as text: the backslashes escaping user text removed."""
    return re.sub(r"\\(.)", r"\1", Path(view.path).read_text(encoding="utf-8"))


def gen(docs, ref, template, fmt, out_dir, **kwargs):
    """Generate through the library (bytes) and write the file as a caller would."""
    made = docs.generate(ref, template, fmt, **kwargs)
    target = Path(out_dir) / made.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(made.data)
    return dataclasses.replace(made.view, path=str(target.resolve()))


@pytest.fixture
def docs(ws):
    return Documents(ws)


@pytest.fixture
def demo(ws, docs):
    slug = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug
    add_members(ws, slug)
    add_territory(ws, slug)
    for template, answers in ANSWERS.items():
        docs.save_answers(slug, template, answers)
    return slug


def _docx_text(path: Path) -> tuple[list[tuple[str, str]], str]:
    import docx

    document = docx.Document(str(path))
    paragraphs = [(p.style.name, p.text.translate(PLAIN)) for p in document.paragraphs]
    cells = [c.text.translate(PLAIN) for t in document.tables for row in t.rows for c in row.cells]
    return paragraphs, "\n".join([t for _, t in paragraphs] + cells)


def test_statuts_docx_has_numbered_articles_name_territory_colleges_bureau(
    ws, docs, demo, tmp_path
):
    view = gen(docs, demo, "statuts", "docx", tmp_path)
    path = Path(view.path)
    assert path.name == "statuts-cpts-du-pays-d-aix.docx" and path.parent == tmp_path.resolve()
    paragraphs, text = _docx_text(path)
    articles = [t for style, t in paragraphs if t.startswith("Article ")]
    # Real headings, numbered without gap, and the articles a loi 1901 text needs.
    assert all(style.startswith("Heading") for style, t in paragraphs if t.startswith("Article "))
    numbers = [int(a.split()[1]) for a in articles]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 20
    for needed in (
        "Objet",
        "Siège social",
        "Durée",
        "Membres et collèges",
        "Adhésion",
        "Cotisation",
        "Assemblée générale ordinaire",
        "Assemblée générale extraordinaire",
        "Conseil d'administration",
        "Bureau",
        "Ressources",
        "Dissolution",
    ):
        assert any(a.endswith(f"– {needed}") for a in articles), needed
    assert "CPTS du Pays d'Aix" in text and "L1434-12" in text
    assert (
        "Aix-en-Provence (13001)" in text
        and "Venelles (13099)" in text
        and "158 120 habitants" in text
    )
    assert (
        "Professionnels de santé libéraux" in text and "Usagers et associations d'usagers" in text
    )
    assert "12 rue des Écoles" in text and "10 €" in text
    assert "Jeanne Durand" in text and "Paul Martin" in text and "Sophie Bernard" in text


def test_statuts_odt_reopened_with_odfpy(docs, demo, tmp_path):
    from odf import teletype, text
    from odf.opendocument import load

    path = Path(gen(docs, demo, "statuts", "odt", tmp_path).path)
    document = load(str(path))
    headings = [
        teletype.extractText(h).translate(PLAIN) for h in document.getElementsByType(text.H)
    ]
    body = "\n".join(teletype.extractText(p) for p in document.getElementsByType(text.P)).replace(
        "’", "'"
    )
    assert headings[0] == "Statuts de l'association « CPTS du Pays d'Aix »"
    assert "Article 1 – Constitution et dénomination" in headings
    assert any(h.endswith("– Dissolution") for h in headings)
    assert "Le Tholonet (13071)" in body and "Structures d'exercice coordonné" in body
    assert "Jeanne Durand" in body


def test_pv_ag_lists_bureau_and_board(docs, demo, tmp_path):
    _, text = _docx_text(Path(gen(docs, demo, "pv_ag", "docx", tmp_path).path))
    assert "Président·e : Jeanne Durand" in text and "Trésorier·ère : Paul Martin" in text
    assert "Secrétaire : Sophie Bernard" in text and "23 membres étaient présents" in text
    assert "MSP des Collines (maison de santé pluriprofessionnelle)" in text


def test_fiche_aci_calendar_from_signature_date(docs, demo, tmp_path):
    text = md_text(gen(docs, demo, "fiche_aci", "md", tmp_path))
    # Accès aux soins: start within 6 months, deployed within 18 months of 01/03/2027.
    assert "| 01/09/2027 | 01/09/2028 |" in text
    assert "158 120" in text


@pytest.mark.browser
def test_pdf_through_chromium(docs, demo, tmp_path):
    from pypdf import PdfReader

    from cpts_workflow.documents.convert import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium absent")
    path = Path(gen(docs, demo, "statuts", "pdf", tmp_path).path)
    reader = PdfReader(str(path))
    text = (
        " ".join(page.extract_text() for page in reader.pages)
        .replace("’", "'")
        .replace("\xa0", " ")
    )
    assert len(reader.pages) >= 3
    assert "CPTS du Pays d'Aix" in text and "Article 1" in text and "Dissolution" in text
    artifacts = Path("test-artifacts")
    artifacts.mkdir(exist_ok=True)
    shutil.copy(path, artifacts / "statuts-demo.pdf")


def test_pdf_without_chromium_is_a_clear_error(docs, demo, tmp_path, monkeypatch):
    monkeypatch.setenv("CPTS_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(Refused, match="Chromium"):
        gen(docs, demo, "statuts", "pdf", tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_html_is_self_contained_and_refuses_raw_html(docs, demo, tmp_path):
    path = Path(
        gen(docs, 
            demo,
            "statuts",
            "html",
            tmp_path,
            answers={"siege": "<script>alert(1)</script> 1 place du Marché"},
        ).path
    )
    html = path.read_text()
    assert "<style>" in html and "@page" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'src="http' not in html and "<link" not in html


def test_generation_is_recorded_audited_and_ticks_the_item(ws, docs, demo, tmp_path):
    view = gen(docs, demo, "statuts", "md", tmp_path)
    assert view.checked_items == ("statutes_drafted",)
    item = next(i for i in ws.checklist(demo, "statutes") if i.id == "statutes_drafted")
    assert item.status == "done" and item.value == "statuts-cpts-du-pays-d-aix.md"
    history = docs.history(demo)
    assert [(h.template, h.format, h.template_version) for h in history] == [
        ("statuts", "md", "2.0")
    ]
    assert history[0].checksum == view.checksum and len(history[0].answers_checksum) == 64
    events = [e for e in ws.history(demo) if e.kind in ("document_generated", "checked")]
    assert [e.kind for e in events] == ["checked", "document_generated"]
    assert events[0].payload["automatic"] is True and events[1].payload["template"] == "statuts"
    # A second generation records again but does not touch the item already done.
    again = gen(docs, demo, "statuts", "docx", tmp_path)
    assert again.checked_items == () and len(docs.history(demo)) == 2


def test_dated_item_keeps_a_date_and_user_choice_is_respected(ws, docs, demo, tmp_path):
    ws.skip(demo, "aci_preparation_sheet", reason="pas de fiche demandée par la CPAM")
    assert gen(docs, demo, "fiche_aci", "md", tmp_path).checked_items == ()
    gen(docs, demo, "convocation_ag", "md", tmp_path)
    item = next(i for i in ws.checklist(demo, "statutes") if i.id == "constitutive_ag_convened")
    assert item.value == "2026-11-22" and "convocation-ag-constitutive" in item.note
    # The PV proves the AG on the AG's own date, not on the day it was typed.
    gen(docs, demo, "pv_ag", "md", tmp_path)
    item = next(i for i in ws.checklist(demo, "statutes") if i.id == "constitutive_ag_held")
    assert item.value == "2027-01-15" and "pv-ag-constitutive" in item.note


def test_missing_answer_names_the_question_and_writes_nothing(ws, docs, tmp_path):
    slug = ws.create_project("CPTS Sans Réponses").slug
    with pytest.raises(BadInput, match="Adresse du siège social"):
        gen(docs, slug, "statuts", "docx", tmp_path / "out")
    with pytest.raises(BadInput, match="signataire"):
        gen(docs, 
            slug,
            "lettre_intention",
            "md",
            tmp_path / "out",
            answers={"ville": "Aix", "constats": "Peu de médecins."},
        )
    assert not (tmp_path / "out").exists() and docs.history(slug) == []
    assert [e.kind for e in ws.history(slug)] == ["created"]


def test_territory_from_the_shipped_reference_or_insee_codes_or_not_filled(ws, docs, tmp_path):
    slug = ws.create_project("CPTS Sans Référentiel").slug
    text = md_text(gen(docs, slug, "diagnostic", "md", tmp_path))
    assert "Territoire non renseigné" in text
    # No imported vintage: names, population and taille come from the shipped reference.
    add_territory(ws, slug, with_reference=False)
    text = md_text(gen(docs, slug, "diagnostic", "md", tmp_path))
    assert "Aix-en-Provence" in text and "Pennes-Mirabeau" in text
    # Populations légales 2023 (was 164 399 with the 2017 figures shipped before).
    assert "173 117 habitants" in text.replace("\u202f", " ") and "taille 3" in text
    assert "Populations : populations légales 2023 (en vigueur au 1er janvier 2026)." in text.replace("\xa0", " ")
    # A code the reference does not know is listed as such, and the population left unknown.
    with ws.session() as session:
        project = ws.get_project(session, slug)
        session.add(ProjectCommune(project_id=project.id, insee="13999", added_at=ws.now(),
                                   added_by="test"))
    text = md_text(gen(docs, slug, "statuts", "md", tmp_path, answers=STATUTS))
    assert "commune INSEE 13999" in text and "4 communes" in text and "habitants" not in text


def test_answers_are_validated_and_saved_without_values_in_audit(ws, docs, demo):
    with pytest.raises(BadInput, match="Montant de la cotisation annuelle"):
        docs.save_answers(demo, "statuts", {"cotisation_montant": "dix"})
    with pytest.raises(BadInput, match="n'est pas un choix possible"):
        docs.save_answers(demo, "statuts", {"quorum_ago": "les trois quarts"})
    with pytest.raises(BadInput, match="question inconnue"):
        docs.save_answers(demo, "statuts", {"couleur": "bleu"})
    saved = docs.save_answers(
        demo,
        "statuts",
        {
            "cotisation_montant": "15,50",
            "usagers_voix_deliberative": "oui",
            "colleges": "liberaux, usagers",
        },
    )
    # The former yes/no question on the usagers' vote is carried over to its choice.
    assert saved["cotisation_montant"] == 15.5 and saved["voix_usagers"] == "délibérative"
    assert "usagers_voix_deliberative" not in saved
    assert saved["colleges"] == ["liberaux", "usagers"] and saved["siege"] == STATUTS["siege"]
    event = [e for e in ws.history(demo) if e.kind == "document_answered"][-1]
    assert "15" not in repr(event.payload["questions"]) and "Écoles" not in repr(event.payload)


def test_output_names_are_confined(docs, demo, tmp_path):
    for bad in ("../evil.md", "/tmp/evil.md", "a/../../evil.md", "..\\evil.md", "C:evil.md"):
        with pytest.raises(BadInput, match="refusé"):
            gen(docs, demo, "statuts", "md", tmp_path / "out", name=bad)
    assert not (tmp_path / "evil.md").exists()
    view = gen(docs, demo, "statuts", "md", tmp_path / "out", name="mes statuts.md")
    assert Path(view.path) == (tmp_path / "out" / "mes statuts.md").resolve()


def _custom_template(base: Path, body: str, template_id: str = "essai") -> Path:
    folder = base / template_id
    folder.mkdir(parents=True)
    (folder / "meta.yaml").write_text(
        "title: Essai\nstage: initiative\nversion: '0.1'\noutput: essai\n"
        "questions:\n  - id: ville\n    label: Ville de l'essai\n    required: false\n",
        encoding="utf-8",
    )
    (folder / "template.md.j2").write_text(body, encoding="utf-8")
    return base


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ project.__init__.__globals__ }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_sandbox_escape_is_refused(ws, demo, tmp_path, body):
    custom = Documents(ws, template_dirs=[_custom_template(tmp_path / "modeles", body)])
    with pytest.raises(Refused, match="opération interdite"):
        gen(custom, demo, "essai", "md", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_template_missing_variable_is_an_error_naming_it(ws, demo, tmp_path):
    custom = Documents(
        ws,
        template_dirs=[
            _custom_template(tmp_path / "m1", "Ville : {{ answers.ville }} {{ nulle_part }}")
        ],
    )
    with pytest.raises(BadInput, match="« nulle_part »"):
        gen(custom, demo, "essai", "md", tmp_path, answers={"ville": "Aix"})
    custom = Documents(
        ws, template_dirs=[_custom_template(tmp_path / "m2", "{{ answers.commune }}")]
    )
    with pytest.raises(BadInput, match="« commune »"):
        gen(custom, demo, "essai", "md", tmp_path)


def test_unknown_template_and_format(docs, demo, tmp_path):
    with pytest.raises(NotFound, match="statuts"):
        gen(docs, demo, "statut", "md", tmp_path)
    with pytest.raises(BadInput, match="Format"):
        gen(docs, demo, "statuts", "rtf", tmp_path)


def test_generate_every_document_of_a_project(docs, demo, tmp_path, capsys):
    ids = [t.id for t in docs.templates()]
    assert {
        "lettre_intention",
        "diagnostic",
        "projet_sante",
        "statuts",
        "bulletin_adhesion",
        "convocation_ag",
        "pv_ag",
        "fiche_aci",
        "fiche_poste",
    } <= set(ids)
    start = time.perf_counter()
    done, failed = docs.generate_many(demo, ids, ["md", "docx", "odt", "html"])
    elapsed = time.perf_counter() - start
    assert failed == [] and len(done) == 4 * len(ids)
    assert len({d.file_name for d in done}) == len(done) and all(d.data for d in done)
    with capsys.disabled():
        print(f"\n{len(done)} documents (md, docx, odt, html) en {elapsed:.1f} s")


def test_stage_filter_lists_the_statutes_paperwork(docs):
    assert [t.id for t in docs.templates("statutes")] == [
        "bulletin_adhesion",
        "convocation_ag",
        "pv_ag",
        "reglement_interieur",
        "statuts",
    ]
    with pytest.raises(BadInput, match="inconnue"):
        docs.templates("nowhere")


def test_porteur_generating_a_document_ticks_only_the_items_it_may(ws, docs, demo):
    """The ACI sheet proves a chargé de mission's item: a porteur generating it leaves the
    item open for them; the statuts prove a porteur's item, which it ticks."""
    from cpts_workflow import accounts
    from cpts_workflow.workspace import Workspace

    accounts.add_account(ws, "lea", name="Léa Porteuse", role="porteur",
                         password="un mot de passe solide")
    accounts.attach(ws, "lea", demo)
    lea = accounts.account_for(ws.shared, "lea")
    porteur_docs = Documents(Workspace(account=lea, shared=ws.shared))
    assert porteur_docs.generate(demo, "fiche_aci", "md").view.checked_items == ()
    assert porteur_docs.generate(demo, "statuts", "md").view.checked_items == (
        "statutes_drafted",)
    officer = docs.generate(demo, "fiche_aci", "md").view
    # An officer's generation ticks the item, unless the sheet still holds placeholders.
    assert officer.checked_items == (() if officer.placeholders else ("aci_preparation_sheet",))
