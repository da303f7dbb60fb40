"""The contract's indicators: target, unit, values achieved per year with evidence, and the
share of a mission's variable part they earn.

Each indicator carries a weight (its share of the mission's variable part, in per cent;
indicators without one share what the others leave) and the achievement rule the
contract states:

- `proportional`: the share earned is value ÷ target, at most 100 %;
- `threshold`: nothing below `threshold` % of the target, then proportional;
- `all_or_nothing`: everything once the target is reached, nothing before.

Indicators count upwards (more is better); a mission's variable part for a year can be
computed only once every indicator of that year has a value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, NotFound
from ..files import os_reason
from ..limits import clean_text
from ..store.models import ContractIndicator, IndicatorValue, Project
from ..views import View
from ..workflow.definition import IDENTIFIER
from .amounts import require_chosen
from .contract import check_year, contract_row
from .missions import MISSIONS, MISSIONS_BY_ID, mission
from .money import decimal_text, parse_decimal

if TYPE_CHECKING:
    from ..workspace import Workspace

RULES = {
    "proportional": "proportionnelle",
    "threshold": "à seuil",
    "all_or_nothing": "tout ou rien",
}
RULE_WORDS = {
    **{k: k for k in RULES},
    "proportionnelle": "proportional",
    "seuil": "threshold",
    "tout-ou-rien": "all_or_nothing",
    "tout_ou_rien": "all_or_nothing",
}
MAX_EVIDENCE_BYTES = 50_000_000
MAX_EVIDENCE_FILES = 20


@dataclass(frozen=True)
class EvidenceFile(View):
    name: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ValueView(View):
    year: int
    value: str
    share_percent: float  # share of the indicator's weight earned
    note: str | None
    evidence: list[EvidenceFile]
    entered_by: str
    entered_at: datetime


@dataclass(frozen=True)
class IndicatorView(View):
    mission: str
    mission_label: str
    code: str
    label: str
    unit: str
    target: str
    rule: str
    rule_label: str
    threshold_percent: int | None
    weight_percent: float
    values: list[ValueView]

    def value_of(self, year: int) -> ValueView | None:
        return next((v for v in self.values if v.year == year), None)


def earned(rule: str, target: Decimal, value: Decimal, threshold: int | None) -> Fraction:
    """The share (0 to 1) of an indicator's weight a value earns under its rule."""
    if target <= 0:
        return Fraction(1)
    ratio = min(Fraction(value) / Fraction(target), Fraction(1))
    if rule == "all_or_nothing":
        return Fraction(1) if ratio >= 1 else Fraction(0)
    if rule == "threshold" and ratio < Fraction(threshold or 0, 100):
        return Fraction(0)
    return max(ratio, Fraction(0))


def weights(rows: Iterable[ContractIndicator]) -> dict[str, Fraction]:
    """Weight of each indicator (by code) as a fraction of the mission's variable part."""
    rows = list(rows)
    given = sum(Fraction(r.weight_percent, 100) for r in rows if r.weight_percent is not None)
    free = [r for r in rows if r.weight_percent is None]
    rest = max(Fraction(1) - given, Fraction(0)) / len(free) if free else Fraction(0)
    return {
        r.code: Fraction(r.weight_percent, 100) if r.weight_percent is not None else rest
        for r in rows
    }


def _rows(session: Session, project: Project) -> tuple[list[ContractIndicator], list[IndicatorValue]]:
    indicators = list(
        session.scalars(
            select(ContractIndicator).where(ContractIndicator.project_id == project.id)
        )
    )
    values = list(
        session.scalars(select(IndicatorValue).where(IndicatorValue.project_id == project.id))
    )
    return indicators, values


def achievements(session: Session, project: Project) -> dict[tuple[str, int], Fraction | None]:
    """Per (mission, year) with indicators: the share of the variable part earned, or None
    while an indicator of that year has no value."""
    indicators, values = _rows(session, project)
    by_key = {(v.mission, v.code, v.year): v for v in values}
    out: dict[tuple[str, int], Fraction | None] = {}
    for mission_id in {i.mission for i in indicators}:
        mine = [i for i in indicators if i.mission == mission_id]
        weight = weights(mine)
        years = {v.year for v in values if v.mission == mission_id}
        for year in years:
            total = Fraction(0)
            for ind in mine:
                value = by_key.get((mission_id, ind.code, year))
                if value is None:
                    total = None  # type: ignore[assignment]
                    break
                total += weight[ind.code] * earned(
                    ind.rule, Decimal(ind.target), Decimal(value.value), ind.threshold_percent
                )
            out[(mission_id, year)] = total
    return out


