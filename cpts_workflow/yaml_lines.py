"""YAML read with the line of every key, and validation errors as French sentences.

Workflow files, ACI grids and backups are YAML or JSON checked by pydantic; a problem is
reported as `file:line: message`, never as a traceback. Lines are kept by key path
(`("stages", 2, "items", 0, "id")`), so that a pydantic error's `loc` finds its line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

KeyPath = tuple[Any, ...]


def construct_with_lines(text: str) -> tuple[Any, dict[KeyPath, int]]:
    """The data of a YAML text and the line of every mapping key and sequence entry.

    libyaml (`CSafeLoader`) composes the nodes when it is available, an order of magnitude
    faster than the pure-Python parser, with the same lines; a text it refuses is read
    again by the pure-Python parser, whose messages are the ones users and tests know.
    """
    import yaml  # lazily: a command served by the catalogue's cache reads no YAML

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return compose_with_lines(fast, text)
        except yaml.YAMLError:
            pass
    return compose_with_lines(yaml.SafeLoader, text)


def compose_with_lines(
    loader_class: type[yaml.SafeLoader | yaml.CSafeLoader], text: str
) -> tuple[Any, dict[KeyPath, int]]:
    import yaml

    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}

    def walk(n: yaml.Node, path: KeyPath) -> Any:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out = {}
            for key_node, value_node in n.value:
                if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: unhashable
                    raise yaml.MarkedYAMLError(problem="une clé doit être un simple mot, pas une "
                                               "liste ni un dictionnaire", problem_mark=key_node.start_mark)
                key = loader.construct_object(key_node, deep=True)
                lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = walk(value_node, (*path, key))
                lines[(*path, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(v, (*path, i)) for i, v in enumerate(n.value)]
        return loader.construct_object(n, deep=True)

    return (walk(node, ()) if node is not None else None), lines


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


Lines = dict[KeyPath, int]
