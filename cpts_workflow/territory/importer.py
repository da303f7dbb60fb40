"""Import of a newer INSEE communes/populations file as a new reference vintage.

The whole file is checked before anything is written: one wrong line and nothing is
loaded, and the error names the line. A complete file replaces the reference only if it
holds every commune of the current one (a commune merged into another one present counts
as held): importing one line never shrinks all France to it. A partial file (`partial`)
is an overlay: it updates the communes it lists and leaves the others as they are.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import french
from ..base_journal import record
from ..errors import BadInput
from ..files import os_reason
from ..limits import MAX_INT
from .reference import (
    COLUMNS,
    INSEE_CODE,
    PARTIAL_MARK,
    SHIPPED_LABEL,
    SHIPPED_SOURCE,
    Reference,
    communes_from_rows,
    departments,
    forget_vintage,
    merged_communes,
    reference_for,
    shipped_reference,
    vintages_in_use,
)

if TYPE_CHECKING:
    from ..workspace import Workspace

MAX_REPORTED = 20
DEPARTMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")
REGION = re.compile(r"^\d{2}$")
SIREN = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class VintageView:
    id: int | None  # None: the vintage shipped with the program
    label: str
    source: str | None
    rows: int
    imported_by: str | None
    imported_at: datetime | None
    current: bool  # in use: the complete vintage of the reference, or one of its updates
    partial: bool = False  # updates the communes it lists only

    def to_dict(self) -> dict:
        from ..views import to_jsonable

        return to_jsonable(self)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"Impossible de lire le fichier {path} ({os_reason(exc)}).") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(
            f"Le fichier {path.name} n'est pas encodé en UTF-8.",
            "Enregistrez-le en « CSV UTF-8 » depuis votre tableur.",
        ) from None


def _clean_row(number: int, row: dict[str, str], errors: list[str]) -> list[str] | None:
    """One line checked and normalised; its problems appended to `errors`."""
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    before = len(errors)
    code = values["insee"].upper()
    if not INSEE_CODE.match(code):
        extra = (
            " (un zéro initial perdu par le tableur ?)" if code.isdigit() and len(code) == 4 else ""
        )
        errors.append(
            f"ligne {number} : code INSEE « {values['insee']} » invalide{extra} ; "
            "attendu 5 caractères, par exemple 13001 ou 2A004."
        )
    if values["type"] not in ("COM", "ARM"):
        errors.append(f"ligne {number} : type « {values['type']} » inconnu ; attendu COM ou ARM.")
    if not values["nom"]:
        errors.append(f"ligne {number} : le nom de la commune est vide.")
    if not DEPARTMENT.match(values["departement"].upper()):
        errors.append(f"ligne {number} : département « {values['departement']} » invalide.")
    if not REGION.match(values["region"]):
        errors.append(
            f"ligne {number} : région « {values['region']} » invalide (code INSEE à 2 chiffres)."
        )
    if values["epci_siren"] and not SIREN.match(values["epci_siren"]):
        errors.append(
            f"ligne {number} : SIREN d'EPCI « {values['epci_siren']} » invalide (9 chiffres)."
        )
    population = re.sub(r"[\s\u202f\xa0]", "", values["population"])
    if population and not (population.isascii() and population.isdigit()
                           and int(population) <= MAX_INT):
        errors.append(
            f"ligne {number} : population « {values['population']} » n'est pas un nombre entier."
        )
    parent = values["commune_parent"].upper()
    if values["type"] == "ARM" and not INSEE_CODE.match(parent):
        errors.append(
            f"ligne {number} : un arrondissement doit donner sa commune (commune_parent)."
        )
    if len(errors) > before:
        return None
    return [
        code,
        values["type"],
        values["nom"],
        values["departement"].upper(),
        values["region"],
        values["epci_siren"],
        values["epci_nom"],
        parent,
        population,
    ]


def read_communes_file(path: str | Path, known: set[str] | frozenset[str] = frozenset()) -> list[list[str]]:
    """Rows of a communes CSV (`,` or `;`), checked; `BadInput` listing every problem.

    `known`: codes already in the reference, which an arrondissement may name as its commune
    (a partial file).
    """
    path = Path(path)
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    problems = []
    for name in header:
        if name not in COLUMNS:
            problems.append(f"ligne 1 : colonne « {name} » inconnue.")
    for name in COLUMNS:
        if name not in header:
            problems.append(f"ligne 1 : colonne « {name} » absente.")
    if problems:
        raise BadInput(
            f"Le fichier {path.name} n'a pas été chargé : "
            "ses colonnes ne sont pas celles attendues.\n" + "\n".join(problems),
            f"Colonnes attendues (dans cet ordre ou non) : {', '.join(COLUMNS)}.",
        )
    errors: list[str] = []
    rows: list[list[str]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            errors.append(f"ligne {number} : plus de valeurs que de colonnes.")
            continue
        cleaned = _clean_row(number, row, errors)
        if cleaned is None:
            continue
        if cleaned[0] in seen:
            errors.append(
                f"ligne {number} : le code {cleaned[0]} figure déjà ligne {seen[cleaned[0]]}."
            )
            continue
        seen[cleaned[0]] = number
        rows.append(cleaned)
    for checked in rows:
        if checked[1] == "ARM" and checked[7] not in seen and checked[7] not in known:
            errors.append(
                f"ligne {seen[checked[0]]} : la commune {checked[7]} de l'arrondissement "
                f"{checked[0]} n'est pas dans le fichier."
            )
    if not rows and not errors:
        errors.append("le fichier ne contient aucune commune.")
    if errors:
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        tail = f"\n… et {french.plural(more, 'autre erreur', 'autres erreurs')}." if more else ""
        raise BadInput(
            f"Le fichier {path.name} n'a pas été chargé : "
            f"{french.plural(len(errors), 'erreur', 'erreurs')}.\n" + "\n".join(shown) + tail,
            "Corrigez ces lignes puis relancez l'import ; rien n'a été modifié.",
        )
    return rows


def _missing(reference: Reference, rows: list[list[str]]) -> list[str]:
    """Codes of the current reference a complete file lacks (a commune merged into one the
    file holds is not lacking)."""
    listed = {row[0] for row in rows}
    merged = merged_communes()
    return sorted(
        code
        for code in reference.communes
        if code not in listed and not (code in merged and merged[code].commune in listed)
    )


def _refuse_incomplete(path: Path, reference: Reference, missing: list[str]) -> BadInput:
    by_department: dict[str, int] = {}
    for code in missing:
        commune = reference.communes[code]
        by_department[commune.departement] = by_department.get(commune.departement, 0) + 1
    names = departments()
    worst = sorted(by_department.items(), key=lambda d: (-d[1], d[0]))
    shown = ", ".join(
        f"{names[d].nom if d in names else d} ({d}) : {french.number(n)}" for d, n in worst[:8]
    )
    more = f", et {french.plural(len(worst) - 8, 'autre département', 'autres départements')}" if len(worst) > 8 else ""
    examples = ", ".join(f"{reference.communes[c].nom} ({c})" for c in missing[:5])
    return BadInput(
        f"Le fichier {path.name} n'a pas été chargé : il n'est pas complet, "
        f"{french.plural(len(missing), 'commune manque', 'communes manquent')} "
        f"par rapport à la référence en cours ({reference.label}).\n"
        f"Par département : {shown}{more}.\nPar exemple : {examples}.",
        "Un fichier complet remplace toute la référence ; pour ne mettre à jour que les "
        "communes du fichier, importez-le en mise à jour partielle. Rien n'a été modifié.",
        topic="reference_incomplete",
    )


def import_vintage(
    ws: Workspace, path: str | Path, label: str | None = None, *, partial: bool = False
) -> VintageView:
    """Load a communes/populations file as a new vintage, all or nothing.

    Complete (the default): it must hold every commune of the current reference, and then
    replaces it. Partial: it updates the communes it lists, over the current reference.
    """
    from sqlalchemy import insert, select

    from ..store.models import ReferenceCommune, ReferenceVintage

    ws.require("reference")
    path = Path(path)
    label = (label or "").strip() or f"{path.name} (importé le {french.short_date(ws.now())})"
    if len(label) > 60:
        raise BadInput("Le libellé du millésime dépasse 60 caractères.")
    with ws.session() as session:
        current = reference_for(session)
        rows = read_communes_file(path, set(current.communes) if partial else frozenset())
        if not partial:
            missing = _missing(current, rows)
            if missing:
                raise _refuse_incomplete(path, current, missing)
        if label == SHIPPED_LABEL or session.scalar(
            select(ReferenceVintage.id).where(ReferenceVintage.label == label)
        ):
            raise BadInput(
                f"Un millésime s'appelle déjà « {label} ».",
                "Donnez-lui un autre libellé.",
            )
        vintage = ReferenceVintage(
            label=label,
            source=(PARTIAL_MARK if partial else "") + path.name,
            rows=len(rows),
            imported_by=ws.actor,
            imported_at=ws.now(),
        )
        session.add(vintage)
        session.flush()
        communes = communes_from_rows(rows)
        session.execute(
            insert(ReferenceCommune),
            [{"vintage_id": vintage.id, **c._asdict()} for c in communes.values()],
        )
        record(ws, session, "reference_imported", label,
               {"file": path.name, "communes": len(rows), "partial": partial})
        return VintageView(
            vintage.id, label, vintage.source, len(rows), ws.actor, vintage.imported_at, True,
            partial,
        )


def list_vintages(ws: Workspace) -> list[VintageView]:
    """The shipped vintage then the imported ones, oldest first, each saying if it is in use."""
    from sqlalchemy import select

    from ..store.models import ReferenceVintage

    with ws.session(read_only=True) as session:
        imported = list(session.scalars(select(ReferenceVintage).order_by(ReferenceVintage.id)))
        used = {v.id for v in vintages_in_use(imported)}
        base_shipped = not used or all((v.source or "").startswith(PARTIAL_MARK)
                                       for v in imported if v.id in used)
        views = [
            VintageView(
                None,
                SHIPPED_LABEL,
                SHIPPED_SOURCE,
                len(shipped_reference().communes),
                None,
                None,
                base_shipped,
            )
        ]
        views += [
            VintageView(
                v.id,
                v.label,
                v.source,
                v.rows,
                v.imported_by,
                v.imported_at,
                v.id in used,
                (v.source or "").startswith(PARTIAL_MARK),
            )
            for v in imported
        ]
        return views


def remove_vintage(ws: Workspace, label: str) -> VintageView:
    """Delete an imported vintage (by its label or number); the reference then goes back to
    the vintages left. The shipped one cannot be removed."""
    from sqlalchemy import delete, select

    from ..store.models import ReferenceCommune, ReferenceVintage

    text = label.strip()
    if text == SHIPPED_LABEL:
        raise BadInput(
            "Le millésime livré avec le programme ne peut pas être retiré.",
            "Importez un fichier complet plus récent : il le remplacera.",
        )
    with ws.session() as session:
        query = select(ReferenceVintage).where(ReferenceVintage.label == text)
        vintage = session.scalar(query)
        if vintage is None and text.isdigit():
            vintage = session.get(ReferenceVintage, int(text))
        if vintage is None:
            raise BadInput(
                f"Aucun millésime importé ne s'appelle « {text} ».",
                "La liste des millésimes importés donne leurs noms.",
            )
        view = VintageView(
            vintage.id, vintage.label, vintage.source, vintage.rows, vintage.imported_by,
            vintage.imported_at, False, (vintage.source or "").startswith(PARTIAL_MARK),
        )
        session.execute(delete(ReferenceCommune).where(ReferenceCommune.vintage_id == vintage.id))
        session.delete(vintage)
        record(ws, session, "reference_removed", vintage.label,
               {"file": vintage.source, "communes": vintage.rows, "imported_by": vintage.imported_by})
        url = str(session.get_bind().engine.url)
    forget_vintage(url, vintage.id)
    return view