def achievement(
    table: dict[tuple[str, int], Fraction | None], mission_id: str, year: int
) -> Fraction | None:
    return table.get((mission_id, year))


def indicator_views(session: Session, project: Project) -> list[IndicatorView]:
    indicators, values = _rows(session, project)
    order = {m.id: i for i, m in enumerate(MISSIONS)}
    out = []
    for mission_id in sorted({i.mission for i in indicators}, key=order.__getitem__):
        mine = sorted((i for i in indicators if i.mission == mission_id), key=lambda i: i.code)
        weight = weights(mine)
        for ind in mine:
            views = [
                ValueView(
                    v.year,
                    v.value,
                    float(
                        earned(ind.rule, Decimal(ind.target), Decimal(v.value), ind.threshold_percent)
                        * 100
                    ),
                    v.note,
                    [EvidenceFile(**f) for f in (v.evidence or {}).get("files", [])],
                    v.entered_by,
                    v.entered_at,
                )
                for v in sorted(values, key=lambda v: v.year)
                if v.mission == mission_id and v.code == ind.code
            ]
            out.append(
                IndicatorView(
                    mission_id,
                    MISSIONS_BY_ID[mission_id].label,
                    ind.code,
                    ind.label,
                    ind.unit,
                    ind.target,
                    ind.rule,
                    RULES[ind.rule],
                    ind.threshold_percent,
                    float(weight[ind.code] * 100),
                    views,
                )
            )
    return out


def list_indicators(ws: Workspace, ref: str | int) -> list[IndicatorView]:
    with ws.session() as session:
        project = ws.get_project(session, ref)
        contract_row(session, project)
        return indicator_views(session, project)


# --- changes ----------------------------------------------------------------------------


def _code(code: str) -> str:
    import re

    text = code.strip()
    if not re.fullmatch(IDENTIFIER, text) or len(text) > 60:
        raise BadInput(
            f"Code d'indicateur « {code} » invalide.",
            "Lettres minuscules, chiffres et « _ », par exemple patients_sans_mt.",
        )
    return text


def _percent(value: int | None, what: str) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise BadInput(f"{what} « {value} » invalide : un pourcentage de 0 à 100.")
    return value


def define_indicator(
    ws: Workspace,
    ref: str | int,
    mission_id: str,
    code: str,
    *,
    label: str,
    target: object,
    unit: str = "",
    rule: str = "proportional",
    threshold: int | None = None,
    weight: int | None = None,
) -> IndicatorView:
    """Add or change an indicator of the contract; audited."""
    m, code = mission(mission_id), _code(code)
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise BadInput("Le libellé de l'indicateur est obligatoire (200 caractères au plus).")
    rule_id = RULE_WORDS.get(rule.strip().lower())
    if rule_id is None:
        raise BadInput(
            f"Règle « {rule} » inconnue.", "Règles : proportional, threshold, all_or_nothing."
        )
    if rule_id == "threshold" and threshold is None:
        raise BadInput("La règle « à seuil » a besoin de son seuil.", "Donnez le seuil en %, par exemple 50.")
    target_value = parse_decimal(target, "Cible", "1200")
    if target_value <= 0:
        raise BadInput(f"Cible « {target} » invalide : un nombre positif.")
    _percent(threshold, "Seuil")
    _percent(weight, "Poids")
    with ws.changing(ref, "contract") as (session, project):
        contract_row(session, project)
        require_chosen(session, project, m.id)
        row = session.get(ContractIndicator, (project.id, m.id, code))
        if row is None:
            row = ContractIndicator(project_id=project.id, mission=m.id, code=code)
            session.add(row)
        row.label, row.unit, row.target = label, (unit or "").strip()[:40], decimal_text(target_value)
        row.rule, row.threshold_percent, row.weight_percent = rule_id, threshold, weight
        row.updated_by, row.updated_at = ws.actor, ws.now()
        session.flush()
        given = sum(
            i.weight_percent or 0
            for i in session.scalars(
                select(ContractIndicator).where(
                    ContractIndicator.project_id == project.id, ContractIndicator.mission == m.id
                )
            )
        )
        if given > 100:
            raise BadInput(
                f"Les poids des indicateurs de « {m.label} » dépassent 100 % ({given} %).",
                "Réduisez le poids d'un indicateur.",
            )
        ws.record_event(
            session,
            project,
            "indicator_defined",
            comment=f"{m.id}/{code} : {label}, cible {row.target} {row.unit}".strip(),
            payload={
                "mission": m.id,
                "code": code,
                "target": row.target,
                "rule": rule_id,
                "threshold_percent": threshold,
                "weight_percent": weight,
            },
        )
        return next(v for v in indicator_views(session, project) if v.code == code and v.mission == m.id)


