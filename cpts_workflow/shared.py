"""What every workspace of one base shares, built once per process and thread-safe.

The database (engine and connection pool), the workflow catalogue and the labels of the
stages. `App` adds accounts and sessions on top; a `Workspace` made alone gets its own.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import Clock, system_now
from .snapshots import Snapshots
from .store.database import Database
from .workflow.catalog import WorkflowCatalog

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .territory.reference import Reference


class Shared:
    """One base's engine, its workflow catalogue, and caches derived from them."""

    def __init__(
        self,
        url: str | None = None,
        *,
        workflow_files: list[Path] | None = None,
        now: Clock = system_now,
    ) -> None:
        self.db = Database(url)
        self.now = now
        self.workflow_files = workflow_files
        self._catalog: WorkflowCatalog | None = None
        self._lock = threading.Lock()
        # (workflow id, version) → state id → (label, status); filled once per definition.
        self.stage_facts: dict[tuple[str, int], dict[str, tuple[str, str]]] = {}
        # National reports kept until the base changes (a server opens them again and again).
        self.snapshots = Snapshots()

    @property
    def catalog(self) -> WorkflowCatalog:
        """The workflow catalogue, read on first use (once, whichever thread asks)."""
        if self._catalog is None:
            with self._lock:
                if self._catalog is None:
                    self._catalog = WorkflowCatalog(self.workflow_files)
        return self._catalog

    def reference(self, session: Session) -> Reference:
        """The base's communes reference (its newest imported vintage, else the shipped one)."""
        from .territory.reference import reference_for

        return reference_for(session)

    def init(self) -> str:
        """Create or upgrade the base (PostgreSQL included); return its schema revision."""
        self.db.ensure_schema(upgrade=True)
        return self.db.current_revision() or ""

    def dispose(self) -> None:
        self.db.dispose()
