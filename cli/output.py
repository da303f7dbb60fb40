"""Printing: rich tables on a terminal, plain aligned text when piped, JSON and CSV.

CSV is written for French spreadsheets: `;` as separator (the comma is the decimal mark),
UTF-8 with a BOM when written to a file so that Excel shows accents correctly, and no
cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import wraps
from pathlib import Path
from typing import Any

import click

from cpts_workflow.files import write_private  # noqa: F401 - re-exported for commands

Column = tuple[str, str]  # (key in the row, French header)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def json_text(data: Any) -> str:
    """Any view, list of views or plain data as UTF-8 JSON, one record per line.

    Lists put one item per line and mappings one key per line; what lies deeper is written
    compactly on its line. `indent` would switch json to its pure-Python encoder, which took
    most of `cpts list --json` and `cpts report --format json` on a national base.
    """
    from cpts_workflow.views import to_jsonable

    return _json_lines(to_jsonable(data), "")


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _json_lines(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(inner + _encode(v) for v in value) + f"\n{indent}]"
    if isinstance(value, dict) and value:
        lines = (f"{inner}{_encode(k)}: {_json_lines(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    return _encode(value)


def emit_json(data: Any) -> None:
    click.echo(json_text(data))


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def emit_table(columns: Sequence[Column], rows: Sequence[dict[str, Any]], title: str | None = None) -> None:
    """A table: rich on a terminal, two-space aligned columns otherwise."""
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, header_style="bold", title_justify="left")
        for _, header in columns:
            table.add_column(header)
        for row in rows:
            table.add_row(*(_cell(row.get(key)) for key, _ in columns))
        Console().print(table)
        return
    if title:
        click.echo(title)
    matrix = [[h for _, h in columns], *([_cell(r.get(k)) for k, _ in columns] for r in rows)]
    widths = [max(len(line[i]) for line in matrix) for i in range(len(columns))]
    for line in matrix:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def csv_text(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV, formulas made inert (see `cpts_workflow.spreadsheet`)."""
    from cpts_workflow.spreadsheet import csv_text as spreadsheet_csv

    return spreadsheet_csv([h for _, h in columns], ([row.get(k) for k, _ in columns] for row in rows))


FILE_FORMATS = ("csv", "xlsx")
# The `--out` of the listing being run (set by `listing_options`), for the file formats.
_OUT: ContextVar[Path | None] = ContextVar("listing_out", default=None)


def emit_csv(columns: Sequence[Column], rows: Sequence[dict[str, Any]], out: Path | None = None) -> None:
    text = csv_text(columns, rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_private(out, text.encode("utf-8-sig"))


def sheet_title() -> str:
    """The running command's first help line (« Liste les projets »), a sheet's name."""
    ctx = click.get_current_context(silent=True)
    first = ((ctx.command.help or "") if ctx else "").strip().split("\n")[0].rstrip(".")
    return first or "cpts"


def emit_xlsx(columns: Sequence[Column], rows: Sequence[dict[str, Any]], out: Path | None,
              title: str | None = None) -> None:
    """An XLSX workbook (see `cpts_workflow.spreadsheet`), only ever to a file."""
    from cpts_workflow.spreadsheet import Sheet, xlsx_bytes

    out = require_out("xlsx", out)
    assert out is not None
    write_private(out, xlsx_bytes([Sheet(title or sheet_title(), columns, rows)]))
    success(f"Classeur XLSX écrit dans {out}")


def require_out(fmt: str, out: Path | None) -> Path | None:
    """A binary format needs a file: refused on a terminal, said in French."""
    out = out or _OUT.get()
    if fmt == "xlsx" and out is None:
        raise click.UsageError("Le format xlsx écrit un classeur (fichier binaire) : "
                               "donnez son nom avec --out FICHIER.xlsx.")
    return out


def emit_file(fmt: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]],
              out: Path | None = None, title: str | None = None) -> None:
    """Rows in a spreadsheet format: CSV (to `out` or standard output) or XLSX (to `out`)."""
    out = require_out(fmt, out)
    if fmt == "xlsx":
        emit_xlsx(columns, rows, out, title)
    else:
        emit_csv(columns, rows, out)


def emit_listing(
    fmt: str,
    data: Any,
    columns: Sequence[Column],
    rows: Callable[[], Sequence[dict[str, Any]]],
    *,
    csv_columns: Sequence[Column] | None = None,
    empty: str | None = None,
    title: str | None = None,
    out: Path | None = None,
) -> None:
    """A listing in the format asked: `data` as JSON, else its `rows` as CSV or XLSX (to
    `out` if given, in `csv_columns` if they differ) or a table; `empty` is said instead of
    an empty table."""
    if fmt == "json":
        emit_json(data)
        return
    # Called only now: the display rows (French dates, labels) are wasted work for JSON.
    shown = rows()
    if fmt in FILE_FORMATS:
        emit_file(fmt, csv_columns or columns, shown, out, title)
    elif not shown and empty is not None:
        click.echo(empty)
    else:
        emit_table(columns, shown, title=title)


def success(message: str) -> None:
    click.secho(message, fg="green" if is_terminal() else None)


def listing_options(csv_allowed: bool = True) -> Callable:
    """`--json` (and `--csv`, `--format table|json|csv|xlsx`, `--out FICHIER`) on a listing
    command; passes `fmt` = table|json|csv|xlsx, and keeps `--out` for `emit_file`."""

    def decorate(fn: Callable) -> Callable:
        @click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
        @wraps(fn)
        def wrapper(*args: Any, as_json: bool = False, as_csv: bool = False,
                    file_format: str | None = None, out: Path | None = None, **kwargs: Any) -> Any:
            chosen = {f for f in (file_format, "json" if as_json else None, "csv" if as_csv else None) if f}
            if len(chosen) > 1:
                raise click.UsageError("Choisissez un seul format (--format, --json ou --csv).")
            fmt = chosen.pop() if chosen else "table"
            if out is not None and fmt not in FILE_FORMATS:
                raise click.UsageError("--out écrit un fichier CSV ou XLSX : ajoutez --format csv ou xlsx.")
            require_out(fmt, out)
            token = _OUT.set(out)
            try:
                return fn(*args, fmt=fmt, **kwargs)
            finally:
                _OUT.reset(token)

        if csv_allowed:
            wrapper = click.option(
                "--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
                help="Fichier à écrire (CSV : UTF-8 avec BOM ; XLSX : obligatoire).")(wrapper)
            wrapper = click.option(
                "--format", "file_format", type=click.Choice(["table", "json", *FILE_FORMATS]),
                help="table (défaut), json, csv (séparateur « ; ») ou xlsx (classeur, avec --out).",
            )(wrapper)
            wrapper = click.option(
                "--csv", "as_csv", is_flag=True, help="Sortie CSV (séparateur « ; »)."
            )(wrapper)
        return wrapper

    return decorate
