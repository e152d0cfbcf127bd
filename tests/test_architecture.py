"""docs/architecture.md is the layering users and contributors read; this test holds the code to it.

The package table there says which packages each package may import. Every import of every
module (type-only and function-local ones too, as tests/test_import_graph.py counts them) must
fall inside its package's row. The recipes name files; each must exist, so a recipe cannot
send a contributor to a file that moved.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import REPO_ROOT
from tests.test_import_graph import imports_of, modules_of

DOC = REPO_ROOT / "docs" / "architecture.md"
PACKAGE = REPO_ROOT / "policy_lint"
#: the modules of rules/ that compose the rule set; the table gives them their own row
COMPOSITION = {"policy_lint.rules.ruleset", "policy_lint.rules.lint_ruleset", "policy_lint.rules.docs"}
TOP_LEVEL = {"policy_lint.cli": "cli", "policy_lint.__main__": "cli", "policy_lint": "(root)"}


def allowed_imports(text: str) -> dict[str, set[str]]:
    """The doc's package table: package -> the packages it may import."""
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    every = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in {"package", ""} or set(cells[0]) <= {"-"}:
            continue
        package, _owns, may = cells
        every.add(package)
        rows[package] = set() if may == "(nothing)" else {p.strip() for p in may.split(",")}
    for package, may in rows.items():
        if may == {"every package but cli"}:
            rows[package] = every - {"cli"}
    return rows


def package_of(module: str) -> str:
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    if module in COMPOSITION:
        return "rules (composition)"
    return module.split(".")[1]


def test_the_table_covers_every_package() -> None:
    rows = allowed_imports(DOC.read_text(encoding="utf-8"))
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages | {"cli", "rules (composition)"} == set(rows)


def test_every_import_is_one_the_table_allows() -> None:
    rows = allowed_imports(DOC.read_text(encoding="utf-8"))
    modules = modules_of(PACKAGE)
    names = set(modules)
    outside: list[str] = []
    for module, path in modules.items():
        own = package_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in sorted(imports_of(tree, module, path.name == "__init__.py", names)):
            if not target.startswith("policy_lint"):
                continue
            other = package_of(target) if target in names else package_of(target.rsplit(".", 1)[0])
            if other in {own, "(root)"} or (own == "rules (composition)" and other == "rules"):
                continue
            if other not in rows[own]:
                outside.append(f"{module} ({own}) imports {target} ({other})")
    assert outside == []


@pytest.mark.parametrize(
    ("table", "module", "target", "allowed"),
    [
        ("| checks | x | inventory, core |", "checks", "inventory", True),
        ("| checks | x | inventory, core |", "checks", "sources", False),
        ("| core | x | (nothing) |", "core", "syntax", False),
    ],
)
def test_the_table_reader_reads_what_the_doc_says(
    table: str, module: str, target: str, allowed: bool
) -> None:
    rows = allowed_imports(f"## Packages\n\n| package | owns | may import |\n|---|---|---|\n{table}\n")
    assert (target in rows[module]) is allowed


def test_every_file_a_recipe_names_exists() -> None:
    recipes = DOC.read_text(encoding="utf-8").split("## Recipe", 1)[1]
    named = set(re.findall(r"`((?:policy_lint|tests|docs|tools)/[^`<>]*?\.(?:py|md))`", recipes))
    assert len(named) > 15  # the recipes do name their files
    missing = sorted(p for p in named if not (REPO_ROOT / p).exists())
    assert missing == []
