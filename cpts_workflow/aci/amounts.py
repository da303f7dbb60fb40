"""The contract's annex: per mission and contract year, its fixed and variable amounts.

Typed in (`set_amounts`) or imported from a CSV, XLSX or YAML file (`import_amounts`):
one row per mission and year, columns `mission`, `annee`, `part_fixe`, `part_variable`,
`statut` (`contrat` or `estimé`), `source`. A file is checked whole first; one wrong
line and nothing is stored. Each amount sits beside the national grid's figure for the
contract's taille, which stays unknown when the grid does not know it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, Refused
from ..store.models import AciContract, ContractAmount, Project
from ..views import View
from .calendar import chosen_missions, mission_rows
from .contract import STATUS_LABELS, GridFigure, check_year, contract_row, grid_figure
from .grids import get_grid
from .missions import MISSIONS_BY_ID, mission
from .money import parse_cents
from .sheets import read_rows

if TYPE_CHECKING:
    from ..workspace import Workspace

STATUS_WORDS = {
    "contrat": "contract",
    "contract": "contract",
    "du_contrat": "contract",
    "estime": "estimated",
    "estimated": "estimated",
    "estimation": "estimated",
}
COLUMN_ALIASES = {
    "mission": "mission",
    "annee": "year",
    "year": "year",
    "part_fixe": "fixed",
    "fixe": "fixed",
    "fixed": "fixed",
    "part_variable": "variable",
    "variable": "variable",
    "statut": "status",
    "status": "status",
    "source": "source",
}
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class AmountView(View):
    mission: str
    mission_label: str
    year: int
    fixed_cents: int | None
    variable_cents: int | None
    status: str  # contract | estimated | missing
    status_label: str
    source: str | None
    grid_fixed: GridFigure | None
    grid_variable: GridFigure | None
    updated_by: str | None
    updated_at: datetime | None


def amounts_by_key(session: Session, project: Project) -> dict[tuple[str, int], ContractAmount]:
    rows = session.scalars(select(ContractAmount).where(ContractAmount.project_id == project.id))
    return {(r.mission, r.year): r for r in rows}


def amount_views(ws: Workspace, session: Session, project: Project, contract: AciContract) -> list[AmountView]:
    """Every chosen mission × contract year; a pair not typed in is `missing`."""
    grid = get_grid(ws, contract.grid_id)
    rows = amounts_by_key(session, project)
    out = []
    for mission_id in chosen_missions(mission_rows(session, [project.id])[project.id]):
        national = grid.missions.get(mission_id)
        fixed = grid_figure(grid.figure(national.fixed, contract.taille) if national else None)
        variable = grid_figure(grid.figure(national.variable, contract.taille) if national else None)
        for year in range(1, contract.years + 1):
            row = rows.get((mission_id, year))
            out.append(
                AmountView(
                    mission_id,
                    MISSIONS_BY_ID[mission_id].label,
                    year,
                    row.fixed_cents if row else None,
                    row.variable_cents if row else None,
                    row.status if row else "missing",
                    STATUS_LABELS[row.status] if row else "non saisi",
                    row.source if row else None,
                    fixed,
                    variable,
                    row.updated_by if row else None,
                    row.updated_at if row else None,
                )
            )
    return out


def list_amounts(ws: Workspace, ref: str | int) -> list[AmountView]:
    with ws.session() as session:
        project = ws.get_project(session, ref)
        return amount_views(ws, session, project, contract_row(session, project))


def _store(
    ws: Workspace,
    session: Session,
    project: Project,
    records: Iterable[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Upsert validated records; returns what changed (for the audit payload)."""
    rows = amounts_by_key(session, project)
    changed = []
    for rec in records:
        row = rows.get((rec["mission"], rec["year"]))
        if row is None:
            row = ContractAmount(project_id=project.id, mission=rec["mission"], year=rec["year"],
                                 status="contract")
            session.add(row)
            rows[(rec["mission"], rec["year"])] = row
        for name in ("fixed_cents", "variable_cents", "status", "source"):
            if name in rec:
                setattr(row, name, rec[name])
        row.updated_by, row.updated_at = ws.actor, ws.now()
        changed.append(rec)
    session.flush()
    return changed


def require_chosen(session: Session, project: Project, mission_id: str) -> None:
    if mission_id not in chosen_missions(mission_rows(session, [project.id])[project.id]):
        raise Refused(
            f"La mission « {MISSIONS_BY_ID[mission_id].label} » n'a pas été retenue par ce projet.",
            "Ajoutez-la d'abord aux missions retenues du projet.",
        )


