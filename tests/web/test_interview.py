"""Guided documents over HTTP: steps built from the templates' questions, inline French
errors, checks across answers and documents, progress, review, preview and downloads read
back with python-docx, odfpy and pypdf, and who may do what."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest

from cpts_workflow import accounts, members
from cpts_workflow.documents import Documents
from cpts_workflow.documents.interview import STEP_WEIGHT, plan_steps
from cpts_workflow.documents.templates import Question, TemplateMeta
from cpts_workflow.workspace import Workspace

from ..conftest import FIXED_NOW
from .conftest import Site
from .test_accounts_web import PASSWORD, signed_in, token

AIX = "cpts-du-pays-d-aix"
EYG = "cpts-d-eyguieres-et-alpilles"


def catalog() -> dict[str, TemplateMeta]:
    from cpts_workflow.documents.templates import TemplateCatalog

    return TemplateCatalog().templates


def typed_value(q: Question) -> tuple[Any, Any]:
    """A valid answer to type for any question, and the value it is saved as."""
    if q.type == "integer":
        n = int(q.default if q.default is not None else max(q.min or 0, 3))
        return str(n), n
    if q.type == "number":
        n = 12.5 if (q.min or 0) <= 12.5 <= (q.max or 1e9) else float(q.min or 0)
        return str(n).replace(".", ","), n
    if q.type == "date":
        day = FIXED_NOW.date() + timedelta(days=40)
        return day.strftime("%d/%m/%Y"), day.isoformat()
    if q.type == "time":
        return "19h30", "19 h 30"
    if q.type == "boolean":
        return "oui", True
    if q.type == "choice":
        return q.choices[-1], q.choices[-1]
    if q.type == "multi_choice":
        return list(q.choices[:2]), list(q.choices[:2])
    if q.type == "long_text":
        return "Première ligne\nSeconde ligne", "Première ligne\nSeconde ligne"
    return f"Réponse à {q.id}", f"Réponse à {q.id}"


def step_form(meta: TemplateMeta, number: int, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for q in plan_steps(meta)[number - 1].questions:
        form[q.id] = typed_value(q)[0]
    form.update(overrides)
    return form


def saved(url: str, slug: str, template: str) -> dict[str, Any]:
    ws = Workspace(url)
    try:
        return Documents(ws).stored_answers(slug, template)
    finally:
        ws.db.dispose()


def base(template: str, slug: str = AIX) -> str:
    return f"/projets/{slug}/entretiens/{template}"


def defaults(meta: TemplateMeta, number: int) -> dict[str, Any]:
    """The template's proposed answers of a step, as a form sends them: they agree with
    each other (the statutes' seats per collège with the size of the board)."""
    shown = {True: "oui", False: "non"}
    return {q.id: shown.get(q.default, q.default) if isinstance(q.default, bool) else
            q.default if isinstance(q.default, list) else str(q.default)
            for q in plan_steps(meta)[number - 1].questions if q.default is not None}


# Answers the sample values would make contradict each other: the statutes' seats per
# collège (optional) must add up to the board's size; left empty, no repartition is fixed.
CONSISTENT = {"statuts": dict.fromkeys(["sieges_liberaux", "sieges_structures", "sieges_etablissements",
                                        "sieges_medico_social", "sieges_usagers", "sieges_partenaires"], "")}


def answer_all(site: Site, template: str, slug: str = AIX) -> None:
    meta = catalog()[template]
    for step in plan_steps(meta):
        form = step_form(meta, step.number, **defaults(meta, step.number))
        form.update({k: v for k, v in CONSISTENT.get(template, {}).items() if k in form})
        response = site.post(f"{base(template, slug)}/etapes/{step.number}", form)
        assert response.status_code == 303, response.text


def test_steps_cover_every_question_in_order():
    for meta in catalog().values():
        steps = plan_steps(meta)
        assert [q.id for s in steps for q in s.questions] == [q.id for q in meta.questions]
        assert [s.number for s in steps] == list(range(1, len(steps) + 1))
        for s in steps:
            weight = sum(2 if q.type == "long_text" else 1 for q in s.questions)
            # A group is the template author's step; otherwise a few questions per step.
            assert s.questions[0].group or weight <= STEP_WEIGHT + 1 or len(s.questions) == 1, (meta.id, s)
    statuts = plan_steps(catalog()["statuts"])
    together = [s for s in statuts if any(q.id == "ca_membres_min" for q in s.questions)]
    assert together and "ca_membres_max" in [q.id for q in together[0].questions]


def test_groups_make_the_steps():
    meta = catalog()["statuts"]
    grouped = meta.model_copy(update={"questions": tuple(
        q.model_copy(update={"group": "Identité" if i < 2 else "Instances"})
        for i, q in enumerate(meta.questions))})
    assert [(s.title, len(s.questions)) for s in plan_steps(grouped)] == [
        ("Identité", 2), ("Instances", len(meta.questions) - 2)]


def test_every_question_type_round_trips(site: Site, web_url):
    candidates: dict[str, list[tuple[str, Question]]] = {}
    for meta in catalog().values():
        for q in meta.questions:
            candidates.setdefault(q.type, []).append((meta.id, q))
    assert {"text", "long_text", "integer", "number", "date", "boolean", "choice",
            "multi_choice"} <= set(candidates)
    for kind, found in candidates.items():
        # The first question of this type whose step the sample answers satisfy: the same
        # value in every field of a step breaks some documents' checks across answers
        # (the statutes' seats per collège), which other tests cover.
        for template, q in found:
            meta = catalog()[template]
            number = next(s.number for s in plan_steps(meta) if q in s.questions)
            page = site.get(f"{base(template)}/etapes/{number}")
            assert page.status_code == 200
            assert f"Étape {number} sur {len(plan_steps(meta))}" in page.text
            response = site.post(f"{base(template)}/etapes/{number}", step_form(meta, number))
            if response.status_code == 303:
                break
        assert response.status_code == 303, (kind, response.text)
        assert saved(web_url, AIX, template)[q.id] == typed_value(q)[1], kind
        again = site.get(f"{base(template)}/etapes/{number}").text  # prefilled
        if kind in ("boolean", "choice", "multi_choice"):
            assert re.search(rf'name="{q.id}"[^>]*value="[^"]*"[^>]* checked|'
                             rf'value="[^"]*"[^>]*selected', again), kind
        elif kind == "long_text":
            assert "Première ligne\nSeconde ligne</textarea>" in again
        else:
            shown = {"number": "12,5", "date": (FIXED_NOW.date() + timedelta(days=40)).isoformat(),
                     "time": "19 h 30"}.get(kind, str(typed_value(q)[1]))
            assert f'value="{shown}"' in again.replace("&#39;", "'"), kind


def test_an_invalid_answer_shows_a_french_error_and_saves_nothing_of_its_step(site: Site, web_url):
    meta = catalog()["statuts"]
    step = next(s for s in plan_steps(meta) if any(q.type == "integer" and q.max for q in s.questions))
    bounded = next(q for q in step.questions if q.type == "integer" and q.max)
    form = step_form(meta, step.number, **{bounded.id: str(int(bounded.max) + 1)})
    page = site.post(f"{base('statuts')}/etapes/{step.number}", form)
    assert page.status_code == 400
    assert "n&#39;est pas possible ; attendu entre" in page.text
    assert "rien n'a été enregistré pour cette étape" in page.text
    # the error is tied to its field, the typed value kept
    assert re.search(rf'id="field-{bounded.id}" name="{bounded.id}" value="{int(bounded.max) + 1}" '
                     rf'aria-describedby="[^"]*err-{bounded.id}"[^>]*aria-invalid="true"', page.text)
    assert f'id="err-{bounded.id}"' in page.text
    assert saved(web_url, AIX, "statuts") == {}
    # a required answer left empty
    first = plan_steps(meta)[0]
    required = next(q for q in first.questions if q.required and q.default is None)
    page = site.post(f"{base('statuts')}/etapes/1", step_form(meta, 1, **{required.id: "  "}))
    assert page.status_code == 400 and "Réponse requise." in page.text
    assert saved(web_url, AIX, "statuts") == {}


def test_checks_across_answers_and_documents(site: Site, web_url):
    statuts = catalog()["statuts"]
    number = next(s.number for s in plan_steps(statuts)
                  if "ca_membres_min" in [q.id for q in s.questions])
    form = step_form(statuts, number, ca_membres_min="30", ca_membres_max="3")
    page = site.post(f"{base('statuts')}/etapes/{number}", form)
    assert page.status_code == 400 and "le minimum dépasse le maximum" in page.text
    assert saved(web_url, AIX, "statuts") == {}
    # htmx: the field's error alone, and the check across answers out of band
    check = site.post(f"{base('statuts')}/etapes/{number}/verifier", {**form, "question": "ca_membres_max"},
                      headers={"HX-Request": "true"})
    assert check.status_code == 200
    assert 'id="err-ca_membres_max"' in check.text and "<html" not in check.text
    assert 'id="cross-error"' in check.text and 'hx-swap-oob="true"' in check.text
    assert "le minimum dépasse le maximum" in check.text
    wrong = site.post(f"{base('statuts')}/etapes/{number}/verifier",
                      {**form, "ca_membres_max": "deux", "question": "ca_membres_max"},
                      headers={"HX-Request": "true"})
    assert "« deux » n&#39;est pas un nombre" in wrong.text
    # across documents: the PV against the statutes' proxies
    pv = catalog()["pv_ag"]
    number = next(s.number for s in plan_steps(pv) if "representes" in [q.id for q in s.questions])
    page = site.post(f"{base('pv_ag')}/etapes/{number}", step_form(pv, number, presents="3", representes="40"))
    assert page.status_code == 400 and "limitent chaque présent à 2 pouvoirs" in page.text
    assert "representes" not in saved(web_url, AIX, "pv_ag")


def test_progress_is_saved_at_each_step_and_prefilled(site: Site, web_url):
    meta = catalog()["statuts"]
    steps = plan_steps(meta)
    start = site.get(base("statuts"), follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].endswith("/etapes/1")
    response = site.post(f"{base('statuts')}/etapes/1", step_form(meta, 1, siege="12 rue des Écoles"))
    assert response.status_code == 303
    assert response.headers["location"] == f"{base('statuts')}/etapes/2?message=saved"
    page = site.get(response.headers["location"]).text
    assert f"Étape 2 sur {len(steps)}" in page and "Réponses enregistrées." in page
    assert "← Étape précédente" in page
    assert saved(web_url, AIX, "statuts")["siege"] == "12 rue des Écoles"
    assert 'value="12 rue des Écoles"' in site.get(f"{base('statuts')}/etapes/1").text
    # the same step again, unchanged: nothing new in the history
    ws = Workspace(web_url)
    before = len(ws.history(AIX))
    ws.db.dispose()
    again = site.post(f"{base('statuts')}/etapes/1", step_form(meta, 1, siege="12 rue des Écoles"))
    assert again.headers["location"].endswith("message=unchanged")
    ws = Workspace(web_url)
    events = ws.history(AIX)
    ws.db.dispose()
    assert len(events) == before
    assert events[-1].kind == "document_answered" and events[-1].payload["step"] == 1
    assert "12 rue" not in str(events[-1].payload)  # the values stay out of the audit
    # once every required answer is given, the document opens on its review
    for step in steps[1:]:
        site.post(f"{base('statuts')}/etapes/{step.number}", step_form(meta, step.number))
    assert site.get(base("statuts"), follow_redirects=False).headers["location"].endswith("/relecture")


def test_a_stale_step_is_a_conflict_and_keeps_what_was_typed(site: Site, web_url):
    meta = catalog()["statuts"]
    version = site.version(AIX)
    site.post(f"/projets/{AIX}/elements/working_group", {"action": "check", "version": version})
    page = site.post(f"{base('statuts')}/etapes/1", {**step_form(meta, 1, siege="Ancienne adresse"),
                                                      "version": version})
    assert page.status_code == 409 and "a changé depuis votre lecture" in page.text
    assert 'value="Ancienne adresse"' in page.text
    assert saved(web_url, AIX, "statuts") == {}


def test_unknown_documents_steps_and_other_projects(site: Site):
    assert site.get(f"{base('inexistant')}/etapes/1").status_code == 404
    assert site.get(f"{base('statuts')}/etapes/99").status_code == 404
    assert site.get(f"{base('statuts')}/etapes/0").status_code == 404
    assert site.get("/projets/nulle-part/entretiens").status_code == 404


def test_index_lists_every_document_with_its_progress(site: Site):
    page = site.get(f"/projets/{AIX}/entretiens")
    assert page.status_code == 200
    for meta in catalog().values():
        assert meta.title.replace("'", "&#39;") in page.text
    assert "Commencer" in page.text
    assert f'href="/projets/{AIX}/entretiens"' in site.get(f"/projets/{AIX}/documents").text


@pytest.fixture
def team(web_url, clock) -> str:
    ws = Workspace(web_url, now=clock)
    for login, name, role in (("claire", "Claire Martin", "officer"), ("lea", "Léa Petit", "reader"),
                              ("paul", "Paul Martin", "porteur")):
        accounts.add_account(ws, login, name=name, role=role, password=PASSWORD)
    accounts.attach(ws, "paul", AIX)
    members.add_member(ws, AIX, "Jeanne Durand", profession="médecin généraliste",
                       college="liberaux", role="president")
    ws.db.dispose()
    return web_url


def test_review_shows_who_answered_what(team, clock):
    meta = catalog()["statuts"]
    paul = signed_in(team, clock, "paul")
    form = {**step_form(meta, 1, siege="12 rue des Écoles"), "csrf": token(paul)}
    assert paul.post(f"{base('statuts')}/etapes/1", data=form, follow_redirects=False).status_code == 303
    officer = signed_in(team, clock, "claire")
    page = officer.get(f"{base('statuts')}/relecture")
    assert page.status_code == 200
    assert "répondu par Paul Martin le 22/11/2026" in page.text
    assert "valeur par défaut" in page.text
    assert f'href="{base("statuts")}/etapes/1"' in page.text and ">Modifier</a>" in page.text
    assert "Jeanne Durand" in page.text  # the bureau, taken from the members
    reader = signed_in(team, clock, "lea").get(f"{base('statuts')}/relecture")
    assert reader.status_code == 200 and "Lecture seule" in reader.text
    assert ">Modifier</a>" not in reader.text


def test_generate_preview_and_download_every_format(site: Site, web_url):
    answer_all(site, "statuts")
    review = site.get(f"{base('statuts')}/relecture").text
    assert "le document peut être produit" in review and f'href="{base("statuts")}/document"' in review
    page = site.get(f"{base('statuts')}/document")
    assert page.status_code == 200
    assert re.search(r'<iframe class="preview" src="[^"]+/apercu" sandbox ', page.text)
    preview = site.get(f"{base('statuts')}/apercu")
    assert preview.status_code == 200 and "Réponse à denomination" in preview.text
    csp = preview.headers["content-security-policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    checksum = re.search(r'name="answers" value="([0-9a-f]+)"', page.text).group(1)

    def download(fmt: str) -> bytes:
        response = site.post(f"{base('statuts')}/telecharger", {"format": fmt, "answers": checksum})
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="statuts-cpts-du-pays-d-aix.')
        return response.content

    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download("docx"))).paragraphs)
    assert "Réponse à denomination" in text and "Réponse à ville_signature" in text
    from odf import teletype
    from odf.opendocument import load
    from odf.text import P

    odt = load(io.BytesIO(download("odt")))
    assert "Réponse à ville_signature" in "\n".join(teletype.extractText(p) for p in odt.getElementsByType(P))
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(download("pdf")))
    assert "Réponse à denomination" in "".join(page.extract_text() for page in pdf.pages)
    history = Documents(Workspace(web_url)).history(AIX)
    assert [d.format for d in history] == ["docx", "odt", "pdf"]
    # answers changed since the preview: refused, nothing produced
    meta = catalog()["statuts"]
    site.post(f"{base('statuts')}/etapes/1", step_form(meta, 1, siege="Autre adresse"))
    stale = site.post(f"{base('statuts')}/telecharger", {"format": "docx", "answers": checksum})
    assert stale.status_code == 409 and "ont changé depuis l&#39;aperçu" in stale.text
    assert site.post(f"{base('statuts')}/telecharger", {"format": "exe"}).status_code == 400


def test_a_document_not_ready_sends_back_to_the_review(site: Site):
    page = site.get(f"{base('convocation_ag')}/document")
    assert page.status_code == 400
    assert "Le document ne peut pas encore être produit" in page.text or "réponse manquante" in page.text
    assert site.get(f"{base('convocation_ag')}/apercu").status_code == 400
