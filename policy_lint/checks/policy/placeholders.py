"""PL5: template placeholders left in a document, told apart from IAM policy variables.

``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${saml:sub}`` and the
escapes ``${*}``, ``${?}``, ``${$}`` are IAM policy variables: IAM substitutes
them. ``${Account ID}``, ``${SQS ARN}``, ``<ACCOUNT_ID>``, ``{{ bucket }}``,
``${AWS::AccountId}`` (CloudFormation) or ``${var.bucket}`` (Terraform) are
placeholders a person or a tool was supposed to fill in: IAM takes them
literally and the policy silently matches nothing (or fails validation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.findings import Level
from policy_lint.lint_context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules import Report, policy_rule
from policy_lint.syntax.nodes import ScalarNode, walk

_DOLLAR_BRACE = re.compile(r"\$\{([^}]*)\}")
#: ``prefix:key`` with an optional default (``${aws:username, 'x'}``); prefixes include
#: federated providers such as ``cognito-identity.amazonaws.com`` or ``www.amazon.com``.
_POLICY_VARIABLE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9.\-]*:[A-Za-z0-9_.:/\-]+\s*(,\s*'[^']*'\s*)?$")
_ESCAPES = frozenset({"*", "?", "$"})
_ANGLE = re.compile(r"<\s*[A-Za-z][A-Za-z0-9 _\-]*\s*>")
_MUSTACHE = re.compile(r"\{\{[^{}]*\}\}")


def is_policy_variable(inner: str) -> bool:
    """True for the text inside ``${...}`` that IAM substitutes itself."""
    if inner in _ESCAPES:
        return True
    return "::" not in inner and bool(_POLICY_VARIABLE.match(inner))


def _placeholder_kind(inner: str) -> str:
    if "::" in inner:
        return "a CloudFormation Fn::Sub reference"
    if inner.startswith(("var.", "local.", "data.", "module.", "aws_")):
        return "a Terraform interpolation"
    return "a template placeholder"


def find_placeholders(text: str) -> list[tuple[int, str, str]]:
    """``(offset, placeholder, kind)`` for every unresolved placeholder in a string."""
    found: list[tuple[int, str, str]] = []
    for match in _DOLLAR_BRACE.finditer(text):
        inner = match.group(1)
        if not is_policy_variable(inner):
            found.append((match.start(), match.group(0), _placeholder_kind(inner)))
    for match in _ANGLE.finditer(text):
        found.append((match.start(), match.group(0), "a template placeholder"))
    for match in _MUSTACHE.finditer(text):
        found.append((match.start(), match.group(0), "a template placeholder"))
    return sorted(found)


@policy_rule(
    id="PL501",
    name="unresolved-placeholder",
    level=Level.ERROR,
    title="A template placeholder was never filled in",
    rationale="IAM takes ${Account ID}, <ACCOUNT_ID> or ${AWS::AccountId} literally: the statement "
    "matches no real resource or principal, so the permission the guide asked for is silently missing. "
    "IAM policy variables such as ${aws:username} are not placeholders and are not reported.",
    remediation="Replace the placeholder with the real value (policy-lint render fills the onboarding "
    "templates from onboarding.yaml).",
)
def unresolved_placeholder(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    text = doc.source.text
    if "$" not in text and "<" not in text and "{{" not in text and "\\" not in text:
        return  # no string can hold a placeholder (nor spell one with escapes): skip the walk
    for node in walk(doc.root):
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            continue
        value = node.value
        if "$" not in value and "<" not in value and "{{" not in value:
            continue
        for index, placeholder, kind in find_placeholders(value):
            yield Report(
                _point_into(doc, node, index, placeholder),
                f"unresolved placeholder {placeholder} ({kind})",
                "replace it with the real value",
            )


def _point_into(doc: PolicyDocument, node: ScalarNode, index: int, text: str) -> ScalarNode:
    """A node at the placeholder itself when the source spells the string literally (no escapes)."""
    source = doc.source.text
    for start in (node.offset + 1 + index, node.offset + index):  # quoted JSON/YAML, or plain YAML scalar
        if source.startswith(text, start):
            return ScalarNode(text, start)
    return node


_VARIABLE_OK_ELEMENTS = frozenset({"Resource", "NotResource", "Condition"})


@policy_rule(
    id="PL502",
    name="misplaced-policy-variable",
    level=Level.WARNING,
    title="A policy variable is used where IAM does not substitute it",
    rationale="IAM replaces ${aws:...} variables only in Resource and in Condition values (and only under "
    "Version 2012-10-17); elsewhere the text is taken literally.",
    remediation="Move the variable into Resource or a Condition, or use Version 2012-10-17.",
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
        if old_version:
            for resource in stmt.resources:
                if _has_variable(str(resource.value)):
                    yield Report(resource, "policy variables are not substituted without Version 2012-10-17")


def _has_variable(text: str) -> bool:
    if "${" not in text:
        return False  # most strings: no regex scan
    return any(
        is_policy_variable(m.group(1)) and m.group(1) not in _ESCAPES for m in _DOLLAR_BRACE.finditer(text)
    )
