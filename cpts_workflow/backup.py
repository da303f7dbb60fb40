"""Backups: every table of the base to one versioned JSON file, and back.

The file lists the rows of each table of the schema (`Base.metadata`), so a table added
by a later feature is exported and imported without touching this module. Import checks
the whole file first (pydantic models built from the tables' columns, references between
rows, known workflow versions) and then writes everything in ONE transaction: any error,
or a crash half-way, leaves the base as it was.

Importing twice does not duplicate. A project is matched by its slug: absent, it is
created; present with every event of the file already in its history (same instant,
actor, kind, stages, item, comment), it is left alone; otherwise it has diverged and the
import is refused, unless `replace=True`, which puts the file's version in its place.
Other top-level rows (funding grids, reference vintages) are matched by their natural key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)
from sqlalchemy import (
    JSON,
    Boolean,
    CursorResult,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
)
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from . import french, limits
from .errors import BadInput, Conflict, CptsError
from .files import os_reason, write_private
from .store.database import SCHEMA_HEAD, known_revisions
from .store.models import Base, Event, Project
from .version import __version__ as program_version
from .views import View
from .yaml_lines import french_error

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .workspace import Workspace

FORMAT = "cpts-workflow-sauvegarde"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_REPORTED_ERRORS = 10


# --- the file's shape ---------------------------------------------------------------------


class BackupHeader(BaseModel):
    """The envelope of a backup file; `tables` maps a table name to its rows."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["cpts-workflow-sauvegarde"]
    format_version: int
    generated_at: AwareDatetime
    generator: str
    schema_revision: str
    scope: Literal["all", "project"]
    tables: dict[str, list[dict[str, Any]]]


def _checked(problem: Callable[[Any], str | None]) -> AfterValidator:
    """A validator refusing a value with the French sentence of `problem`."""

    def check(value: Any) -> Any:
        found = problem(value)
        if found:
            raise ValueError(found)
        return value

    return AfterValidator(check)


def _text_type(max_length: int, multiline: bool) -> Any:
    """Text as every write accepts it (`limits`): NFC, no control character, bounded."""

    def check(value: str) -> str:
        value = limits.normalise(value, multiline=multiline)
        found = limits.text_problem(value, max_length, multiline=multiline)
        if found:
            raise ValueError(f"le texte {found}")
        return value

    return Annotated[str, AfterValidator(check)]


def _decoded(value: Any) -> bytes:
    """Bytes (evidence files) travel in base64 in the JSON file."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("des octets en base64 sont attendus")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("base64 illisible") from None


def _python_type(column) -> Any:
    """The type a backup's value must have to be stored in `column`, with the limits of
    every write: what the product accepts it can restore, and nothing else."""
    kind = column.type
    kind = getattr(kind, "impl_instance", None) or getattr(kind, "impl", kind)
    if isinstance(kind, LargeBinary):
        return Annotated[bytes, BeforeValidator(_decoded)]
    if isinstance(kind, DateTime):
        return AwareDatetime
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        # Keys and versions start at 1; counts and populations are never negative.
        least = 1 if (column.primary_key or column.foreign_keys
                      or column.name in ("row_version", "workflow_version")) else 0
        return Annotated[int, Field(strict=True, ge=least, le=limits.MAX_INT)]
    if isinstance(kind, Date):
        return date
    if isinstance(kind, JSON):
        return Annotated[Any, _checked(limits.json_problem)]
    if column.table.name == Project.__tablename__ and column.name == "slug":
        return Annotated[str, _checked(limits.slug_problem)]
    if isinstance(kind, String) and kind.length:
        return _text_type(kind.length, multiline=False)
    return _text_type(limits.LONG_TEXT, multiline=True)


def _row_models() -> dict[str, type[BaseModel]]:
    """One strict pydantic model per table, derived from its columns."""
    models = {}
    for table in _tables():
        fields: dict[str, Any] = {}
        for column in table.columns:
            kind = _python_type(column)
            if column.nullable:
                fields[column.name] = (kind | None, None)
            elif isinstance(column.default, ScalarElementColumnDefault):
                fields[column.name] = (kind, column.default.arg)
            else:
                fields[column.name] = (kind, ...)
        models[table.name] = create_model(
            f"Row_{table.name}", __config__=ConfigDict(extra="forbid"), **fields
        )
    return models


# --- table roles --------------------------------------------------------------------------


def _tables() -> list[Table]:
    """The tables a backup holds: all but accounts and sessions (never a password hash)."""
    return [t for t in Base.metadata.sorted_tables if t.info.get("backup", True)]


def _surrogate(table: Table) -> str | None:
    """The name of a table's generated integer key (`id`), if it has one."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer) and not pk[0].foreign_keys:
        return pk[0].name
    return None


