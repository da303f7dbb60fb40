"""What the product accepts as text and numbers: one set of limits for every write.

Every write (CLI, library, web) and the import of a backup check values against the same
limits, so that a base built through the product always exports and re-imports. Text is
normalised to NFC (one spelling of « é »), trimmed, and refused when it holds control
characters (NUL, escape sequences…) or lone surrogates (bytes that were not UTF-8).
Numbers are finite, written with the digits 0 to 9, and bounded.

A leaf module: it imports nothing of the project but `errors` and `french`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from . import french
from .errors import BadInput

# Lengths, in characters; each equals the column that stores the value (a test checks).
NAME = 200  # project and member names, e-mail addresses, labels of imported grids
PERSON = 120  # an actor, an officer, a profession: who did what
PHONE = 40
LONG_TEXT = 5000  # notes, values, reasons, comments, answers
IDENTIFIER = 60  # stage, workflow and grid identifiers
SLUG = 120
# Integers stored in the base (ids, versions, populations): a 32-bit signed column.
MAX_INT = 2**31 - 1
# Numbers given as evidence or answers: 15 significant digits stay exact as a float.
MAX_NUMBER = 10**15
MAX_NUMBER_CHARS = 40
# JSON kept in the base (payloads, answers, grids): as nested as the product writes, no more.
MAX_JSON_DEPTH = 32

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_KEPT_IN_LONG_TEXT = {"\n", "\t"}


def _forbidden_char(value: str, multiline: bool) -> str | None:
    """The first character a stored text may not hold, if any."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs" or (
            category == "Cc" and not (multiline and char in _KEPT_IN_LONG_TEXT)
        ):
            return char
        if char in ("\ufffe", "\uffff"):
            return char
    return None


def _describe(char: str) -> str:
    if char == "\x00":
        return "un caractère nul (octet 0)"
    if unicodedata.category(char) == "Cs":
        return "des octets qui ne sont pas du texte UTF-8"
    if char == "\n":
        return "un retour à la ligne"
    if char == "\t":
        return "une tabulation"
    return f"un caractère de contrôle (U+{ord(char):04X})"


def text_problem(value: str, max_length: int, *, multiline: bool = False) -> str | None:
    """Why a (normalised) text cannot be stored, as the end of a French sentence; None if fine."""
    bad = _forbidden_char(value, multiline)
    if bad is not None:
        return f"contient {_describe(bad)}, interdit ici"
    if len(value) > max_length:
        return f"dépasse {french.number(max_length)} caractères ({french.number(len(value))})"
    return None


def normalise(value: str, *, multiline: bool = False) -> str:
    """NFC, trimmed; Windows line ends become `\\n` in long text."""
    if multiline:
        value = value.replace("\r\n", "\n")
    return unicodedata.normalize("NFC", value).strip()


def clean_text(
    value: str | None,
    what: str,
    *,
    max_length: int = LONG_TEXT,
    multiline: bool | None = None,
    required: bool = False,
) -> str | None:
    """A user's text ready to store, or `BadInput` naming `what` (« Le nom du projet »).

    `multiline` (default: texts longer than a name) keeps line breaks and tabs.
    Empty or blank text is None, refused when `required`.
    """
    if multiline is None:
        multiline = max_length > NAME
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{what} doit être un texte.")
    text = normalise(value, multiline=multiline) if value else ""
    if not text:
        if required:
            raise BadInput(f"{what} est obligatoire.", "Donnez-le avec l'option indiquée dans l'aide.")
        return None
    problem = text_problem(text, max_length, multiline=multiline)
    if problem:
        raise BadInput(f"{what} {problem}.", _hint(max_length, multiline))
    return text


def _hint(max_length: int, multiline: bool) -> str:
    if multiline:
        return (f"Au plus {french.number(max_length)} caractères ; seuls les retours à la ligne "
                "et les tabulations sont permis parmi les caractères spéciaux.")
    return f"Une seule ligne de texte, au plus {french.number(max_length)} caractères."


