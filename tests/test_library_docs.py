"""docs/bibliotheque.md stays true: its ```python examples run, in order, on a new base."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parent.parent / "docs" / "bibliotheque.md"


def test_the_examples_of_the_library_page_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CPTS_NOW", "2026-11-22T09:30:00+00:00")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    namespace["ws"].db.dispose()


def test_every_public_name_is_on_the_page() -> None:
    import cpts_workflow

    text = DOC.read_text(encoding="utf-8")
    missing = [n for n in cpts_workflow.__all__ if n != "__version__" and f"`{n}`" not in text]
    assert not missing
