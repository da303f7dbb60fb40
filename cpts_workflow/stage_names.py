"""A stage typed by a person: its id (`statutes`), its label (« Projet de santé ») or a
word of its label (`statuts`), whatever the case and accents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import BadInput
from .folding import fold

if TYPE_CHECKING:
    from .workflow.definition import WorkflowDefinition


def resolve_stage(definition: WorkflowDefinition, typed: str) -> str:
    """The id of the stage (or side state: paused, abandoned) `typed` designates."""
    states = [(s.id, s.label) for s in definition.stages]
    states += [(s.id, s.label) for s in definition.side_states]
    text = typed.strip()
    if text in {sid for sid, _ in states}:
        return text
    wanted = fold(text).replace("_", " ")
    for sid, label in states:
        if wanted in (fold(sid).replace("_", " "), fold(label)):
            return sid
    # A word or part of a label (« statuts », « recrutement »), when it names one stage only.
    found = [sid for sid, label in states if wanted and wanted in fold(label)]
    if len(found) == 1:
        return found[0]
    listing = ", ".join(f"« {label} »" for _, label in states)
    if found:
        raise BadInput(f"« {typed} » désigne plusieurs étapes.", f"Précisez : {listing}.",
                       topic="unknown_stage")
    raise BadInput(f"Étape « {typed} » inconnue.", f"Étapes : {listing}.", topic="unknown_stage")
