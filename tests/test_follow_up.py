"""An officer's daily work in the library: edit, delete, officers, search, journal,
contacts, partners, bulk changes, stage names, described history (both backends)."""

from __future__ import annotations

from datetime import date

import pytest

from cpts_workflow import accounts, backup, batch, contacts, deletion, journal, partners, privacy
from cpts_workflow.deadlines import deadlines, deadlines_ics
from cpts_workflow.errors import BadInput, Conflict, Forbidden, NotFound, Refused
from cpts_workflow.integrity import check_integrity
from cpts_workflow.reports.queries import portfolio
from cpts_workflow.search import search
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.workspace import Workspace

PASSWORD = "un mot de passe solide"


def _officers(ws: Workspace) -> None:
    accounts.add_account(ws, "claire", name="Claire Martin", role="officer", password=PASSWORD)
    accounts.add_account(ws, "paul", name="Paul Écuyer", role="officer", password=PASSWORD)


# --- edit and delete ----------------------------------------------------------------------


def test_rename_keeps_slug_and_new_slug_keeps_old_one(ws):
    slug = ws.create_project("CPTS Sainte-Victoire").slug
    renamed = ws.update_project(slug, name="CPTS de la Sainte-Victoire")
    assert renamed.slug == slug and renamed.name == "CPTS de la Sainte-Victoire"
    moved = ws.update_project(slug, slug="sainte-victoire")
    assert moved.slug == "sainte-victoire"
    assert ws.project(slug).id == moved.id  # the old slug still leads to the project
    assert ws.project("sainte-victoire").id == moved.id
    # A new project never takes a slug another one had.
    assert ws.create_project("CPTS Sainte-Victoire").slug == f"{slug}-2"
    with pytest.raises(Conflict):
        ws.update_project(f"{slug}-2", slug=slug)
    # Going back to a former slug is allowed, and the one left keeps working.
    back = ws.update_project("sainte-victoire", slug=slug)
    assert back.slug == slug and ws.project("sainte-victoire").id == moved.id
    with pytest.raises(BadInput):
        ws.update_project(slug, slug="2026")
    described = [e.description for e in ws.history(slug)]
    assert any("identifiant court « cpts-sainte-victoire » → « sainte-victoire »" in (d or "").lower()
               for d in described)
    assert check_integrity(ws).ok
    data = backup.export_data(ws)
    assert {r["slug"] for r in data["tables"]["project_slugs"]} == {"sainte-victoire"}


def test_officers_are_accounts_once_there_are_some(ws):
    slug = ws.create_project("CPTS du Pays d'Aix", officer="Quelqu'un").slug  # free text: no account
    assert ws.project(slug).officer == "Quelqu'un"
    _officers(ws)
    with pytest.raises(BadInput) as exc:
        ws.update_project(slug, officer="Clare Martin")
    assert "Claire Martin" in (exc.value.hint or "")
    assert ws.update_project(slug, officer="paul").officer == "Paul Écuyer"
    assert ws.update_project(slug, officer="CLAIRE martin").officer == "Claire Martin"
    assert ws.update_project(slug, officer="").officer is None  # « non attribué »
    other = ws.create_project("CPTS Durance", officer="paul ecuyer")
    assert other.officer == "Paul Écuyer"
    with pytest.raises(BadInput):
        ws.create_project("CPTS Typo", officer="Pol")
    # Whatever the case and the accents, the filters find the officer's projects.
    assert [p.slug for p in ws.list_projects(officer="PAUL ECUYER")] == [other.slug]
    assert [d.project_slug for d in deadlines(ws, officer="paul écuyer")] == []
    assert [r.slug for r in portfolio(ws, officer="paul ecuyer").projects] == [other.slug]


def test_delete_is_audited_and_refused_with_history(ws):
    empty = ws.create_project("CPTS Erreur").slug
    busy = ws.create_project("CPTS Travaillée").slug
    ws.check(busy, "working_group")
    journal.add_note(ws, busy, "Réunion")
    with pytest.raises(Refused) as exc:
        deletion.delete_project(ws, busy, reason="doublon")
    assert "historique" in exc.value.message
    done = deletion.delete_project(ws, empty, reason="créé par erreur")
    assert done.slug == empty and not done.forced
    with pytest.raises(NotFound):
        ws.project(empty)
    forced = deletion.delete_project(ws, busy, reason="doublon", force=True)
    assert forced.forced and forced.events == 3
    assert {d.slug for d in deletion.deletions(ws)} == {busy, empty}
    assert list(ws.list_projects()) == []
    assert check_integrity(ws).ok


