"""cpts-workflow: guide the creation of a CPTS step by step.

The library never imports click and never prints: the `cpts` command (package
`cpts_cli`) is one client of it, a notebook or a web app can be another.

    from cpts_workflow import Workspace
    ws = Workspace("sqlite:///cpts.db", actor="Claire Martin")
    project = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["Workspace", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package must stay cheap (the CLI imports it for `--help`).
    if name == "Workspace":
        from .workspace import Workspace

        return Workspace
    raise AttributeError(name)