def clean_actor(value: str) -> str:
    """Who acts, recorded on every change (`--actor`, `CPTS_ACTOR`)."""
    return clean_text(value, "Le nom de la personne qui agit", max_length=PERSON) or "inconnu"


def slug_problem(slug: Any) -> str | None:
    """Why a project's slug is not one the product makes, or None."""
    if not isinstance(slug, str) or not slug:
        return "identifiant court (slug) vide"
    if len(slug) > SLUG:
        return f"identifiant court « {slug[:40]}… » trop long ({SLUG} caractères au plus)"
    if not SLUG_PATTERN.match(slug):
        return (f"identifiant court « {slug} » invalide (minuscules sans accent, chiffres et "
                "tirets seulement)")
    if slug.isdigit():
        return f"identifiant court « {slug} » fait de chiffres seulement (il se confondrait avec un numéro)"
    return None


def as_id(text: Any) -> int | None:
    """The row id a person typed (`12`), or None when it is not one (`²`, 20 digits, `0`)."""
    text = str(text).strip()
    if text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_INT:
        return int(text)
    return None


def _not_a_number(text: str, example: str) -> BadInput:
    odd = next((c for c in text if c not in "0123456789+-.eE"), None)
    if odd is not None and (odd.isdigit() or unicodedata.category(odd) == "No"):
        return BadInput(
            f"« {text} » n'est pas un nombre : « {odd} » n'est pas un chiffre de 0 à 9.",
            f"Écrivez le nombre avec les chiffres 0 à 9, par exemple {example}.",
        )
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity") or re.search("[eE]", text):
        return BadInput(
            f"« {text} » n'est pas un nombre fini écrit en chiffres.",
            f"Écrivez le nombre en toutes lettres de chiffres, par exemple {example}.",
        )
    return BadInput(f"« {text} » n'est pas un nombre.", f"Exemple : {example}.")


def parse_number(value: Any, *, integer: bool = False, example: str = "149695") -> int | float:
    """A number typed by a person (`1 500`, `3,5`) or read from a file, finite and bounded.

    Refused with a French sentence: superscripts and other scripts' digits (`²`, `١٢`),
    `nan`, `inf`, exponents (`1e999`), more than 15 digits, a decimal for an integer.
    """
    if isinstance(value, bool):
        raise BadInput(f"« {value} » n'est pas un nombre.", f"Exemple : {example}.")
    if isinstance(value, int | float):
        number: int | float = value
        text = repr(value)
    else:
        text = unicodedata.normalize("NFC", str(value)).strip()
        compact = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        if len(compact) > MAX_NUMBER_CHARS or not _NUMBER.match(compact):
            raise _not_a_number(text[:MAX_NUMBER_CHARS], example)
        number = float(compact) if "." in compact else int(compact)
    if isinstance(number, float) and not math.isfinite(number):
        raise _not_a_number(text, example)
    if abs(number) >= MAX_NUMBER:
        raise BadInput(
            f"« {text[:MAX_NUMBER_CHARS]} » est un nombre trop grand "
            f"(moins de {french.number(MAX_NUMBER)} en valeur absolue).",
        )
    if integer:
        if isinstance(number, float) and not number.is_integer():
            raise BadInput(f"« {text} » n'est pas un nombre entier.", f"Exemple : {example}.")
        return int(number)
    return number


def number_text(value: str) -> str:
    """A number given as checklist evidence, checked, stored as typed (`1500`, `3.5`)."""
    parse_number(value)
    return unicodedata.normalize("NFC", value).strip().replace("\u202f", "").replace(
        "\xa0", "").replace(" ", "").replace(",", ".")


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON value cannot be stored: too deep, a non-finite or too large number."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"données imbriquées sur plus de {max_depth} niveaux"
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, float) and not math.isfinite(item):
            return "nombre non fini (NaN ou infini)"
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**63:
            return "nombre entier trop grand"
    return None
