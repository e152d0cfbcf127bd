"""PL802-PL804: empty lists and strings inside a statement that PL113 does not look into.

PL113 reports an element that is empty itself (``"Action": []``, ``"Condition": {}``); these
rules look one level down: a condition key with no values, a principal type with no
principals, and an empty Sid.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.catalog.conditions import ConditionOperator, OperatorFamily, parse_operator
from policy_lint.checks.policy import aws_docs
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule


@policy_rule(
    id="PL802",
    name="empty-condition-values",
    level=Level.WARNING,
    title="A condition key with an empty list of values",
    rationale="A condition key with [] as its values compares the request with nothing (AWS-EMPTY-CONDITION): "
    "a plain operator or ForAnyValue: never matches, so the statement never applies (an Allow grants nothing, "
    "a Deny protects nothing); ForAllValues: and ...IfExists match exactly when the key is missing, which the "
    "Null operator says plainly; a negated operator (StringNotEquals) matches everything. IAM Access Analyzer reports these as suggestions; they are warnings here "
    "because a Deny that can never apply is a silent hole, like the dead conditions PL303 reports.",
    remediation='Give the key its values, or test for a missing key with "Null": {"key": "true"}.',
    references=(aws_docs.ACCESS_ANALYZER_CHECKS, aws_docs.MULTIVALUED_KEYS),
    access_analyzer=(
        "Empty array condition",
        "Empty array condition ForAllValues",
        "Empty array condition ForAnyValue",
        "Empty array condition IfExists",
    ),
)
def empty_condition_values(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for entry in stmt.conditions:
            if not isinstance(entry.value_node, ArrayNode) or entry.value_node.items:
                continue
            operator = parse_operator(str(entry.operator.value))
            key = str(entry.key.value)
            outcome = _empty_outcome(operator, key)
            hint = "give the key the values it should match"
            if "missing" in outcome:
                hint = f'to test that {key} is missing, use "Null": {{"{key}": "true"}}'
            yield Report(entry.value_node, f"{entry.operator.value} with no values for {key} {outcome}", hint)


def _empty_outcome(operator: ConditionOperator | None, key: str) -> str:
    """What a condition with an empty value list does (AWS-EMPTY-CONDITION)."""
    if operator is None or operator.family is OperatorFamily.NULL:
        return "never matches"
    if operator.set_operator == "ForAnyValue":
        return f"matches whenever {key} is present" if operator.negated else "never matches"
    if operator.negated:
        return "matches every request: it restricts nothing"
    if operator.set_operator == "ForAllValues" or operator.if_exists:
        return f"matches only when {key} is missing"
    return "never matches: the statement never applies"


@policy_rule(
    id="PL803",
    name="empty-principal-list",
    level=Level.WARNING,
    title="A principal type with an empty list of principals",
    rationale='"Principal": {"AWS": []} names nobody, so the statement applies to no one: an Allow grants '
    "nothing and a Deny protects nothing (AWS-EMPTY-CONDITION). IAM Access Analyzer reports it as a "
    "suggestion; it is a warning here for the same reason as PL802.",
    remediation="List the principals, or remove the principal type.",
    references=(aws_docs.PRINCIPAL_ELEMENT,),
    access_analyzer=("Empty array principal",),
    policy_types=("resource", "trust", "rcp"),
)
def empty_principal_list(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.principal_node, ObjectNode):
            continue
        for kind, value in stmt.principal_node.pairs:
            if isinstance(value, ArrayNode) and not value.items:
                yield Report(
                    value,
                    f"{stmt.principal_key.value if stmt.principal_key else 'Principal'}.{kind.value} is an empty "
                    "list: the statement applies to no one",
                    "list the principals, or remove the principal type",
                )


@policy_rule(
    id="PL804",
    name="empty-sid",
    level=Level.SUGGESTION,
    title="Sid is an empty string",
    rationale="Sid is optional; an empty one identifies nothing and is usually a template left unfilled. IAM "
    "Access Analyzer suggests giving it a value.",
    remediation='Give the statement a Sid ("AllowReadLogs") or remove the element.',
    references=(aws_docs.ACCESS_ANALYZER_CHECKS,),
    access_analyzer=("Empty Sid value",),
)
def empty_sid(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if isinstance(stmt.sid, ScalarNode) and stmt.sid.value == "":
            yield Report(
                stmt.sid, "Sid is an empty string", "give the statement a Sid, or remove the element"
            )
