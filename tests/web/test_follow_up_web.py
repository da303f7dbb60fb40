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


# --- contacts and partners kept from the page -----------------------------------------------

HTMX = {"HX-Request": "true", "HX-Target": "follow-up"}


def _section(page: str, title: str) -> str:
    return page.split(f'id="{title}"')[1].split("</section>")[0]


def test_added_contact_shows_on_the_kept_page(site: Site):
    """The project page is kept rendered until the base changes: an addition is an event,
    so the next view shows the contact."""
    assert "Aucun contact." in site.get(f"/projets/{AIX}").text
    assert "Aucun contact." in site.get(f"/projets/{AIX}").text  # kept
    done = site.post(f"/projets/{AIX}/contacts", {"role": "ars", "name": "Anne Roux",
                                                  "version": str(site.version(AIX))})
    assert done.status_code == 303
    page = site.get(f"/projets/{AIX}").text
    assert "référent·e ARS : Anne Roux" in _section(page, "contacts-title")


def test_contact_added_edited_removed_without_script(site: Site, web_url):
    page = site.get(f"/projets/{AIX}").text
    assert "Ajouter un contact" in page and "servent seulement au suivi du projet" in page
    done = site.post(f"/projets/{AIX}/contacts", {
        "role": "ars", "name": "Anne <b>Roux</b>", "email": "anne.roux@ars.sante.fr",
        "phone": "0491000000", "version": str(site.version(AIX))})
    assert done.status_code == 303
    assert done.headers["location"] == f"/projets/{AIX}?message=contact_added#contacts-title"
    page = site.get(done.headers["location"]).text
    assert "Contact ajouté." in page
    contacts_html = _section(page, "contacts-title")
    assert "Anne &lt;b&gt;Roux&lt;/b&gt;" in contacts_html and "04 91 00 00 00</span>" in contacts_html
    [anne] = _contacts(web_url)
    edit = site.get(f"/projets/{AIX}/contacts/{anne.id}")
    assert edit.status_code == 200 and 'value="anne.roux@ars.sante.fr"' in edit.text
    assert "<h1>Modifier un contact</h1>" in edit.text
    done = site.post(f"/projets/{AIX}/contacts/{anne.id}", {
        "role": "cpam", "name": "Anne Rousse", "email": "", "phone": "0491000000",
        "version": str(site.version(AIX))})
    assert done.status_code == 303 and "message=contact_updated" in done.headers["location"]
    [anne] = _contacts(web_url)
    assert (anne.role, anne.name, anne.email, anne.phone) == ("cpam", "Anne Rousse", None, "04 91 00 00 00")
    confirm = site.get(f"/projets/{AIX}/contacts/{anne.id}/supprimer")
    assert confirm.status_code == 200 and "Retirer le contact « Anne Rousse » du projet ?" in confirm.text
    assert _contacts(web_url)  # asking removes nothing
    done = site.post(f"/projets/{AIX}/contacts/{anne.id}/supprimer", {"version": str(site.version(AIX))})
    assert done.status_code == 303
    page = site.get(done.headers["location"]).text
    assert "Contact retiré." in page and "Aucun contact." in page
    history = site.get(f"/projets/{AIX}/historique").text
    for said in ("Contact ajouté", "Contact modifié</strong> : Anne Rousse (référent·e CPAM)",
                 "Contact retiré</strong> : Anne Rousse"):
        assert said in history


def test_partner_added_changed_removed_with_htmx(site: Site, web_url, clock):
    added = site.post(f"/projets/{AIX}/partenaires", {
        "kind": "ght", "name": "GHT Bouches-du-Rhône", "state": "convention_in_progress",
        "date": "01/10/2026", "version": str(site.version(AIX))}, headers=HTMX)
    assert added.status_code == 200 and added.text.lstrip().startswith("<div id=\"follow-up\">")
    assert "Partenaire ajouté." in added.text and "<html" not in added.text
    assert "GHT : GHT Bouches-du-Rhône — convention en cours depuis le 01/10/2026" in added.text
    [ght] = _partners(web_url)
    form = site.get(f"/projets/{AIX}/partenaires/{ght.id}", headers=HTMX)
    assert form.status_code == 200 and "Actuellement le 01/10/2026." in form.text and "<html" not in form.text
    changed = site.post(f"/projets/{AIX}/partenaires/{ght.id}", {
        "kind": "ght", "name": "GHT Bouches-du-Rhône", "state": "convention_signed", "date": "",
        "version": str(site.version(AIX))}, headers=HTMX)
    today = clock().strftime("%d/%m/%Y")
    assert changed.status_code == 200 and "Partenaire mis à jour." in changed.text
    assert f"convention signée depuis le {today}" in changed.text
    confirm = site.get(f"/projets/{AIX}/partenaires/{ght.id}/supprimer", headers=HTMX)
    assert "Confirmer le retrait" in confirm.text and "<html" not in confirm.text
    removed = site.post(f"/projets/{AIX}/partenaires/{ght.id}/supprimer",
                        {"version": str(site.version(AIX))}, headers=HTMX)
    assert removed.status_code == 200 and "Aucun partenaire." in removed.text
    kinds = [e.kind for e in _history(web_url)][-3:]
    assert kinds == ["partner_added", "partner_changed", "partner_removed"]


