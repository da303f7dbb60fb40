"""Statutes fit to adopt and sign, and the règlement intérieur that goes with them: draft
and final versions read back from DOCX, ODT and PDF, each founder's choice seen in the
articles, the clauses real statutes carry, and every refusal in French."""

from __future__ import annotations

import io
import re

import pytest

from cpts_workflow import members
from cpts_workflow.documents import Documents
from cpts_workflow.errors import BadInput
from cpts_workflow.store.models import ProjectCommune, ReferenceCommune, ReferenceVintage

from .test_documents_fit import docx_text

STATUTS = {"siege": "12 rue des Écoles, 13100 Aix-en-Provence",
           "ville_signature": "Aix-en-Provence", "ca_membres_min": 3}
FINAL = {"date_ag_constitutive": "15/01/2027"}
PLAIN = str.maketrans({"’": "'", "\xa0": " ", "\u202f": " "})


# Three professions among the libéraux, as a CPTS board should have.
FOUNDERS = [
    {"name": "Jeanne Durand", "role": "president", "profession": "médecin généraliste"},
    {"name": "Paul Martin", "role": "treasurer", "profession": "infirmier"},
    {"name": "Sophie Bernard", "role": "secretary", "profession": "pharmacienne"},
    {"name": "MSP des Collines", "role": "board", "legal": True, "structure_kind": "msp",
     "college": "structures"},
]


@pytest.fixture(name="docs")
def documents_of(ws) -> Documents:
    return Documents(ws)


@pytest.fixture
def slug(ws, docs):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    for founder in FOUNDERS:
        members.add_member(ws, slug, **{"college": "liberaux", **founder})
    with ws.session() as session:
        project = ws.get_project(session, slug)
        vintage = ReferenceVintage(label="essai 2026", rows=2, imported_by="test",
                                   imported_at=ws.now())
        session.add(vintage)
        session.flush()
        # A list that writes the article after the name, as some COG extracts do.
        for insee, nom in (("13001", "Aix-en-Provence"), ("13009", "Barben (La)")):
            session.add(ReferenceCommune(vintage_id=vintage.id, insee=insee, type="COM",
                                         nom=nom, departement="13", region="93",
                                         population=1000))
            session.add(ProjectCommune(project_id=project.id, insee=insee, added_at=ws.now(),
                                       added_by="test"))
    docs.save_answers(slug, "statuts", STATUTS)
    return slug


def md(docs, slug, template="statuts", final=False, **answers) -> str:
    text = docs.generate(slug, template, "md", answers=answers or None, final=final).data.decode()
    return re.sub(r"\\(.)", r"\1", text).translate(PLAIN)


def odt_text(data: bytes) -> str:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    parts = [teletype.extractText(e) for kind in (text.H, text.P)
             for e in document.getElementsByType(kind)]
    return "\n".join(parts).translate(PLAIN)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.translate(PLAIN).split())  # lines wrapped by the page width


DRAFT_MARK = "Projet de statuts — document de travail"
ADOPTED = "Statuts adoptés par l'assemblée générale constitutive du 15/01/2027"


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_draft_and_final_read_back(docs, slug, fmt):
    read = docx_text if fmt == "docx" else odt_text
    draft = docs.generate(slug, "statuts", fmt)
    text = read(draft.data).translate(PLAIN)
    assert DRAFT_MARK in text and "à la date du présent projet" in text
    assert draft.file_name == f"statuts-cpts-du-pays-d-aix.{fmt}" and not draft.view.final
    final = docs.generate(slug, "statuts", fmt, answers=FINAL, final=True)
    text = read(final.data).translate(PLAIN)
    assert ADOPTED in text and "Fait à Aix-en-Provence, le 15 janvier 2027" in text
    for gone in ("Projet", "document de travail", "à relire", "présent projet", "membres à la",
                 "à désigner", "................"):
        assert gone not in text, gone
    for officer in ("Président·e : Jeanne Durand", "Secrétaire : Sophie Bernard",
                    "Trésorier·ère : Paul Martin"):
        assert officer in text
    assert final.file_name == f"statuts-adoptes-cpts-du-pays-d-aix.{fmt}" and final.view.final
    assert final.view.checked_items == () and final.view.placeholders == ()


@pytest.mark.browser
def test_final_statutes_and_rules_in_pdf(docs, slug):
    from cpts_workflow.documents.convert import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium absent")
    docs.save_answers(slug, "statuts", FINAL)
    text = pdf_text(docs.generate(slug, "statuts", "pdf", final=True).data)
    assert ADOPTED in text and "Jeanne Durand" in text and "Sophie Bernard" in text
    assert "document de travail" not in text
    rules = pdf_text(docs.generate(slug, "reglement_interieur", "pdf", final=True).data)
    assert "Règlement intérieur adopté par l'assemblée générale du 15/01/2027" in rules
    assert "Paul Martin" in rules and "document de travail" not in rules
    draft = pdf_text(docs.generate(slug, "statuts", "pdf").data)
    assert DRAFT_MARK in draft


