"""The rule set is written down: every rule ID the code uses is registered, every module that
declares rules is listed in policy_lint/rules/ruleset.py or lint_ruleset.py, every family is documented,
and ``lint`` loads only its own half."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from policy_lint.checks.custom_rules import CUSTOM_FAMILY
from policy_lint.cli import main
from policy_lint.core.findings import Level
from policy_lint.rules.lint_ruleset import lint_rule_groups, lint_rule_set
from policy_lint.rules.registry import FAMILIES, POLICY_RULE_PREFIX, RuleGroup, RuleMeta, RuleSet
from policy_lint.rules.ruleset import all_rules, other_rule_groups, rule_set
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "policy_lint"

#: A rule ID: two capitals and three digits, standing alone. Not part of a longer word or number
#: ("AES256" holds "ES256", "SHA3256", "PL0012"), and not a prefix ("PL6", "OB1xx" name families).
#: A hyphen may touch it: "SP001-SP003" names two rules.
RULE_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Z]{2}[0-9]{3}(?![A-Za-z0-9_])")

#: Package files written by others and copied verbatim: AWS's managed policies, the onboarding
#: guide's policy documents, botocore's partition list. A token in them is their text, not ours.
THIRD_PARTY = (
    "reference/managed/*.json",
    "reference/managed/*.json.gz",
    "reference/policies/*.json",
    "catalog/data/partitions.json",
)


def rule_ids_in(text: str) -> list[str]:
    return RULE_ID.findall(text)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("suppression problems (SP001-SP003, SP005)", ["SP001", "SP003", "SP005"]),
        ("Only these rule IDs or prefixes (PL, PL6, OB104).", ["OB104"]),
        ("ignore[OB202] approved", ["OB202"]),
        ('sse_algorithm = "AES256"', []),
        ("SHA256 and RFC3339", []),
        ("ABC123, PL0012, PL00, pl001, PL001_x, xPL001", []),
        ("OB1xx and CS1xx-CS3xx", []),
    ],
)
def test_the_rule_id_pattern_finds_ids_and_nothing_else(text: str, ids: list[str]) -> None:
    assert rule_ids_in(text) == ids


def _ids_in_the_source() -> dict[str, list[str]]:
    """Rule ID -> where it appears: Python string literals (messages, docstrings, f-string parts),
    and the package's own data files (schemas, manifest, templates). Comments and names are not
    scanned: a linter code in a ``# noqa`` is not ours."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for rule_id in rule_ids_in(node.value):
                    found.setdefault(rule_id, []).append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if (
            path.suffix in (".py", ".pyc")
            or not path.is_file()
            or any(relative.match(p) for p in THIRD_PARTY)
        ):
            continue
        for rule_id in rule_ids_in(path.read_text(encoding="utf-8")):
            found.setdefault(rule_id, []).append(str(path.relative_to(REPO_ROOT)))
    return found


def test_every_rule_id_in_the_source_is_registered() -> None:
    found = _ids_in_the_source()
    registered = {meta.id for meta in all_rules()}
    unregistered = {rule_id: where[:3] for rule_id, where in found.items() if rule_id not in registered}
    assert not unregistered, f"rule IDs used but not in the rule set: {unregistered}"
    # the scan sees the IDs the code reports: if it found none of these, it would be scanning nothing
    assert {"PL001", "PL607", "OB305", "CS205", "PD101", "IN002", "SP003"} <= set(found)