def test_delete_and_follow_up_need_rights(ws, clock):
    slug = ws.create_project("CPTS Droits").slug
    accounts.add_account(ws, "lecteur", name="Léa Lecture", role="reader", password=PASSWORD)
    reader = Workspace(shared=ws.shared, account=accounts.get_account(ws, "lecteur"))
    with pytest.raises(Forbidden):
        deletion.delete_project(reader, slug, reason="x")
    with pytest.raises(Forbidden):
        journal.add_note(reader, slug, "x")
    with pytest.raises(Forbidden):
        contacts.add_contact(reader, slug, "ars", "Anne Roux")
    assert journal.list_notes(reader, slug) == []


# --- journal, contacts, partners ----------------------------------------------------------


def test_journal_feeds_deadlines_and_reports(ws, clock):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    journal.add_note(ws, slug, "Première réunion", on="01/11/2026",
                     next_step="Relancer la CPAM", next_date="15/11/2026")
    journal.add_note(ws, slug, "Réunion avec l'ARS", on="20/11/2026",
                     participants="Dr Martin, ARS", next_step="Envoyer la lettre d'intention",
                     next_date="10/01/2027")
    notes = journal.list_notes(ws, slug)
    assert [n.text for n in notes] == ["Réunion avec l'ARS", "Première réunion"]
    found = [d for d in deadlines(ws) if d.source == "journal"]
    # Only the latest next step holds: the earlier one was replaced.
    assert [(d.label, d.due_date) for d in found] == [("Envoyer la lettre d'intention",
                                                        date(2027, 1, 10))]
    assert b"Envoyer la lettre d'intention" in deadlines_ics(ws, found)
    row = portfolio(ws).projects[0]
    assert row.last_note == "Réunion avec l'ARS" and row.last_note_on == date(2026, 11, 20)
    assert row.next_step == "Envoyer la lettre d'intention"
    assert row.next_step_on == date(2027, 1, 10)
    with pytest.raises(BadInput):
        journal.add_note(ws, slug, "x", next_date="01/02/2027")
    with pytest.raises(BadInput):
        journal.add_note(ws, slug, "  ")
    history = [e for e in ws.history(slug) if e.kind == "note_added"]
    assert "prochaine étape : Envoyer la lettre d'intention (le 10/01/2027)" in (
        history[-1].description or "")


