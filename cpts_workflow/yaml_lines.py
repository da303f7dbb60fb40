"""Lines of keys and validation errors as French sentences.

Workflow files, ACI grids and backups are YAML or JSON checked by pydantic; a problem is
reported as `file:line: message`, never as a traceback. Lines are kept by key path
(`("stages", 2, "items", 0, "id")`, filled by `safe_yaml`), so that a pydantic error's
`loc` finds its line.
"""

from __future__ import annotations

from typing import Any

KeyPath = tuple[Any, ...]
Lines = dict[KeyPath, int]


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def french_error(err: dict[str, Any]) -> str:
    """One pydantic error as a French sentence (with a fix where we can name one)."""
    loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
    field = loc[-1] if loc else "?"
    kind = err["type"]
    ctx = err.get("ctx", {})
    value = err.get("input")
    if kind == "missing":
        return f"la clé obligatoire « {field} » manque ; ajoutez-la."
    if kind == "extra_forbidden":
        return f"clé inconnue « {field} » ; vérifiez l'orthographe ou retirez-la."
    if kind == "literal_error":
        return f"« {value} » n'est pas permis pour « {field} » ; choisissez parmi {ctx.get('expected')}."
    if kind == "string_pattern_mismatch":
        return (
            f"« {value} » n'est pas un identifiant valide pour « {field} » ; utilisez des "
            "minuscules sans accent, des chiffres et « _ » (ex. lettre_intention)."
        )
    if kind in ("string_too_short", "too_short"):
        return f"« {field} » ne peut pas être vide."
    if kind in ("string_type", "int_type", "int_parsing", "bool_type", "bool_parsing"):
        expected = {"s": "un texte", "i": "un nombre entier", "b": "true ou false"}[kind[0]]
        return f"« {field} » doit être {expected} (trouvé : {value!r})."
    if kind in ("tuple_type", "list_type"):
        return f"« {field} » doit être une liste (des lignes commençant par « - »)."
    if kind in ("model_type", "dict_type"):
        return f"« {field} » doit être un ensemble de clés : valeur."
    if kind == "greater_than_equal":
        return f"« {field} » doit valoir au moins {ctx.get('ge')}."
    return f"valeur invalide pour « {field} » ({err['msg']})."


