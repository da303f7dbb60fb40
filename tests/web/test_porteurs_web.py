"""Porteurs in the browser, over HTTP: invitations (expiry, reuse), evidence files (types
by content, size limits, attachments only, history, backups, RGPD erasure), members and
territory pages."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from cpts_workflow import accounts
from cpts_workflow.backup import export_data, import_backup, validate_backup
from cpts_workflow.evidence import MAX_EVIDENCE_BYTES, add_evidence, list_evidence, sniff
from cpts_workflow.members import add_member
from cpts_workflow.privacy import erase_person
from cpts_workflow.workspace import Workspace

from .conftest import make_app
from .test_accounts_web import AIX, EYG, PASSWORD, PDF, signed_in, token


@pytest.fixture
def people(web_url, clock) -> str:
    ws = Workspace(web_url, now=clock)
    accounts.add_account(ws, "claire", name="Claire Martin", role="officer", password=PASSWORD)
    accounts.add_account(ws, "lea", name="Léa", role="reader", password=PASSWORD)
    ws.db.dispose()
    return web_url


def _invite(client: TestClient, login: str = "jeanne", name: str = "Jeanne Durand") -> str:
    page = client.post(f"/projets/{AIX}/porteurs", data={
        "action": "invite", "login": login, "name": name, "email": "jeanne@exemple.fr",
        "csrf": token(client, f"/projets/{AIX}")})
    assert page.status_code == 200, page.text
    return re.search(r'value="http://testserver(/invitation/[^"]+)"', page.text).group(1)


def _accept(url, clock, path: str, password: str = "un autre mot de passe") -> tuple[TestClient, object]:
    browser = TestClient(make_app(url, clock), raise_server_exceptions=False)
    form = browser.get(path)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    answer = browser.post(path, data={"password": password, "confirm": password,
                                      "csrf": csrf.group(1) if csrf else ""}, follow_redirects=False)
    return browser, answer


def test_invitation_sets_the_password_once_and_opens_a_session(people, clock):
    officer = signed_in(people, clock, "claire")
    path = _invite(officer)
    page = officer.get(f"/projets/{AIX}").text
    assert "Jeanne Durand" in page and "invitation en attente" in page
    assert path not in page  # shown once only
    browser, answer = _accept(people, clock, path)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    home = browser.get("/", follow_redirects=False)  # one project: straight to it
    assert home.status_code == 303 and home.headers["location"] == f"/projets/{AIX}"
    assert browser.get(f"/projets/{EYG}").status_code == 404
    # The link served: it is refused from now on, with a French page.
    again = TestClient(make_app(people, clock), raise_server_exceptions=False).get(path)
    assert again.status_code == 409 and "déjà servi" in again.text
    # The password chosen signs in; the token is stored only as its fingerprint.
    assert accounts.authenticate(Workspace(people).shared, "jeanne", "un autre mot de passe").login == "jeanne"
    from sqlalchemy import select

    from cpts_workflow.store.models import Invitation

    ws = Workspace(people)
    with ws.session() as session:
        stored = session.scalars(select(Invitation.token_hash)).all()
    assert path.rsplit("/", 1)[1] not in stored and len(stored[0]) == 64
    kinds = [e.kind for e in accounts.account_history(ws, "jeanne")]
    assert kinds == ["account_added", "attached", "invited", "invitation_accepted"]
    assert "porteur_invited" in [e.kind for e in ws.history(AIX)]


def test_invitation_expires_after_seven_days_and_can_be_renewed(people, clock):
    officer = signed_in(people, clock, "claire")
    path = _invite(officer)
    clock.advance(days=7, seconds=1)
    officer = signed_in(people, clock, "claire")
    expired = TestClient(make_app(people, clock), raise_server_exceptions=False).get(path)
    assert expired.status_code == 409 and "a expiré le" in expired.text
    _, refused = _accept(people, clock, path)
    assert refused.status_code in (403, 409)  # no password set through an expired link
    renewed = officer.post(f"/projets/{AIX}/porteurs", data={
        "action": "renew", "login": "jeanne", "csrf": token(officer, f"/projets/{AIX}")})
    new_path = re.search(r'value="http://testserver(/invitation/[^"]+)"', renewed.text).group(1)
    assert new_path != path
    _, answer = _accept(people, clock, new_path)
    assert answer.status_code == 303
    # Once the password is chosen, an officer cannot hand out a new link (nor take the account).
    refused = officer.post(f"/projets/{AIX}/porteurs", data={
        "action": "renew", "login": "jeanne", "csrf": token(officer, f"/projets/{AIX}")})
    assert refused.status_code == 409 and "déjà choisi son mot de passe" in refused.text


def test_unknown_link_short_password_and_detach(people, clock):
    stranger = TestClient(make_app(people, clock), raise_server_exceptions=False)
    assert stranger.get("/invitation/inconnu").status_code == 404
    officer = signed_in(people, clock, "claire")
    path = _invite(officer)
    _, short = _accept(people, clock, path, "court")
    assert short.status_code == 400 and "au moins 10 caractères" in short.text
    browser, answer = _accept(people, clock, path)
    assert answer.status_code == 303
    detached = officer.post(f"/projets/{AIX}/porteurs", data={
        "action": "detach", "login": "jeanne", "csrf": token(officer, f"/projets/{AIX}")},
        follow_redirects=False)
    assert detached.status_code == 303
    assert browser.get(f"/projets/{AIX}").status_code == 404  # at the next request
    home = browser.get("/")
    assert home.status_code == 200 and "Aucun projet ne vous est rattaché" in home.text


def test_inviting_an_officer_login_is_refused(people, clock):
    officer = signed_in(people, clock, "claire")
    page = officer.post(f"/projets/{AIX}/porteurs", data={
        "action": "invite", "login": "lea", "name": "Léa", "csrf": token(officer, f"/projets/{AIX}")})
    assert page.status_code == 409 and "voit déjà tous les projets" in page.text


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override ContentType="application/vnd.'
                         'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _zip_named_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ" + b"\0" * 100)
    return buffer.getvalue()


def test_types_are_read_from_the_content():
    assert sniff(PDF) == "pdf" and sniff(_docx()) == "docx" and sniff(_odt()) == "odt"
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20) == "jpg"
    for bad in (b"MZ\x90\x00" + b"\0" * 60, b"\x7fELF\x02\x01\x01" + b"\0" * 60, _zip_named_docx(),
                b"<html><script>alert(1)</script>", b"PK\x03\x04 broken"):
        assert sniff(bad) is None


def _upload(client: TestClient, name: str, data: bytes, item: str = "working_group", ref: str = AIX):
    return client.post(f"/projets/{ref}/justificatifs", data={"item_id": item, "csrf": token(client, f"/projets/{ref}")},
                       files={"file": (name, data, "application/pdf")}, follow_redirects=False)


@pytest.mark.parametrize("payload", [b"MZ\x90\x00\x03" + b"\0" * 500, b"\x7fELF\x02\x01\x01" + b"\0" * 500])
def test_a_renamed_executable_is_refused(people, clock, payload):
    officer = signed_in(people, clock, "claire")
    answer = _upload(officer, "proof.pdf", payload)
    assert answer.status_code == 400
    assert "n&#39;est pas un fichier PDF, DOCX, ODT, PNG ou JPEG" in answer.text
    assert list_evidence(Workspace(people), AIX) == []


def test_upload_size_limits(people, clock):
    officer = signed_in(people, clock, "claire")
    exact = PDF + b" " * (MAX_EVIDENCE_BYTES - len(PDF))
    assert _upload(officer, "lettre.pdf", exact).status_code == 303
    over = _upload(officer, "lettre.pdf", exact + b" ")
    assert over.status_code == 400 and "dépasse 10 Mo" in over.text
    huge = _upload(officer, "lettre.pdf", exact * 2)  # refused before the route reads it
    assert huge.status_code == 413
    empty = _upload(officer, "vide.pdf", b"")
    assert empty.status_code == 400
    assert len(list_evidence(Workspace(people), AIX)) == 1


def test_evidence_is_an_attachment_listed_in_the_history(people, clock):
    officer = signed_in(people, clock, "claire")
    proof = _docx()  # once: a zip holds the time it was written
    assert _upload(officer, "../../Lettre ARS <b>.docx", proof).status_code == 303
    files = list_evidence(Workspace(people), AIX)
    assert [f.filename for f in files] == ["Lettre ARS_b.docx"]
    page = officer.get(f"/projets/{AIX}").text
    assert "Lettre ARS_b.docx" in page
    reader = signed_in(people, clock, "lea")
    download = reader.get(f"/projets/{AIX}/justificatifs/{files[0].id}")
    assert download.status_code == 200 and download.content == proof
    assert download.headers["content-disposition"].startswith('attachment; filename="Lettre ARS_b.docx"')
    assert download.headers["x-content-type-options"] == "nosniff"
    event = [e for e in Workspace(people).history(AIX) if e.kind == "evidence_added"][-1]
    assert event.payload["filename"] == "Lettre ARS_b.docx" and event.payload["size"] == len(proof)
    assert len(event.payload["sha256"]) == 64
    deleted = officer.post(f"/projets/{AIX}/justificatifs/{files[0].id}/supprimer",
                           data={"csrf": token(officer, f"/projets/{AIX}")}, follow_redirects=False)
    assert deleted.status_code == 303 and list_evidence(Workspace(people), AIX) == []
    assert Workspace(people).history(AIX)[-1].kind == "evidence_removed"


def test_backup_round_trip_carries_the_files(people, clock, tmp_path):
    ws = Workspace(people, now=clock)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    add_evidence(ws, AIX, "working_group", "photo.png", png)
    data = export_data(ws, AIX)
    assert data["tables"]["evidence"][0]["content"].isascii()  # base64 in the JSON
    other = Workspace(f"sqlite:///{tmp_path / 'restored.db'}", now=clock)
    other.init()
    import_backup(other, validate_backup(data))
    view = list_evidence(other, AIX)[0]
    from cpts_workflow.evidence import evidence_file

    assert evidence_file(other, AIX, view.id)[1] == png
    import base64

    tampered = {**data, "tables": {**data["tables"], "evidence": [
        {**data["tables"]["evidence"][0], "content": base64.b64encode(png + b"x").decode()}]}}
    from cpts_workflow.errors import BadInput

    with pytest.raises(BadInput, match="empreinte SHA-256"):
        validate_backup(tampered)


def test_rgpd_erasure_deletes_files_naming_or_attached_by_the_person(people, clock):
    ws = Workspace(people, now=clock)
    add_member(ws, AIX, "Élise Durand", email="elise@exemple.fr")
    add_evidence(ws, AIX, "working_group", "attestation Élise Durand.pdf", PDF)
    add_evidence(Workspace(people, actor="Élise Durand", now=clock), AIX, "working_group", "statuts.pdf", PDF)
    add_evidence(ws, AIX, "working_group", "lettre ARS.pdf", PDF)
    report = erase_person(ws, "Élise Durand", reason="demande du 02/12")
    assert report.evidence_deleted == 2
    assert [f.filename for f in list_evidence(ws, AIX)] == ["lettre ARS.pdf"]
    assert not any("Élise" in str(e.payload) for e in ws.history(AIX))


def test_members_pages(people, clock):
    officer = signed_in(people, clock, "claire")
    base = f"/projets/{AIX}/membres"
    check = officer.post(f"{base}/verifier", data={"field": "siret", "siret": "73282932000075",
                                                   "csrf": token(officer, base)})
    assert "clé de contrôle fausse" in check.text
    check = officer.post(f"{base}/verifier", data={"field": "siret", "siret": "732 829 320 00074",
                                                   "csrf": token(officer, base)})
    assert "valide" in check.text
    refused = officer.post(base, data={"name": "MSP des Alpilles", "legal": "morale", "siret": "123",
                                       "csrf": token(officer, base)})
    assert refused.status_code == 400 and "ni un SIRET" in refused.text  # checked again on submit
    added = officer.post(base, data={"name": "MSP des Alpilles", "legal": "morale", "siret": "73282932000074",
                                     "college": "structures", "csrf": token(officer, base)}, follow_redirects=False)
    assert added.status_code == 303
    csv_text = "nom;type;profession;role;rpps\nJeanne Durand;physique;médecin;président·e;10003456789\n" \
               "Paul Roux;physique;infirmier;trésorier;123\n"
    preview = officer.post(f"/projets/{AIX}/import-membres", data={"action": "preview", "csrf": token(officer, base)},
                           files={"file": ("membres.csv", csv_text.encode(), "text/csv")})
    assert preview.status_code == 200 and "11 chiffres" in preview.text and "Créer ces" not in preview.text
    fixed = csv_text.replace(";123", ";10003456796")
    preview = officer.post(f"/projets/{AIX}/import-membres", data={"action": "preview", "csrf": token(officer, base)},
                           files={"file": ("membres.csv", fixed.encode(), "text/csv")})
    assert "Créer ces 2 membres" in preview.text
    from cpts_workflow.members import list_members

    assert len(list_members(Workspace(people), AIX)) == 1  # a preview writes nothing
    applied = officer.post(f"/projets/{AIX}/import-membres", data={"action": "apply", "csv_text": fixed,
                                                                   "csrf": token(officer, base)}, follow_redirects=False)
    assert applied.status_code == 303
    assert sorted(m.name for m in list_members(Workspace(people), AIX)) == ["Jeanne Durand", "MSP des Alpilles", "Paul Roux"]


def test_territory_page(people, clock):
    from cpts_workflow.territory.changes import add_communes

    add_communes(Workspace(people, now=clock), EYG, ["13034"])
    officer = signed_in(people, clock, "claire")
    base = f"/projets/{AIX}/territoire"
    found = officer.get(f"{base}/suggestions?commune=EYGALIERES").text
    assert "Eygalières" in found and "13034" in found
    assert "Aix-en-Provence" in officer.get(f"{base}/suggestions?commune=aix en").text
    added = officer.post(base, data={"action": "add", "commune": "13001", "csrf": token(officer, base)},
                         headers={"HX-Request": "true"})
    assert added.status_code == 200 and 'id="territory-body"' in added.text
    assert "Aix-en-Provence (13001)" in added.text and "hab." in added.text
    overlap = officer.post(base, data={"action": "add", "commune": "13034", "csrf": token(officer, base)},
                           headers={"HX-Request": "true"})
    assert "cpts-d-eyguieres-et-alpilles" in overlap.text and "Rien n&#39;a été ajouté" in overlap.text
    page = officer.get(base).text
    assert 'name="force"' in page  # an officer may force
    ws = Workspace(people, now=clock)
    accounts.add_account(ws, "paul", name="Paul", role="porteur", password=PASSWORD)
    accounts.attach(ws, "paul", AIX)
    porteur = signed_in(people, clock, "paul")
    assert 'name="force"' not in porteur.get(base).text
    forced = porteur.post(base, data={"action": "add", "commune": "13034", "force": "oui", "reason": "accord",
                                      "csrf": token(porteur, base)})
    assert forced.status_code == 403