def _natural_key(table: Table) -> list[str]:
    """What identifies a top-level row across bases: a unique column, else the primary key."""
    if _surrogate(table):
        for column in table.columns:
            if column.unique:
                return [column.name]
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                return [c.name for c in constraint.columns]
    return [c.name for c in table.primary_key.columns]


def _parent_fk(table: Table):
    """The (column name, parent table) a child table hangs from, or None for a top-level table."""
    for fk in table.foreign_keys:
        return fk.parent.name, fk.column.table
    return None


def _root(table: Table) -> Table:
    link = _parent_fk(table)
    return table if link is None else _root(link[1])


def _referenced_tables() -> set[str]:
    """Tables whose ids other rows point to (by foreign key, or `member_id` in payloads)."""
    return {fk.column.table.name for t in _tables() for fk in t.foreign_keys} | {"members"}


def _ordered_tables() -> list[Table]:
    """Parents before children; `events` last so that member ids in payloads are known."""
    tables = _tables()
    return sorted(tables, key=lambda t: (t.name == Event.__tablename__, tables.index(t)))


# --- export -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


@dataclass(frozen=True)
class ExportSummary(View):
    path: str
    scope: str
    projects: int
    rows: dict[str, int]
    bytes: int = 0

    @property
    def needs_larger_import(self) -> bool:
        """Whether importing it back takes a raised size bound (see `read_backup`)."""
        return self.bytes > MAX_IMPORT_BYTES


def megabytes(size: int) -> int:
    """A size in whole megabytes, rounded up (« 201 Mo » for a byte over 200)."""
    return -(-size // (1024 * 1024))


def export_data(ws: Workspace, project: str | int | None = None) -> dict[str, Any]:
    """The whole base (`project=None`) or one project with everything attached to it."""
    if project is None:
        ws.require("export_all")
    with ws.session(read_only=True) as session:
        project_ids: set[int] | None = None
        if project is not None:
            project_ids = {ws.get_project(session, project, "export").id}
        tables: dict[str, list[dict[str, Any]]] = {}
        kept: dict[str, set[Any]] = {}
        for table in _tables():
            root = _root(table)
            if project_ids is not None and root.name != Project.__tablename__:
                tables[table.name] = []  # reference data and grids are not a project's
                continue
            query = select(table).order_by(*table.primary_key.columns)
            rows = [dict(r._mapping) for r in session.execute(query)]
            link = _parent_fk(table)
            if table.name == Project.__tablename__ and project_ids is not None:
                rows = [r for r in rows if r["id"] in project_ids]
            elif link is not None and link[1].name in kept:
                rows = [r for r in rows if r[link[0]] in kept[link[1].name]]
            if _surrogate(table):
                kept[table.name] = {r[_surrogate(table)] for r in rows}
            tables[table.name] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": ws.now().astimezone(UTC).isoformat(),
        "generator": f"cpts-workflow {program_version}",
        "schema_revision": SCHEMA_HEAD,
        "scope": "all" if project is None else "project",
        "tables": tables,
    }


