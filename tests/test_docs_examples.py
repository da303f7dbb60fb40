"""Docs stay true: every console example of README.md and docs/*.md is run and compared.

See `tests/docs_examples.py` for the format, the directives and how to regenerate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs_examples import ROOT, build_demo, doc_files, parse, run_file


@pytest.fixture(scope="module")
def demo_base(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.mark.slow
@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_console_examples_are_true(path: Path, tmp_path, demo_base) -> None:
    outcomes, skipped = run_file(path, tmp_path.resolve(), demo_base)
    bad = [o for o in outcomes if not o.ok]
    report = "\n\n".join(
        f"{path.relative_to(ROOT)}:{o.command.line}: $ {o.command.text}\n"
        + "attendu :\n  " + "\n  ".join(o.command.expected)
        + "\nobtenu :\n  " + "\n  ".join(o.actual)
        for o in bad
    )
    assert not bad, (
        f"{len(bad)} exemple(s) périmé(s) :\n\n{report}\n\n"
        f"Régénérez-les : python -m tests.docs_examples --regenerate {path.relative_to(ROOT)}"
    )


def test_every_skipped_block_says_why() -> None:
    for path in doc_files():
        for step in parse(path):
            assert step.skip is None or step.skip != "sans raison", f"{path.name}:{step.line}"


def test_the_checker_sees_the_examples() -> None:
    commands = sum(len(s.commands) for p in doc_files() for s in parse(p) if s.kind == "block")
    assert commands >= 100