def test_refused_input_keeps_what_was_typed(site: Site, web_url):
    version = str(site.version(AIX))
    cases = [
        ({"role": "ars", "name": "Anne Roux", "email": "pas un mail"}, "L&#39;adresse e-mail « pas un mail » est invalide."),
        ({"role": "ars", "name": "Anne Roux", "phone": "12"}, "téléphone"),
        ({"role": "ars", "name": "  "}, "Le nom du contact est obligatoire."),
        ({"role": "ars", "name": "x" * 201}, "Le nom du contact"),
    ]
    for fields, said in cases:
        for headers in ({}, HTMX):
            answer = site.post(f"/projets/{AIX}/contacts", {**fields, "version": version}, headers=headers)
            assert answer.status_code == 400, fields
            error = answer.text.split('id="contact-add-error">')[1].split("</p>")[0]
            assert said in error, (said, error)
            assert "<details open>" in answer.text
            if fields.get("email"):
                assert 'value="pas un mail"' in answer.text
    assert not _contacts(web_url) and len(_history(web_url)) == 1  # nothing written
    bad_date = site.post(f"/projets/{AIX}/partenaires", {"kind": "dac", "name": "DAC 13", "state": "contact",
                                                        "date": "31/02/2026", "version": version})
    assert bad_date.status_code == 400 and "« 31/02/2026 » n&#39;est pas une date valide." in bad_date.text
    assert 'value="DAC 13"' in bad_date.text
    site.post(f"/projets/{AIX}/partenaires", {"kind": "dac", "name": "DAC 13", "version": version})
    [dac] = _partners(web_url)
    emptied = site.post(f"/projets/{AIX}/partenaires/{dac.id}", {
        "kind": "dac", "name": "", "state": "contact", "version": str(site.version(AIX))})
    assert emptied.status_code == 400 and "Le nom du partenaire est obligatoire." in emptied.text
    assert "<h1>Modifier un partenaire</h1>" in emptied.text
    stale = site.post(f"/projets/{AIX}/contacts", {"role": "ars", "name": "Anne", "version": version})
    assert stale.status_code == 409 and "a changé depuis votre lecture" in stale.text
    assert site.get(f"/projets/{AIX}/contacts/999").status_code == 404


def test_forms_refused_without_csrf(site: Site, web_url):
    version = str(site.version(AIX))
    refused = site.post(f"/projets/{AIX}/contacts", {"role": "ars", "name": "Anne", "version": version},
                        csrf=False)
    assert refused.status_code == 403
    forged = site.post(f"/projets/{AIX}/partenaires", {"kind": "dac", "name": "DAC", "version": version,
                                                       "csrf": "forged"})
    assert forged.status_code == 403
    assert not _contacts(web_url) and not _partners(web_url)


def test_reader_and_porteur_get_no_form_and_403(people, clock):
    from .test_accounts_web import signed_in, token

    ws = Workspace(people, actor="Claire Martin", now=clock)
    anne = contacts.add_contact(ws, AIX, "ars", "Anne Roux")
    dac = partners.add_partner(ws, AIX, "dac", "DAC 13")
    ws.db.dispose()
    for login in ("lea", "paul"):
        client = signed_in(people, clock, login)
        page = client.get(f"/projets/{AIX}").text
        assert "Anne Roux" in page and "DAC 13" in page
        assert "Ajouter un contact" not in page and "Ajouter un partenaire" not in page
        assert f"/contacts/{anne.id}/supprimer" not in page
        csrf = token(client, f"/projets/{AIX}")
        for path in (f"/projets/{AIX}/contacts", f"/projets/{AIX}/contacts/{anne.id}",
                     f"/projets/{AIX}/contacts/{anne.id}/supprimer", f"/projets/{AIX}/partenaires",
                     f"/projets/{AIX}/partenaires/{dac.id}", f"/projets/{AIX}/partenaires/{dac.id}/supprimer"):
            posted = client.post(path, data={"role": "ars", "name": "X", "kind": "dac", "csrf": csrf},
                                 follow_redirects=False)
            assert posted.status_code == 403, (login, path)
            if not path.endswith(("/contacts", "/partenaires")):  # the edit and confirm pages
                assert client.get(path, follow_redirects=False).status_code == 403, (login, path)
    ws = Workspace(people, now=clock)
    try:
        assert [c.name for c in contacts.list_contacts(ws, AIX)] == ["Anne Roux"]
        assert [p.name for p in partners.list_partners(ws, AIX)] == ["DAC 13"]
    finally:
        ws.db.dispose()


def _read(url: str, read):
    ws = Workspace(url)
    try:
        return read(ws, AIX)
    finally:
        ws.db.dispose()


def _contacts(url: str) -> list:
    return _read(url, contacts.list_contacts)


def _partners(url: str) -> list:
    return _read(url, partners.list_partners)


def _history(url: str) -> list:
    return _read(url, lambda ws, ref: ws.history(ref))
