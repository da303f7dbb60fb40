"""The library's import graph: no cycles, no private name borrowed across modules.

Every module of `cpts_workflow` is parsed (not imported): imports inside functions count,
since a lazy import only hides a cycle until the day it runs first; imports under
`if TYPE_CHECKING:` do not, since they never run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import cpts_workflow

PACKAGE = Path(cpts_workflow.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "migrations" in parts:  # Alembic scripts, run by Alembic only
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements that may run: anywhere, except under `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def _resolve(module: str, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every target of one statement."""
    is_package = MODULES[module].name == "__init__.py"
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    targets = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        targets.append((submodule, None) if submodule in MODULES else (source, alias.name))
    return targets


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _runtime_imports(tree):
            for target, _ in _resolve(name, node):
                # `import a.b.c` runs `a.b.c`; the nearest module we know stands for it.
                while target and target not in MODULES and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in MODULES and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the list of modules walked round it, or None."""
    colour: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in colour and (cycle := visit(nxt)):
                return cycle
        path.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if start not in colour and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_imports_inside_functions_but_not_type_checking_ones() -> None:
    graph = import_graph()
    # cli-free library: the graph is walked on what is really there.
    assert "cpts_workflow.workflow.definition" in graph["cpts_workflow.workflow.engine"]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import hidden\n"
        "def f():\n    import inside\n"
    )
    names = [a.name for node in _runtime_imports(tree) for a in node.names]
    assert names == ["TYPE_CHECKING", "inside"]


def test_no_import_cycle_in_the_library() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


# Private names still shared, each with the module meant to replace it.
STILL_SHARED: set[str] = set()


def test_no_private_name_is_imported_from_another_module() -> None:
    borrowed = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            for source, taken in _resolve(name, node):
                if (taken and taken.startswith("_") and not taken.startswith("__")
                        and source != name and taken not in STILL_SHARED):
                    borrowed.append(f"{name} imports {taken} from {source}")
    assert not borrowed, "\n".join(borrowed)


# `cpts list`, `« cpts export »`, `--force`: what only the command line knows. pip's own
# option is fine: it is not ours.
CLI_WORDS = re.compile(r"\bcpts [a-z]|(?<![\w-])--(?!upgrade\b)[a-z]")


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every text of a module that may reach a user: its strings, f-strings included, but
    not docstrings, nor a lone `--flag` (an argument for pandoc or Chromium)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and ast.get_docstring(node, clean=False) is not None
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings and not re.fullmatch(r"--[a-z][\w=:-]*", node.value)
    ]


def test_library_errors_name_no_command_nor_option_of_the_cli() -> None:
    named = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}"
        for path in MODULES.values()
        for line, text in _texts(ast.parse(path.read_text(encoding="utf-8")))
        if CLI_WORDS.search(text)
    ]
    assert not named, "\n".join(named)
    assert CLI_WORDS.search("Ajoutez --force.") and CLI_WORDS.search("« cpts list » affiche")
    assert not CLI_WORDS.search("pip install --upgrade cpts-workflow")


def _assignments(attribute: str) -> list[str]:
    """`module:function` of every assignment to `<something>.<attribute>` in the library."""
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in targets:
                    for t in ast.walk(target):
                        if isinstance(t, ast.Attribute) and t.attr == attribute:
                            found.append(f"{name}:{func.name}")
    return sorted(set(found))


def test_one_way_to_change_a_stage_and_one_checklist_writer() -> None:
    # Through the engine; a migration maps a stage to its id in the new version.
    assert _assignments("stage") == ["cpts_workflow.migration:_apply",
                                     "cpts_workflow.workspace:move_stage"]
    assert _assignments("status") == []  # checklist states: `checklist.write_item` only
    writers = [
        name for name, path in MODULES.items()
        if "ChecklistState(" in path.read_text(encoding="utf-8")
        and name not in ("cpts_workflow.checklist", "cpts_workflow.store.models")
    ]
    assert writers == []
