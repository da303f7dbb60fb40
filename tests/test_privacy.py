"""RGPD: a person's data exported across projects, and erased everywhere but the counts."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import select

from cpts_workflow.backup import export_data
from cpts_workflow.errors import BadInput, NotFound
from cpts_workflow.integrity import check_integrity
from cpts_workflow.privacy import erase_person, export_person
from cpts_workflow.store.models import ChecklistState, DocumentAnswers, Member

from .conftest import complete_stage
from .reliability_data import PERSON, add_member, populate


@pytest.mark.parametrize("how", ["name", "email", "id", "spaced"])
def test_export_person_across_projects(ws, how):
    slugs = populate(ws, complete_stage)
    with ws.session() as session:
        first = session.scalar(select(Member.id).where(Member.name == PERSON["name"]))
    ref = {"name": PERSON["name"], "email": PERSON["email"].upper(), "id": str(first),
           "spaced": f"  {PERSON['name'].lower()} "}[how]
    data = export_person(ws, ref)
    assert sorted(m["project"] for m in data["members"]) == sorted(slugs.values())
    assert {m["rpps"] for m in data["members"]} == {"10101010101", None}
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.count("member_added") == 2
    assert data["document_answers"][0]["answers"]["president"] == PERSON["name"]
    json.dumps(data)  # plain JSON


def test_erase_person_leaves_no_trace(ws):
    slugs = populate(ws, complete_stage)
    other = add_member(ws, slugs["aix"], "Jean Martin", email="jean@example.fr", college="1")
    report = erase_person(ws, PERSON["email"], reason="Demande de l'intéressée du 20/11/2026")
    assert report.projects == sorted(slugs.values(), key=lambda s: s != slugs["aix"])
    # member_added in each project, and the upload of the proof naming the person
    assert report.events_scrubbed == 3 and report.answers_scrubbed == 1
    assert report.evidence_deleted == 1  # the attestation naming the person is deleted
    dump = json.dumps(export_data(ws), ensure_ascii=False)
    for value in (PERSON["name"], PERSON["email"], PERSON["phone"], "10101010101",
                  "disponible le mardi"):
        assert value not in dump, value
    assert "Jean Martin" in dump  # nobody else is touched
    with ws.session() as session:
        erased = session.scalars(select(Member).where(Member.erased_at.is_not(None))).all()
        assert len(erased) == 2
        for m in erased:
            assert m.name == f"Personne effacée n° {m.id}"
            assert (m.profession, m.rpps, m.email, m.phone, m.extra) == (None,) * 5
            assert m.college == "1"  # collège counts stay right
        assert session.get(Member, other).email == "jean@example.fr"
    history = ws.history(slugs["aix"])
    audit = [e for e in history if e.kind == "member_erased"]
    assert len(audit) == 1 and audit[0].payload == {"member_ids": [min(report.members)], "evidence_deleted": 1}
    added = [e for e in history if e.kind == "member_added"][0]
    assert added.payload["member_name"] == f"Personne effacée n° {added.payload['member_id']}"
    assert added.comment == f"Ajout de Personne effacée n° {min(report.members)}"
    assert check_integrity(ws).ok
    with pytest.raises(NotFound):
        erase_person(ws, PERSON["email"], reason="encore")


def test_erase_needs_a_reason_and_a_person(ws):
    populate(ws, complete_stage)
    with pytest.raises(BadInput):
        erase_person(ws, PERSON["name"], reason="  ")
    with pytest.raises(NotFound) as exc:
        export_person(ws, "Personne Inconnue")
    assert "Aucune personne « Personne Inconnue »" in exc.value.message


def test_old_backup_does_not_bring_an_erased_person_back(ws, tmp_path):
    from cpts_workflow.backup import export_to_file, import_backup
    from cpts_workflow.errors import Conflict

    populate(ws, complete_stage)
    export_to_file(ws, tmp_path / "avant.json")
    erase_person(ws, PERSON["email"], reason="Demande")
    try:
        report = import_backup(ws, tmp_path / "avant.json")
        assert report.created == [] and report.replaced == []
    except Conflict:
        pass
    assert PERSON["email"] not in json.dumps(export_data(ws), ensure_ascii=False)


# --- everything about a person, whatever the spelling --------------------------------

NFD_NAME = unicodedata.normalize("NFD", PERSON["name"])  # « E » + combining acute accent


def _mentions_everywhere(ws, slugs) -> None:
    """Traces of the person in every free-text place, some written in NFD (as pasted from
    a Mac), in capitals, with another spacing or a phone without separators."""
    assert PERSON["name"] != NFD_NAME
    aix = slugs["aix"]
    todo = [i.id for i in ws.checklist(aix, "all") if i.status == "todo" and i.evidence == "note"]
    ws.check(aix, todo[0], note=f"Validé avec {NFD_NAME.upper()}")
    ws.skip(aix, todo[1], reason=f"Voir {PERSON['email'].upper()}")
    with ws.changing(aix, "check") as (session, project):
        # Stored as is, bypassing any normalisation on the way in (an older base).
        session.add(ChecklistState(project_id=project.id, item_id=todo[2], status="done",
                                   value="0612345678", note=f"appel à {NFD_NAME.lower()}",
                                   updated_by="Claire Martin", updated_at=ws.now()))
        ws.record_event(session, project, "document_answered",
                        comment=f"Bureau : {NFD_NAME}  (présidente)",
                        payload={"bureau": {NFD_NAME: "présidente"}, "tel": "06.12.34.56.78"})
        answers = session.get(DocumentAnswers, (project.id, "statuts"))
        answers.answers = {**answers.answers, "membres": [{"nom": NFD_NAME.upper()}]}


def test_export_person_covers_checklist_answers_comments_and_documents(ws):
    slugs = populate(ws, complete_stage)
    _mentions_everywhere(ws, slugs)
    data = export_person(ws, f"  {NFD_NAME.upper()} ")  # typed in NFD and capitals
    assert data["person"] == PERSON["name"].upper()
    assert len(data["members"]) == 2
    notes = sorted(c["note"] or c["reason"] for c in data["checklist"])
    assert len(notes) == 3, data["checklist"]
    assert any(c["value"] == "0612345678" for c in data["checklist"])
    assert any(e["kind"] == "document_answered" for e in data["events"])
    assert data["document_answers"][0]["answers"]["membres"] == [{"nom": NFD_NAME.upper()}]
    assert [d["path"] for d in data["documents"]] == ["/tmp/statuts.docx"]
    json.dumps(data)


def test_erase_person_reaches_every_trace_in_both_spellings(ws):
    slugs = populate(ws, complete_stage)
    _mentions_everywhere(ws, slugs)
    report = erase_person(ws, NFD_NAME, reason=f"Demande de {NFD_NAME} du 20/11/2026")
    assert len(report.members) == 2
    assert report.checklist_scrubbed == 3
    assert report.answers_scrubbed == 1
    assert report.documents == ["/tmp/statuts.docx"]
    dump = json.dumps(export_data(ws), ensure_ascii=False)
    folded = unicodedata.normalize("NFC", dump).casefold()
    for value in (PERSON["name"], PERSON["email"], "0612345678", "06.12.34.56.78",
                  PERSON["phone"], "10101010101"):
        assert unicodedata.normalize("NFC", value).casefold() not in folded, value
    assert NFD_NAME not in dump and NFD_NAME.lower() not in dump
    assert "Personne effacée n°" in dump
    with ws.session() as session:
        states = session.scalars(select(ChecklistState)).all()
        assert any(s.note and "Personne effacée" in s.note for s in states)
    assert check_integrity(ws).ok
