"""Test data reaching every table of the schema, shared by the backup, privacy and
migration tests. When a feature adds a table, `populate` must fill it too:
tests/test_backup.py fails on any empty table."""

from __future__ import annotations

from datetime import date

from cpts_workflow.store.models import (
    AciContract,
    Contact,
    ContractAmount,
    ContractIndicator,
    ContractPayment,
    ContractSpending,
    DeletedProject,
    DocumentAnswers,
    FundingGrid,
    GeneratedDocument,
    IndicatorValue,
    JournalNote,
    Member,
    Partner,
    ProjectCommune,
    ProjectMission,
    ProjectSlug,
    ReferenceCommune,
    ReferenceVintage,
)
from cpts_workflow.workspace import Workspace

PERSON = {"name": "Élise Durand", "email": "elise.durand@example.fr", "phone": "06 12 34 56 78"}


def add_member(ws: Workspace, project: str, name: str, **fields) -> int:
    """A member added as the members feature will: row + audited event naming them."""
    with ws.changing(project, "members") as (session, p):
        now = ws.now()
        member = Member(project_id=p.id, name=name, created_at=now, updated_at=now, **fields)
        session.add(member)
        session.flush()
        ws.record_event(session, p, "member_added", comment=f"Ajout de {name}",
                        payload={"member_id": member.id, "member_name": name,
                                 "email": fields.get("email")})
        return member.id


def populate(ws: Workspace, complete_stage) -> dict[str, str]:
    """Two projects with history, members, territory, documents, missions; grids; references."""
    aix = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin").slug
    gap = ws.create_project("CPTS du Gapençais", officer="Marc Petit").slug
    complete_stage(ws, aix)
    ws.advance(aix, comment="Diagnostic lancé")
    ws.pause(gap, reason="Attente de l'ARS")
    add_member(ws, aix, PERSON["name"], profession="infirmière", rpps="10101010101",
               email=PERSON["email"], phone=PERSON["phone"], college="1", role="president",
               extra={"note": "disponible le mardi"})
    add_member(ws, gap, PERSON["name"], profession="infirmière", email=PERSON["email"], college="1")
    add_member(ws, aix, "Maison de santé du Tholonet", legal=True, siret="73282932000074",
               structure_kind="msp", college="2")
    from cpts_workflow.evidence import add_evidence

    # A proof naming the person (RGPD erasure deletes it) and bytes no text holds.
    add_evidence(ws, aix, "working_group", f"attestation {PERSON['name']}.png",
                 b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with ws.changing(aix, "territory") as (session, p):
        now = ws.now()
        session.add(ProjectCommune(project_id=p.id, insee="13001", added_at=now, added_by=ws.actor))
        session.add(DocumentAnswers(project_id=p.id, template="statuts",
                                    answers={"president": PERSON["name"], "siege": "Aix"},
                                    updated_by=ws.actor, updated_at=now))
        session.add(GeneratedDocument(project_id=p.id, template="statuts", template_version="1",
                                      format="docx", path="/tmp/statuts.docx", checksum="a" * 64,
                                      answers_checksum="b" * 64, created_by=ws.actor,
                                      created_at=now))
        session.add(ProjectMission(project_id=p.id, mission="acces_soins", chosen=True,
                                   started_on=date(2026, 9, 1), updated_by=ws.actor,
                                   updated_at=now))
        session.add(FundingGrid(id="aci_2019", label="ACI 2019", content={"taille_1": 50000},
                                imported_by=ws.actor, imported_at=now))
        vintage = ReferenceVintage(label="COG 2026", source="INSEE", rows=1,
                                   imported_by=ws.actor, imported_at=now)
        session.add(vintage)
        session.flush()
        session.add(ReferenceCommune(vintage_id=vintage.id, insee="13001", type="COM",
                                     nom="Aix-en-Provence", departement="13", region="93",
                                     population=145000))
        ws.record_event(session, p, "territory_changed", payload={"added": ["13001"]})
    with ws.changing(aix, "contract") as (session, p):  # the signed contract and what hangs from it
        now, who = ws.now(), ws.actor
        session.add(AciContract(project_id=p.id, signed_on=date(2026, 4, 15), years=5, taille=3,
                                grid_id="aci_avenant_2", operating_cents=13_125_000,
                                operating_status="contract", operating_yearly=False,
                                caps={"2027": 4_900_000}, updated_by=who, updated_at=now))
        session.add(ContractAmount(project_id=p.id, mission="acces", year=1, fixed_cents=9_000_000,
                                   variable_cents=3_500_000, status="contract", source="annexe",
                                   updated_by=who, updated_at=now))
        session.add(ContractPayment(project_id=p.id, line_key="fonctionnement-1",
                                    received_on=date(2026, 4, 30), amount_cents=13_125_000,
                                    note="virement", recorded_by=who, recorded_at=now))
        session.add(ContractIndicator(project_id=p.id, mission="acces", code="mt", label="Patients",
                                      unit="patients", target="1000", rule="proportional",
                                      threshold_percent=None, weight_percent=50, updated_by=who,
                                      updated_at=now))
        session.add(IndicatorValue(project_id=p.id, mission="acces", code="mt", year=1, value="800",
                                   note="liste", evidence={"files": []}, entered_by=who,
                                   entered_at=now))
        session.add(ContractSpending(project_id=p.id, envelope="acces", category="professionnels",
                                     spent_on=date(2026, 7, 1), amount_cents=100_000,
                                     professional=PERSON["name"], label="réunion", recorded_by=who,
                                     recorded_at=now))
        ws.record_event(session, p, "contract_set", payload={"created": True})
    with ws.changing(aix, "follow_up") as (session, p):  # the officer's follow-up
        now, who = ws.now(), ws.actor
        session.add(JournalNote(project_id=p.id, noted_on=date(2026, 5, 2), text="Réunion ARS",
                                participants="ARS, CPAM", next_step="Relancer la CPAM",
                                next_date=date(2026, 6, 1), written_by=who, written_at=now))
        session.add(Contact(project_id=p.id, role="ars", name="Anne Roux",
                            email="anne.roux@ars.sante.fr", phone="04 91 00 00 00",
                            created_at=now, updated_at=now))
        session.add(Partner(project_id=p.id, kind="ght", name="GHT 13", state="contact",
                            state_date=date(2026, 5, 2), updated_by=who, updated_at=now))
        session.add(ProjectSlug(slug="ancien-aix", project_id=p.id, replaced_at=now))
        session.add(DeletedProject(project_number=999, slug="cpts-erreur", name="CPTS Erreur",
                                   deleted_at=now, actor=who, reason="créé par erreur",
                                   forced=False, events=1))
        ws.record_event(session, p, "note_added", comment="Réunion ARS")
    return {"aix": aix, "gap": gap}
