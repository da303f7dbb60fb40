"""Adapters to features built on other branches (territory, reports, documents).

Each adapter returns a callable doing the work a user asks for, or raises `Unplugged`
with the reason, shown as a « non mesuré » row. When a feature lands, only its adapter
here needs to follow the feature's real API; the measurement and its baseline stay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


class Unplugged(Exception):
    """The feature cannot be measured in this checkout (absent, or API not plugged)."""


ABSENT = "non mesuré : fonctionnalité absente"


def _first(obj: Any, names: tuple[str, ...]) -> Callable[..., Any] | None:
    return next((getattr(obj, n) for n in names if callable(getattr(obj, n, None))), None)


def territory_pass(ws) -> Callable[[], Any]:
    """Overlaps and white zones of the whole of France."""
    try:
        import cpts_workflow.territory as territory
    except ImportError:
        raise Unplugged(f"{ABSENT} (cpts_workflow.territory)") from None
    overlaps = _first(ws, ("overlaps",)) or _first(territory, ("overlaps", "find_overlaps"))
    gaps = _first(ws, ("white_zones", "gaps")) or _first(territory, ("white_zones", "gaps"))
    if overlaps is None or gaps is None:
        raise Unplugged("non mesuré : API territoire à brancher dans benchmarks/features.py")
    takes_ws = getattr(overlaps, "__self__", None) is not ws

    def run() -> tuple[Any, Any]:
        return (overlaps(ws), gaps(ws)) if takes_ws else (overlaps(), gaps())

    return run


def portfolio_report(ws) -> Callable[[], Any]:
    """The figures of the national portfolio report."""
    try:
        import cpts_workflow.reports as reports
    except ImportError:
        raise Unplugged(f"{ABSENT} (cpts_workflow.reports)") from None
    method = _first(ws, ("portfolio_report", "report", "portfolio"))
    if method is not None:
        return method
    function = _first(reports, ("portfolio_report", "portfolio", "build_report", "report"))
    if function is None:
        raise Unplugged("non mesuré : API rapports à brancher dans benchmarks/features.py")
    return lambda: function(ws)


def all_documents(ws, slug: str, out: Path) -> Callable[[], Any]:
    """Every document of one project, as DOCX."""
    try:
        import cpts_workflow.documents as documents
    except ImportError:
        raise Unplugged(f"{ABSENT} (cpts_workflow.documents)") from None
    method = _first(ws, ("generate_all_documents", "generate_documents"))
    if method is not None:
        return lambda: method(slug, fmt="docx", out=out)
    function = _first(documents, ("generate_all", "generate_documents"))
    if function is None:
        raise Unplugged("non mesuré : API documents à brancher dans benchmarks/features.py")
    return lambda: function(ws, slug, fmt="docx", out=out)
