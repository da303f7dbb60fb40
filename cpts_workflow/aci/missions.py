"""The ACI missions: the one table every feature reads (calendar, grids, simulator, documents).

Four socle missions (accès aux soins, parcours, prévention, crises sanitaires graves) and
two complementary ones (qualité et pertinence, accompagnement des professionnels); start
and deployment delays after signature from the domain reference (§3).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import BadInput


@dataclass(frozen=True)
class Mission:
    id: str
    label: str
    core: bool
    start_months: int | None  # None: the CPTS sets its own calendar
    deploy_months: int | None


MISSIONS: tuple[Mission, ...] = (
    Mission("acces", "Accès aux soins", True, 6, 18),
    Mission("parcours", "Parcours pluriprofessionnels autour du patient", True, 12, 24),
    Mission("prevention", "Actions coordonnées de prévention", True, 12, 24),
    Mission("crise", "Réponse aux crises sanitaires graves", True, 6, 18),
    Mission("qualite", "Qualité et pertinence des soins", False, None, None),
    Mission(
        "accompagnement",
        "Accompagnement des professionnels de santé du territoire",
        False,
        None,
        None,
    ),
)
MISSIONS_BY_ID = {m.id: m for m in MISSIONS}
CORE_MISSIONS = tuple(m.id for m in MISSIONS if m.core)


def mission(mission_id: str) -> Mission:
    """A mission by id, or `BadInput` naming the known ones."""
    key = mission_id.strip().lower()
    if key not in MISSIONS_BY_ID:
        close = difflib.get_close_matches(key, list(MISSIONS_BY_ID), n=1)
        hint = f"Vouliez-vous dire « {close[0]} » ? " if close else ""
        raise BadInput(
            f"Mission « {mission_id} » inconnue.", f"{hint}Missions : {', '.join(MISSIONS_BY_ID)}."
        )
    return MISSIONS_BY_ID[key]


def parse_missions(text: str | Iterable[str]) -> list[str]:
    """`acces,parcours` (or a list) → known mission ids, in the contract's order."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    wanted = {mission(p).id for p in parts if p.strip()}
    return [m.id for m in MISSIONS if m.id in wanted]
