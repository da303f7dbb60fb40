"""What to type next: the CLI's own hints, added to a library error by its `topic`.

The library says what to do in words that hold for every client ("forcez le passage avec
un commentaire"); the command line knows its commands and options, and says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Details = dict[str, Any]

HINTS: dict[str, Callable[[Details], str]] = {
    "unknown_project": lambda d: "« cpts list » affiche les projets et leurs identifiants.",
    "unknown_item": lambda d: f"« cpts checklist {d.get('project', 'PROJET')} --stage all » "
    "liste les éléments et leurs identifiants.",
    "unknown_member": lambda d: f"« cpts member list {d.get('project', 'PROJET')} » affiche "
    "les membres et leurs numéros.",
    "missing_items": lambda d: "Cochez-les (cpts check), marquez-les sans objet (cpts skip), "
    "ou forcez avec --force et un commentaire.",
    "item_value": lambda d: "Donnez-la avec --value, par exemple --value 01/09/2026.",
    "date_item_needed": lambda d: f"cpts check {d.get('project', 'PROJET')} "
    f"{d.get('item', 'ELEMENT')} --value JJ/MM/AAAA",
    "mission_not_chosen": lambda d: f"cpts aci missions {d.get('project', 'PROJET')} "
    f"--add {d.get('mission', 'MISSION')}",
    "migration_refused": lambda d: "Le détail : --dry-run ; accepter la perte : --accept-loss.",
    "import_replace": lambda d: "Ajoutez --replace pour remplacer ces projets.",
    "grid_replace": lambda d: "Ajoutez --replace pour la remplacer.",
    "backup_too_large": lambda d: f"Relancez avec --max-size {d.get('megabytes', 'MO')}.",
    "unknown_workflow": lambda d: "Ou donnez son fichier avec --workflow-file.",
    "demo_foreign_projects": lambda d: "Lancez « cpts demo » sans --db pour une base séparée, "
    "ou ajoutez --force.",
    "overlap_reason": lambda d: "Ajoutez --reason « accord entre les deux projets du … ».",
    "overlap": lambda d: "Forcer : --force --reason « … ».",
    "sheet_field": lambda d: "Exemple : --map « Suivi par=officer » (cpts import-sheet --help).",
    "unknown_commune": lambda d: "Cherchez la commune avec : cpts communes search NOM.",
    "unanswered": lambda d: f"Répondez avec : cpts doc answer PROJET {d.get('template', 'MODELE')} "
    f"(« cpts doc questions {d.get('template', 'MODELE')} » liste les questions).",
    "database_url": lambda d: "L'adresse se donne avec --db ou CPTS_DATABASE_URL.",
    "busy": lambda d: "« cpts list » et les autres lectures répondent ; CPTS_BUSY_TIMEOUT=60 fait "
    "attendre 60 secondes.",
    "reference_incomplete": lambda d: "Mise à jour partielle : relancez avec --partial.",
    "unknown_officer": lambda d: "« cpts user list » affiche les comptes de chargé·e de mission.",
    "delete_history": lambda d: "Abandonner : cpts abandon PROJET --reason « … » ; supprimer "
    "quand même : --force.",
    "unknown_contact": lambda d: f"« cpts contact list {d.get('project', 'PROJET')} » affiche "
    "les contacts et leurs numéros.",
    "unknown_partner": lambda d: f"« cpts partner list {d.get('project', 'PROJET')} » affiche "
    "les partenaires et leurs numéros.",
    "duplicate_payment": lambda d: "Un second virement identique bien réel : ajoutez --duplicate.",
    "schema_outdated": lambda d: "Mettez-la à jour avec « cpts init » (même --db), puis relancez "
    "la commande.",
}


def cli_hint(error: Any) -> str | None:
    """The command line's hint for a library error, if its topic has one."""
    topic = getattr(error, "topic", None)
    make = HINTS.get(topic) if topic else None
    return make(getattr(error, "details", None) or {}) if make else None


def error_body(error: Any) -> dict[str, Any]:
    """The JSON error body `{"error": {"code", "message", "hint"}}`, CLI hint included."""
    body = error.to_dict()
    extra = cli_hint(error)
    if extra:
        hint = body["error"].get("hint")
        body["error"]["hint"] = f"{hint}\n{extra}" if hint else extra
    return body
