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
from ..spreadsheet import Column, Sheet, decode_text, read_bytes, read_table, xlsx_bytes

__all__ = ["Column", "Sheet", "SheetRow", "csv_bytes", "header_key", "read_rows", "xlsx_bytes"]

MAX_BYTES = 5_000_000
MAX_ROWS = 5_000


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
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        rows = _yaml_rows(path, read_bytes(path, MAX_BYTES))
    elif suffix in (".xlsx", ".csv"):
        table = read_table(path, max_rows=MAX_ROWS, what="annexe")
        headers = [header_key(h) for h in table.headers]
        rows = [SheetRow(number, dict(zip(headers, cells, strict=False))) for number, cells in table.rows]
    else:
        raise BadInput(
            f"Format de « {path.name} » non pris en charge.",
            "Donnez un fichier .csv, .xlsx, .yaml ou .json.",
        )
    if len(rows) > MAX_ROWS:
        raise BadInput(f"« {path.name} » a plus de {MAX_ROWS} lignes : ce n'est pas une annexe.")
    return rows


def _yaml_rows(path: Path, raw: bytes) -> list[SheetRow]:
    from .. import safe_yaml

    data, lines = safe_yaml.load(
        decode_text(raw, path.name), str(path), what="annexe",
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


# --- writing: the shared XLSX writer (`Sheet`, `xlsx_bytes`) -------------------------------


def csv_bytes(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV for French spreadsheets: `;`, UTF-8 with a BOM (Excel shows the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in columns])
    return buffer.getvalue().encode("utf-8-sig")
