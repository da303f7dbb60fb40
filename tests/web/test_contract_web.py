"""The « Contrat ACI » tab: what officers, porteurs and readers see and may do, the
contract, a payment (and the same one twice), an indicator's value, the downloads."""

from __future__ import annotations

import re

import pytest
from docx import Document
from icalendar import Calendar

from cpts_workflow.aci.payments import payment_schedule
from cpts_workflow.workspace import Workspace

from .conftest import AIX, EYG, sign_contract
from .test_accounts_web import signed_in, token


@pytest.fixture
def signed(people, clock) -> str:
    sign_contract(people, clock, AIX)
    return people


def received(url: str, slug: str, key: str) -> int:
    ws = Workspace(url)
    try:
        return next(line.received_cents for line in payment_schedule(ws, slug).lines if line.key == key)
    finally:
        ws.db.dispose()


def form_of(client, path: str) -> dict[str, str]:
    """The CSRF token and the project's row version the page's forms carry."""
    html = client.get(path).text
    return {"csrf": re.search(r'name="csrf" value="([^"]+)"', html).group(1),
            "version": re.search(r'name="version" value="(\d+)"', html).group(1)}


def test_the_tab_for_officer_porteur_and_reader(signed, clock):
    for login in ("claire", "paul"):
        page = signed_in(signed, clock, login).get(f"/projets/{AIX}/contrat")
        assert page.status_code == 200
        html = page.text
        assert 'aria-current="page">Contrat ACI</a>' in html
        assert "Signé le</dt><dd>15/04/2026" in html
        assert "131 250,00 €" in html and "3 (de 80 000 à 175 000 habitants)" in html
        assert "58 808,22 €" in html  # the advance of accès aux soins, computed by the library
        # Fonctionnement due 15/04/2026, nothing received by 22/11/2026: missing, and said so.
        assert "pay-badge-missing" in html and "rien reçu, 221 jours après l&#39;échéance" in html
        assert "Patients sans médecin traitant accompagnés" in html
        assert "Enregistrer un versement reçu" in html and "Saisir la valeur atteinte" in html
        assert "Télécharger le dossier" in html
    reader = signed_in(signed, clock, "lea").get(f"/projets/{AIX}/contrat").text
    assert "58 808,22 €" in reader and "Budget par mission" in reader
    assert "Enregistrer un versement reçu" not in reader and "<form method=\"post\" action=\"/projets" not in reader


