"""Documents a porteur signs and files: the PV's real votes, quorum and bureau; one agenda
for the convocation and the PV; a bulletin d'adhésion on one page; a lettre d'intention
with its sender and the ARS's address; the crisis plan skeleton."""

from __future__ import annotations

import io
import re
import shutil

import pytest

from cpts_workflow import members
from cpts_workflow.documents import Documents
from cpts_workflow.errors import BadInput
from cpts_workflow.territory.changes import add_communes

from .documents_data import project_with_bureau

CONVOCATION = {"date_ag": "15/01/2027", "heure": "19 h", "lieu": "Salle des fêtes, Aix",
               "ordre_du_jour_complement": "Budget prévisionnel\nCalendrier des missions"}
PV = {"heure_debut": "19 h 30", "heure_fin": "21 h 45", "presents": 10, "representes": 3}
VOTES = {"vote_statuts_pour": 12, "vote_statuts_contre": 1, "vote_cotisation_pour": 4,
         "vote_cotisation_contre": 6, "vote_cotisation_abstention": 2,
         "vote_conseil_pour": 13, "vote_pouvoirs_pour": 13}


@pytest.fixture
def docs(ws):
    return Documents(ws)


@pytest.fixture
def slug(ws, docs):
    slug = project_with_bureau(ws, docs)
    docs.save_answers(slug, "convocation_ag", CONVOCATION)
    return slug


# pandoc curls apostrophes and we tie « » : ; with non-breaking spaces: compare plainly.
PLAIN = str.maketrans({"’": "'", "\xa0": " "})


def plain(data: bytes) -> str:
    return data.decode().replace("\\", "").replace("\xa0", " ")


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells).translate(PLAIN)


def odt_text(data: bytes) -> str:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    paragraphs = document.getElementsByType(text.P)
    return "\n".join(teletype.extractText(p) for p in paragraphs).translate(PLAIN)


# --- the PV ------------------------------------------------------------------------------


def test_pv_records_each_vote_and_says_adopted_or_rejected(ws, docs, slug):
    # Date and place come from the convocation, cotisation and siège from the statutes:
    # the PV asks none of them again.
    docs.save_answers(slug, "pv_ag", {**PV, **VOTES})
    assert "date_ag" not in docs.stored_answers(slug, "pv_ag")
    made = docs.generate(slug, "pv_ag", "docx")
    text = docx_text(made.data)
    assert "Le 15 janvier 2027 à 19 h 30" in text and "Salle des fêtes, Aix" in text
    assert "12 pour, 1 contre, 0 abstention. À la majorité des voix exprimées, cette " \
           "résolution est adoptée." in text
    assert "4 pour, 6 contre, 2 abstentions." in text and "résolution est rejetée" in text
    assert ("Le quorum fixé par les statuts (le quart des 4 membres, soit au moins 1) est "
            "atteint : 13 membres présents ou représentés.") in text
    # The shipped statutes give the bureau to the CA: no AG vote on it, the CA's election
    # is reported after the resolutions.
    assert "Quatrième résolution – Pouvoirs pour les formalités" in text
    assert "le conseil d'administration, réuni à l'issue de l'assemblée, a élu" in text
    assert made.view.placeholders == () and made.view.checked_items == ("constitutive_ag_held",)


def test_pv_without_votes_leaves_them_to_write_and_ticks_nothing(ws, docs, slug):
    made = docs.generate(slug, "pv_ag", "odt", answers=PV)
    text = odt_text(made.data)
    assert text.count("Vote : ………… pour, ………… contre, ………… abstentions.") == 4
    assert "adoptée / rejetée (rayer la mention inutile)" in text
    assert made.view.checked_items == ()
    item = next(i for i in ws.checklist(slug, "statutes") if i.id == "constitutive_ag_held")
    assert item.status == "todo"


def test_pv_agenda_is_the_convocation_agenda(docs, slug):
    def agenda(md: str) -> list[str]:
        return re.findall(r"^\d+\. (.+?) ?[;.]$", md, re.M)

    convocation = agenda(plain(docs.generate(slug, "convocation_ag", "md").data))
    pv = agenda(plain(docs.generate(slug, "pv_ag", "md", answers={**PV, **VOTES}).data))
    assert convocation == pv and len(pv) == 9
    assert pv[6:] == ["Budget prévisionnel", "Calendrier des missions", "Questions diverses"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"vote_statuts_pour": 10, "vote_statuts_contre": 3, "vote_statuts_abstention": 1},
         "Résolution « Adoption des statuts » : 14 voix comptées (10 pour, 3 contre, "
         "1 abstention) pour 13 membres présents ou représentés."),
        ({"vote_cotisation_contre": 2},
         "Résolution « Cotisation » : le nombre de voix pour manque"),
        ({"vote_bureau_pour": 13},
         "Les statuts confient l'élection du bureau au conseil d'administration : "
         "l'assemblée générale ne vote pas de résolution sur le bureau."),
        ({"heure_fin": "19 h"}, "La séance ne peut pas être levée à 19 h si elle s'ouvre "
                                "à 19 h 30."),
        ({"vote_statuts_pour": -1}, "« Adoption des statuts : voix pour » (vote_statuts_pour)"
                                    " : -1 n'est pas possible"),
    ],
)
def test_pv_votes_are_checked(docs, slug, answers, message):
    with pytest.raises(BadInput) as refused:
        docs.generate(slug, "pv_ag", "md", answers={**PV, **answers})
    assert message in refused.value.message.replace("\xa0", " ")
    assert docs.history(slug) == []