def test_final_needs_two_named_officers(ws, docs, slug):
    members.edit_member(ws, slug, 1, role="board")
    with pytest.raises(BadInput, match="La version définitive des statuts porte la signature "
                       "de la présidente ou du président : aucun membre n'a ce rôle"):
        docs.generate(slug, "statuts", "md", answers=FINAL, final=True)
    members.edit_member(ws, slug, 1, role="president")
    members.edit_member(ws, slug, 2, role="board")
    members.edit_member(ws, slug, 3, role="")
    with pytest.raises(BadInput, match="deux membres du bureau : aucun membre n'est "
                       "secrétaire ni trésorier·ère"):
        docs.generate(slug, "statuts", "md", answers=FINAL, final=True)
    members.edit_member(ws, slug, 2, role="treasurer")
    text = md(docs, slug, final=True, **FINAL)
    assert "Président·e** : Jeanne Durand" in text and "Trésorier·ère** : Paul Martin" in text
    assert "Secrétaire" not in text.split("Fait à")[1]
    # The draft keeps every office, blank ones to fill in (and so ticks nothing).
    draft = docs.generate(slug, "statuts", "md")
    assert "à désigner" in draft.view.placeholders


def test_final_date_is_asked_once_and_checked_against_the_pv(docs, slug):
    with pytest.raises(BadInput, match=re.escape(
            "La version définitive de « Statuts de l'association » demande une réponse à : "
            "« Date de l'assemblée générale constitutive qui adopte les statuts » "
            "(date_ag_constitutive).")):
        docs.generate(slug, "statuts", "md", final=True)
    # Without an answer of its own, the statutes take the convocation's date…
    docs.save_answers(slug, "convocation_ag", {"date_ag": "15/01/2027", "heure": "19 h",
                                               "lieu": "Aix"})
    assert ADOPTED in md(docs, slug, final=True)
    # … and an answer contradicting it is refused.
    with pytest.raises(BadInput, match="Les statuts sont adoptés le 16/01/2027, mais la "
                       "convocation de l'assemblée générale constitutive porte la date du 15/01/2027"):
        docs.generate(slug, "statuts", "md", answers={"date_ag_constitutive": "16/01/2027"},
                      final=True)
    with pytest.raises(BadInput, match="« Procès-verbal de l'assemblée générale constitutive » "
                       "n'a pas de version définitive"):
        docs.generate(slug, "pv_ag", "md", final=True)


def test_votes_per_college_and_partners_by_convention(ws, docs, slug):
    members.add_member(ws, slug, "Mairie d'Éguilles", legal=True, college="partenaires")
    text = md(docs, slug, voix_etablissements="consultative", voix_usagers="délibérative",
              voix_partenaires="convention")
    collèges = text.split("Membres et collèges")[1].split("Adhésion")[0]
    assert "Établissements sanitaires**, voix consultative" in collèges
    assert "Usagers et associations d'usagers**, voix délibérative" in collèges
    assert "Collège 6" not in collèges and "**Collège 5 :" in collèges
    assert "Les partenaires ne sont pas membres de l'association" in collèges
    assert ("les membres du collège « Établissements sanitaires » participent aux assemblées "
            "avec voix consultative") in text
    # The PV requires a board member for voting collèges only.
    from cpts_workflow.documents.statutes import deliberative_college_ids

    saved = docs.save_answers(slug, "statuts", {"voix_partenaires": "convention"})
    assert "partenaires" not in deliberative_college_ids(saved, ["liberaux", "partenaires"])
    # Answers saved by the former yes/no question are carried over.
    saved = docs.save_answers(slug, "statuts", {"usagers_voix_deliberative": "oui"})
    assert saved["voix_usagers"] == "délibérative" and "usagers_voix_deliberative" not in saved


SEATS = {"sieges_liberaux": 6, "sieges_structures": 2, "sieges_etablissements": 1,
         "sieges_medico_social": 1}