def test_no_contract_yet_then_recorded(people, clock):
    officer = signed_in(people, clock, "claire")
    page = officer.get(f"/projets/{EYG}/contrat").text
    assert "Aucun contrat ACI n'est enregistré pour ce projet." in page
    assert "Enregistrer le contrat" in page
    assert "Enregistrer le contrat" not in signed_in(people, clock, "lea").get(f"/projets/{EYG}/contrat").text
    form = form_of(officer, f"/projets/{EYG}/contrat")
    # A contract without its taille: one French sentence next to the form, input kept.
    refused = officer.post(f"/projets/{EYG}/contrat", data={**form, "signed": "2026-10-05", "taille": "",
                                                           "operating": "50 000"})
    assert refused.status_code == 400
    assert "a besoin de sa date de signature et de la taille" in refused.text
    assert 'value="2026-10-05"' in refused.text and 'value="50 000"' in refused.text
    done = officer.post(f"/projets/{EYG}/contrat", data={**form, "signed": "2026-10-05", "taille": "2",
                                                        "operating": "50 000"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/contrat?message=contrat")
    page = officer.get(done.headers["location"]).text
    assert "Contrat enregistré." in page and "05/10/2026" in page and "50 000,00 €" in page
    # The form's version is now stale: a second send is a conflict, nothing changed.
    stale = officer.post(f"/projets/{EYG}/contrat", data={**form, "signed": "2026-10-05", "taille": "3"})
    assert stale.status_code == 409 and "a changé depuis votre lecture" in stale.text
    ws = Workspace(people)
    assert [e.kind for e in ws.history(EYG)][-1] == "contract_set"
    assert ws.history(EYG)[-1].actor == "Claire"


def test_a_payment_recorded_then_the_same_one_refused_then_confirmed(signed, clock):
    porteur = signed_in(signed, clock, "paul")
    path = f"/projets/{AIX}/contrat"
    payment = {"key": "avance-acces-1", "amount": "58 808,22", "received_on": "2026-06-20",
               "note": "virement CPAM n° 123"}
    done = porteur.post(f"{path}/versements", data={**form_of(porteur, path), **payment},
                        follow_redirects=False)
    assert done.status_code == 303
    page = porteur.get(done.headers["location"]).text
    assert "Versement enregistré." in page and 'class="badge pay-badge pay-badge-received">reçu' in page
    assert received(signed, AIX, "avance-acces-1") == 5_880_822
    # The same form sent again: refused in French, nothing added, a confirmation offered.
    again = porteur.post(f"{path}/versements", data={**form_of(porteur, path), **payment})
    assert again.status_code == 409
    assert "Ce versement est déjà enregistré : 58 808,22 € reçus le 20/06/2026" in again.text
    assert 'name="doublon"' in again.text and 'value="virement CPAM n° 123"' in again.text
    assert received(signed, AIX, "avance-acces-1") == 5_880_822
    confirmed = porteur.post(f"{path}/versements", data={**form_of(porteur, path), **payment, "doublon": "oui"},
                             follow_redirects=False)
    assert confirmed.status_code == 303
    assert received(signed, AIX, "avance-acces-1") == 2 * 5_880_822
    events = [e for e in Workspace(signed).history(AIX) if e.kind == "payment_received"]
    assert len(events) == 2 and events[-1].payload.get("duplicate") is True
    assert events[0].actor == "Paul"


def test_bad_payment_input_keeps_what_was_typed(signed, clock):
    officer = signed_in(signed, clock, "claire")
    path = f"/projets/{AIX}/contrat"
    bad = officer.post(f"{path}/versements", data={**form_of(officer, path), "key": "fonctionnement-1",
                                                   "amount": "douze", "received_on": "2026-05-02"})
    assert bad.status_code == 400 and 'value="douze"' in bad.text
    assert 'role="alert"' in bad.text and "Traceback" not in bad.text
    early = officer.post(f"{path}/versements", data={**form_of(officer, path), "key": "fonctionnement-1",
                                                     "amount": "100", "received_on": "2026-01-02"})
    assert early.status_code == 400 and "avant la signature du contrat (15/04/2026)" in early.text


def test_an_indicator_value(signed, clock):
    officer = signed_in(signed, clock, "claire")
    path = f"/projets/{AIX}/contrat"
    done = officer.post(f"{path}/indicateurs", data={**form_of(officer, path), "indicator": "acces/patients_mt",
                                                     "year": "1", "value": "850", "note": "liste nominative"},
                        follow_redirects=False)
    assert done.status_code == 303
    page = officer.get(done.headers["location"]).text
    assert "Valeur de l&#39;indicateur enregistrée." in page
    assert "850 patients" in page and "85 % obtenus" in page and "liste nominative" in page
    bad = officer.post(f"{path}/indicateurs", data={**form_of(officer, path), "indicator": "acces/patients_mt",
                                                    "year": "1", "value": "-3"})
    assert bad.status_code == 400 and "ne peut pas être négatif" in bad.text and 'value="-3"' in bad.text


def test_readers_may_not_post_and_csrf_is_checked(signed, clock):
    reader = signed_in(signed, clock, "lea")
    path = f"/projets/{AIX}/contrat"
    for action, data in (("/versements", {"key": "fonctionnement-1", "amount": "1", "received_on": "2026-05-02"}),
                         ("/indicateurs", {"indicator": "acces/patients_mt", "year": "1", "value": "1"}),
                         ("", {"signed": "2026-04-15", "taille": "4"}),
                         ("/revue", {"year": "1", "format": "docx"})):
        response = reader.post(path + action, data={**data, "csrf": token(reader)}, follow_redirects=False)
        assert response.status_code == 403, action
    officer = signed_in(signed, clock, "claire")
    forged = officer.post(f"{path}/versements", data={"key": "fonctionnement-1", "amount": "1",
                                                      "received_on": "2026-05-02", "csrf": "x" * 43})
    assert forged.status_code == 403 and "rien n&#39;a été enregistré" in forged.text
    assert received(signed, AIX, "fonctionnement-1") == 0


def test_another_projects_porteur_gets_not_found(people, clock):
    sign_contract(people, clock, EYG)
    porteur = signed_in(people, clock, "paul")  # attached to Aix only
    assert porteur.get(f"/projets/{EYG}/contrat").status_code == 404
    assert porteur.get(f"/projets/{EYG}/contrat/versements.ics").status_code == 404
    posted = porteur.post(f"/projets/{EYG}/contrat/versements",
                          data={"key": "fonctionnement-1", "amount": "1", "received_on": "2026-05-02",
                                "csrf": token(porteur)}, follow_redirects=False)
    assert posted.status_code == 404
    assert received(people, EYG, "fonctionnement-1") == 0


def test_downloads_calendar_and_review_pack(signed, clock, tmp_path):
    reader = signed_in(signed, clock, "lea")
    ics = reader.get(f"/projets/{AIX}/contrat/versements.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = {str(e["uid"]) for e in Calendar.from_ical(ics.content).walk("VEVENT")}
    assert f"{AIX}.paiement-avance-acces-1@cpts-workflow" in events
    officer = signed_in(signed, clock, "claire")
    pack = officer.post(f"/projets/{AIX}/contrat/revue", data={"year": "1", "format": "docx",
                                                               "csrf": token(officer)})
    assert pack.status_code == 200
    assert "revue-aci-cpts-du-pays-d-aix-annee-1.docx" in pack.headers["content-disposition"]
    path = tmp_path / "revue.docx"
    path.write_bytes(pack.content)
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "Dialogue de gestion" in text
    assert Workspace(signed).history(AIX)[-1].kind == "contract_review_generated"
    wrong = officer.post(f"/projets/{AIX}/contrat/revue", data={"year": "9", "format": "docx",
                                                                "csrf": token(officer)})
    assert wrong.status_code == 400 and "Année de contrat « 9 » invalide" in wrong.text
