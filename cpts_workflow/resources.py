"""Where the shipped workflows, templates and reference data are.

In a checkout the top-level `workflows/` and `templates/` folders are mapped by setuptools
into the packages `cpts_workflow.workflows` and `cpts_workflow.templates`; installed, they
live inside the package. `importlib.resources` finds both.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_dir(package: str) -> Path:
    return Path(str(files(package)))


def workflows_dir() -> Path:
    """Folder of the shipped workflow definitions (YAML)."""
    return _package_dir("cpts_workflow.workflows")


def templates_dir() -> Path:
    """Folder of the shipped document templates, one sub-folder per document."""
    return _package_dir("cpts_workflow.templates")


def data_dir() -> Path:
    """Folder of the shipped reference data (communes, departments, ACI grids)."""
    return Path(__file__).parent / "data"
