"""Run the code of the checkout holding `benchmarks/`, whatever venv runs the suite.

setuptools maps the top-level folders `cli/`, `workflows/` and `templates/` into the
packages `cpts_cli`, `cpts_workflow.workflows` and `cpts_workflow.templates`. An editable
install records that mapping for the checkout it was installed from: a second worktree
using the same venv would measure the first one's CLI, workflows and templates (and, without
`PYTHONPATH`, its library too). `install()` puts a finder mapping them to this checkout in
front of every other one.

Also a script: `python -P benchmarks/checkout.py ARGS…` is `cpts ARGS…` of this checkout
(`-P`: the script's folder is not put on `sys.path`). It imports nothing but what the
interpreter has already loaded at start, so that it costs what the `cpts` script costs.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = {
    "cpts_cli": "cli",
    "cpts_workflow": "cpts_workflow",
    "cpts_workflow.workflows": "workflows",
    "cpts_workflow.templates": "templates",
}


class CheckoutFinder:
    """Finds the four mapped packages in this checkout (their submodules follow `__path__`)."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        folder = PACKAGES.get(fullname)
        if folder is None:
            return None
        from importlib.util import spec_from_file_location

        location = os.path.join(ROOT, folder)
        return spec_from_file_location(fullname, os.path.join(location, "__init__.py"),
                                       submodule_search_locations=[location])


def install() -> list[str]:
    """Put the finder first; return the mapped modules already imported from elsewhere."""
    if not any(f is CheckoutFinder for f in sys.meta_path):
        sys.meta_path.insert(0, CheckoutFinder)
    wrong = []
    for name, folder in PACKAGES.items():
        module = sys.modules.get(name)
        paths = list(getattr(module, "__path__", None) or [])
        if module is not None and os.path.join(ROOT, folder) not in paths:
            wrong.append(f"{name} ({paths[0] if paths else '?'})")
    return wrong


def installed_from_here() -> bool:
    """Whether the venv's `cpts` already runs this checkout (editable install of ROOT)."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution
    from urllib.parse import unquote, urlparse

    try:
        text = distribution("cpts-workflow").read_text("direct_url.json")
    except PackageNotFoundError:
        return False
    if not text:
        return False
    info = json.loads(text)
    if not info.get("dir_info", {}).get("editable"):
        return False
    source = unquote(urlparse(info.get("url", "")).path)
    return os.path.realpath(source) == os.path.realpath(ROOT)


if __name__ == "__main__":
    install()
    from cpts_cli.main import main

    sys.argv[0] = "cpts"
    sys.exit(main())
