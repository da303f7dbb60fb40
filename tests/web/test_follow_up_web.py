"""The journal, contacts and partners on a project's page."""

from __future__ import annotations

from cpts_workflow import contacts, partners
from cpts_workflow.workspace import Workspace

from .conftest import Site

AIX = "cpts-du-pays-d-aix"


def test_journal_note_added_from_the_page(site: Site, web_url):
    version = site.version(AIX)
    refused = site.post(f"/projets/{AIX}/journal", {"text": "Réunion", "version": str(version)},
                        csrf=False)
    assert refused.status_code == 403
    done = site.post(f"/projets/{AIX}/journal", {
        "text": "Réunion <b>ARS</b>", "date": "20/11/2026", "participants": "Dr Martin, ARS",
        "next_step": "Envoyer la lettre", "next_date": "10/01/2027", "version": str(version)})
    assert done.status_code == 303 and done.headers["location"].endswith("?message=note#journal-title")
    page = site.get(done.headers["location"]).text
    assert "Note ajoutée au journal." in page
    assert "Réunion &lt;b&gt;ARS&lt;/b&gt;" in page and "Dr Martin, ARS" in page
    assert "Prochaine étape : Envoyer la lettre (le 10/01/2027)" in page
    # The dated next step is among the deadlines; the timeline says what the note was.
    assert "Envoyer la lettre" in page.split('id="deadlines-title"')[1].split("</section>")[0]
    stale = site.post(f"/projets/{AIX}/journal", {"text": "Autre", "version": str(version)})
    assert stale.status_code == 409
    bad = site.post(f"/projets/{AIX}/journal", {"text": "x", "next_date": "10/01/2027",
                                                 "version": str(site.version(AIX))})
    assert bad.status_code == 400 and "prochaine étape" in bad.text


def test_contacts_and_partners_listed(site: Site, web_url, clock):
    ws = Workspace(web_url, actor="Claire Martin", now=clock)
    try:
        contacts.add_contact(ws, AIX, "ars", "Anne Roux", email="anne.roux@ars.sante.fr")
        partners.add_partner(ws, AIX, "ght", "GHT Bouches-du-Rhône", state="convention signée")
    finally:
        ws.db.dispose()
    page = site.get(f"/projets/{AIX}").text
    assert "référent·e ARS : Anne Roux" in page and 'href="mailto:anne.roux@ars.sante.fr"' in page
    assert "GHT : GHT Bouches-du-Rhône — convention signée" in page
    assert "<strong>Partenaire ajouté</strong> : GHT Bouches-du-Rhône (convention signée)" in page