def test_bureau_elected_by_the_ag_when_the_statutes_say_so(ws, docs, slug, tmp_path):
    """A statutes template asking who elects the bureau: the AG votes it as a resolution."""
    from cpts_workflow.resources import templates_dir

    custom = tmp_path / "modeles"
    shutil.copytree(templates_dir() / "statuts", custom / "statuts")
    meta = custom / "statuts" / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + (
        "  - id: bureau_elu_par\n    label: Organe qui élit le bureau\n    type: choice\n"
        "    choices: [assemblée générale, conseil d'administration]\n"
        "    default: conseil d'administration\n"), encoding="utf-8")
    docs = Documents(ws, [custom])
    docs.save_answers(slug, "statuts", {"bureau_elu_par": "assemblée générale"})
    text = plain(docs.generate(slug, "pv_ag", "md", answers={
        **PV, **VOTES, "vote_bureau_pour": 7, "vote_bureau_contre": 6}).data)
    assert "## Quatrième résolution – Élection du bureau" in text
    assert "l'assemblée générale élit elle-même le bureau" in text
    assert "**7 pour**, 6 contre" in text and "Cinquième résolution – Pouvoirs" in text
    assert "réuni à l'issue de l'assemblée, a élu" not in text
    agenda = plain(docs.generate(slug, "convocation_ag", "md").data)
    assert "5. Élection du bureau (président, secrétaire, trésorier) ;" in agenda


def test_quorum_not_reached_is_refused_and_rejected_statutes_said(ws, docs, slug):
    docs.save_answers(slug, "statuts", {"quorum_ago": "la moitié"})
    for n in range(6):
        members.add_member(ws, slug, f"Membre {n}", college="liberaux")
    with pytest.raises(BadInput, match="Quorum non atteint : 4 membres présents"):
        docs.generate(slug, "pv_ag", "md", answers={**PV, "presents": 4, "representes": 0})
    text = plain(docs.generate(slug, "pv_ag", "md", answers={
        **PV, **VOTES, "vote_statuts_pour": 5, "vote_statuts_contre": 5}).data)
    assert "la moitié des 10 membres, soit au moins 5" in text
    assert "**5 pour**, 5 contre, 0 abstention. À la majorité des voix exprimées, cette " \
           "résolution est **rejetée**." in text


# --- the bulletin ----------------------------------------------------------------------


def test_bulletin_is_a_paper_form_with_its_rgpd_notice(docs, slug):
    for fmt, read in (("docx", docx_text), ("odt", odt_text)):
        text = read(docs.generate(slug, "bulletin_adhesion", fmt,
                                  answers={"type_adherent": "physique"}).data)
        assert re.search(r"Nom et prénom : _{40,}", text), fmt
        assert text.count("☐") == 6 + 3 + 2, fmt  # collèges, mode d'exercice, payment
        for needed in ("Base légale : l'exécution du contrat d'adhésion (article 6.1.b du RGPD)",
                       "Durée de conservation : la durée de l'adhésion puis trois ans",
                       "adresser une réclamation à la CNIL (www.cnil.fr)"):
            assert needed in text, (fmt, needed)


@pytest.mark.browser
def test_bulletin_pdf_one_page_each(docs, slug):
    from pypdf import PdfReader

    from cpts_workflow.documents.convert import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium absent : le PDF n'est pas produit")
    for kind, pages in (("physique", 1), ("morale", 1), ("les_deux", 2)):
        data = docs.generate(slug, "bulletin_adhesion", "pdf", answers={"type_adherent": kind})
        reader = PdfReader(io.BytesIO(data.data))
        assert len(reader.pages) == pages, kind
        assert all("www.cnil.fr" in p.extract_text() for p in reader.pages), kind


# --- the lettre d'intention ------------------------------------------------------------


