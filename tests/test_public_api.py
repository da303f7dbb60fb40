"""The public API of `cpts_workflow` is pinned: what `__all__` names, and a cheap import."""

from __future__ import annotations

import subprocess
import sys

import cpts_workflow

PUBLIC = [
    "__version__", "Workspace", "Documents", "Page", "write_item",
    "CptsError", "BadInput", "NotFound", "Refused", "Conflict", "DefinitionError", "DatabaseError",
    "View", "ProjectSummary", "ProjectDetail", "ProjectOverview", "ItemView", "StageProgress",
    "EventView",
]


def test_all_is_pinned_and_every_name_resolves() -> None:
    # Adding a name is a decision: add it here and in docs/bibliotheque.md.
    assert sorted(cpts_workflow.__all__) == sorted(PUBLIC)
    assert set(cpts_workflow.__all__) == {"__version__", *cpts_workflow._LAZY}
    for name in cpts_workflow.__all__:
        assert getattr(cpts_workflow, name) is not None
    from cpts_workflow.workspace import Workspace

    assert cpts_workflow.Workspace is Workspace


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, cpts_workflow\n"
        "heavy = [m for m in ('sqlalchemy', 'pydantic', 'jinja2', 'yaml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
