"""PL0: the file itself (syntax, encoding, duplicate keys)."""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import Report, RuleGroup, RuleMeta
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

RULES.declare(
    RuleMeta(
        id="PL001",
        access_analyzer=("Json syntax error",),
        name="syntax-error",
        level=Level.ERROR,
        title="The file is not valid JSON or YAML",
        rationale="IAM rejects a malformed document with MalformedPolicyDocument; nothing else can be checked.",
        remediation="Fix the syntax at the reported position (a missing ',' is the usual culprit).",
        family="Syntax and file",
    )
)
RULES.declare(
    RuleMeta(
        id="PL003",
        name="utf8-bom",
        level=Level.WARNING,
        title="The file starts with a UTF-8 byte-order mark",
        rationale="Strict JSON parsers (Python json, Go encoding/json, some CI tools) reject a BOM; "
        "policy-lint strips one and lints the rest.",
        remediation="Save the file as UTF-8 without BOM.",
        family="Syntax and file",
    )
)
RULES.declare(
    RuleMeta(
        id="PL005",
        name="unrendered-template",
        level=Level.WARNING,
        title="A Terraform template has no one rendering to lint",
        rationale="A templatefile() policy is linted around its ${...} holes, and its %{ if } ... %{ endif } "
        "blocks are linted with their body kept (everything the template can grant). A %{ for } or "
        "%{ else }, a directive inside a string, or an interpolation outside a string (a whole list or "
        "object) has no one rendering: the file is not linted, which is unknown, not a pass, so this "
        "warning names it. check renders templatefile() with its variables, and says the same of a "
        "policy whose %{ if } or %{ for } reads a value known only at apply.",
        remediation="Run policy-lint check on the Terraform that calls templatefile() (it renders the "
        "template with its variables), or lint a rendered copy.",
        family="Syntax and file",
    )
)


@policy_rule(
    id="PL002",
    name="duplicate-key",
    level=Level.ERROR,
    title="A key appears twice in the same object",
    rationale='JSON parsers silently keep the last duplicate, so a second "Action" (even spelled '
    '"\\u0041ction") replaces the first one unseen by reviewers. Condition keys are case-insensitive, '
    "so aws:PrincipalOrgID and AWS:PrincipalOrgId are duplicates too.",
    remediation="Keep one key and merge the values you meant into it.",
)
def duplicate_keys(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    condition_blocks = {
        id(block)
        for stmt in doc.statements
        if isinstance(stmt.condition_node, ObjectNode)
        for _, block in stmt.condition_node.pairs
    }
    for node in _objects(doc.root):
        if len(node.pairs) < 2:
            continue
        fold = id(node) in condition_blocks
        seen: dict[str, str] = {}
        for key, _ in node.pairs:
            name = str(key.value)
            norm = name.lower() if fold else name
            if norm in seen:
                first = seen[norm]
                shown = name if first == name else f"{name} (same as {first})"
                yield Report(key, f"duplicate key {shown}: only the last value takes effect")
            else:
                seen[norm] = name


def _objects(root: Node) -> Iterator[ObjectNode]:
    """Every object of a tree, depth first: like ``walk``, but never visits the (many) scalars, nor
    the items of a list of strings. Plain loops and exact type tests (the node classes have no
    subclasses but :class:`StringArrayNode`): a generator per container cost more than the test."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        current = pop()
        kind = type(current)
        if kind is ObjectNode:
            yield current  # type: ignore[misc]
            for _, value in reversed(current.pairs):  # type: ignore[attr-defined]
                if type(value) is not ScalarNode:
                    push(value)
        elif kind is ArrayNode:
            for item in reversed(current.items):  # type: ignore[attr-defined]
                if type(item) is not ScalarNode:
                    push(item)