def test_letter_has_sender_and_the_regions_ars(ws, docs, slug):
    add_communes(ws, slug, ["13001"])
    made = docs.generate(slug, "lettre_intention", "docx", answers={
        "ville": "Aix", "constats": 'Le dispositif "Médecin traitant pour tous".\nLigne deux.',
        "adresse_expediteur": "12 rue des Écoles\n13100 Aix-en-Provence",
        "courriel_expediteur": "Contact@CPTS-Aix.fr"})
    import docx

    paragraphs = [p.text.translate(PLAIN)
                  for p in docx.Document(io.BytesIO(made.data)).paragraphs]
    assert paragraphs[0] == ("CPTS du Pays d'Aix\nJeanne Durand, porteur du projet\n"
                             "12 rue des Écoles\n13100 Aix-en-Provence\nContact@cpts-aix.fr")
    assert ("Madame, Monsieur le Directeur général\nAgence régionale de santé Provence-Alpes-"
            "Côte d'Azur\n132 boulevard de Paris\nCS 50039\n13331 Marseille Cedex 03"
            ) in paragraphs
    assert "Copie :" in paragraphs
    assert "Le dispositif « Médecin traitant pour tous ».\nLigne deux." in paragraphs
    assert made.view.placeholders == ()
    # An address given replaces the table's.
    text = docx_text(docs.generate(slug, "lettre_intention", "docx", answers={
        "ville": "Aix", "constats": "x", "adresse_ars": "ARS Paca\nCS 1\n13000 Marseille"}).data)
    assert "ARS Paca\nCS 1\n13000 Marseille" in text and "132 boulevard" not in text


def test_letter_without_sender_or_territory_is_a_skeleton(docs, slug):
    made = docs.generate(slug, "lettre_intention", "md", answers={"ville": "Aix",
                                                                  "constats": "x"})
    assert set(made.view.placeholders) == {
        "Adresse de l'expéditeur à compléter.", "Courriel de l'expéditeur à compléter.",
        "Adresse de l'Agence régionale de santé à compléter."}
    assert made.view.checked_items == ()
    with pytest.raises(BadInput, match=re.escape(
            "« Courriel de l'expéditeur » (courriel_expediteur) : l'adresse e-mail "
            "« contact@ » est invalide")):
        docs.save_answers(slug, "lettre_intention", {"ville": "Aix", "constats": "x",
                                                     "courriel_expediteur": "contact@"})


def test_every_region_has_its_ars():
    from cpts_workflow.documents.ars import ARS
    from cpts_workflow.territory.reference import regions

    assert set(ARS) == set(regions()) and len(ARS) == 18
    for name, lines in ARS.values():
        assert name.startswith("Agence régionale de santé")
        assert re.match(r"^\d{5} ", lines[-1]), lines


def test_every_ars_postal_code_lies_in_its_region():
    """13 metropolitan agencies (Corsica included) and 5 overseas ones, each addressed in a
    department of its own region: 20xxx for Corsica (2A, 2B), 97xxx by three digits."""
    from cpts_workflow.documents.ars import ARS, CHECKED, ars_for
    from cpts_workflow.territory.reference import departments, regions

    overseas = {code for code in regions() if len(departments_of(code, departments())[0]) == 3}
    assert len(set(ARS) - overseas) == 13 and len(overseas & set(ARS)) == 5 and "94" in ARS
    for region, (_, lines) in ARS.items():
        postal = re.search(r"\b(\d{5})\b", lines[-1])
        assert postal, (region, lines)
        code = postal.group(1)
        department = code[:3] if code.startswith("97") else "2A" if code[:2] == "20" else code[:2]
        if region in overseas and "Cedex" in lines[-1]:
            # An overseas CEDEX code need not carry its department's number (La Réunion's
            # agency is 97743 Saint-Denis Cedex 9): it stays overseas.
            assert code.startswith("97"), (region, code)
            continue
        assert department in departments_of(region, departments()), (region, code)
    assert set(CHECKED) <= set(ARS)
    assert ars_for("53")["verified"] and not ars_for("93")["verified"]  # type: ignore[index]


def departments_of(region: str, known) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(code for code, d in known.items() if d.region == region)


def test_an_unconfirmed_ars_address_is_flagged_in_the_review_notes(ws, docs, slug):
    add_communes(ws, slug, ["13001"])  # Provence-Alpes-Côte d'Azur: not confirmed
    answers = {"ville": "Aix", "constats": "x"}
    flagged = docs.render(slug, "lettre_intention", answers).warnings
    assert len(flagged) == 1 and flagged[0].startswith("Adresse à vérifier : l'adresse de "
                                                       "l'Agence régionale de santé Provence")
    # Not in the letter itself; an address given by the porteur needs no note.
    assert "vérifier" not in docs.render(slug, "lettre_intention", answers).markdown
    assert docs.render(slug, "lettre_intention",
                       {**answers, "adresse_ars": "ARS Paca\n13000 Marseille"}).warnings == ()


# --- the crisis plan -------------------------------------------------------------------


def test_crisis_plan_is_a_skeleton_naming_the_lead_and_cell(docs, slug):
    assert "plan_crise" in [t.id for t in docs.templates("operating")]
    made = docs.generate(slug, "plan_crise", "docx", answers={
        "suppleant_crise": "Paul Martin", "courriel_crise": "crise@cpts-aix.fr"})
    text = docx_text(made.data)
    for needed in ("Référent·e crise", "Jeanne Durand", "Paul Martin", "crise@cpts-aix.fr",
                   "Cellule de crise", "Chaînes d'alerte", "dans les 6 mois"):
        assert needed in text, needed
    assert made.view.checked_items == () and "à désigner" in made.view.placeholders
    assert odt_text(docs.generate(slug, "plan_crise", "odt").data).count("à désigner") >= 6
