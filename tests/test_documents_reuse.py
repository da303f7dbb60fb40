"""One answer, several documents: a question declares (`fallback:` in `meta.yaml`) the
answers of other documents it reuses while it has none; the reused answer stays the other
document's (never saved twice), an answer given here wins over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpts_workflow.documents import Documents
from cpts_workflow.documents.interview import Interview, progress
from cpts_workflow.documents.templates import TemplateCatalog
from cpts_workflow.workspace import Workspace

from .documents_data import project_with_bureau

SIEGE = "3 place du Marché, 13100 Aix"
PV = {"heure_debut": "19 h", "heure_fin": "21 h", "presents": 4}


@pytest.fixture
def docs(tmp_path, clock) -> Documents:
    ws = Workspace(f"sqlite:///{tmp_path / 'reuse.db'}", actor="Claire Martin", now=clock)
    ws.init()
    return Documents(ws)


def _step_of(interview: Interview, question: str) -> int:
    return next(s.number for s in interview.steps if question in [q.id for q in s.questions])


def test_an_answer_given_once_flows_into_the_statutes_and_the_pv(docs):
    slug = project_with_bureau(docs.ws, docs)
    docs.save_answers(slug, "convocation_ag", {"date_ag": "15/01/2027", "heure": "19 h",
                                               "lieu": "Salle des fêtes"})
    # The siège is answered once, in the statutes' guided interview.
    statutes = Interview(docs, slug, "statuts")
    number = _step_of(statutes, "siege")
    typed = {f.question.id: f.value for f in statutes.step(number).fields}
    assert statutes.save(number, {**typed, "siege": SIEGE}).saved
    # The PV is answered without its siège, date, place or cotisation: all reused.
    docs.save_answers(slug, "pv_ag", PV)
    assert not {"siege", "date_ag", "lieu", "cotisation_montant"} & set(docs.stored_answers(slug, "pv_ag"))
    final = docs.render(slug, "statuts", final=True).markdown
    pv = docs.render(slug, "pv_ag").markdown
    for text in (final.replace("\xa0", " "), pv.replace("\xa0", " ")):
        assert SIEGE in text and "Jeanne Durand" in text
    assert "15 janvier 2027" in final and "Salle des fêtes" in pv
    # Changed in the statutes, the siège changes in the PV too: it was never copied.
    docs.save_answers(slug, "statuts", {"siege": "1 cours Mirabeau, 13100 Aix"})
    assert "1 cours Mirabeau" in docs.render(slug, "pv_ag").markdown


def test_the_interview_shows_a_reused_answer_and_does_not_copy_it(docs):
    slug = project_with_bureau(docs.ws, docs)
    pv = Interview(docs, slug, "pv_ag")
    number = _step_of(pv, "siege")
    fields = {f.question.id: f for f in pv.step(number).fields}
    siege, cotisation = fields["siege"], fields["cotisation_montant"]
    assert (siege.origin, siege.value, siege.source) == (
        "reused", "12 rue des Écoles, 13100 Aix-en-Provence", "Statuts de l'association")
    assert not siege.missing
    # The statutes' cotisation (their default, saved with their answers) beats the PV's default.
    assert (cotisation.origin, cotisation.value) == ("reused", 10.0)
    # Missing: date, place (no convocation yet), opening, closing, members present.
    assert next(p for p in progress(docs, slug) if p.template == "pv_ag").missing == 5
    # Kept as shown, the step saves nothing of the statutes' answer.
    state = pv.save(number, {q: f.value for q, f in fields.items()})
    assert state.saved and "siege" not in docs.stored_answers(slug, "pv_ag")
    # An answer given here wins, and shows as the PV's own; emptied, the reuse comes back.
    pv.save(number, {"siege": "Ailleurs, 13100 Aix", "cotisation_montant": "10"})
    siege = pv.review().fields["siege"]
    assert (siege.origin, siege.value) == ("answer", "Ailleurs, 13100 Aix")
    assert pv.save(number, {"siege": "", "cotisation_montant": "10"}).saved
    assert pv.review().fields["siege"].origin == "reused"
    assert docs.stored_answers(slug, "pv_ag")["siege"] is None


def test_a_template_written_with_shared_still_loads(tmp_path: Path):
    folder = tmp_path / "modeles" / "pv_court"
    folder.mkdir(parents=True)
    (folder / "meta.yaml").write_text(
        "title: PV court\nstage: statutes\nversion: '1'\noutput: pv-court\nquestions:\n"
        "  - {id: siege, label: Siège, shared: statuts}\n"
        "  - {id: jour, label: Jour, type: date, fallback: pv_ag.date_ag}\n",
        encoding="utf-8")
    (folder / "template.md.j2").write_text("PV\n", encoding="utf-8")
    meta = TemplateCatalog([tmp_path / "modeles"]).get("pv_court")
    assert [q.fallback for q in meta.questions] == [("statuts.siege",), ("pv_ag.date_ag",)]
