"""Amounts of a contract: euros with cents held as integer cents, exact arithmetic.

An amount is typed by people (`90 000`, `58 808,22 €`, `1234.5`) or read from a
spreadsheet cell; it is never a float in our hands: `Decimal` to parse, integer cents to
store, `Fraction` for prorata and rates, rounded once, half up, at the end.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from ..errors import BadInput

MAX_CENTS = 10_000_000_000  # 100 M€: beyond any CPTS contract, so a typing slip
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_decimal(value: object, what: str, example: str = "1234,5") -> Decimal:
    """A decimal number typed the French way (`1 234,5`) or the English way (`1234.5`)."""
    if isinstance(value, bool):
        raise BadInput(f"{what} : « {value} » n'est pas un nombre.", f"Exemple : {example}.")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # a spreadsheet cell: its shortest exact writing
    else:
        text = _SPACES.sub("", str(value)).removesuffix("€").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise BadInput(
                f"{what} : « {value} » n'est pas un nombre.", f"Exemple : {example}."
            ) from None
    if not number.is_finite():
        raise BadInput(f"{what} : « {value} » n'est pas un nombre.", f"Exemple : {example}.")
    return number


def parse_cents(value: object, what: str = "Montant") -> int:
    """`90 000`, `58 808,22 €`, 1234.5 → integer cents; refuses negatives and sub-cents."""
    number = parse_decimal(value, what, "90 000 ou 58 808,22")
    if number < 0:
        raise BadInput(f"{what} : un montant ne peut pas être négatif ({value}).")
    cents = number * 100
    if cents != cents.to_integral_value():
        raise BadInput(
            f"{what} : « {value} » a plus de deux décimales.", "Un montant s'écrit au centime près."
        )
    if cents > MAX_CENTS:
        raise BadInput(f"{what} : « {value} » dépasse 100 millions d'euros ; vérifiez la saisie.")
    return int(cents)


def round_cents(value: Fraction | int) -> int:
    """Round a (non-negative or negative) exact amount to the cent, half away from zero."""
    value = Fraction(value)
    magnitude = int(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def decimal_text(number: Decimal) -> str:
    """`Decimal('12.50')` → `12.5` (stored form, no exponent)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text
