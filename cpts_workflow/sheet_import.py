"""Importing an officer's portfolio from a spreadsheet (`.xlsx` or `.csv`).

The sheet keeps its own headers: the usual ones are recognised (« Nom du projet »,
« Chargé·e de mission », « Étape », « Communes »…, accents, case, spacing and `·` ignored)
and any column can be mapped to a field by hand. Each row becomes a project created at the
first stage, its dated checklist items checked with the sheet's dates, its communes added,
its porteur recorded, then placed at its stage by the workflow's `place` transition and
recorded as an import (`sheet_imported`) in the history: every write is an ordinary,
audited library change.

All of it runs in one transaction, each row in a savepoint, so that every problem of every
row is found in one pass. A dry run (the default for callers that do not say `apply=True`)
and an import with problems roll the whole transaction back: the base is left as it was.
A project whose name (accents and case aside) is already in the base is reported and
skipped, so that running the same sheet twice creates nothing twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from . import french, limits
from .errors import BadInput, CptsError
from .spreadsheet import read_table
from .store.models import Project

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .territory.reference import Reference
    from .workflow.definition import WorkflowDefinition
    from .workspace import Workspace

MAX_ROWS = 2_000
MAX_COLUMNS = 60
EVENT_KIND = "sheet_imported"

# Field → French label, and the headers (normalised by `header_words`) that mean it.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("nom du projet", (
        "nom du projet", "projet", "nom", "nom de la cpts", "cpts", "intitule", "intitule du projet",
        "nom projet", "projet cpts")),
    "officer": ("chargé·e de mission", (
        "charge de mission", "chargee de mission", "charge e de mission", "charge e e de mission",
        "chargees de mission", "referent", "referente", "referent e", "referent urps",
        "suivi par", "accompagnement", "accompagne par", "cdm")),
    "stage": ("étape", (
        "etape", "statut", "stade", "avancement", "phase", "etat", "etat d avancement",
        "etape actuelle")),
    "created": ("date de création", (
        "date de creation", "creation", "cree le", "date de debut", "debut", "date creation",
        "premier contact", "date du premier contact")),
    "communes": ("communes", (
        "communes", "commune", "territoire", "code insee", "codes insee", "insee",
        "communes du territoire", "liste des communes")),
    "porteur_name": ("nom du porteur", (
        "porteur", "nom du porteur", "porteur du projet", "porteur de projet", "contact porteur",
        "contact", "president", "presidente", "president e")),
    "porteur_email": ("e-mail du porteur", (
        "email", "e mail", "mail", "courriel", "email du porteur", "e mail du porteur",
        "mail porteur", "mail du porteur", "courriel du porteur", "adresse e mail", "email porteur")),
    "porteur_phone": ("téléphone du porteur", (
        "telephone", "tel", "tel porteur", "telephone du porteur", "tel du porteur",
        "telephone porteur", "portable", "mobile", "numero de telephone")),
    "ignore": ("colonne ignorée", ()),
}
# Dated checklist items a portfolio usually tracks, and their usual headers. Any other item
# whose evidence is a date can be mapped by hand (`Colonne=item_id`).
DATE_ITEMS: dict[str, tuple[str, ...]] = {
    "letter_of_intent_sent": (
        "date de la lettre d intention", "lettre d intention", "date lettre d intention", "date li",
        "li", "envoi de la lettre d intention", "date d envoi de la lettre d intention",
        "li envoyee le"),
    "letter_of_intent_validated": (
        "date de validation de la lettre d intention", "validation de la lettre d intention",
        "li validee", "li validee le", "validation li", "date validation li"),
    "health_project_validated": (
        "date de validation du projet de sante", "validation du projet de sante",
        "projet de sante valide le", "date pds", "validation pds", "pds valide le",
        "date de validation pds", "date validation pds"),
    "aci_signed": (
        "date de signature aci", "signature aci", "date aci", "aci signe le", "date signature aci",
        "date de signature de l aci", "signature du contrat aci", "date de signature du contrat aci"),
}
# Spellings of a stage officers use besides its label and id (normalised), → stage id.
# A milestone reached means the next stage: « Projet de santé validé » is « Association et
# statuts ». Ids of the shipped workflow; a definition without them simply lacks the synonym.
STAGE_SYNONYMS: dict[str, str] = {
    "li": "initiative", "lettre d intention": "initiative", "amorcage": "initiative",
    "emergence": "initiative", "lettre d intention envoyee": "initiative",
    "lettre d intention validee": "diagnostic", "li validee": "diagnostic",
    "diagnostic": "diagnostic", "diag": "diagnostic",
    "pds": "health_project", "projet de sante": "health_project",
    "redaction du projet de sante": "health_project", "ecriture du projet de sante": "health_project",
    "projet de sante valide": "statutes", "pds valide": "statutes", "statuts": "statutes",
    "association": "statutes", "creation de l association": "statutes",
    "aci": "aci_contract", "contrat aci": "aci_contract", "negociation aci": "aci_contract",
    "negociation": "aci_contract", "aci signe": "coordinator_hiring",
    "contrat aci signe": "coordinator_hiring", "contractualisee": "coordinator_hiring",
    "recrutement": "coordinator_hiring", "recrutement coordinateur": "coordinator_hiring",
    "coordinateur": "coordinator_hiring", "fonctionnement": "operating",
    "en fonctionnement": "operating", "operationnelle": "operating", "active": "operating",
    "pause": "paused", "en pause": "paused", "suspendu": "paused", "en attente": "paused",
    "abandon": "abandoned", "abandonne": "abandoned", "arrete": "abandoned", "arret": "abandoned",
}
_SPLIT_COMMUNES = re.compile(r"[;,/|\n]+")


def header_words(text: Any) -> str:
    """`Chargé·e de mission`, `CHARGÉE DE MISSION :`, `chargé(e)_de_mission` → plain words."""
    plain = str(text or "").lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    # Accents go; any other sign (`·`, `(`, `_`, `:`) separates words.
    plain = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


# --- what the sheet says -----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int  # as the spreadsheet numbers it (headers are line 1)
    column: str | None  # the sheet's own header
    message: str

    def text(self) -> str:
        where = f"ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportedRow:
    line: int
    name: str
    slug: str
    stage: str
    stage_label: str
    officer: str | None
    communes: list[str]
    dates: dict[str, str]  # item id or `created` → ISO date
    porteur: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SkippedRow:
    line: int
    name: str
    slug: str  # of the project already in the base

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SheetImport:
    """What an import did, or would do (`applied` False)."""

    file: str
    rows: int
    columns: dict[str, str]  # sheet header → field
    ignored: list[str]
    created: list[ImportedRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "rows": self.rows, "columns": self.columns, "ignored": self.ignored,
            "created": [r.to_dict() for r in self.created],
            "skipped": [r.to_dict() for r in self.skipped],
            "problems": [p.to_dict() for p in self.problems], "applied": self.applied,
        }


def field_label(definition: WorkflowDefinition, name: str) -> str:
    """`officer` → « chargé·e de mission »; a dated item → its checklist label."""
    if name in FIELDS:
        return FIELDS[name][0]
    return definition.item(name)[1].label


def date_fields(definition: WorkflowDefinition) -> list[str]:
    """Items of the definition whose evidence is a date: they can be columns."""
    return [i.id for s in definition.stages for i in s.items if i.evidence == "date"]


def parse_mapping(definition: WorkflowDefinition, pairs: Sequence[str]) -> dict[str, str]:
    """`["Suivi=officer", "AG=constitutive_ag_held"]` → normalised header → field.

    A field is named by its id or its French label (« chargé·e de mission »).
    """
    dated = date_fields(definition)
    names = {header_words(k): k for k in [*FIELDS, *dated]}
    names.update({header_words(label): k for k, (label, _) in FIELDS.items()})
    names.update({header_words(definition.item(i)[1].label): i for i in dated})
    out: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise BadInput(f"Correspondance « {pair} » illisible.",
                           "Écrivez « Colonne=champ », par exemple « Suivi par=officer ».")
        found = names.get(header_words(target))
        if found is None:
            choices = ", ".join([k for k in FIELDS] + [i for i in DATE_ITEMS if i in dated])
            raise BadInput(f"Champ « {target.strip()} » inconnu dans « {pair} ».",
                           f"Champs : {choices}, ou l'identifiant d'un élément daté de la checklist.",
                           topic="sheet_field")
        out[header_words(column)] = found
    return out


def recognise_columns(
    definition: WorkflowDefinition, headers: Sequence[str], mapping: dict[str, str]
) -> tuple[dict[int, str], list[Problem], list[str]]:
    """Column index → field, the header problems, and the headers left aside."""
    dated = set(date_fields(definition))
    usual = {words: name for name, (_, spellings) in FIELDS.items() for words in spellings}
    usual.update({words: item for item, spellings in DATE_ITEMS.items() if item in dated
                  for words in spellings})
    usual.update({header_words(definition.item(i)[1].label): i for i in dated})
    columns: dict[int, str] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    unused = dict(mapping)
    for index, header in enumerate(headers):
        words = header_words(header)
        name = mapping.get(words) or usual.get(words)
        unused.pop(words, None)
        if name is None or name == "ignore":
            if header:
                ignored.append(header)
            continue
        if name in seen:
            problems.append(Problem(1, header, f"la colonne « {seen[name]} » donne déjà le champ "
                                               f"« {field_label(definition, name)} »."))
            continue
        seen[name] = header
        columns[index] = name
    for words in unused:
        problems.append(Problem(1, None, f"aucune colonne « {words} » pour la correspondance demandée."))
    if "name" not in seen:
        problems.append(Problem(1, None, "aucune colonne ne donne le nom du projet (« Nom du projet », "
                                         "« Projet »…) ; désignez-la avec une correspondance « Colonne=name »."))
    return columns, problems, ignored


# --- matching values -----------------------------------------------------------------------


def stage_for(definition: WorkflowDefinition, text: str) -> str:
    """A stage id from its label, id, number (1 = first stage) or a usual variant."""
    words = header_words(text)
    states = [(s.id, s.label) for s in definition.stages] + [(s.id, s.label) for s in definition.side_states]
    known = {header_words(label): state for state, label in states}
    known.update({header_words(state): state for state, _ in states})
    known.update({str(n): s for n, s in enumerate(definition.stage_ids, start=1)})
    known.update({f"etape {n}": s for n, s in enumerate(definition.stage_ids, start=1)})
    ids = {state for state, _ in states}
    for side in definition.side_states:
        for variant, target in STAGE_SYNONYMS.items():
            if target == {"pause": "paused", "end": "abandoned"}[side.kind]:
                known.setdefault(variant, side.id)
    known.update({v: s for v, s in STAGE_SYNONYMS.items() if s in ids and v not in known})
    found = known.get(words)
    if found is None:
        import difflib

        labels = ", ".join(label for _, label in states)
        close = difflib.get_close_matches(words, list(known), n=1, cutoff=0.8)
        guess = f" (vouliez-vous dire « {definition.state_label(known[close[0]])} » ?)" if close else ""
        raise BadInput(f"étape « {text} » inconnue{guess} ; étapes : {labels}.")
    return found


def match_officer(session: Session, text: str) -> str:
    """The officer's name as the base knows it: with officer accounts, one of them (the
    managed list of `officers`, by name or login, accents and case aside); else the
    spelling the base's projects already use (earlier rows of the sheet included, so that
    « claire martin » and « Claire Martin » are one officer), or the text as given."""
    from .officers import matching_officers, officer_accounts, resolve_officer

    if officer_accounts(session):
        try:
            return resolve_officer(session, text) or text
        except BadInput as exc:
            raise BadInput(" ".join(part for part in (exc.message, exc.hint) if part)) from None
    known = matching_officers(session, text)
    return known[0] if known else text


def sheet_date(value: Any, today: date) -> date:
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        found = french.parse_date(str(value).strip())
    if found > today:
        raise BadInput(f"date {french.short_date(found)} dans le futur.")
    return found


def commune_codes(reference: Reference, value: Any) -> list[str]:
    """INSEE codes of a cell: codes or names (« Nom (13) » for a name several communes
    share), separated by `,` `;` `/` or line breaks; a number lost its leading zero."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        specs = [str(int(value)).zfill(5)]
    else:
        specs = [s.strip() for s in _SPLIT_COMMUNES.split(str(value)) if s.strip()]
    return list(dict.fromkeys(reference.resolve(spec) for spec in specs))


