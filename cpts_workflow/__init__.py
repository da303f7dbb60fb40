"""cpts-workflow: guide the creation of a CPTS step by step.

The library never imports click and never prints: the `cpts` command (package
`cpts_cli`) is one client of it, a notebook or a web app can be another.

    from cpts_workflow import Workspace
    ws = Workspace("sqlite:///cpts.db", actor="Claire Martin")
    project = ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")

The names of `__all__` are the public API (docs/bibliotheque.md); a test pins them.
They are loaded on first use: importing the package stays cheap (the CLI imports it
for `--help`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .checklist import write_item
    from .documents import Documents
    from .errors import (
        BadInput,
        Conflict,
        CptsError,
        DatabaseError,
        DefinitionError,
        NotFound,
        Refused,
    )
    from .paging import Page
    from .views import (
        EventView,
        ItemView,
        ProjectDetail,
        ProjectOverview,
        ProjectSummary,
        StageProgress,
        View,
    )
    from .workspace import Workspace

# Public name -> the module that defines it.
_LAZY = {
    "Workspace": "workspace",
    "Documents": "documents",
    "Page": "paging",
    "write_item": "checklist",
    **dict.fromkeys(["CptsError", "BadInput", "NotFound", "Refused", "Conflict",
                     "DefinitionError", "DatabaseError"], "errors"),
    **dict.fromkeys(["View", "ProjectSummary", "ProjectDetail", "ProjectOverview", "ItemView",
                     "StageProgress", "EventView"], "views"),
}

__all__ = [
    "__version__", "Workspace", "Documents", "Page", "write_item",
    "CptsError", "BadInput", "NotFound", "Refused", "Conflict", "DefinitionError", "DatabaseError",
    "View", "ProjectSummary", "ProjectDetail", "ProjectOverview", "ItemView", "StageProgress",
    "EventView",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cpts_workflow' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
