"""CSV for French spreadsheets, safe to open: no cell is ever read as a formula.

A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return
before them) as a formula: a member named `=HYPERLINK("http://…")` could send data away
or run a command when the file is opened. Such text cells get a leading apostrophe, which
spreadsheets show as text (OWASP's advice). Numbers stay numbers, negative ones included,
and so do texts that are plain numbers (`-12`, `3,5`): they cannot hold a formula.
JSON output is never changed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """`value`, with a text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """`;`-separated CSV (the comma is the French decimal mark), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
    return buffer.getvalue()
