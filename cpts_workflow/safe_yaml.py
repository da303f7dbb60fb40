"""Reading YAML a user gives (workflow files, answers files, funding grids), safely.

PyYAML's safe loader runs no code, but it still expands aliases (a « billion laughs » file
of 1 Ko becomes gigabytes), follows any nesting and keeps the last of two equal keys
silently. Here a file is refused, with `file:line` and a French sentence, when it:
is larger than its cap, is not UTF-8, uses more than `MAX_ALIASES` aliases or would expand
to more than `MAX_NODES` values, nests deeper than `MAX_DEPTH`, or repeats a key (both
lines named). The checks run on the parser's events, before anything is built.

The data comes with the line of every mapping key and sequence entry, for `file:line`
messages of later checks. A leaf module: it imports only `errors` and `files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DefinitionError
from .files import os_reason
from .yaml_lines import KeyPath as Path_
from .yaml_lines import Lines

if TYPE_CHECKING:
    import yaml


MAX_BYTES = 1_000_000
MAX_ALIASES = 50
MAX_NODES = 200_000
MAX_DEPTH = 50
SYNTAX = "YAML illisible : {problem} ; vérifiez l'indentation et les « : »."

# PyYAML's own words, in English, as French sentences (others: « syntaxe incorrecte »).
_PROBLEMS = {
    "mapping values are not allowed": "« : » inattendu à cet endroit",
    "could not find expected ':'": "« : » manquant",
    "expected ',' or ']'": "crochet « ] » non fermé",
    "expected ',' or '}'": "accolade « } » non fermée",
    "that cannot start any token": "caractère interdit en début de valeur (une tabulation ? "
                                   "indentez avec des espaces)",
    "expected <block end>": "indentation incohérente",
    "found undefined alias": "alias « * » sans ancre « & » correspondante",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet ou crochet non fermé ?)",
    "found unknown escape character": "séquence « \\ » inconnue dans un texte entre guillemets",
    "expected a single document": "plusieurs documents (« --- ») dans un seul fichier",
    "found duplicate anchor": "ancre « & » définie deux fois",
    "could not determine a constructor": "étiquette « ! » inconnue",
    "exceeded maximum nesting depth": f"plus de {MAX_DEPTH} niveaux d'imbrication",
}


_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in
               ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")}


def problem_in_french(problem: str | None) -> str:
    text = problem or ""
    return next((fr for en, fr in _PROBLEMS.items() if en in text), "syntaxe incorrecte")


def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES, what: str = "fichier") -> str:
    """The text of a YAML file; unreadable, too big or not UTF-8 is a `DefinitionError`."""
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise _too_big(str(path), max_bytes, what)
        raw = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(str(path), [(None, f"fichier illisible ({os_reason(exc)}).")]) from None
    return decode(raw, str(path), max_bytes=max_bytes, what=what)


def _too_big(source: str, max_bytes: int, what: str) -> DefinitionError:
    size = f"{max_bytes // 1000} Ko" if max_bytes < 1_000_000 else f"{max_bytes // 1_000_000} Mo"
    return DefinitionError(source, [(None, f"fichier trop volumineux pour un {what} (plus de {size}).")])


def decode(raw: bytes, source: str, *, max_bytes: int = MAX_BYTES, what: str = "fichier") -> str:
    """The text of a file's bytes; too big or not UTF-8 is a `DefinitionError`."""
    if len(raw) > max_bytes:
        raise _too_big(source, max_bytes, what)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is no content
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DefinitionError(source, [(line, "le fichier n'est pas du texte UTF-8.")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DefinitionError(source, [(line, "le fichier contient un octet nul : ce n'est pas du texte.")])
    return text


def load(
    text: str, source: str = "<texte>", *, max_bytes: int = MAX_BYTES, what: str = "fichier",
    syntax: str = SYNTAX,
) -> tuple[Any, Lines]:
    """The data of a YAML text and the line of every key; `DefinitionError` on any problem.

    `syntax` words a syntax error (`{problem}`: what is wrong, in French).
    """
    import yaml  # lazily: a command served by the workflow cache reads no YAML

    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise _too_big(source, max_bytes, what)
    fast = getattr(yaml, "CSafeLoader", None)
    loaders = [fast, yaml.SafeLoader] if fast is not None else [yaml.SafeLoader]
    for loader_class in loaders:
        try:
            _check_events(loader_class, text, source)
            return compose_with_lines(loader_class, text)
        except _Refused as refused:
            raise DefinitionError(source, [(refused.line, refused.message)]) from None
        except yaml.MarkedYAMLError as exc:
            # libyaml's messages may differ: the pure-Python parser words the problem.
            if loader_class is not loaders[-1]:
                continue
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            message = syntax.format(problem=problem_in_french(exc.problem or exc.context))
            raise DefinitionError(source, [(line, message)]) from None
        except (yaml.YAMLError, ValueError, RecursionError) as exc:
            if loader_class is not loaders[-1]:
                continue
            problem = problem_in_french(str(exc))
            raise DefinitionError(source, [(None, syntax.format(problem=problem))]) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


class _Refused(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _check_events(loader_class: Any, text: str, source: str) -> None:
    """Aliases and nesting, counted on the parser's events (nothing is built yet)."""
    import yaml

    loader = loader_class(text)
    aliases = depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _Refused(_line(event.start_mark),
                                   f"plus de {MAX_ALIASES} alias (« *nom ») : un fichier qui se "
                                   "démultiplie ainsi est refusé.")
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(_line(event.start_mark),
                                   f"plus de {MAX_DEPTH} niveaux d'imbrication.")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def compose_with_lines(loader_class: type[yaml.SafeLoader | yaml.CSafeLoader], text: str) -> tuple[Any, Lines]:
    """The data of a YAML text and the line of every mapping key and sequence entry.

    libyaml (`CSafeLoader`) composes the nodes when it is available, an order of magnitude
    faster than the pure-Python parser, with the same lines. Equal keys are refused with
    both lines; an alias expanding past `MAX_NODES` values is refused at its line.
    """
    import yaml

    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: Lines = {}
    count = 0

    def walk(n: yaml.Node, path: Path_, line: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _Refused(line, f"le fichier se développe en plus de {MAX_NODES:,} valeurs "
                           "(alias en cascade ?) : refusé.".replace(",", "\u202f"))
        lines[path] = n.start_mark.line + 1
        if n.tag not in _PLAIN_TAGS:  # `!!python/object…`, `!!binary`, `!mine`: not data we read
            raise _Refused(n.start_mark.line + 1, f"étiquette « {n.tag.replace('tag:yaml.org,2002:', '!!')} » inconnue : seules les "
                           "valeurs simples, listes et dictionnaires sont lues.")
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            seen: dict[Any, int] = {}
            for key_node, value_node in n.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: unhashable
                    raise _Refused(key_line, "une clé doit être un simple mot, pas une liste "
                                   "ni un dictionnaire.")
                key = loader.construct_object(key_node, deep=True)
                if key in seen:
                    raise _Refused(key_line, f"la clé « {key} » apparaît deux fois (lignes "
                                   f"{seen[key]} et {key_line}) ; gardez-en une seule.")
                seen[key] = key_line
                lines[(*path, key)] = key_line
                out[key] = walk(value_node, (*path, key), key_line)
                lines[(*path, key)] = key_line
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(v, (*path, i), v.start_mark.line + 1) for i, v in enumerate(n.value)]
        try:
            return loader.construct_object(n, deep=True)
        except ValueError:  # Python refuses to read an integer of more than 4 300 digits
            raise _Refused(n.start_mark.line + 1, "nombre de plusieurs milliers de chiffres : "
                           "refusé.") from None

    return (walk(node, (), 1) if node is not None else None), lines