def record_porteur(ws: Workspace, slug: str, name: str, email: str | None, phone: str | None) -> None:
    """The porteur, kept as the project's porteur contact (contacts are covered by the RGPD
    export and erasure)."""
    from .contacts import add_contact

    add_contact(ws, slug, "porteur", name, email=email, phone=phone)


# --- the import ------------------------------------------------------------------------------


class _RollBack(Exception):
    """Leaves `ws.atomic()` so that nothing of a dry run (or a refused import) is kept."""


def import_sheet(
    ws: Workspace, path: str | Path, *, mapping: Sequence[str] = (), apply: bool = False
) -> SheetImport:
    """Import (or, unless `apply`, simulate importing) a portfolio sheet; see the module."""
    ws.require("create")
    path = Path(path)
    definition = ws.definition()
    wanted = parse_mapping(definition, mapping)
    table = read_table(path, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cell=limits.LONG_TEXT,
                       legacy_csv=True, what="portefeuille")
    columns, problems, ignored = recognise_columns(definition, table.headers, wanted)
    report = SheetImport(
        file=path.name, rows=len(table.rows),
        columns={table.headers[i]: name for i, name in columns.items()}, ignored=ignored,
        problems=problems,
    )
    if problems:
        return report
    try:
        with ws.atomic() as session:
            _import_rows(ws, session, definition, path.name, table.headers, columns, table.rows, report)
            if report.problems or not apply:
                raise _RollBack
    except _RollBack:
        return report
    report.applied = True
    return report


