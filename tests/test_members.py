"""Members: identifiers checked, changes audited without personal data, bureau guard."""

from __future__ import annotations

import pytest

from cpts_workflow import identifiers, members
from cpts_workflow.errors import BadInput, NotFound, Refused

from .conftest import complete_stage


@pytest.fixture
def project(ws):
    return ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug


def test_add_physical_and_legal_members(ws, project):
    jeanne = members.add_member(
        ws,
        project,
        "Jeanne Durand",
        profession="médecin généraliste",
        college="liberaux",
        role="president",
        rpps="101 0101 0105",
        email="Jeanne@Exemple.FR",
    )
    msp = members.add_member(
        ws,
        project,
        "MSP des Collines",
        legal=True,
        structure_kind="msp",
        college="structures",
        siret="732 829 320 00074",
    )
    assert jeanne.rpps == "10101010105" and jeanne.email == "Jeanne@exemple.fr"
    assert jeanne.role_label == "président·e" and jeanne.warnings == ()
    assert (
        msp.siret == "73282932000074"
        and msp.structure_kind_label == "maison de santé pluriprofessionnelle"
    )
    listed = members.list_members(ws, project)
    assert [m.name for m in listed] == ["Jeanne Durand", "MSP des Collines"]
    assert [m.name for m in members.list_members(ws, project, college="structures")] == [
        "MSP des Collines"
    ]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("siret", "73282932000075", "SIRET"),
        ("siret", "123", "ni un SIRET"),
        ("finess", "13000007", "FINESS"),
        ("email", "jeanne.exemple.fr", "e-mail"),
        ("college", "medecins", "Collège"),
        ("role", "chef", "Rôle"),
    ],
)
def test_bad_identifiers_are_refused_in_french(ws, project, field, value, fragment):
    legal = field in ("siret", "finess")
    with pytest.raises(BadInput, match=fragment):
        members.add_member(ws, project, "Quelqu'un", legal=legal, **{field: value})
    assert members.list_members(ws, project) == []


def test_rpps_luhn_failure_warns_but_records(ws, project):
    with pytest.raises(BadInput, match="11 chiffres"):
        members.add_member(ws, project, "A", rpps="1234")
    view = members.add_member(ws, project, "B", rpps="12345678901")
    assert view.rpps == "12345678901" and "Luhn" in view.warnings[0]


def test_identifier_helpers():
    assert identifiers.clean_finess("2A0000123") == "2A0000123"
    assert identifiers.clean_siret("732829320") == "732829320"
    assert identifiers.clean_insee("2a004") == "2A004"
    with pytest.raises(BadInput, match="INSEE"):
        identifiers.clean_insee("13 100 0")


def test_legal_person_has_no_rpps(ws, project):
    with pytest.raises(BadInput, match="personne morale"):
        members.add_member(ws, project, "MSP", legal=True, rpps="10101010105")
    with pytest.raises(BadInput, match="personne morale"):
        members.add_member(ws, project, "Jeanne", siret="73282932000074")


def test_edit_remove_and_audit_payloads(ws, project):
    view = members.add_member(
        ws,
        project,
        "Paul Martin",
        profession="infirmier",
        college="liberaux",
        email="paul@exemple.fr",
        rpps="10101010105",
    )
    edited = members.edit_member(ws, project, view.id, role="trésorier", email="")
    assert edited.role == "treasurer" and edited.email is None
    members.remove_member(ws, project, view.id)
    with pytest.raises(NotFound, match="introuvable"):
        members.get_member(ws, project, view.id)
    events = [e for e in ws.history(project) if e.kind.startswith("member_")]
    assert [e.kind for e in events] == ["member_added", "member_updated", "member_removed"]
    for event in events:
        assert (
            event.payload["member_id"] == view.id and event.payload["member_name"] == "Paul Martin"
        )
        text = repr(event.payload)
        assert (
            "paul@exemple.fr" not in text and "10101010105" not in text and "infirmier" not in text
        )
    assert events[1].payload["fields"] == ["email", "role"]


def test_bureau_complete_guards_leaving_statutes(ws, project):
    for _ in range(3):
        complete_stage(ws, project)
        ws.advance(project)
    assert ws.project(project).stage == "statutes"
    complete_stage(ws, project, guards=False)
    members.add_member(ws, project, "Jeanne Durand", role="president")
    with pytest.raises(Refused) as refused:
        ws.advance(project)
    reasons = " ".join(refused.value.reasons)
    assert "trésorier" in reasons and "secrétaire" in reasons and "président" not in reasons
    members.add_member(ws, project, "Paul Martin", role="treasurer")
    members.add_member(ws, project, "Sophie Bernard", role="secretary")
    assert ws.advance(project).stage == "aci_contract"
