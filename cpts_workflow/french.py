"""French formats for what users read: numbers, dates, plurals; and parsing of dates.

Numbers use a plain space as thousands separator (`12 345`) so that terminal output can
be searched and pasted; Babel (`fr_FR`) provides month names for documents.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .errors import BadInput

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def number(value: float | int | None, decimals: int = 0) -> str:
    """`12345` → `12 345`; `None` → `—`."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def euros(value: float | int | None) -> str:
    """`131250` → `131 250 €`."""
    return "—" if value is None else f"{number(value)} €"


def cents(value: int | None) -> str:
    """An amount held in cents, exactly: `5880822` → `58 808,22 €`; `None` → `—`."""
    if value is None:
        return "—"
    sign, value = ("-" if value < 0 else ""), abs(value)
    return f"{sign}{number(value // 100)},{value % 100:02d} €"


def short_date(value: date | datetime | None) -> str:
    """`22/11/2026` (a datetime is shown as its date)."""
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y")


def short_datetime(value: datetime | None) -> str:
    """`22/11/2026 14:05` in the local time zone."""
    if value is None:
        return "—"
    return value.astimezone().strftime("%d/%m/%Y %H:%M")


def long_date(value: date) -> str:
    """`22 novembre 2026`, for documents."""
    from babel.dates import format_date

    return format_date(value, "d MMMM y", locale="fr_FR")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 étape`, `2 étapes` (0 is singular in French)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def parse_date(text: str | date) -> date:
    """Accept `2026-09-01` and `01/09/2026`; refuse anything else in French."""
    if isinstance(text, date):
        return text
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise BadInput(
        f"« {text} » n'est pas une date valide.",
        "Écrivez-la JJ/MM/AAAA (22/11/2026) ou AAAA-MM-JJ (2026-11-22).",
    )


def agree(count: int, singular: str, plural_form: str | None = None) -> str:
    """The form of a word that agrees with `count`, without the number: `produit`,
    `produits` (0 and 1 are singular in French)."""
    return singular if abs(count) < 2 else (plural_form or singular + "s")
