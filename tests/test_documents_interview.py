"""The guided interview's library: one answer validated alone, a step saved whole or not at
all, an earlier contradiction not holding a step back, who answered what."""

from __future__ import annotations

import pytest

from cpts_workflow.documents import Documents
from cpts_workflow.documents.interview import Interview, plan_steps, progress
from cpts_workflow.documents.templates import TemplateCatalog
from cpts_workflow.errors import BadInput, Forbidden
from cpts_workflow.workspace import Workspace

SLUG = "cpts-du-pays-d-aix"


@pytest.fixture
def ws(tmp_path, clock) -> Workspace:
    ws = Workspace(f"sqlite:///{tmp_path / 'iv.db'}", actor="Claire Martin", now=clock)
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    return ws


@pytest.mark.parametrize(("kind", "typed", "value"), [
    ("ca_membres_max", " 12 ", 12), ("cotisation_montant", "12,50", 12.5),
    ("salaries_ca", "oui", True), ("quorum_ago", "le tiers", "le tiers"),
    ("colleges", ["liberaux", "usagers"], ["liberaux", "usagers"]), ("sigle", "  ", None),
])
def test_one_answer_alone(kind, typed, value):
    meta = TemplateCatalog().get("statuts")
    assert meta.validate_answer(kind, typed) == value


@pytest.mark.parametrize(("question", "typed", "message"), [
    ("ca_membres_max", "300", "300 n'est pas possible ; attendu entre 3 et 100."),
    ("ca_membres_max", "douze", "« douze » n'est pas un nombre"),
    ("salaries_ca", "peut-être", "Attendu : oui/non."),
    ("quorum_ago", "tous", "« tous » n'est pas un choix possible."),
])
def test_a_wrong_answer_alone_says_why_without_naming_the_question(question, typed, message):
    meta = TemplateCatalog().get("statuts")
    with pytest.raises(BadInput) as caught:
        meta.validate_answer(question, typed)
    assert caught.value.message.startswith(message)


def test_a_step_is_saved_whole_or_not_at_all(ws):
    interview = Interview(Documents(ws), SLUG, "statuts")
    number = next(s.number for s in interview.steps if "ca_membres_min" in [q.id for q in s.questions])
    typed = {q.id: q.default for q in interview.steps[number - 1].questions}
    refused = interview.save(number, {**typed, "ca_membres_min": "30", "ca_membres_max": "3"})
    assert "le minimum dépasse le maximum" in refused.errors[""] and not refused.saved
    assert Documents(ws).stored_answers(SLUG, "statuts") == {}
    done = interview.save(number, {**typed, "ca_membres_min": "4", "ca_membres_max": "9"})
    assert done.saved and {"ca_membres_min", "ca_membres_max"} <= set(done.changed)
    assert Documents(ws).stored_answers(SLUG, "statuts")["ca_membres_max"] == 9
    review = interview.review()
    assert review.fields["ca_membres_max"].answered.by == "Claire Martin"
    other = next(q.id for q in interview.steps[number - 1].questions if not q.id.startswith("ca_"))
    assert review.fields[other].origin == "answer"  # accepted as proposed: an answer
    assert review.fields["siege"].missing and not review.ready
    assert [p.template for p in progress(Documents(ws), SLUG) if p.answered] == ["statuts"]


def test_a_contradiction_already_there_does_not_hold_another_step_back(ws):
    docs = Documents(ws)
    docs.save_answers(SLUG, "statuts", {"siege": "1 rue", "ville_signature": "Aix"})
    pv = Interview(docs, SLUG, "pv_ag")
    first = {q.id: None for q in pv.steps[0].questions}
    first.update(date_ag="15/01/2027", heure_debut="19h", heure_fin="21h", lieu="Aix")
    assert pv.save(1, first).saved
    second = pv.steps[1]
    typed = {q.id: None for q in second.questions} | {"presents": "3", "representes": "40"}
    assert "pouvoirs" in pv.save(2, typed).errors[""]
    typed["representes"] = "2"
    assert pv.save(2, typed).saved


def test_steps_need_the_right_to_answer(ws, clock):
    from cpts_workflow import accounts

    accounts.add_account(ws, "lea", name="Léa", role="reader", password="un mot de passe solide")
    reader = Workspace(account=accounts.get_account(ws, "lea"), shared=ws.shared, now=clock)
    interview = Interview(Documents(reader), SLUG, "statuts")
    with pytest.raises(Forbidden):
        interview.step(1)
    assert interview.review().can_answer is False
    assert len(plan_steps(interview.meta)) == len(interview.steps)