def test_board_seats_per_college(docs, slug):
    text = md(docs, slug, **SEATS, sieges_usagers=1)
    board = text.split("Conseil d'administration")[1].split("Bureau")[0]
    assert "conseil d'administration de 11 membres" in board
    assert "- Professionnels de santé libéraux : 6 sièges ;" in board
    assert "- Usagers et associations d'usagers : 1 siège, avec voix consultative." in board
    rules = md(docs, slug, "reglement_interieur")
    assert "| 6 |" not in rules  # the saved statutes have no split yet
    docs.save_answers(slug, "statuts", SEATS)
    rules = md(docs, slug, "reglement_interieur")
    assert "| Professionnels de santé libéraux |" in rules and "| délibérative | 6 |" in rules


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({**SEATS, "sieges_liberaux": 30}, "font 34 administrateurs ; les statuts prévoient un "
         "conseil de 3 à 18 membres"),
        ({**SEATS, "sieges_liberaux": 1}, "1 siège pour les professionnels de santé libéraux : "
         "il en faut au moins deux pour que plusieurs professions de premier recours siègent"),
        ({**SEATS, "sieges_structures": 5}, "la majorité des sièges aux libéraux, mais la "
         "répartition leur en donne 6 sur 13"),
        ({**SEATS, "sieges_medico_social": 0}, "« Acteurs médico-sociaux et sociaux » a voix "
         "délibérative mais aucun siège"),
        ({**SEATS, "voix_usagers": "convention", "sieges_usagers": 1}, "lié par convention"),
        ({**SEATS, "sieges_partenaires": 2}, "pour le collège « partenaires », que les statuts "
         "ne retiennent pas"),
        ({"ca_membres_min": 30, "ca_membres_max": 3}, "de 30 à 3 membres"),
    ],
)
def test_seats_that_do_not_add_up_are_refused(docs, slug, answers, message):
    with pytest.raises(BadInput, match=re.escape(message)):
        docs.generate(slug, "statuts", "md", answers=answers)


def test_one_election_rule_in_every_article(docs, slug):
    by_ag = md(docs, slug)
    assert "élus par l'assemblée générale ordinaire parmi les membres de chaque collège" in by_ag
    assert "élus par les membres de ce collège" not in by_ag
    docs.save_answers(slug, "statuts", {"election_ca": "par collège"})
    by_college = md(docs, slug)
    assert "élus par les membres de ce collège" in by_college
    assert "que chaque collège élit en son sein" in by_college
    assert "élus par l'assemblée générale" not in by_college
    rules = md(docs, slug, "reglement_interieur")
    assert "élus par les membres de ce collège" in rules and "élus par l'assemblée" not in rules


def test_territory_in_the_statutes_or_in_the_rules(docs, slug):
    text = md(docs, slug)
    territory = text.split("– Territoire")[1].split("– Siège")[0]
    assert "Aix-en-Provence (13001) et La Barben (13009)" in territory
    assert "Barben (La)" not in text
    assert "ne peut être modifiée que par l'assemblée générale extraordinaire" in territory
    assert "y compris la liste des communes du territoire" in text
    rules = md(docs, slug, "reglement_interieur")
    assert "La Barben" not in rules and "figure dans les statuts" in rules
    docs.save_answers(slug, "statuts", {"territoire_dans": "règlement intérieur"})
    text = md(docs, slug)
    assert "La Barben" not in text and "figure au règlement intérieur" in text
    rules = md(docs, slug, "reglement_interieur")
    assert "| La Barben | 13009 |" in rules


def test_indemnisation_salaried_staff_remote_votes_and_categories(docs, slug):
    text = md(docs, slug)
    assert "autorisent toutefois l'indemnisation du temps" in text
    assert "décret n° 2022-375 du 16 mars 2022" in text
    assert "approuve le barème d'indemnisation des membres" in text
    assert "Le membre concerné ne prend pas part au vote" in text
    assert "Les salariés de l'association ne peuvent pas être administrateurs" in text
    assert "par visioconférence" in text and "vote par correspondance" not in text
    assert "membres d'honneur" not in text
    text = md(docs, slug, indemnisation=False, salaries_ca=True, vote_distance="non",
              categories_membres="fondateurs, honneur")
    assert "Gratuité des fonctions" in text and "aucune rémunération ni indemnité" in text
    assert "indemnisation du temps" not in text and "barème" not in text
    assert "dans la limite du quart des sièges" in text
    assert "visioconférence" not in text
    assert "**membres fondateurs**" in text and "**membres d'honneur**" in text
    assert "les membres d'honneur en étant dispensés" in text
    text = md(docs, slug, vote_distance="visioconférence et vote écrit")
    assert "vote par correspondance ou par voie électronique" in text
    assert "consulter les administrateurs par écrit" in text


def test_clauses_real_statutes_carry(docs, slug):
    text = md(docs, slug)
    assert ("les comptes de l'exercice clos, le rapport d'activité et le budget prévisionnel "
            "sont joints à la convocation") in text
    assert "registre spécial" in text and "déclare dans les trois mois" in text
    assert "greffe des associations" in text
    assert "153 000 €" in text and "commissaire aux comptes et un suppléant" in text
    assert "L612-4" in text