def export_to_file(
    ws: Workspace, path: str | Path, project: str | int | None = None
) -> ExportSummary:
    """Write a backup file (owner-only, atomic) and say what it holds."""
    data = export_data(ws, project)
    raw = (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")
    written = write_private(path, raw)
    return ExportSummary(
        path=str(written),
        scope=data["scope"],
        projects=len(data["tables"][Project.__tablename__]),
        rows={name: len(rows) for name, rows in data["tables"].items()},
        bytes=len(raw),
    )


# --- reading and validating ---------------------------------------------------------------


@dataclass
class Backup:
    """A validated backup: its header and, per table, rows as Python values."""

    header: BackupHeader
    tables: dict[str, list[dict[str, Any]]]


def _problem(source: str, where: str, message: str) -> str:
    return f"{source} : {where} : {message}" if where else f"{source} : {message}"


def read_backup(path: str | Path, *, max_bytes: int = MAX_IMPORT_BYTES) -> Backup:
    """Read and validate a whole backup file; `BadInput` lists what is wrong, nothing is written.

    `max_bytes` guards against a wrong file read whole into memory; a base with many proof
    files exports more, and its owner raises the bound knowingly (the export says so).
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadInput(
                f"{source} : fichier trop volumineux pour une sauvegarde "
                f"({megabytes(size)} Mo, au plus {megabytes(max_bytes)} Mo sans le dire).",
                "Vérifiez que c'est bien un fichier produit par l'export de cpts-workflow ; "
                "si oui, autorisez sa taille.",
                topic="backup_too_large", details={"megabytes": megabytes(size)},
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{source} : fichier illisible ({os_reason(exc)}).") from None
    try:
        text = raw.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL")
    except UnicodeDecodeError:
        raise BadInput(
            f"{source} : ce n'est pas un fichier texte (JSON en UTF-8).",
            "Donnez un fichier produit par l'export de cpts-workflow.",
        ) from None
    return validate_backup(parse_json(text, source), source)


class _Unreadable(ValueError):
    """A JSON value no backup holds; `token` finds its line in the text."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token, self.message = token, message


def _json_int(text: str) -> int:
    # Python refuses more than 4 300 digits with an English ValueError; ids, counts and
    # amounts of a backup have at most 19.
    if len(text.lstrip("-")) > 19:
        raise _Unreadable(text[:30], f"nombre entier de {french.number(len(text.lstrip('-')))} "
                          "chiffres, trop grand pour une sauvegarde")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > limits.MAX_NUMBER_CHARS:
        raise _Unreadable(text[:30], f"nombre « {text[:30]} » infini ou trop long")
    return value


def _json_constant(name: str) -> Any:
    raise _Unreadable(name, f"valeur « {name} », qui n'est pas un nombre fini")


def parse_json(text: str, source: str) -> Any:
    """JSON as a backup may hold it: finite numbers, bounded integers and nesting."""
    hint = "Donnez un fichier produit par l'export de cpts-workflow, sans modification à la main."
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float,
                          parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source}:{exc.lineno} : JSON illisible (colonne {exc.colno}).", hint) from None
    except _Unreadable as exc:
        line = text[: max(text.find(exc.token), 0)].count("\n") + 1
        raise BadInput(f"{source}:{line} : {exc.message}.", hint) from None
    except RecursionError:  # nested past Python's own limit
        problem: str | None = "données imbriquées sur des milliers de niveaux"
    else:
        # The envelope (tables, rows) adds four levels to what a column holds.
        problem = limits.json_problem(data, max_depth=limits.MAX_JSON_DEPTH + 4)
    if problem:
        raise BadInput(f"{source} : {problem} : ce n'est pas une sauvegarde.", hint)
    return data


