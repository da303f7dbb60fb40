"""The console examples of README.md and docs/*.md, run and compared (or regenerated).

A console example is a fenced block holding lines `$ cpts …` (a trailing `\\` continues
a command); the lines up to the next `$` are its expected output. The blocks of a file run
in order, in one fresh folder with a fresh base and a fixed clock (22/11/2026 09:30 UTC),
as a reader would type them. HTML comments steer a file:

    <!-- docs-check: demo -->            the file starts from the demonstration base
    <!-- docs-check: setup               commands run silently at this point
    cpts new "CPTS du Pays d'Aix"
    -->
    <!-- docs-check: file NAME           a file the examples read (until the closing -->)
    …
    -->
    <!-- docs-check: skip REASON -->     the next block is not run (why is said)
    <!-- docs-check: env VAR=VALUE -->   an environment variable from here on
    <!-- docs-check: copy PATH -->       a file of the repository (examples/…) copied in

Comparison ignores runs of spaces and blank lines; a line `…` in the expected output
stands for any number of lines, and `…` inside a line for any text. Paths of the run's
folder read `/tmp/demo`, and the base's URL the one a new user sees.

Regenerate the outputs after a change of the program:

    python -m tests.docs_examples --regenerate [docs/territory.md …]

(an output that still matches, elisions included, is kept as written).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-22T09:30:00+00:00"
SHOWN_URL = "sqlite:////home/claire/.local/share/cpts-workflow/cpts.db"
SHOWN_DIR = "/tmp/demo"
PASSWORD = "un mot de passe sûr 2026"
_FENCE = re.compile(r"^```")
_DIRECTIVE = re.compile(r"^<!-- docs-check: (\w+)\s*(.*?)\s*(-->)?$")


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Command:
    line: int  # 1-based line of the `$` in the file
    argv: list[str]
    text: str  # as written, for messages
    expected: list[str]  # output lines as written
    end: int  # line index (0-based) after the last output line


@dataclass
class Step:
    kind: str  # block | setup | file | env | demo
    line: int
    commands: list[Command] = field(default_factory=list)
    body: str = ""
    arg: str = ""
    skip: str | None = None


def parse(path: Path) -> list[Step]:
    lines = path.read_text(encoding="utf-8").split("\n")
    steps: list[Step] = []
    skip: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        if directive:
            kind, arg, closed = directive.groups()
            body: list[str] = []
            if not closed:
                i += 1
                while lines[i].strip() != "-->":
                    body.append(lines[i])
                    i += 1
            if kind == "skip":
                skip = arg or "sans raison"
            else:
                steps.append(Step(kind, i + 1, body="\n".join(body), arg=arg))
            i += 1
            continue
        if _FENCE.match(line):
            start = i
            i += 1
            block: list[tuple[int, str]] = []
            while i < len(lines) and not _FENCE.match(lines[i]):
                block.append((i, lines[i]))
                i += 1
            i += 1
            if any(text.startswith("$ cpts") for _, text in block):
                steps.append(Step("block", start + 1, commands=_commands(block), skip=skip))
            skip = None
            continue
        i += 1
    return steps


def _commands(block: list[tuple[int, str]]) -> list[Command]:
    out: list[Command] = []
    j = 0
    while j < len(block):
        index, text = block[j]
        if not text.startswith("$ "):
            j += 1
            continue
        command = text[2:]
        while command.rstrip().endswith("\\") and j + 1 < len(block):
            j += 1
            command = command.rstrip()[:-1] + " " + block[j][1].strip()
        j += 1
        expected: list[str] = []
        while j < len(block) and not block[j][1].startswith("$ "):
            expected.append(block[j][1])
            j += 1
        end = block[j - 1][0] + 1
        command = command.split("  #")[0].strip()  # a trailing comment is for the reader
        out.append(Command(index + 1, shlex.split(command), command, expected, end))
    return out


# --- running ---------------------------------------------------------------------------------


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cpts(argv: list[str], stdin: str | None = None) -> str:
    from click.testing import CliRunner
    from cpts_cli.main import main

    if "<" in argv:  # `--password-stdin < fichier`
        at = argv.index("<")
        stdin = Path(argv[at + 1]).read_text(encoding="utf-8")
        argv = argv[:at] + argv[at + 2:]
    runner = CliRunner()
    with runner.isolation(input=stdin if stdin is not None else f"{PASSWORD}\n{PASSWORD}\n") as (out, err, *_):
        with suppress(SystemExit):
            main(argv[1:])
        return out.getvalue().decode() + err.getvalue().decode()


def _shown(text: str, folder: Path, url: str) -> str:
    return text.replace(url, SHOWN_URL).replace(str(folder), SHOWN_DIR)


def normalise(line: str) -> str:
    return " ".join(line.split())


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whitespace-normalised lines; `…` alone: any lines; `…` in a line: any text."""
    want = [normalise(e) for e in expected if e.strip()]
    got = [normalise(a) for a in actual if a.strip()]

    def line_ok(pattern: str, text: str) -> bool:
        if "…" not in pattern:
            return pattern == text
        parts = [re.escape(p) for p in pattern.split("…")]
        return re.fullmatch(".*".join(parts), text, re.S) is not None

    def walk(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == "…":
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and line_ok(want[i], got[j]) and walk(i + 1, j + 1)

    return walk(0, 0)


@dataclass
class Outcome:
    command: Command
    actual: list[str]
    ok: bool


def run_file(path: Path, folder: Path, demo_base: Path | None = None) -> tuple[list[Outcome], list[str]]:
    """Every command of `path` run in `folder`; the outcomes and the skipped blocks."""
    steps = parse(path)
    db = folder / "cpts.db"
    url = f"sqlite:///{db}"
    env = {"CPTS_DATABASE_URL": url, "CPTS_NOW": NOW, "CPTS_ACTOR": "Claire Martin",
           "CPTS_CACHE_DIR": str(folder / ".cache"), "COLUMNS": "200"}
    saved = {k: os.environ.get(k) for k in [*env, "CPTS_WORKFLOW_DIR"]}
    os.environ.update(env)
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    try:
        with _cwd(folder):
            for step in steps:
                if step.kind == "demo":
                    if demo_base is None:
                        raise RuntimeError("demo base needed")
                    shutil.copy(demo_base, db)
                elif step.kind == "env":
                    name, _, value = step.arg.partition("=")
                    os.environ[name] = value.replace(SHOWN_DIR, str(folder))
                elif step.kind == "copy":
                    shutil.copy(ROOT / step.arg, folder / Path(step.arg).name)
                elif step.kind == "file":
                    target = folder / step.arg
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(step.body + "\n", encoding="utf-8")
                elif step.kind == "setup":
                    for command in step.body.splitlines():
                        if command.strip():
                            run_cpts(shlex.split(command))
                elif step.skip:
                    skipped.append(f"{path.name}:{step.line} ({step.skip})")
                else:
                    for command in step.commands:
                        if command.argv[:1] == ["export"]:
                            name, _, value = command.argv[1].partition("=")
                            os.environ[name] = value.replace(SHOWN_DIR, str(folder))
                            continue
                        if command.argv[:1] != ["cpts"]:
                            continue  # `ls -l …`: shown for the reader, not the program's output
                        text = _shown(run_cpts(command.argv), folder, url)
                        actual = text.rstrip("\n").split("\n") if text.strip() else []
                        outcomes.append(Outcome(command, actual, matches(command.expected, actual)))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return outcomes, skipped


def build_demo(folder: Path) -> Path:
    from cpts_workflow.clock import system_now  # noqa: F401 - CPTS_NOW fixes it
    from cpts_workflow.demo import build_demo as build

    path = folder / "demo.db"
    saved = os.environ.get("CPTS_NOW")
    os.environ["CPTS_NOW"] = NOW
    try:
        build(f"sqlite:///{path}")
    finally:
        if saved is None:
            os.environ.pop("CPTS_NOW", None)
        else:
            os.environ["CPTS_NOW"] = saved
    return path


def regenerate(path: Path, outcomes: list[Outcome]) -> int:
    """Rewrite the outputs that no longer match; return how many."""
    lines = path.read_text(encoding="utf-8").split("\n")
    changed = 0
    for outcome in sorted(outcomes, key=lambda o: -o.command.line):
        if outcome.ok:
            continue
        start = outcome.command.line  # index of the line after the `$` line(s)
        while lines[start - 1].rstrip().endswith("\\"):
            start += 1
        lines[start:outcome.command.end] = outcome.actual
        changed += 1
    path.write_text("\n".join(lines), encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    import tempfile

    regen = "--regenerate" in argv
    files = [ROOT / a for a in argv if not a.startswith("-")] or doc_files()
    with tempfile.TemporaryDirectory() as tmp:
        demo = None
        if any(s.kind == "demo" for f in files for s in parse(f)):
            demo = build_demo(Path(tmp))
        failures = 0
        for path in files:
            folder = Path(tmp) / path.stem
            folder.mkdir()
            outcomes, _ = run_file(path, folder.resolve(), demo)
            bad = [o for o in outcomes if not o.ok]
            failures += len(bad)
            for o in bad:
                print(f"{path.relative_to(ROOT)}:{o.command.line}: $ {o.command.text}")
                if "-v" in argv:
                    print("    " + "\n    ".join(o.actual))
            if regen and bad:
                print(f"  {regenerate(path, outcomes)} sortie(s) réécrite(s) dans {path.relative_to(ROOT)}")
    return 0 if regen or not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
