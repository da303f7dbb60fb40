"""The same change on several projects at once, all or nothing.

One transaction for the whole batch: the first project that refuses (unknown, forbidden,
abandoned, an item it does not have…) stops it, its error names that project, and nothing
of the batch is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from . import french
from .errors import BadInput, CptsError
from .views import View

if TYPE_CHECKING:
    from .views import ItemView
    from .workspace import Workspace

MAX_BATCH = 1000


@dataclass(frozen=True)
class BatchSummary(View):
    action: str
    projects: list[str]  # slugs, in the order given
    changed: int  # projects actually changed (one already in that state is not)


def _refs(refs: Sequence[str | int]) -> list[str | int]:
    unique = list(dict.fromkeys(str(r).strip() for r in refs if str(r).strip()))
    if not unique:
        raise BadInput("Aucun projet désigné.", "Donnez au moins un projet.")
    if len(unique) > MAX_BATCH:
        raise BadInput(f"Au plus {french.number(MAX_BATCH)} projets à la fois.")
    return list(unique)


@contextmanager
def _naming(ref: str | int) -> Iterator[None]:
    """Prefix a refusal with the project it concerns, and say nothing was written."""
    try:
        yield
    except CptsError as exc:
        if not exc.message.startswith(f"Projet « {ref} »"):
            exc.message = f"Projet « {ref} » : {exc.message}"
        exc.message += " Rien n'a été modifié."
        exc.args = (exc.message,)
        raise


def _item(ws: Workspace, ref: str | int, item_id: str) -> ItemView | None:
    return next((i for i in ws.checklist(ref, "all") if i.id == item_id), None)


def _run(ws: Workspace, action: str, refs: Sequence[str | int],
         change: Callable[[str | int], tuple[str, bool]]) -> BatchSummary:
    done: list[str] = []
    changed = 0
    with ws.atomic():
        for ref in _refs(refs):
            with _naming(ref):
                slug, did = change(ref)
            done.append(slug)
            changed += did
    return BatchSummary(action, done, changed)


def reassign(ws: Workspace, refs: Sequence[str | int], officer: str) -> BatchSummary:
    """Give every project of `refs` to `officer` (`""`: unassigned)."""
    def change(ref: str | int) -> tuple[str, bool]:
        before = ws.project(ref)
        after = ws.update_project(ref, officer=officer)
        return after.slug, after.officer != before.officer
    return _run(ws, "reassign", refs, change)


def set_due(ws: Workspace, refs: Sequence[str | int], item_id: str, due: date | str) -> BatchSummary:
    """The same due date on the same checklist item of every project."""
    when = french.parse_date(due)

    def change(ref: str | int) -> tuple[str, bool]:
        before = _item(ws, ref, item_id)
        ws.set_due(ref, item_id, when)
        return ws.project(ref).slug, before is None or before.due_date != when
    return _run(ws, "due", refs, change)


def check(ws: Workspace, refs: Sequence[str | int], item_id: str, *, note: str | None = None,
          value: str | None = None) -> BatchSummary:
    """Tick the same checklist item on every project."""
    def change(ref: str | int) -> tuple[str, bool]:
        before = _item(ws, ref, item_id)
        ws.check(ref, item_id, note=note, value=value)
        return ws.project(ref).slug, before is None or before.status != "done"
    return _run(ws, "check", refs, change)
