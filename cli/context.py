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
    as_login: str | None = None
    debug: bool = False
    workflow_files: list[Path] = field(default_factory=list)
    _workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """Opened on first use, so that `--help` never imports SQLAlchemy."""
        if self._workspace is None:
            from cpts_workflow.workspace import Workspace

            ws = Workspace(self.db_url, actor=self.actor, workflow_files=self.workflow_files or None)
            if self.as_login:
                # Acting as an account narrows the operator's rights to that account's; no
                # password: whoever runs the command already holds the base's credentials.
                from cpts_workflow.accounts import account_for

                account = account_for(ws.shared, self.as_login)
                ws = Workspace(account=account, shared=ws.shared, now=ws.now)
            self._workspace = ws
        return self._workspace


pass_app = click.make_pass_decorator(AppContext, ensure=True)
