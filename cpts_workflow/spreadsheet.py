"""Spreadsheets in and out: CSV safe to open, XLSX written and read with limits.

Writing CSV: a spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (or a tab or
carriage return before them) as a formula: a member named `=HYPERLINK("http://…")` could
send data away or run a command when the file is opened. Such text cells get a leading
apostrophe, which spreadsheets show as text (OWASP's advice). Numbers stay numbers,
negative ones included, and so do texts that are plain numbers (`-12`, `3,5`): they cannot
hold a formula. JSON output is never changed.

Writing XLSX (`xlsx_bytes`): one sheet per table, French headers in bold, a frozen header
row, an autofilter, column widths fitted to the content; dates are real dates shown
JJ/MM/AAAA, numbers real numbers, amounts in euros. The listings hand over the rows they
print (`22/11/2026`, `149 695`, `131 250,00 €`): such texts become the date or number
they spell, except in the columns that hold codes (INSEE, SIRET…), which stay text.

Reading (`read_table`): a `.csv` (`;` or `,`, UTF-8, or Windows-1252 when asked) or the
first sheet of an `.xlsx` (openpyxl read-only, formulas read as their last computed value),
bounded in bytes, rows, columns and cell length.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import BadInput
from .files import os_reason

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


# --- reading ---------------------------------------------------------------------------------

MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Table:
    """The headers of a sheet as written (row 1) and its non-empty rows, each with its
    row number as the spreadsheet shows it."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def decode_text(raw: bytes, name: str, *, legacy: bool = False) -> str:
    """A CSV file's text: UTF-8 (a byte-order mark is no content); with `legacy`, a file
    that is not UTF-8 is read as Windows-1252, what Excel writes for « CSV (séparateur :
    point-virgule) »."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if legacy:
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
        raise BadInput(
            f"Le fichier « {name} » n'est pas du texte UTF-8.",
            "Enregistrez-le en « CSV UTF-8 » depuis le tableur.",
        ) from None


def csv_delimiter(text: str) -> str:
    """`;` (French spreadsheets) or `,`, whichever the first line uses more."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") >= first.count(",") else ","


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A file's bytes, refused in French when too large or unreadable."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadInput(
                f"Fichier « {path} » trop volumineux ({size // 1_000_000} Mo, "
                f"{max_bytes // 1_000_000} Mo au plus)."
            )
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Fichier « {path} » illisible ({os_reason(exc)}).") from None


