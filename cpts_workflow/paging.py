"""Pages of a long list: `limit` items after an opaque `cursor`.

A cursor is the sort key of the last item of a page (not an offset), so that a page is
stable while projects are added or changed elsewhere in the list. It is opaque to its
users: URL-safe base64 of a small JSON array.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from . import french
from .errors import BadInput

T = TypeVar("T")
MAX_LIMIT = 10_000


class Page(list[T]):
    """A list of items, and the cursor of the page after it (None: the last page)."""

    next_cursor: str | None = None

    def __init__(self, items: list[T], next_cursor: str | None = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor


def encode_cursor(key: list[Any]) -> str:
    text = json.dumps(key, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, kinds: tuple[type, ...]) -> list[Any]:
    """The sort key a cursor holds; `BadInput` for a cursor that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor.strip() + "=" * (-len(cursor.strip()) % 4))
        key = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not (isinstance(key, list) and len(key) == len(kinds)
            and all(isinstance(v, k) for v, k in zip(key, kinds, strict=True))):
        raise BadInput("Curseur de page invalide.",
                       "Reprenez le curseur donné avec la page précédente, tel quel.")
    return key


def check_limit(limit: int | None) -> int | None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"Le nombre d'éléments par page va de 1 à {french.number(MAX_LIMIT)}.")
    return limit


def after(first: Any, second: Any, first_value: Any, second_value: Any) -> ColumnElement[bool]:
    """Rows sorted after (`first_value`, `second_value`) on (`first`, `second`): written
    as `or`/`and` rather than a row-value comparison, so that each value is bound with its
    column's type (dates on SQLite)."""
    return or_(first > first_value, and_(first == first_value, second > second_value))


def parse_instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadInput("Curseur de page invalide.") from None
