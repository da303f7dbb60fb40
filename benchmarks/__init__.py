"""Benchmarks of cpts-workflow at national scale (`python -m benchmarks`, see README.md).

Importing the package points `cpts_cli`, `cpts_workflow` and its mapped `workflows` and
`templates` at this checkout (`checkout.install`), so that a worktree sharing another
checkout's venv measures its own code.
"""

from .checkout import install

IMPORTED_ELSEWHERE = install()
