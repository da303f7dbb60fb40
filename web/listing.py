"""The portfolio table's query: filters the library does not take, search, sort, pages.

Search ignores case and accents (« eyguieres » finds « Eyguières ») over the name, the
slug and the officer. Sorting is by a known column only; anything else is ignored.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cpts_workflow.reports.views import PortfolioRow


@lru_cache(maxsize=16_384)  # project names and officers repeat from one page to the next
def fold(text: str) -> str:
    """Lower case without accents, for comparing what people type."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


SORTS: dict[str, tuple[str, Callable[[PortfolioRow], Any]]] = {
    "nom": ("Projet", lambda r: fold(r.name)),
    "etape": ("Étape", lambda r: (r.position_label, r.status)),
    "jours": ("Jours", lambda r: r.days_in_stage),
    "checklist": ("Checklist", lambda r: r.checklist_done / r.checklist_total if r.checklist_total else 0),
    "activite": ("Activité", lambda r: r.last_event_at.timestamp() if r.last_event_at else 0),
    "officer": ("Chargé·e", lambda r: fold(r.officer or "~")),
    "population": ("Population", lambda r: r.population or 0),
}
STATUSES = {"active": "en cours", "paused": "en pause", "abandoned": "abandonné",
            "stalled": "bloqué", "overlap": "chevauchement"}


@dataclass(frozen=True)
class Query:
    officer: str | None = None
    stage: str | None = None
    department: str | None = None
    status: str | None = None
    q: str | None = None
    mine: bool = False
    sort: str = "nom"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        def get(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value[:200] or None

        sort = get("tri") or "nom"
        page = get("page") or "1"
        status = get("statut")
        return cls(
            officer=get("officer"), stage=get("etape"), department=get("dep"),
            status=status if status in STATUSES else None, q=get("q"), mine=get("mes") == "1",
            sort=sort if sort in SORTS else "nom", descending=get("ordre") == "desc",
            page=max(1, int(page)) if page.isdigit() and len(page) < 7 else 1,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """This query as URL parameters (with `changes`), for links that keep the filters."""
        values = {**self.__dict__, **changes}
        out = {"officer": values["officer"], "etape": values["stage"], "dep": values["department"],
               "statut": values["status"], "q": values["q"], "mes": "1" if values["mine"] else None,
               "tri": None if values["sort"] == "nom" else values["sort"],
               "ordre": "desc" if values["descending"] else None,
               "page": str(values["page"]) if values["page"] > 1 else None}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Listing:
    rows: list[PortfolioRow]
    total: int
    page: int
    pages: int


def select_rows(rows: list[PortfolioRow], query: Query, page_size: int, me: str | None = None) -> Listing:
    """The rows of one page after the status, search and « mes projets » filters and the sort."""
    kept = rows
    if query.status in ("active", "paused", "abandoned"):
        kept = [r for r in kept if r.status == query.status]
    elif query.status:
        kept = [r for r in kept if query.status in r.flags]
    if query.mine and me:
        kept = [r for r in kept if r.officer and fold(r.officer) == fold(me)]
    if query.q:
        words = fold(query.q).split()
        kept = [r for r in kept
                if all(w in fold(f"{r.name} {r.slug} {r.officer or ''}") for w in words)]
    key = SORTS[query.sort][1]
    kept = sorted(kept, key=key, reverse=query.descending)
    pages = max(1, math.ceil(len(kept) / page_size))
    page = min(query.page, pages)
    return Listing(kept[(page - 1) * page_size: page * page_size], len(kept), page, pages)
