"""What every command shares: the global options and a lazily opened workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from cpts_workflow.workspace import Workspace


@dataclass
class AppContext:
    db_url: str | None = None
    actor: str | None = None
    debug: bool = False
    workflow_files: list[Path] = field(default_factory=list)
    _workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """Opened on first use, so that `--help` never imports SQLAlchemy."""
        if self._workspace is None:
            from cpts_workflow.workspace import Workspace

            self._workspace = Workspace(
                self.db_url, actor=self.actor, workflow_files=self.workflow_files or None
            )
        return self._workspace


pass_app = click.make_pass_decorator(AppContext, ensure=True)
