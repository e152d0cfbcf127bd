"""PL5: template placeholders left in a document, told apart from IAM policy variables.

What counts as a placeholder and what as a policy variable is defined once, in
:mod:`policy_lint.policy.placeholders`, so the strings the action, ARN and condition rules
skip as placeholders are exactly the ones PL501 reports. A template's own holes (a Terraform
template's ``${...}``, the ``placeholders:`` a repository declares in settings) are filled by
design: PL501 leaves them out, and the other rules still skip them as values not known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.checks.policy import aws_docs
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import (
    find_placeholders,
    hole_slot,
    may_hold_placeholders,
    policy_variables,
    template_holes,
)
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule


@policy_rule(
    id="PL501",
    name="unresolved-placeholder",
    level=Level.ERROR,
    title="A template placeholder was never filled in",
    rationale="IAM takes ${Account ID}, <ACCOUNT_ID>, {{ bucket }} or ${AWS::AccountId} literally: the "
    "statement matches no real resource or principal, so the permission the guide asked for is silently "
    "missing. IAM policy variables such as ${aws:username} are not placeholders and are not reported; nor "
    "are a template's own holes: the ${...} of a Terraform template (.tpl, .tftpl) and the names the "
    "settings' placeholders: declare, which the template's tooling fills. "
    "Only placeholder spellings count (<NAME>, ${...}, {{ }}, %(name)s, #{name}, %{ }): other text with "
    "'<' or '{' (s3:GetObject<) is judged by the action and ARN rules. Each placeholder is reported once per "
    "document, at its first use, the hint naming the lines of the others: one missing value is one finding, "
    "not one per hole.",
    remediation="Replace the placeholder with the real value (policy-lint render fills the onboarding "
    "templates from onboarding.yaml). When the repository's own tooling fills ${NAME}, declare it in "
    "settings (placeholders: {NAME: partition}) and the rules lint around it.",
)
def unresolved_placeholder(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not may_hold_placeholders(doc.source.text):
        return  # no string can hold a placeholder (nor spell one with escapes): skip the walk
    template = ctx.template_of(doc)
    uses: dict[str, list[ScalarNode]] = {}
    first: dict[str, tuple[str, str, int]] = {}  # its kind, and the string and offset of its first use
    for node, text in doc.strings:
        for index, placeholder, kind in find_placeholders(text, template):
            uses.setdefault(placeholder, []).append(point_into(doc, node, index, placeholder))
            first.setdefault(placeholder, (kind, text, index))
    for placeholder, nodes in uses.items():
        kind, text, index = first[placeholder]
        # the other uses go in the hint, not the message: the message (what a baseline matches)
        # stays the same when a use is added or a line moves
        where = _elsewhere(doc, nodes, ctx)
        slot = hole_slot(text, index, index + len(placeholder)) if text.startswith("arn:") else None
        yield Report(
            nodes[0],
            f"unresolved placeholder {placeholder} ({kind})",
            f"{where}{_fill_hint(placeholder, slot)}",
        )


#: at most this many other lines are named; the rest are counted
_LINES_NAMED = 5

#: ``${NAME}``: a repository's tooling may fill it, which settings can declare
_DECLARABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")


def _elsewhere(doc: PolicyDocument, uses: list[ScalarNode], ctx: LintContext) -> str:
    """Where else the placeholder is used (``uses[0]`` is where it is reported): the other lines
    when the document's lines are the file's, else how many more times; "" for one use."""
    others = uses[1:]
    if not others:
        return ""
    if not ctx.options.document_lines:
        return f"used {len(others)} more time{'s' if len(others) > 1 else ''} in this policy; "
    here = doc.source.position(uses[0].offset)[0]
    other_lines = [doc.source.position(node.offset)[0] for node in others]
    lines = sorted(set(other_lines) - {here})
    parts = ["on this line"] if here in other_lines else []
    if lines:
        named = ", ".join(str(line) for line in lines[:_LINES_NAMED])
        more = f" and {len(lines) - _LINES_NAMED} more" if len(lines) > _LINES_NAMED else ""
        parts.append(f"at line{'s' if len(lines) > 1 else ''} {named}{more}")
    return f"also used {' and '.join(parts)}; "


def _fill_hint(placeholder: str, slot: str | None) -> str:
    """Fill it in; for a ``${NAME}`` a repository's tooling may fill, the setting that says so,
    with the kind its field in an ARN says (``arn:${PARTITION}:...``: partition; else value)."""
    declarable = _DECLARABLE.fullmatch(placeholder)
    if declarable is None:
        return "replace it with the real value"
    declared = f"{declarable.group(1)}: {slot or 'value'}"
    return f"replace it with the real value, or declare the repository's convention: placeholders: {{{declared}}}"


def point_into(doc: PolicyDocument, node: ScalarNode, index: int, text: str) -> ScalarNode:
    """A node at the placeholder itself when the source spells the string literally (no escapes)."""
    source = doc.source.text
    for start in (node.offset + 1 + index, node.offset + index):  # quoted JSON/YAML, or plain YAML scalar
        if source.startswith(text, start):
            return ScalarNode(text, start)
    return node


@policy_rule(
    id="PL503",
    name="action-not-known",
    level=Level.WARNING,
    title="An action is a template hole: what the statement grants is not judged",
    rationale="A template's own holes (a Terraform template's ${...}, the names the settings' placeholders: "
    "declare) are values not known here: no rule judges them, so they never fail and never pass. A hole "
    "that stands for an action is the statement's whole meaning: Allow ${ACTION} on * may be s3:GetObject "
    "or iam:*, and the risk, escalation and action rules cannot tell. Rather than a silent pass, this "
    "warning names the hole; the rest of the policy is linted as usual.",
    remediation="Lint the rendered policy (the template filled with its real values), or run policy-lint "
    "check on the Terraform that calls templatefile(), which renders it.",
)
def action_not_known(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    if not template:
        return
    for stmt in doc.statements:
        element = str(stmt.action_key.value) if stmt.action_key else "Action"
        this = f"this {stmt.effect_value} statement" if stmt.effect_value else "this statement"
        for node in stmt.actions:
            text = node.value
            if not isinstance(text, str):
                continue
            for index, hole, kind in template_holes(text, template):
                yield Report(
                    point_into(doc, node, index, hole),
                    f"{element} {hole} is a template hole ({kind}): what {this} covers through it "
                    "is unknown, not judged",
                    "lint the rendered policy to judge it",
                )


_VARIABLE_OK_ELEMENTS = frozenset({"Resource", "NotResource", "Condition"})


@policy_rule(
    id="PL502",
    access_analyzer=(
        "Variable unsupported in element",
        "Variable unsupported in version",
    ),
    name="misplaced-policy-variable",
    level=Level.ERROR,
    title="A policy variable is used where IAM does not substitute it",
    rationale="IAM replaces ${aws:...} variables only in Resource and in Condition values, and only under "
    "Version 2012-10-17 (AWS-POLICY-VARIABLES); elsewhere, or under 2008-10-17 or without a Version, the text "
    "is taken literally, so the statement matches nothing it was meant to. IAM Access Analyzer reports both as "
    "errors (Variable unsupported in element, Variable unsupported in version); so does policy-lint.",
    remediation="Move the variable into Resource or a Condition, and use Version 2012-10-17.",
    references=(aws_docs.POLICY_VARIABLES,),
)
def misplaced_policy_variable(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    old_version = not (isinstance(doc.version, ScalarNode) and doc.version.value == "2012-10-17")
    for stmt in doc.statements:
        for action in stmt.actions:
            if _has_variable(str(action.value)):
                yield Report(
                    action,
                    f"policy variable in {stmt.action_key.value if stmt.action_key else 'Action'} is not substituted",
                )
        if not old_version:
            continue
        values = [*stmt.resources, *(v for entry in stmt.conditions for v in entry.values)]
        for node in values:
            if isinstance(node, ScalarNode) and isinstance(node.value, str) and _has_variable(node.value):
                yield Report(
                    node,
                    "policy variables are not substituted without Version 2012-10-17",
                    'add "Version": "2012-10-17"',
                )


def _has_variable(text: str) -> bool:
    return bool(policy_variables(text))
