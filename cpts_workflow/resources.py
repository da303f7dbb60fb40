"""Where the shipped workflows, templates and reference data are.

In a checkout the top-level `workflows/` and `templates/` folders are mapped by setuptools
into the packages `cpts_workflow.workflows` and `cpts_workflow.templates`; installed, they
live inside the package. `importlib.resources` finds both.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _package_dir(package: str) -> Path:
    # The package's folder from its import spec: `importlib.resources.files` gives the
    # same folder for a regular or editable install, but its import cost a visible part
    # of every command's start.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        from importlib.resources import files

        return Path(str(files(package)))
    return Path(next(iter(spec.submodule_search_locations)))


def workflows_dir() -> Path:
    """Folder of the shipped workflow definitions (YAML)."""
    return _package_dir("cpts_workflow.workflows")


def templates_dir() -> Path:
    """Folder of the shipped document templates, one sub-folder per document."""
    return _package_dir("cpts_workflow.templates")


def data_dir() -> Path:
    """Folder of the shipped reference data (communes, departments, ACI grids)."""
    return Path(__file__).parent / "data"
