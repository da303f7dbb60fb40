"""Results computed from the whole base, kept per process until the base changes.

A national report takes a few hundred milliseconds; a team opens the portfolio many times
between two changes. Every change to a project writes its event in the same transaction
(the audit), so the newest event, with the number of projects (a deletion takes its events
along), the newest reference vintage, the newest account event (officers, porteurs) and
the newest event of the base's journal (reference data) say whether anything a report
reads has changed: one cheap query instead of the report. The account's view of the base
and the day (days in stage, late items) are part of the key, so nobody ever sees what
their role does not show or yesterday's delays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from .permissions import visible_ids

if TYPE_CHECKING:
    from .workspace import Workspace

T = TypeVar("T")

# Enough for the filters a team uses in a day; each entry is one report (≈ 1 MB nationally).
DEFAULT_SIZE = 24
_STAMP_SQL = (
    "SELECT (SELECT max(id) FROM events), (SELECT count(*) FROM projects), "
    "(SELECT max(id) FROM reference_vintages), (SELECT count(*) FROM reference_vintages), "
    "(SELECT max(id) FROM account_events), (SELECT max(id) FROM base_events)"
)


def base_stamp(ws: Workspace) -> tuple[Any, ...]:
    """What changes whenever a report of the base could: see the module's docstring."""
    from sqlalchemy import text

    with ws.session(read_only=True) as session:
        return tuple(session.execute(text(_STAMP_SQL)).one())


class Snapshots:
    """A small least-recently-used store of results, keyed by the base's stamp.

    One thread computes a missing result while the others asking for it wait: after a
    change, a team's twenty open pages cost one report, not twenty at once.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, ws: Workspace, name: str, args: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or the result it gave for the same base, account view, day and args.

        `compute` must not ask this store for the same key (it would wait for itself).
        """
        account = ws.account
        view = (account.role if account else None, visible_ids(account))  # same rights, same view
        key = (name, args, base_stamp(ws), ws.now().date(), view)
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = threading.Event()
                    break
            pending.wait()  # then found, or that computation failed and this thread tries
        try:
            result = compute()
            with self._lock:
                self._items[key] = result
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return result
        finally:
            with self._lock:
                del self._pending[key]
            pending.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