def _import_rows(
    ws: Workspace, session: Session, definition: WorkflowDefinition, file_name: str,
    headers: list[str], columns: dict[int, str], rows: list[tuple[int, list[Any]]],
    report: SheetImport,
) -> None:
    from .territory.reference import reference_for

    reference = reference_for(session)
    existing = {header_words(name): slug for name, slug in session.execute(select(Project.name, Project.slug))}
    today = ws.now().date()
    header_of = {name: headers[i] for i, name in columns.items()}
    for line, cells in rows:
        values = {name: cells[i] for i, name in columns.items()
                  if i < len(cells) and cells[i] is not None and str(cells[i]).strip()}
        row_problems: list[Problem] = []

        @contextmanager
        def reading(name: str, lines: list[Problem] = row_problems, at: int = line) -> Iterator[None]:
            try:
                yield
            except CptsError as error:
                lines.append(Problem(at, header_of.get(name), _sentence(error)))

        clean: dict[str, Any] = {}
        for name, value in values.items():
            with reading(name):
                text = value if isinstance(value, date | int | float) else limits.clean_text(
                    str(value), field_label(definition, name).capitalize(), max_length=limits.LONG_TEXT)
                if name == "stage":
                    clean[name] = stage_for(definition, str(text))
                elif name == "officer":
                    clean[name] = match_officer(session, limits.clean_text(
                        str(text), "Le nom du chargé de mission", max_length=limits.PERSON) or "")
                elif name == "communes":
                    clean[name] = commune_codes(reference, text)
                elif name in FIELDS:
                    clean[name] = text
                else:
                    clean[name] = sheet_date(value, today)
        if "created" in values:
            with reading("created"):
                clean["created"] = sheet_date(values["created"], today)
        project_name = clean.get("name")
        if not project_name and "name" in header_of and not any(p.column == header_of["name"] for p in row_problems):
            row_problems.append(Problem(line, header_of["name"], "nom du projet manquant."))
        if ("porteur_email" in clean or "porteur_phone" in clean) and "porteur_name" not in clean:
            row_problems.append(Problem(line, header_of.get("porteur_name"),
                                        "nom du porteur manquant (son e-mail ou téléphone est donné)."))
        if row_problems:
            report.problems.extend(row_problems)
            continue
        key = header_words(project_name)
        if key in existing:
            report.skipped.append(SkippedRow(line, str(project_name), existing[key]))
            continue
        try:
            with session.begin_nested():
                created = _write_row(ws, session, definition, file_name, line, clean, header_of)
        except _RowProblem as problem:
            report.problems.append(problem.problem)
            continue
        existing[key] = created.slug
        report.created.append(created)


