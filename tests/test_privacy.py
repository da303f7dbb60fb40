"""RGPD: a person's data exported across projects, and erased everywhere but the counts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cpts_workflow.backup import export_data
from cpts_workflow.errors import BadInput, NotFound
from cpts_workflow.integrity import check_integrity
from cpts_workflow.privacy import erase_person, export_person
from cpts_workflow.store.models import Member

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
    assert report.events_scrubbed == 2 and report.answers_scrubbed == 1
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
    assert len(audit) == 1 and audit[0].payload == {"member_ids": [min(report.members)]}
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