def read_table(
    path: str | Path,
    *,
    max_rows: int,
    max_columns: int = 100,
    max_cell: int = 5_000,
    legacy_csv: bool = False,
    what: str = "tableau",
) -> Table:
    """The first sheet of a `.xlsx`, or a `.csv`: headers and non-empty rows, bounded."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(
            f"Format de « {path.name} » non pris en charge.",
            "Donnez un fichier .xlsx ou .csv.",
        )
    raw = read_bytes(path)
    lines = _xlsx_lines(path, raw, max_rows) if suffix == ".xlsx" else _csv_lines(path, raw, legacy_csv)
    if not lines:
        raise BadInput(f"Le fichier « {path.name} » est vide.")
    (_, header_cells), body = lines[0], lines[1:]
    headers = ["" if h is None else str(h).strip() for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > max_columns:
        raise BadInput(f"« {path.name} » a {len(headers)} colonnes ({max_columns} au plus) : "
                       f"ce n'est pas un {what}.")
    rows = [(number, list(cells[:len(headers)])) for number, cells in body
            if any(c is not None and str(c).strip() for c in cells)]
    if len(rows) > max_rows:
        raise BadInput(f"« {path.name} » a plus de {max_rows} lignes : ce n'est pas un {what}.")
    for number, cells in rows:
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > max_cell:
                raise BadInput(
                    f"« {path.name} », ligne {number}, colonne « {headers[index]} » : "
                    f"cellule trop longue ({len(cell)} caractères, {max_cell} au plus)."
                )
    return Table(headers, rows)


def _csv_lines(path: Path, raw: bytes, legacy: bool) -> list[tuple[int, list[Any]]]:
    text = decode_text(raw, path.name, legacy=legacy)
    reader = csv.reader(io.StringIO(text), delimiter=csv_delimiter(text))
    try:
        # A quoted cell may span lines: the spreadsheet's row number is the record's.
        return [(number, cells) for number, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise BadInput(f"« {path.name} » n'est pas un CSV lisible ({exc}).") from None


def _xlsx_lines(path: Path, raw: bytes, max_rows: int) -> list[tuple[int, list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # data_only: a formula cell gives the value the spreadsheet last computed, never runs.
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise BadInput(
            f"« {path.name} » n'est pas un classeur XLSX lisible.",
            "Enregistrez-le au format Excel (.xlsx) depuis le tableur.",
        ) from None
    try:
        sheet = book.worksheets[0]
        out: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows + 1 + 1_000:  # blank rows below the table are skipped, not read forever
                raise BadInput(f"« {path.name} » a plus de {max_rows} lignes.")
            out.append((number, list(cells)))
        return out
    finally:
        book.close()


# --- writing XLSX ----------------------------------------------------------------------------

Column = tuple[str, str]  # (key in the row, French header)
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
EURO_FORMAT = '#,##0.00 "€"'
INTEGER_FORMAT = "#,##0"
# Columns whose digits are codes, not quantities: 01004 keeps its zero, a SIRET its digits.
TEXT_KEYS = frozenset({
    "insee", "code", "codes", "siret", "siren", "rpps", "finess", "epci", "department",
    "departement", "departments", "dep", "region", "slug", "key", "item_id", "login", "phone", "version", "workflow_version",
})
_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_FR_DATETIME = re.compile(r"^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})$")
_FR_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:[  \u202f]\d{3})+|\d+)(?:,\d+)?$")
_FR_EUROS = re.compile(r"^(-?[\d  \u202f]+(?:,\d+)?) €$")


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    # Columns holding integer cents, written as euros with the € format.
    money: frozenset[str] = frozenset()


def _number(text: str) -> int | float:
    plain = re.sub(r"[  \u202f]", "", text).replace(",", ".")
    return float(plain) if "." in plain else int(plain)


def typed_cell(key: str, value: Any) -> tuple[Any, str | None]:
    """A listing's cell as the value a spreadsheet computes with, and its number format."""
    if value is None or value == "—":
        return None, None
    if isinstance(value, bool):
        return ("oui" if value else "non"), None
    if isinstance(value, datetime):
        # Excel has no time zones: the local wall-clock time, as the listings print it.
        local = value.astimezone() if value.tzinfo else value
        return local.replace(tzinfo=None), DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, int | float | Decimal):
        return value, INTEGER_FORMAT if isinstance(value, int) else None
    if not isinstance(value, str):
        return str(value), None
    if key not in TEXT_KEYS:
        if match := _FR_DATE.match(value):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day), DATE_FORMAT
        if match := _FR_DATETIME.match(value):
            day, month, year, hour, minute = (int(g) for g in match.groups())
            return datetime(year, month, day, hour, minute), DATETIME_FORMAT
        if _FR_NUMBER.match(value) and not (len(value) > 1 and value.startswith("0") and "," not in value):
            number = _number(value)
            return number, INTEGER_FORMAT if isinstance(number, int) else None
        if (match := _FR_EUROS.match(value)) and _FR_NUMBER.match(match.group(1).strip()):
            return _number(match.group(1).strip()), EURO_FORMAT
    # Text stays text: openpyxl writes it as a string cell, never as a formula.
    return safe_cell(value), None


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per table: header row frozen, filtered, widths fitted."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(_sheet_title(spec.title))
        sheet.append([header for _, header in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(header) for _, header in spec.columns]
        for number, row in enumerate(spec.rows, start=2):
            for index, (key, _) in enumerate(spec.columns):
                value = row.get(key)
                fmt: str | None
                if key in spec.money and isinstance(value, int):
                    value, fmt = (value / 100 if value % 100 else value // 100), EURO_FORMAT
                else:
                    value, fmt = typed_cell(key, value)
                cell = sheet.cell(row=number, column=index + 1, value=value)
                if fmt:
                    cell.number_format = fmt
                shown = 10 if isinstance(value, date) else len(str(value)) if value is not None else 0
                widths[index] = max(widths[index], shown)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
        if spec.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{max(1, len(spec.rows) + 1)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Feuille"