def validate_backup(data: Any, source: str = "<sauvegarde>") -> Backup:
    """Check the envelope, every row against its table, and the references between rows."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadInput(
            f"{source} : ce n'est pas une sauvegarde cpts-workflow "
            "(clé « format » absente ou autre).",
            "Donnez un fichier produit par l'export de cpts-workflow.",
        )
    version = data.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise BadInput(
            f"{source} : sauvegarde au format {version}, plus récent que celui de ce programme "
            f"({FORMAT_VERSION}).",
            "Mettez à jour le programme : pip install --upgrade cpts-workflow.",
        )
    try:
        header = BackupHeader.model_validate(data)
    except ValidationError as exc:
        raise _invalid(source, exc, "") from None
    if header.format_version < 1:
        raise BadInput(f"{source} : numéro de format {header.format_version} invalide.")
    if header.schema_revision not in known_revisions():
        raise BadInput(
            f"{source} : sauvegarde d'une base au schéma « {header.schema_revision} », inconnu de "
            "ce programme (plus récent ?).",
            "Mettez à jour le programme : pip install --upgrade cpts-workflow.",
        )
    models = _row_models()
    unknown = sorted(set(header.tables) - set(models))
    if unknown:
        raise BadInput(f"{source} : {french.agree(len(unknown), 'table inconnue', 'tables inconnues')} : "
                       f"{', '.join(unknown)}.")
    problems: list[str] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, rows in header.tables.items():
        checked = []
        for index, row in enumerate(rows):
            try:
                checked.append(models[name].model_validate(row).model_dump())
            except ValidationError as exc:
                problems += [
                    _problem(source, f"{name}[{index}]", _row_error(dict(e))) for e in exc.errors()
                ]
        tables[name] = checked
    problems += _reference_problems(source, tables)
    problems += _checksum_problems(source, tables)
    if problems:
        raise _too_many(problems)
    return Backup(header=header, tables=tables)


def _row_error(err: dict[str, Any]) -> str:
    """A pydantic error on a backup row in French (dates and lengths, else the workflow wording)."""
    field_ = str(err["loc"][-1]) if err["loc"] else "?"
    kind = err["type"]
    if kind.startswith(("datetime", "timezone")):
        return (f"« {field_} » doit être une date et heure ISO 8601 avec fuseau, ex. "
                f"2026-11-22T09:30:00+00:00 (trouvé : {err.get('input')!r}).")
    if kind.startswith("date"):
        return f"« {field_} » doit être une date AAAA-MM-JJ (trouvé : {err.get('input')!r})."
    if kind == "value_error":
        return f"« {field_} » : {err['ctx']['error']}."
    if kind == "greater_than_equal":
        return f"« {field_} » doit valoir au moins {err['ctx']['ge']} (trouvé : {err.get('input')!r})."
    if kind == "less_than_equal":
        return f"« {field_} » dépasse {err['ctx']['le']} (trouvé : {err.get('input')!r})."
    if kind.startswith("int"):
        return f"« {field_} » doit être un nombre entier (trouvé : {err.get('input')!r})."
    return french_error(err)


def _invalid(source: str, exc: ValidationError, prefix: str) -> BadInput:
    return _too_many([_problem(source, prefix, _row_error(dict(e))) for e in exc.errors()])


def _too_many(problems: list[str]) -> BadInput:
    shown = problems[:MAX_REPORTED_ERRORS]
    more = len(problems) - len(shown)
    lines = [f"Sauvegarde invalide, rien n'a été importé ({french.plural(len(problems), 'problème')}) :",
             *shown]
    if more:
        lines.append(f"… et {french.plural(more, 'autre')}.")
    return BadInput("\n".join(lines), "Corrigez le fichier ou refaites-le par un export.")


def _checksum_problems(source: str, tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Stored files (rows with `content` and `sha256`) come back as they left."""
    return [
        _problem(source, f"{name}[{index}]", "le contenu du fichier ne correspond pas à son "
                 "empreinte SHA-256 : il a été modifié ou tronqué.")
        for name, rows in tables.items()
        for index, row in enumerate(rows)
        if isinstance(row.get("content"), bytes) and isinstance(row.get("sha256"), str)
        and hashlib.sha256(row["content"]).hexdigest() != row["sha256"]
    ]


