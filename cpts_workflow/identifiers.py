"""Checks of the identifiers users type: SIRET/SIREN, RPPS, FINESS, e-mail, INSEE code.

Each `clean_*` returns the normalised value or raises `BadInput` with one French
sentence. The RPPS check key is not officially confirmed, so a failing Luhn check is a
warning (`rpps_warning`), never a refusal.
"""

from __future__ import annotations

import re

from .errors import BadInput

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FINESS = re.compile(r"^(\d{2}|2A|2B)[0-9A-Z]{7}$")
_INSEE = re.compile(r"^(\d{2}|2A|2B)\d{3}$")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-\u202f\xa0]", "", value).upper()


def clean_siret(value: str) -> str:
    """A SIRET (14 digits) or a SIREN (9 digits), checked with python-stdnum."""
    from stdnum.fr import siren, siret

    code = _compact(value)
    if len(code) == 14 and (code.isascii() and code.isdigit()):
        if not siret.is_valid(code):
            raise BadInput(
                f"Le SIRET « {value} » est invalide (clé de contrôle fausse).",
                "Recopiez-le depuis l'avis de situation INSEE ou "
                "annuaire-entreprises.data.gouv.fr.",
            )
        return code
    if len(code) == 9 and (code.isascii() and code.isdigit()):
        if not siren.is_valid(code):
            raise BadInput(
                f"Le SIREN « {value} » est invalide (clé de contrôle fausse).",
                "Recopiez-le depuis l'avis de situation INSEE.",
            )
        return code
    raise BadInput(
        f"« {value} » n'est ni un SIRET (14 chiffres) ni un SIREN (9 chiffres).",
        "Exemple : 73282932000074.",
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def clean_rpps(value: str) -> str:
    """An RPPS number: exactly 11 digits."""
    code = _compact(value)
    if len(code) != 11 or not (code.isascii() and code.isdigit()):
        raise BadInput(
            f"Le numéro RPPS « {value} » doit compter exactement 11 chiffres.",
            "Il figure sur la carte CPS et dans l'annuaire santé (annuaire.sante.fr).",
        )
    return code


def rpps_warning(code: str) -> str | None:
    """A French warning when an RPPS number fails the Luhn check (key à confirmer)."""
    if _luhn_ok(code):
        return None
    return (
        f"Attention : le numéro RPPS {code} ne passe pas le contrôle de Luhn ; "
        "vérifiez-le (il est enregistré tel quel)."
    )


def clean_finess(value: str) -> str:
    """A FINESS number: 9 characters starting with the department (2A/2B in Corsica)."""
    code = _compact(value)
    if not _FINESS.match(code):
        raise BadInput(
            f"Le numéro FINESS « {value} » est invalide : 9 caractères commençant par le "
            "département (2A ou 2B en Corse).",
            "Exemple : 130000078.",
        )
    return code


def clean_email(value: str) -> str:
    """An e-mail address of the form nom@domaine.tld (lower-cased domain)."""
    text = value.strip()
    if len(text) > 200 or not _EMAIL.match(text):
        raise BadInput(
            f"L'adresse e-mail « {value} » est invalide.", "Exemple : jeanne.durand@exemple.fr."
        )
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def clean_insee(value: str) -> str:
    """An INSEE commune code: 5 characters (`13001`, `2A004`)."""
    code = _compact(value)
    if not _INSEE.match(code):
        raise BadInput(
            f"Le code INSEE « {value} » est invalide : 5 caractères, par exemple 13001 ou 2A004.",
            "Le code INSEE n'est pas le code postal.",
        )
    return code


def clean_phone(value: str) -> str:
    """A phone number, shown the French way: `0491000000` → `04 91 00 00 00`,
    `+33491000000` → `+33 4 91 00 00 00`; other international numbers kept as digits."""
    text = re.sub(r"[\s.\-/()]", "", value.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if re.fullmatch(r"0[1-9]\d{8}", text):
        return " ".join(text[i:i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+33[1-9]\d{8}", text):
        rest = text[4:]
        return f"+33 {text[3]} " + " ".join(rest[i:i + 2] for i in range(0, 8, 2))
    if re.fullmatch(r"\+[1-9]\d{7,14}", text):
        return text
    raise BadInput(
        f"Le numéro de téléphone « {value} » est invalide.",
        "Exemples : 04 91 00 00 00, +33 4 91 00 00 00.",
    )