def set_amounts(
    ws: Workspace,
    ref: str | int,
    mission_id: str,
    *,
    years: Iterable[int] | None = None,
    fixed: object = None,
    variable: object = None,
    estimated: bool = False,
    source: str | None = None,
) -> list[AmountView]:
    """Set a mission's amounts for some contract years (every year when None); audited."""
    m = mission(mission_id)
    if fixed is None and variable is None:
        raise BadInput("Rien à enregistrer.", "Donnez la part fixe et/ou la part variable.")
    values: dict[str, Any] = {"status": "estimated" if estimated else "contract"}
    if fixed is not None:
        values["fixed_cents"] = parse_cents(fixed, "Part fixe")
    if variable is not None:
        values["variable_cents"] = parse_cents(variable, "Part variable")
    if source:
        values["source"] = source.strip()[:500]
    with ws.changing(ref, "contract") as (session, project):
        contract = contract_row(session, project)
        require_chosen(session, project, m.id)
        wanted = sorted({check_year(y, contract.years) for y in years}) if years else None
        records = [
            {"mission": m.id, "year": y, **values}
            for y in (wanted or range(1, contract.years + 1))
        ]
        changed = _store(ws, session, project, records)
        ws.record_event(
            session,
            project,
            "contract_amounts_set",
            comment=f"{m.id}, années {', '.join(str(r['year']) for r in changed)}",
            payload={"amounts": changed},
        )
        return [
            a for a in amount_views(ws, session, project, contract) if a.mission == m.id
        ]


# --- import ---------------------------------------------------------------------------------


def _record(values: dict[str, Any], years: int, chosen: list[str]) -> dict[str, Any]:
    """One file row → a record, or `BadInput` with the row's problem."""
    data = {COLUMN_ALIASES[k]: v for k, v in values.items() if k in COLUMN_ALIASES}
    if not data.get("mission"):
        raise BadInput("colonne « mission » vide ou absente.")
    m = mission(str(data["mission"]))
    if m.id not in chosen:
        raise BadInput(f"mission « {m.id} » non retenue par ce projet (voir ses missions ACI).")
    raw_year = data.get("year")
    try:
        year = int(str(raw_year).strip())
    except ValueError:
        raise BadInput(f"année « {raw_year} » invalide (1 à {years}).") from None
    check_year(year, years)
    record: dict[str, Any] = {"mission": m.id, "year": year}
    for key, what in (("fixed", "Part fixe"), ("variable", "Part variable")):
        value = data.get(key)
        if value is not None and str(value).strip() != "":
            record[f"{key}_cents"] = parse_cents(value, what)
    if "fixed_cents" not in record and "variable_cents" not in record:
        raise BadInput("ni part fixe ni part variable.")
    status = str(data.get("status") or "contrat").strip().lower()
    status_key = status.replace("é", "e").replace(" ", "_")
    if status_key not in STATUS_WORDS:
        raise BadInput(f"statut « {status} » inconnu ; écrivez « contrat » ou « estimé ».")
    record["status"] = STATUS_WORDS[status_key]
    if data.get("source"):
        record["source"] = str(data["source"]).strip()[:500]
    return record


def import_amounts(ws: Workspace, ref: str | int, path: str | Path) -> list[AmountView]:
    """Import the annex from a file; every line is checked before anything is stored."""
    path = Path(path)
    rows = read_rows(path)
    if not rows:
        raise BadInput(f"Le fichier « {path.name} » ne contient aucune ligne de montants.")
    with ws.changing(ref, "contract") as (session, project):
        contract = contract_row(session, project)
        chosen = chosen_missions(mission_rows(session, [project.id])[project.id])
        records, problems = [], []
        seen: dict[Any, int] = {}
        for row in rows:
            try:
                record = _record(row.values, contract.years, chosen)
            except BadInput as exc:
                problems.append(f"{path.name}:{row.line}: {exc.message}")
                continue
            key = (record["mission"], record["year"])
            if key in seen:
                problems.append(
                    f"{path.name}:{row.line}: {key[0]}, année {key[1]} déjà donnée ligne {seen[key]}."
                )
            seen[key] = row.line
            records.append(record)
        if problems:
            more = len(problems) - MAX_PROBLEMS
            raise BadInput(
                "Annexe refusée, rien n'a été enregistré :\n"
                + "\n".join(problems[:MAX_PROBLEMS])
                + (f"\n… et {french.plural(more, 'autre')}." if more > 0 else ""),
                "Colonnes attendues : mission ; annee ; part_fixe ; part_variable ; statut ; source.",
            )
        changed = _store(ws, session, project, records)
        ws.record_event(
            session,
            project,
            "contract_amounts_imported",
            comment=f"{french.plural(len(changed), 'ligne')} depuis {path.name}",
            payload={"file": path.name, "amounts": changed},
        )
        return amount_views(ws, session, project, contract)