def test_contacts_validated_and_erased(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    anne = contacts.add_contact(ws, slug, "Référente ARS", "Anne Roux",
                                email="Anne.Roux@ARS.sante.fr", phone="04.91.00.00.00")
    assert (anne.role, anne.email, anne.phone) == ("ars", "Anne.Roux@ars.sante.fr",
                                                   "04 91 00 00 00")
    contacts.add_contact(ws, slug, "porteur", "Jean Porteur", phone="+33 6 12 34 56 78")
    assert [c.role for c in contacts.list_contacts(ws, slug)] == ["porteur", "ars"]
    for bad in ({"email": "pas-une-adresse"}, {"phone": "12"}):
        with pytest.raises(BadInput):
            contacts.add_contact(ws, slug, "cpam", "Xavier", **bad)
    with pytest.raises(BadInput) as exc:
        contacts.add_contact(ws, slug, "banquier", "Xavier")
    assert exc.value.message.startswith("Rôle de contact inconnu")
    journal.add_note(ws, slug, "Appel d'Anne Roux", participants="Anne Roux")
    exported = privacy.export_person(ws, "anne.roux@ars.sante.fr")
    assert exported["contacts"][0]["name"] == "Anne Roux" and len(exported["journal"]) == 1
    report = privacy.erase_person(ws, "Anne Roux", reason="demande")
    assert report.contacts == [anne.id] and report.members == []
    left = {c.id: c for c in contacts.list_contacts(ws, slug)}[anne.id]
    assert left.erased and left.email is None and "Anne" not in left.name
    assert "Anne Roux" not in journal.list_notes(ws, slug)[0].text
    assert all("Anne Roux" not in str(e.payload) for e in ws.history(slug))
    removed = contacts.remove_contact(ws, slug, anne.id)
    assert removed.id == anne.id
    with pytest.raises(NotFound):
        contacts.remove_contact(ws, slug, anne.id)


def test_contact_updated_audited_and_erased_without_trace(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    anne = contacts.add_contact(ws, slug, "ars", "Anne Roux", email="anne.roux@ars.sante.fr")
    version = ws.project(slug).row_version
    changed = contacts.update_contact(ws, slug, anne.id, role="CPAM", name="Anne Rousse",
                                      email="", phone="0491000000", expected_version=version)
    assert (changed.role, changed.name, changed.email, changed.phone) == (
        "cpam", "Anne Rousse", None, "04 91 00 00 00")
    event = ws.history(slug)[-1]
    assert event.kind == "contact_updated" and event.payload["fields"] == ["email", "name", "phone", "role"]
    assert event.description == "Contact modifié : Anne Rousse (référent·e CPAM)"
    assert "anne.roux" not in str(event.payload)  # the former values are not kept
    with pytest.raises(Conflict):
        contacts.update_contact(ws, slug, anne.id, name="X", expected_version=version)
    for bad in ({"name": ""}, {"email": "pas-une-adresse"}, {"phone": "12"}, {"name": "x" * 201},
                {"role": "banquier"}):
        with pytest.raises(BadInput):
            contacts.update_contact(ws, slug, anne.id, **bad)
    events = len(ws.history(slug))
    contacts.update_contact(ws, slug, anne.id, name="Anne Rousse")  # nothing changes
    assert len(ws.history(slug)) == events
    assert contacts.get_contact(ws, slug, anne.id).name == "Anne Rousse"
    privacy.erase_person(ws, "Anne Rousse", reason="demande")
    assert all("Anne Rou" not in str(e.payload) for e in ws.history(slug))
    with pytest.raises(BadInput, match="effacé"):
        contacts.update_contact(ws, slug, anne.id, name="Anne")
    with pytest.raises(NotFound):
        contacts.get_contact(ws, slug, 999)


def test_partner_kind_and_date_changed(ws, clock):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    ght = partners.add_partner(ws, slug, "ght", "GHT 13", state="convention en cours", on="01/10/2026")
    # The same state again keeps its date; a new type or name is recorded.
    same = partners.set_partner(ws, slug, ght.id, state="convention en cours", kind="DAC", name="DAC 13")
    assert (same.kind, same.name, same.state_date) == ("dac", "DAC 13", date(2026, 10, 1))
    assert ws.history(slug)[-1].payload["kind"] == {"from": "ght", "to": "dac"}
    signed = partners.set_partner(ws, slug, ght.id, state="signée")
    assert signed.state_date == clock().date()
    with pytest.raises(BadInput):
        partners.set_partner(ws, slug, ght.id, name="")
    with pytest.raises(BadInput):
        partners.set_partner(ws, slug, ght.id, kind="banque")
    assert partners.get_partner(ws, slug, ght.id).name == "DAC 13"


def test_partners_and_report_column(ws, clock):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    ght = partners.add_partner(ws, slug, "GHT", "GHT Bouches-du-Rhône", state="convention en cours",
                               on="01/10/2026")
    partners.add_partner(ws, slug, "dac", "DAC 13")
    changed = partners.set_partner(ws, slug, ght.id, state="signée", on="15/11/2026")
    assert (changed.state, changed.state_date) == ("convention_signed", date(2026, 11, 15))
    assert [p.kind for p in partners.list_partners(ws, slug)] == ["ght", "dac"]
    row = portfolio(ws).projects[0]
    assert row.partners == ["GHT Bouches-du-Rhône (convention signée)", "DAC 13 (contact pris)"]
    with pytest.raises(BadInput):
        partners.add_partner(ws, slug, "banque", "X")
    with pytest.raises(BadInput):
        partners.set_partner(ws, slug, ght.id, state="fâchés")
    partners.remove_partner(ws, slug, ght.id)
    assert [p.name for p in partners.list_partners(ws, slug)] == ["DAC 13"]


def test_backup_carries_the_follow_up(ws, tmp_path, clock):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    journal.add_note(ws, slug, "Réunion", next_step="Suite", next_date="01/02/2027")
    contacts.add_contact(ws, slug, "cpam", "Carole Pam", email="carole@cpam.fr")
    partners.add_partner(ws, slug, "sas", "SAS 13")
    ws.update_project(slug, slug="aix")
    deletion.delete_project(ws, ws.create_project("CPTS Erreur").slug, reason="erreur")
    data = backup.export_data(ws)
    for table in ("journal_notes", "contacts", "partners", "project_slugs", "deleted_projects"):
        assert len(data["tables"][table]) == 1, table
    other = Workspace(f"sqlite:///{tmp_path / 'autre.db'}", actor="Claire Martin", now=clock)
    try:
        backup.import_backup(other, backup.validate_backup(data))
        assert journal.list_notes(other, "aix")[0].next_step == "Suite"
        assert contacts.list_contacts(other, slug)[0].email == "carole@cpam.fr"  # old slug
        assert partners.list_partners(other, "aix")[0].name == "SAS 13"
        assert len(deletion.deletions(other)) == 1
    finally:
        other.db.dispose()


# --- search, stages, bulk -----------------------------------------------------------------


def test_search_ranks_and_respects_visibility(ws):
    from cpts_workflow.members import add_member

    aix = ws.create_project("CPTS du Pays d'Aix").slug
    durance = ws.create_project("CPTS Durance").slug
    meyreuil = ws.create_project("CPTS Étoile").slug
    add_communes(ws, durance, ["13001"])  # Aix-en-Provence
    add_member(ws, meyreuil, "Élise Aixois", profession="infirmière")
    journal.add_note(ws, meyreuil, "Rencontre à AIX avec le DAC")
    hits = search(ws, "aix")
    assert [(h.slug, h.found_in) for h in hits] == [(aix, "name"), (durance, "commune"),
                                                    (meyreuil, "member")]
    assert [h.slug for h in search(ws, "ÉLISE")] == [meyreuil]
    assert [h.found_in for h in search(ws, "rencontre")] == ["note"]
    accounts.add_account(ws, "porteur", name="Jeanne", role="porteur", password=PASSWORD)
    accounts.attach(ws, "porteur", durance)
    porteur = Workspace(shared=ws.shared, account=accounts.get_account(ws, "porteur"))
    assert [h.slug for h in search(porteur, "aix")] == [durance]
    with pytest.raises(BadInput):
        search(ws, "a")


def test_stage_names_accepted_everywhere(ws):
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    for typed in ("initiative", "Initiative", "INITIATIVE"):
        assert [p.slug for p in ws.list_projects(stage=typed)] == [slug]
    assert list(ws.list_projects(stage="Projet de santé")) == []
    assert list(ws.list_projects(stage="statuts")) == []
    assert {i.stage for i in ws.checklist(slug, "diagnostic territorial")} == {"diagnostic"}
    assert portfolio(ws, stage="projet de sante").projects == []
    with pytest.raises(BadInput) as exc:
        ws.list_projects(stage="nulle part")
    assert "« Projet de santé »" in (exc.value.hint or "") and "health_project" not in (
        exc.value.hint or "")


def test_bulk_is_all_or_nothing(ws):
    _officers(ws)
    a = ws.create_project("CPTS A", officer="claire").slug
    b = ws.create_project("CPTS B", officer="claire").slug
    c = ws.create_project("CPTS C").slug
    summary = batch.reassign(ws, [a, b, c], "paul")
    assert summary.projects == [a, b, c] and summary.changed == 3
    versions = {s: ws.project(s).row_version for s in (a, b, c)}
    with pytest.raises(NotFound) as exc:
        batch.check(ws, [a, b, "inconnu", c], "working_group")
    assert "inconnu" in exc.value.message and "Rien n'a été modifié" in exc.value.message
    assert {s: ws.project(s).row_version for s in (a, b, c)} == versions
    ws.abandon(c, reason="fin")
    with pytest.raises(Refused) as refused:
        batch.set_due(ws, [a, b, c], "working_group", "01/03/2027")
    assert refused.value.message.startswith(f"Projet « {c} »")
    assert all(i.due_date is None for i in ws.checklist(a))
    done = batch.set_due(ws, [a, b], "working_group", "01/03/2027")
    assert done.changed == 2
    ticked = batch.check(ws, [a, b], "working_group", note="en réunion")
    assert ticked.changed == 2 and batch.check(ws, [a], "working_group").changed == 0
    with pytest.raises(BadInput):
        batch.reassign(ws, [a], "personne")
