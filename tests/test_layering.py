"""Rules never ask which source built a resource: what linking needs, the sources record on the
origin (``Origin.symbol_scope``, ``region_scope``, ``observed``), and the inventory layer reads it.

The test reads the code of every module under ``policy_lint/checks/``, not its prose: a rule's
rationale may well tell users about Terraform, but no code may compare with a source's name,
read ``origin.source`` or ``inventory.sources``, or import a source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHECKS = Path(__file__).resolve().parents[1] / "policy_lint" / "checks"
#: the names sources give themselves (Origin.source, Inventory.sources)
SOURCE_NAMES = frozenset({"terraform", "terraform-plan", "cloudformation", "live", "config", "policy-file"})
MODULES = sorted(CHECKS.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (prose, not code)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _is_origin(node: ast.expr) -> bool:
    """``origin``, ``x.origin``, ``x.origin_of(...)``: an expression that is a resource's origin."""
    if isinstance(node, ast.Name):
        return node.id == "origin"
    if isinstance(node, ast.Attribute):
        return node.attr == "origin"
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "origin_of"
    )


def source_naming(tree: ast.AST) -> list[str]:
    """Where code names a source: its name as a string, ``origin.source``, ``inventory.sources``,
    or an import of a source module."""
    prose = _docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            if node.value.strip().lower() in SOURCE_NAMES:
                found.append(f"line {node.lineno}: the string {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr == "source" and _is_origin(node.value):
            found.append(f"line {node.lineno}: origin.source")
        elif isinstance(node, ast.Attribute) and node.attr == "sources":
            found.append(f"line {node.lineno}: .sources")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            ("policy_lint.sources", "policy_lint.live")
        ):
            found.append(f"line {node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name.startswith(("policy_lint.sources", "policy_lint.live"))
            ]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CHECKS)))
def test_no_check_module_names_a_source(path: Path) -> None:
    assert source_naming(ast.parse(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("code", "hits"),
    [
        ('if user.origin.source != "live":\n    pass\n', 2),  # the code iam_user.py had
        ('scope = "cfn" if origin.source == "cloudformation" else ""\n', 2),
        ('x = resource.origin_of("policy").source\n', 1),
        ('if "live" not in inventory.sources:\n    pass\n', 2),
        ("ok = region.startswith('terraform')\n", 1),
        ("from policy_lint.sources.cloudformation.loader import SOURCE\n", 1),
        # user-facing prose about Terraform is not code that branches on the source
        (
            'rationale = "in planned input this is enable_logging (Terraform) / IsLogging (CloudFormation)"\n',
            0,
        ),
        ('def f():\n    """terraform"""\n    return document.source.text\n', 0),
    ],
)
def test_the_check_finds_what_it_should_and_nothing_else(code: str, hits: int) -> None:
    assert len(source_naming(ast.parse(code))) == hits