def _modules_declaring_rules() -> list[str]:
    """Modules that make a RuleGroup (``RULES = RuleGroup()``), found by reading the source."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if (
            any(
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "RuleGroup"
                for node in ast.walk(tree)
            )
            and path != PACKAGE / "rules" / "registry.py"
        ):
            names.append(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts))
    return names


def test_every_module_that_declares_rules_is_listed_once() -> None:
    declaring = _modules_declaring_rules()
    listed = [*lint_rule_groups(), *other_rule_groups()]
    assert len({id(group) for group in listed}) == len(listed), "a module is listed twice"
    for name in declaring:
        group = importlib.import_module(name).RULES
        assert isinstance(group, RuleGroup)
        assert any(group is entry for entry in listed), (
            f"{name} declares rules but policy_lint/rules/ruleset.py does not list it"
        )
        assert group.metas, f"{name} makes a rule group and declares nothing in it"
    assert len(declaring) == len(listed), "the rule set lists a group that no module declares"


def test_lint_runs_every_policy_rule_and_nothing_else() -> None:
    lint_ids = set(lint_rule_set().ids())
    assert all(rule_id.startswith(POLICY_RULE_PREFIX) for rule_id in lint_ids)
    assert lint_ids == {m.id for m in all_rules() if m.id.startswith(POLICY_RULE_PREFIX)}
    assert rule_set().policy_rules == lint_rule_set().policy_rules


def test_the_registry_imports_no_rule_module() -> None:
    tree = ast.parse((PACKAGE / "rules" / "registry.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & set(_modules_declaring_rules())
    assert not any(name.startswith(("policy_lint.checks", "policy_lint.rules.ruleset")) for name in imported)


def test_no_import_is_made_for_its_side_effects() -> None:
    """An import ruff would call unused (F401) is one made for what importing does; the rule set
    lists its modules instead. ``__all__`` re-exports are used imports and need no such comment."""
    tells = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"noqa:[^#]*\bF401\b", line)
    ]
    assert not tells


def test_a_rule_id_declared_twice_is_refused() -> None:
    meta = RuleMeta("PL999", "twice", Level.ERROR, "t", "r", "f", "Other")
    first, second = RuleGroup(), RuleGroup()
    first.declare(meta)
    second.declare(meta)
    with pytest.raises(ValueError, match="PL999 declared twice"):
        RuleSet([first, second])


def _readme_families() -> set[str]:
    """The three-character families the README's family table names (``OB0xx-OB3xx`` is four)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("The rule families", 1)[1].split("\n\n", 1)[1].split("\n\n", 1)[0]
    families: set[str] = set()
    for row in table.splitlines()[2:]:
        cell = row.split("|")[1]
        for part in cell.split(","):
            ends = re.findall(r"([A-Z]{2})([0-9])xx", part)
            assert ends, f"README family table: cannot read {part!r}"
            (prefix, low), (_, high) = ends[0], ends[-1]
            families.update(f"{prefix}{digit}" for digit in range(int(low), int(high) + 1))
    return families


def test_every_rule_family_is_documented() -> None:
    families = {meta.id[:3] for meta in all_rules()}
    assert families == set(FAMILIES), "rules.FAMILIES names a family without rules, or misses one"
    # the README also names the family reserved for the rules a project's settings define
    assert _readme_families() == families | {f"{CUSTOM_FAMILY}0"}, "README.md's family table"
    reference = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for family, title in FAMILIES.items():
        assert f"\n## {family}xx: {title}\n" in reference, f"docs/rules.md has no section for {family}"


def test_the_suppression_rules_are_listed() -> None:
    """SP001-SP005 are reported like any rule, so `policy-lint rules` and docs/rules.md list them."""
    sp = [f"SP00{n}" for n in range(1, 6)]
    text = CliRunner().invoke(main, ["rules"]).stdout
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("SP")]
    assert listed == sp
    payload = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).stdout)
    assert [entry["id"] for entry in payload if entry["id"].startswith("SP")] == sp
    reference = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert all(f"\n### {rule_id}\n" in reference for rule_id in sp)


#: What ``lint`` must never import: the other half of the rule set, what it needs, and the other
#: commands (each is imported only when it runs).
NOT_FOR_LINT = (
    "policy_lint.checks.onboarding",
    "policy_lint.checks.cspm",
    "policy_lint.sources",
    "policy_lint.inventory",
    "policy_lint.iam.diff",
    "policy_lint.commands.check",
    "policy_lint.commands.verify",
    "policy_lint.commands.diff",
    "policy_lint.commands.render",
    "policy_lint.commands.reference",
    "boto3",
    "botocore",
    "jinja2",
)


@pytest.mark.parametrize(
    "options",
    [[], ["--select", "PL6"], ["--ignore", "SP004"]],
    ids=["plain", "select-a-policy-family", "ignore-a-suppression-rule"],
)
def test_lint_loads_only_its_half_of_the_rule_set(options: list[str]) -> None:
    code = (
        "import sys\nfrom policy_lint.cli import main\n"
        "try:\n    main(['lint', *sys.argv[1:]])\nexcept SystemExit:\n    pass\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({NOT_FOR_LINT!r}))\n"
        "print('LOADED:' + ','.join(bad))"
    )
    policy = str(REPO_ROOT / "examples" / "policies" / "agentless-en.json")
    proc = subprocess.run(
        [sys.executable, "-c", code, policy, *options],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "PL" in proc.stdout, "lint ran and reported its findings"
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"
