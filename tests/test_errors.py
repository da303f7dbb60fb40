"""Errors: a stable code, a JSON body, hints for every client and the CLI's own."""

from __future__ import annotations

import json

import pytest

from cpts_workflow import errors
from cpts_workflow.errors import BadInput, Conflict, DatabaseError, DefinitionError, NotFound, Refused


def test_every_error_has_a_stable_code() -> None:
    assert [c.code for c in (errors.CptsError, BadInput, NotFound, Refused, Conflict,
                             DefinitionError, DatabaseError)] == [
        "error", "bad_input", "not_found", "refused", "conflict", "definition", "database"]
    assert {c.code for c in (BadInput, NotFound, Refused, Conflict)} <= set(errors.CODES)


def test_the_json_body() -> None:
    body = Refused("Non.", "Faites autre chose.", ["a", "b"]).to_dict()
    assert body == {"error": {"code": "refused", "message": "Non.", "hint": "Faites autre chose.",
                              "reasons": ["a", "b"]}}
    assert NotFound("Inconnu.").to_dict() == {
        "error": {"code": "not_found", "message": "Inconnu.", "hint": None}}
    json.dumps(DefinitionError("wf.yaml", [(3, "clé inconnue")]).to_dict())


def test_an_unknown_project_names_no_command_in_the_library(ws) -> None:
    ws.init()
    with pytest.raises(NotFound) as info:
        ws.project("absent")
    assert info.value.topic == "unknown_project"
    assert "cpts" not in (info.value.hint or "")


def test_the_cli_adds_its_own_hint(cpts) -> None:
    assert cpts("init").exit_code == 0
    r = cpts("show absent")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "Erreur : Projet « absent » introuvable.",
        "La liste des projets donne leurs identifiants.",
        "« cpts list » affiche les projets et leurs identifiants.",
    ]
    assert cpts("new 'CPTS du Pays d Aix'").exit_code == 0
    r = cpts("advance cpts-du-pays-d-aix")
    assert r.exit_code == 1 and "forcez avec --force et un commentaire" in r.stderr


def test_the_cli_gives_the_json_error_body_with_json(cpts) -> None:
    assert cpts("init").exit_code == 0
    r = cpts("show absent --json")
    assert r.exit_code == 1 and r.stdout == ""
    body = json.loads(r.stderr)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "Projet « absent » introuvable."
    assert "« cpts list »" in body["error"]["hint"]
    r = cpts("list --stage nulle_part --json")
    assert r.exit_code == 2 and json.loads(r.stderr)["error"]["code"] == "bad_input"
