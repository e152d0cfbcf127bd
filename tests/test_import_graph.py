"""The package has no import cycle, counting every import.

A cycle makes the import order matter (a module sees a half-initialised one), hides which layer
depends on which, and is how a "registry imports its rules, the rules import the registry"
knot starts. Every module under ``policy_lint/`` is parsed with ``ast`` and every import is an
edge, wherever it is written:

* ``import a.b`` and ``from a import b`` (an edge to ``a.b`` when that is a module, else to ``a``),
  absolute or relative;
* imports inside functions (they run later, but they run);
* imports under ``if TYPE_CHECKING:`` too. They never execute, but a type-only edge still says
  "this module's meaning depends on that one", and counting them keeps a cycle from hiding behind
  an ``if``; the layering rule is the same for both;
* a string that is exactly a module's dotted name (``importlib.import_module("policy_lint.x")``,
  ``importlib.resources.files("policy_lint.reference.managed")``): an import by name is still an import.

Not counted: the implicit import of a parent package that every ``import a.b`` performs (a
package's ``__init__`` runs first; only an explicit import of ``a`` is an edge to it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "policy_lint"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports_of(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The package's modules that ``module`` imports, by the rules in this file's docstring."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)  # kept below only when it is exactly a module's name
    return (found & modules) - {module}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    paths = modules_of(root)
    names = set(paths)
    return {
        name: imports_of(
            ast.parse(path.read_text(encoding="utf-8"), str(path)), name, path.name == "__init__.py", names
        )
        for name, path in paths.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (first node repeated at the end), or None; iterative DFS, deterministic."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    for start in sorted(graph):
        if colour[start] != WHITE:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        colour[start] = GREY
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = BLACK
                stack.pop()
            elif colour.get(child, BLACK) == GREY:
                path = [n for n, _ in stack]
                return [*path[path.index(child) :], child]
            elif colour.get(child) == WHITE:
                colour[child] = GREY
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph(PACKAGE))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _package(root: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` under ``root`` with these files (and an empty ``__init__.py`` unless given)."""
    for name, text in {"__init__.py": "", **files}.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


#: name -> (the package's files, the cycle the check must print)
CYCLES: dict[str, tuple[dict[str, str], str]] = {
    "function-level and type-only imports": (
        {"a.py": "def f():\n    from pkg import b\n", "b.py": "if TYPE_CHECKING:\n    from pkg.a import f\n"},
        "pkg.a pkg.b pkg.a",
    ),
    "relative import of a submodule, and import a.b": (
        {"sub/__init__.py": "", "sub/x.py": "from .. import y\n", "y.py": "import pkg.sub.x\n"},
        "pkg.sub.x pkg.y pkg.sub.x",
    ),
    "import by name": (
        {"loader.py": "importlib.import_module('pkg.reader')\n", "reader.py": "from pkg.loader import f\n"},
        "pkg.loader pkg.reader pkg.loader",
    ),
    "from a package import a name it defines": (
        {"__init__.py": "from pkg.util import helper\n", "util.py": "from pkg import VERSION\n"},
        "pkg pkg.util pkg",
    ),
}


@pytest.mark.parametrize("case", sorted(CYCLES))
def test_the_check_sees_every_kind_of_import(tmp_path: Path, case: str) -> None:
    files, cycle = CYCLES[case]
    assert find_cycle(import_graph(_package(tmp_path, files))) == cycle.split()


def test_the_check_accepts_layers_and_ignores_strings_that_are_not_module_names(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "low.py": "from importlib import resources\n"
            "NOTE = 'pkg.high is not imported here'\nDATA = resources.files('pkg')\n",
            "high.py": "from pkg import low\nfrom pkg.low import NOTE\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg.high"] == {"pkg.low"}
    assert graph["pkg.low"] == {"pkg"}, "resources.files('pkg') imports the package"
    assert find_cycle(graph) is None


def _is_front_end(module: str) -> bool:
    """How a question is asked (the CLI, its commands, the lint driver) or how the answer is written."""
    return module in ("policy_lint.cli", "policy_lint.lint.engine") or module.startswith(
        ("policy_lint.commands", "policy_lint.reporters")
    )


def test_iam_imports_no_command_reporter_or_lint_driver() -> None:
    """The effective-permission diff is used by ``policy-lint diff`` and by the OB1xx rules alike:
    reading a command line and writing a report depend on it, never the other way round."""
    graph = import_graph(PACKAGE)
    wrong = {
        module: sorted(filter(_is_front_end, imports))
        for module, imports in graph.items()
        if module.startswith("policy_lint.iam") and any(map(_is_front_end, imports))
    }
    assert wrong == {}
