"""Tables in and out of spreadsheets: CSV, XLSX (openpyxl) and YAML lists, read with limits.

Reading returns each row as a mapping of normalised header → cell with its line (or
spreadsheet row) number, so that an error says `fichier:ligne: message`. Writing XLSX
gives one sheet per table, headers in bold, amounts as numbers formatted in euros.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..files import os_reason

MAX_BYTES = 5_000_000
MAX_ROWS = 5_000
EURO_FORMAT = '#,##0.00 "€"'


@dataclass(frozen=True)
class SheetRow:
    line: int
    values: dict[str, Any]


def header_key(text: object) -> str:
    """`Part fixe (€)` → `part_fixe`: lower case, no accent, words joined by `_`."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in plain.lower().split("(")[0]).split()
    return "_".join(words)


def read_rows(path: str | Path) -> list[SheetRow]:
    """The rows of a `.csv`, `.xlsx`, `.yaml`/`.yml` or `.json` file (headers normalised)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadInput(
                f"Fichier « {path} » trop volumineux ({size // 1_000_000} Mo, 5 Mo au plus)."
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Fichier « {path} » illisible ({os_reason(exc)}).") from None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path, raw)
    elif suffix == ".csv":
        rows = _csv_rows(path, raw)
    elif suffix in (".yaml", ".yml", ".json"):
        rows = _yaml_rows(path, raw)
    else:
        raise BadInput(
            f"Format de « {path.name} » non pris en charge.",
            "Donnez un fichier .csv, .xlsx, .yaml ou .json.",
        )
    if len(rows) > MAX_ROWS:
        raise BadInput(f"« {path.name} » a plus de {MAX_ROWS} lignes : ce n'est pas une annexe.")
    return rows


def _text(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(
            f"Le fichier « {path.name} » n'est pas du texte UTF-8.",
            "Enregistrez-le en « CSV UTF-8 » depuis le tableur.",
        ) from None


def _csv_rows(path: Path, raw: bytes) -> list[SheetRow]:
    text = _text(path, raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = list(reader)
    if not lines:
        raise BadInput(f"Le fichier « {path.name} » est vide.")
    headers = [header_key(h) for h in lines[0]]
    return [
        SheetRow(number, dict(zip(headers, cells, strict=False)))
        for number, cells in enumerate(lines[1:], start=2)
        if any(c.strip() for c in cells)
    ]


def _xlsx_rows(path: Path, raw: bytes) -> list[SheetRow]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise BadInput(
            f"« {path.name} » n'est pas un classeur XLSX lisible.",
            "Enregistrez-le au format Excel (.xlsx) depuis le tableur.",
        ) from None
    try:
        sheet = book.worksheets[0]
        out: list[SheetRow] = []
        headers: list[str] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise BadInput(f"« {path.name} » a plus de {MAX_ROWS} lignes : ce n'est pas une annexe.")
            if number == 1:
                headers = [header_key(h) for h in cells]
                continue
            if any(c is not None and str(c).strip() for c in cells):
                out.append(SheetRow(number, dict(zip(headers, cells, strict=False))))
        return out
    finally:
        book.close()


def _yaml_rows(path: Path, raw: bytes) -> list[SheetRow]:
    from .. import safe_yaml

    data, lines = safe_yaml.load(
        _text(path, raw), str(path), what="annexe",
        syntax="fichier illisible (YAML ou JSON attendu) : {problem}.",
    )
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise BadInput(
            f"{path}:1: une liste de lignes est attendue.",
            "Exemple : - {mission: acces, annee: 1, part_fixe: 90000, part_variable: 35000}",
        )
    return [
        SheetRow(lines.get((index,), index + 1), {header_key(k): v for k, v in row.items()})
        for index, row in enumerate(data)
    ]


# --- writing --------------------------------------------------------------------------------

Column = tuple[str, str]  # (key in the row, French header)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    # Columns holding integer cents, written as euros with the € format.
    money: frozenset[str] = frozenset()


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        sheet.append([header for _, header in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in spec.rows:
            values = []
            for key, _ in spec.columns:
                value = row.get(key)
                if key in spec.money and isinstance(value, int):
                    value = value / 100 if value % 100 else value // 100
                values.append(value)
            sheet.append(values)
        for index, (key, header) in enumerate(spec.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            width = max([len(header), *(len(str(r.get(key) or "")) for r in spec.rows)])
            sheet.column_dimensions[letter].width = min(60, width + 2)
            if key in spec.money:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = EURO_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV for French spreadsheets: `;`, UTF-8 with a BOM (Excel shows the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in columns])
    return buffer.getvalue().encode("utf-8-sig")