def _reference_problems(source: str, tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every child row points to a parent of the file; natural keys are unique."""
    problems = []
    by_name = {t.name: t for t in _tables()}
    for name, rows in tables.items():
        table = by_name[name]
        key = _natural_key(table) if _parent_fk(table) is None else None
        if key:
            seen: set[tuple[Any, ...]] = set()
            for index, row in enumerate(rows):
                value = tuple(row[k] for k in key)
                if value in seen:
                    problems.append(_problem(source, f"{name}[{index}]",
                                             f"{', '.join(key)} {value} en double."))
                seen.add(value)
        link = _parent_fk(table)
        if link is None:
            continue
        column, parent = link
        parent_key = _surrogate(parent) or [c.name for c in parent.primary_key.columns][0]
        parents = {r[parent_key] for r in tables.get(parent.name, [])}
        for index, row in enumerate(rows):
            if row[column] not in parents:
                problems.append(_problem(
                    source, f"{name}[{index}]",
                    f"{column} = {row[column]} ne correspond à aucune ligne de "
                    f"« {parent.name} » du fichier.",
                ))
    return problems


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport(View):
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def event_identity(row: dict[str, Any] | Event) -> tuple[Any, ...]:
    """What makes two events the same across bases (ids differ from base to base)."""
    get: Callable[[str], Any] = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    at: datetime = get("at")
    at = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return (at, get("actor"), get("kind"), get("from_stage"), get("to_stage"),
            get("item_id"), get("comment"))


def _label(table: Table, row: dict[str, Any]) -> str:
    if table.name == Project.__tablename__:
        return row["slug"]
    return f"{table.name} {', '.join(str(row[k]) for k in _natural_key(table))}"


def import_backup(
    ws: Workspace, source: str | Path | Backup, *, replace: bool = False,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportReport:
    """Import a backup in one transaction (see the module's docstring for the matching rules)."""
    ws.require("import")
    backup = source if isinstance(source, Backup) else read_backup(source, max_bytes=max_bytes)
    _check_workflows(ws, backup)
    report = ImportReport()
    with ws.session() as session:
        importer = _Importer(ws, session, backup, replace)
        importer.run(report)
        if importer.conflicts:
            raise Conflict(
                "Ces éléments existent déjà dans la base avec un autre contenu ; rien n'a été "
                "importé : " + " ; ".join(importer.conflicts) + ".",
                "Demandez le remplacement pour remplacer leur version par celle du fichier.",
                topic="import_replace",
            )
        importer.audit(report)
        problems = importer.integrity_problems()
        if problems:
            raise BadInput(
                "Sauvegarde incohérente, rien n'a été importé : " + " ; ".join(problems) + ".",
                "Refaites la sauvegarde par un export.",
            )
    return report


def _check_workflows(ws: Workspace, backup: Backup) -> None:
    for row in backup.tables.get(Project.__tablename__, []):
        try:
            ws.catalog.get(row["workflow_id"], row["workflow_version"])
        except CptsError as exc:
            raise BadInput(
                f"Le projet « {row['slug']} » de la sauvegarde suit un workflow inconnu ici : "
                f"{exc.message}",
                "Ajoutez le fichier de ce workflow au catalogue (dossier des workflows, "
                "ou CPTS_WORKFLOW_FILE).",
                topic="unknown_workflow",
            ) from None


class _Importer:
    """One import: id maps from the file's ids to the base's, and what was skipped."""

    def __init__(self, ws: Workspace, session: Session, backup: Backup, replace: bool) -> None:
        self.ws, self.session, self.backup, self.replace = ws, session, backup, replace
        self.ids: dict[str, dict[Any, Any]] = {}
        self.skipped: dict[str, set[Any]] = {}
        self.conflicts: list[str] = []
        self.new_projects: list[int] = []

    def run(self, report: ImportReport) -> None:
        referenced = _referenced_tables()
        for table in _ordered_tables():
            rows = self.backup.tables.get(table.name, [])
            self.ids.setdefault(table.name, {})
            self.skipped.setdefault(table.name, set())
            if _parent_fk(table) is None:
                count = sum(self._top_level(table, row, report) for row in rows)
            else:
                batch = [v for v in (self._child(table, row) for row in rows) if v is not None]
                if table.name in referenced:  # their new ids are needed: one by one
                    for values in batch:
                        self._insert(table, values, _surrogate(table))
                elif batch:  # nobody points to these rows: one executemany
                    surrogate = _surrogate(table)
                    self.session.execute(insert(table), [
                        {k: v for k, v in self._prepare(table, values).items() if k != surrogate}
                        for values in batch
                    ])
                count = len(batch)
            report.rows[table.name] = count

    def _top_level(self, table: Table, row: dict[str, Any], report: ImportReport) -> int:
        surrogate = _surrogate(table)
        key = _natural_key(table)
        # Locked (PostgreSQL) so that nobody changes it between comparison and replacement.
        found = self.session.execute(
            select(table).where(*(table.c[k] == row[k] for k in key)).with_for_update()
        ).first()
        is_project = table.name == Project.__tablename__
        if found is not None:
            existing = dict(found._mapping)
            if self._up_to_date(table, row, existing):
                self._skip(table, row, existing, report if is_project else None)
                return 0
            if not self.replace:
                self.conflicts.append(f"« {_label(table, row)} »")
                self._skip(table, row, existing, None)
                return 0
            self._delete(table, existing)
            if is_project:
                report.replaced.append(row["slug"])
        elif is_project:
            report.created.append(row["slug"])
        new_id = self._insert(table, row, surrogate)
        if is_project:
            self.new_projects.append(new_id)
        return 1

    def _skip(self, table: Table, row: dict[str, Any], existing: dict[str, Any],
              report: ImportReport | None) -> None:
        surrogate = _surrogate(table)
        old = row[surrogate] if surrogate else tuple(row[c.name] for c in table.primary_key.columns)
        self.skipped[table.name].add(old)
        if report is not None:
            report.unchanged.append(row["slug"])

    def _up_to_date(self, table: Table, row: dict[str, Any], existing: dict[str, Any]) -> bool:
        if table.name == Project.__tablename__:
            ours = {event_identity(e) for e in self.session.scalars(
                select(Event).where(Event.project_id == existing["id"]))}
            theirs = {event_identity(e) for e in self.backup.tables.get(Event.__tablename__, [])
                      if e["project_id"] == row["id"]}
            return theirs <= ours
        surrogate = _surrogate(table)
        return all(
            _jsonable(row[c.name]) == _jsonable(existing[c.name])
            for c in table.columns if c.name != surrogate
        )

    def _delete(self, table: Table, existing: dict[str, Any]) -> None:
        """Remove a top-level row and everything hanging from it (children first)."""
        surrogate = _surrogate(table)
        pk = existing[surrogate] if surrogate else None
        for child in reversed(_tables()):
            link = _parent_fk(child)
            if link is not None and link[1] is table and pk is not None:
                self.session.execute(delete(child).where(child.c[link[0]] == pk))
        self.session.execute(
            delete(table).where(*(c == existing[c.name] for c in table.primary_key.columns))
        )
        # The ORM may hold the deleted project; forget it so it is not flushed again.
        self.session.expire_all()

    def _prepare(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """A row ready for this base: the member ids named in event payloads remapped."""
        if table.name != Event.__tablename__ or not isinstance(row.get("payload"), dict):
            return row
        payload = dict(row["payload"])
        if payload.get("member_id") in self.ids.get("members", {}):
            payload["member_id"] = self.ids["members"][payload["member_id"]]
        return {**row, "payload": payload}

    def _insert(self, table: Table, row: dict[str, Any], surrogate: str | None) -> Any:
        values = self._prepare(table, row)
        old = values.pop(surrogate) if surrogate else None
        result: CursorResult[Any] = self.session.execute(insert(table).values(**values))  # type: ignore[assignment]  # an INSERT gives a CursorResult
        if surrogate:
            assert result.inserted_primary_key is not None  # a single-row INSERT
            new = result.inserted_primary_key[0]
            self.ids[table.name][old] = new
            return new
        return None

    def _child(self, table: Table, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row with its parent's new id, or None when its parent was left alone."""
        column, parent = _parent_fk(table)
        if row[column] in self.skipped.get(parent.name, set()):
            surrogate = _surrogate(table)
            if surrogate:
                self.skipped[table.name].add(row[surrogate])
            return None
        return {**row, column: self.ids[parent.name][row[column]]}

    def audit(self, report: ImportReport) -> None:
        """One `imported` event per project written, as every change is audited."""
        header = self.backup.header
        for project_id in self.new_projects:
            project = self.session.get(Project, project_id)
            assert project is not None
            self.ws.record_event(
                self.session, project, "imported",
                comment="Importé depuis une sauvegarde",
                payload={"format_version": header.format_version,
                         "generated_at": header.generated_at.astimezone(UTC).isoformat(),
                         "replaced": project.slug in report.replaced},
            )
        self.session.flush()

    def integrity_problems(self) -> list[str]:
        from .integrity import project_problems

        problems = []
        for project_id in self.new_projects:
            project = self.session.get(Project, project_id)
            assert project is not None
            problems += [f"{project.slug} : {m}"
                         for m in project_problems(self.ws, self.session, project)]
        return problems