class _RowProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


@contextmanager
def _step(line: int, column: str | None) -> Iterator[None]:
    try:
        yield
    except CptsError as error:
        raise _RowProblem(Problem(line, column, _sentence(error))) from None


def _sentence(error: CptsError) -> str:
    """A library error as one line of a row problem: message, its reasons, its hint."""
    message = error.message
    reasons = getattr(error, "reasons", None) or []
    if reasons:
        message += " " + " ; ".join(str(r) for r in reasons)
    if error.hint:
        message += f" {error.hint}"
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def _write_row(
    ws: Workspace, session: Session, definition: WorkflowDefinition, file_name: str, line: int,
    clean: dict[str, Any], header_of: dict[str, str],
) -> ImportedRow:
    from .territory.changes import add_communes

    name_column = header_of.get("name")
    with _step(line, name_column):
        summary = ws.create_project(str(clean["name"]), officer=clean.get("officer"))
    slug = summary.slug
    dates = {k: v for k, v in clean.items() if isinstance(v, date)}
    for item_id, day in dates.items():
        if item_id != "created":
            with _step(line, header_of.get(item_id)):
                ws.check(slug, item_id, value=day.isoformat(), note=f"Import du tableur « {file_name} »")
    codes = clean.get("communes") or []
    if codes:
        with _step(line, header_of.get("communes")):
            add_communes(ws, slug, codes)
    if clean.get("porteur_name"):
        with _step(line, header_of.get("porteur_name")):
            record_porteur(ws, slug, str(clean["porteur_name"]), clean.get("porteur_email"),
                           clean.get("porteur_phone"))
    stage = clean.get("stage", definition.initial)
    with _step(line, header_of.get("stage")):
        project = ws.get_project(session, slug, "stage", lock=True)
        payload = {"file": file_name, "line": line,
                   "dates": {k: v.isoformat() for k, v in dates.items()}}
        comment = f"Import du tableur « {file_name} », ligne {line}"
        if stage == definition.initial:
            ws.record_event(session, project, EVENT_KIND, to_stage=stage, comment=comment, payload=payload)
        else:
            side = next((s for s in definition.side_states if s.id == stage), None)
            trigger = "place" if side is None else side.kind if side.kind == "pause" else "abandon"
            ws.move_stage(session, project, trigger, EVENT_KIND, comment=comment, payload=payload,
                          target=stage if side is None else None)
        # The sheet's dates, where the model keeps them: when the project began, and since
        # when it stands where it is (its latest date, the best the sheet tells).
        if "created" in dates:
            project.created_at = _noon(dates["created"])
        if dates:
            project.stage_entered_at = _noon(max(dates.values()))
        session.flush()
    return ImportedRow(
        line=line, name=summary.name, slug=slug, stage=stage, stage_label=definition.state_label(stage),
        officer=summary.officer, communes=list(codes),
        dates={k: v.isoformat() for k, v in dates.items()}, porteur=clean.get("porteur_name"),
    )


def _noon(day: date) -> datetime:
    """A sheet's date as a moment: noon UTC is the same day in every French time zone."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