def _evidence(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of each evidence file (read in chunks, size-limited)."""
    files = []
    paths = list(paths)
    if len(paths) > MAX_EVIDENCE_FILES:
        raise BadInput(f"Au plus {MAX_EVIDENCE_FILES} justificatifs par valeur.")
    for raw in paths:
        path = Path(raw)
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_EVIDENCE_BYTES:
                        raise BadInput(
                            f"Justificatif « {path.name} » trop volumineux (plus de 50 Mo)."
                        )
                    digest.update(chunk)
        except OSError as exc:
            raise BadInput(f"Justificatif « {path} » illisible ({os_reason(exc)}).") from None
        files.append({"name": path.name, "bytes": size, "sha256": digest.hexdigest()})
    return files


def record_value(
    ws: Workspace,
    ref: str | int,
    mission_id: str,
    code: str,
    *,
    year: int,
    value: object,
    note: str | None = None,
    evidence: Iterable[str | Path] = (),
    expected_version: int | None = None,
) -> IndicatorView:
    """Record the value achieved in a contract year, with its evidence; audited."""
    m = mission(mission_id)
    number = parse_decimal(value, "Valeur atteinte", "850")
    if number < 0:
        raise BadInput(f"Valeur « {value} » invalide : un indicateur ne peut pas être négatif.")
    note = clean_text(note, "La note justificative")
    files = _evidence(evidence)
    with ws.changing(ref, "contract", expected_version) as (session, project):
        contract = contract_row(session, project)
        check_year(year, contract.years)
        if session.get(ContractIndicator, (project.id, m.id, code.strip())) is None:
            raise NotFound(
                f"Indicateur « {m.id}/{code} » inconnu dans ce contrat.",
                "Définissez-le d'abord : libellé, cible et règle.",
            )
        row = session.get(IndicatorValue, (project.id, m.id, code.strip(), year))
        if row is None:
            row = IndicatorValue(project_id=project.id, mission=m.id, code=code.strip(), year=year)
            session.add(row)
        elif files and row.evidence:  # new files add to those already given
            known = {f["sha256"] for f in row.evidence.get("files", [])}
            files = [*row.evidence["files"], *(f for f in files if f["sha256"] not in known)]
        elif row.evidence:
            files = row.evidence.get("files", [])
        row.value = decimal_text(number)
        row.note = note if note is not None else row.note
        row.evidence = {"files": files}
        row.entered_by, row.entered_at = ws.actor, ws.now()
        session.flush()
        ws.record_event(
            session,
            project,
            "indicator_recorded",
            comment=f"{m.id}/{code}, année {year} : {row.value}",
            payload={
                "mission": m.id,
                "code": code,
                "year": year,
                "value": row.value,
                "evidence": [f["name"] for f in files],
            },
        )
        return next(v for v in indicator_views(session, project) if v.code == code and v.mission == m.id)


def parse_indicator_ref(text: str) -> tuple[str, str]:
    """`acces/patients_sans_mt` → (`acces`, `patients_sans_mt`)."""
    if "/" not in text:
        raise BadInput(
            f"Indicateur « {text} » : écrivez MISSION/CODE.", "Exemple : acces/patients_sans_mt."
        )
    mission_id, code = text.split("/", 1)
    return mission(mission_id).id, code.strip()


def format_value(text: str, unit: str) -> str:
    """`1200.5`, `patients` → `1 200,5 patients`."""
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return f"{french.number(float(number), decimals)} {unit}".strip()

