"""A project with a bureau and a board, shared by the document tests."""

from __future__ import annotations

from cpts_workflow import members

STATUTS = {"siege": "12 rue des Écoles, 13100 Aix-en-Provence", "ville_signature": "Aix",
           "ca_membres_min": 3}


def project_with_bureau(ws, docs) -> str:  # type: ignore[no-untyped-def]
    """Three libéraux in the bureau, an MSP on the board, the statutes answered."""
    slug = ws.create_project("CPTS du Pays d'Aix").slug
    for name, role in (("Jeanne Durand", "president"), ("Paul Martin", "treasurer"),
                       ("Sophie Bernard", "secretary")):
        members.add_member(ws, slug, name, college="liberaux", role=role, profession="médecin")
    members.add_member(ws, slug, "MSP des Collines", legal=True, structure_kind="msp",
                       college="structures", role="board")
    docs.save_answers(slug, "statuts", STATUTS)
    return slug