def test_wording(docs, slug):
    text = md(docs, slug, sigle="CPTS PA", denomination="CPTS du Pays d'Aix")
    assert "Le siège social de l'association est fixé à l'adresse suivante : 12 rue des Écoles" \
        in text
    assert "fixé au 12" not in text and "CPTS CPTS" not in text
    assert "et pour sigle « CPTS PA »" in text
    articles = re.findall(r"^### Article (\d+) – ", text, re.M)
    assert [int(n) for n in articles] == list(range(1, len(articles) + 1))
    assert not re.search(r"^\s*\d+\.\s", text, re.M)  # no second numbering inside articles
    data = docs.generate(slug, "statuts", "docx", answers={"sigle": "CPTS PA"}).data
    import docx

    sigle = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if "pour sigle" in p.text]
    assert "CPTS\u00a0PA" in sigle[0]  # one unbreakable word
    assert "«" in sigle[0] and '"' not in sigle[0]


def test_rules_read_the_statutes_answers(docs, ws, slug):
    questions = {q.id for q in docs.questions("reglement_interieur")}
    statutes = {q.id for q in docs.questions("statuts")}
    assert not questions & statutes  # nothing asked twice
    data = docs.generate(slug, "reglement_interieur", "docx").data
    text = docx_text(data).translate(PLAIN)
    assert "Règlement intérieur de l'association « CPTS du Pays d'Aix »" in text
    assert "Projet de règlement intérieur — document de travail" in text
    assert "Structures d'exercice coordonné" in text and "10 €" in text
    odt = odt_text(docs.generate(slug, "reglement_interieur", "odt").data)
    assert "Indemnisation des membres" in odt
    made = docs.generate(slug, "reglement_interieur", "md")
    assert made.view.placeholders and made.view.checked_items == ()
    text = md(docs, slug, "reglement_interieur",
              indemnisation_bareme="Groupe de travail : 80 € la demi-journée.")
    assert "Groupe de travail : 80 € la demi-journée." in text
    docs.save_answers(slug, "statuts", {"indemnisation": False})
    text = md(docs, slug, "reglement_interieur")
    assert "Gratuité des fonctions" in text and "Indemnisation des membres" not in text
    # The règlement cannot be written before the statutes are answered.
    other = ws.create_project("CPTS du Grand Sud").slug
    with pytest.raises(BadInput, match=re.escape(
            "« Règlement intérieur » reprend les réponses de « Statuts de l'association », "
            "incomplètes")):
        docs.generate(other, "reglement_interieur", "md")


def test_warning_when_the_liberaux_are_one_profession(ws, docs, slug):
    assert docs.generate(slug, "statuts", "md").view.warnings == ()
    for n in (1, 2, 3):
        members.edit_member(ws, slug, n, profession="médecin")
    made = docs.generate(slug, "statuts", "md")
    assert made.view.warnings == (
        "Les professionnels libéraux enregistrés n'exercent qu'une profession (médecin) : le "
        "conseil d'administration d'une CPTS réunit d'ordinaire plusieurs professions de "
        "premier recours.",)


def test_cli_final(cpts, tmp_path):
    assert cpts("new", "CPTS du Pays d'Aix").exit_code == 0
    for name, role in (("Jeanne Durand", "president"), ("Sophie Bernard", "secretary")):
        cpts("member", "add", "cpts-du-pays-d-aix", name, "--college", "liberaux",
             "--role", role, "--profession", "médecin")
    answers = tmp_path / "statuts.yaml"
    answers.write_text("siege: 1 place du Marché, 13330 La Barben\nville_signature: La Barben\n"
                       "date_ag_constitutive: 15/01/2027\nterritoire_dans: règlement intérieur\n",
                       encoding="utf-8")
    assert cpts("doc", "answer", "cpts-du-pays-d-aix", "statuts", "--answers",
                str(answers)).exit_code == 0
    result = cpts("doc", "generate", "cpts-du-pays-d-aix", "statuts", "--final", "--format",
                  "md", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "statuts-adoptes-cpts-du-pays-d-aix.md" in result.stdout
    assert "Attention : Les professionnels libéraux enregistrés n'exercent qu'une profession" \
        in result.stderr
    text = (tmp_path / "statuts-adoptes-cpts-du-pays-d-aix.md").read_text(encoding="utf-8")
    assert "Statuts adoptés par l" in text and "Sophie Bernard" in text
    result = cpts("doc", "questions", "statuts")
    assert re.search(r"date_ag_constitutive .* version définitive", result.stdout)
