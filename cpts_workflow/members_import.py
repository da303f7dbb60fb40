"""Members from a spreadsheet (CSV): a preview of what would be created, then all or nothing.

Each row goes through `add_member`, the very call of one addition, inside one transaction:
a preview runs them all and rolls back, an import keeps them only when no row has a
problem. What the preview says is therefore exactly what the import would do.

Columns (first line, in any order, accents and case ignored): `nom` (required), `type`
(« physique » or « morale »), `profession`, `structure` (type de structure), `college`,
`role`, `rpps`, `siret`, `finess`, `email`, `telephone`. Separator `;` or `,`; UTF-8
(Excel's « CSV UTF-8 ») or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import BadInput, Refused
from .members import MemberView, add_member

if TYPE_CHECKING:
    from .workspace import Workspace

MAX_ROWS = 2000
MAX_BYTES = 1024 * 1024
# Spellings of each column's header → the argument of `add_member`.
COLUMNS = {
    "nom": "name", "name": "name", "raison sociale": "name",
    "type": "type", "personne": "type",
    "profession": "profession",
    "structure": "structure_kind", "type de structure": "structure_kind",
    "college": "college",
    "role": "role", "bureau": "role",
    "rpps": "rpps", "siret": "siret", "finess": "finess",
    "email": "email", "e-mail": "email", "courriel": "email",
    "telephone": "phone", "tel": "phone",
}
LEGAL = {"morale", "personne morale", "structure", "m"}
NATURAL = {"", "physique", "personne physique", "p"}


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    legal: bool
    member: MemberView | None
    problem: str | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class MembersImport:
    rows: list[ImportRow] = field(default_factory=list)
    applied: bool = False

    @property
    def problems(self) -> list[ImportRow]:
        return [r for r in self.rows if r.problem]


class _Rollback(Exception):
    """Leaves the transaction of a preview (or of a refused import) without writing."""


def _key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header.strip().lower().lstrip("\ufeff"))
    return "".join(c for c in plain if not unicodedata.combining(c)).replace("_", " ")


def decode(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM), else Windows-1252."""
    if len(data) > MAX_BYTES:
        raise BadInput("Le fichier dépasse 1 Mo : découpez-le en plusieurs fichiers.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, fields) of each filled row; `BadInput` for an unusable header."""
    if "\x00" in text:
        raise BadInput("Ce fichier n'est pas un fichier CSV (texte).",
                       "Enregistrez le tableau au format « CSV UTF-8 » puis recommencez.")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise BadInput("Le fichier est vide.", "La première ligne nomme les colonnes : nom, "
                       "type, profession, college, role, rpps, siret, finess, email, telephone.")
    names = [COLUMNS.get(_key(h)) for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n is None and h.strip()]
    if "name" not in names or unknown:
        raise BadInput(
            "Colonnes non reconnues : " + (", ".join(f"« {h} »" for h in unknown) if unknown
                                            else "la colonne « nom » manque") + ".",
            "Colonnes possibles : nom, type, profession, structure, college, role, rpps, "
            "siret, finess, email, telephone.",
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise BadInput(f"Plus de {MAX_ROWS} lignes : découpez le fichier.")
        rows.append((line, {n: c.strip() for n, c in zip(names, cells, strict=False) if n}))
    if not rows:
        raise BadInput("Le fichier ne contient aucun membre (seulement la ligne des colonnes).")
    return rows


def _one(ws: Workspace, ref: str | int, line: int, fields: dict[str, str]) -> ImportRow:
    kind = _key(fields.pop("type", ""))
    name = fields.get("name", "")
    if kind not in LEGAL | NATURAL:
        return ImportRow(line, name, False, None,
                         f"Type « {kind} » inconnu : « physique » ou « morale ».")
    legal = kind in LEGAL
    try:
        member = add_member(ws, ref, fields.pop("name", ""), legal=legal,
                            **{k: v or None for k, v in fields.items()})
    except (BadInput, Refused) as exc:
        return ImportRow(line, name, legal, None, exc.message)
    return ImportRow(line, member.name, legal, member, None, member.warnings)


def import_members(ws: Workspace, ref: str | int, text: str, *, apply: bool) -> MembersImport:
    """Every row checked by adding it; kept only with `apply` and no problem anywhere."""
    rows = read_rows(text)
    done: list[ImportRow] = []
    try:
        with ws.atomic():
            done = [_one(ws, ref, line, dict(fields)) for line, fields in rows]
            if not apply or any(r.problem for r in done):
                raise _Rollback
    except _Rollback:
        return MembersImport(done, applied=False)
    return MembersImport(done, applied=True)
