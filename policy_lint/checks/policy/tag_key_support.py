"""PL318-PL319: aws:ResourceTag / aws:RequestTag / aws:TagKeys with actions that never send them.

A tag key is in the request context only for the actions (and resource types) the Service
Authorization Reference lists it for (AWS-TAG-KEY-SUPPORT). For the others a condition that
needs the key is false: a Deny does not deny them, an Allow does not allow them.
Service-specific tag keys (ec2:ResourceTag/...) are PL303's.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.catalog.actions import ActionInfo
from policy_lint.catalog.conditions import ConditionOperator, OperatorFamily, parse_operator
from policy_lint.checks.policy import aws_docs
from policy_lint.checks.policy.conditions import action_supports_key, statement_actions, unique_entries
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import ConditionEntry, PolicyDocument, Statement
from policy_lint.rules.registry import Report, RuleGroup

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_TAG_KEY_PREFIXES = ("aws:resourcetag/", "aws:requesttag/")


def _false_when_missing(operator: ConditionOperator) -> bool:
    """A condition that is false when its key is absent (AWS-TAG-KEY-SUPPORT): the ones that matter here.

    Negated operators, ...IfExists and ForAllValues: are true without the key, and Null tests
    for it; with those a missing key makes a Deny deny more, not less.
    """
    return not (
        operator.negated
        or operator.if_exists
        or operator.set_operator == "ForAllValues"
        or operator.family is OperatorFamily.NULL
    )


def _tag_entries(stmt: Statement) -> Iterator[ConditionEntry]:
    for entry in unique_entries(stmt):
        key = str(entry.key.value).lower()
        if not (key.startswith(_TAG_KEY_PREFIXES) or key == "aws:tagkeys"):
            continue
        operator = parse_operator(str(entry.operator.value))
        if operator is not None and _false_when_missing(operator):
            yield entry


def _unsupported(stmt: Statement, ctx: LintContext, key: str) -> list[ActionInfo] | None:
    """The statement's actions that never send ``key``; None when its actions cannot be known."""
    actions = statement_actions(stmt, ctx)
    if actions is None:
        return None
    return [action for action in actions if not action_supports_key(action, key)]


def _reports(stmt: Statement, ctx: LintContext, effect: str) -> Iterator[Report]:
    outcome = "denied" if effect == "Deny" else "allowed"
    for entry in _tag_entries(stmt):
        key = str(entry.key.value)
        if stmt.uses_not_action:
            yield Report(
                entry.key,
                f"{effect} with NotAction and {key}: actions that never send {key} are not {outcome} by this "
                "statement",
                "list the actions in Action instead of NotAction",
            )
            continue
        unsupported = _unsupported(stmt, ctx, key)
        if not unsupported:
            continue
        services = sorted({action.service for action in unsupported})
        names = sorted({action.full_name for action in unsupported})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        yield Report(
            entry.key,
            f"{key} is never sent by {shown} (services: {', '.join(services)}): this statement does not "
            f"{effect.lower()} them",
            "move those actions to a statement without this condition key",
        )


@policy_rule(
    id="PL318",
    name="deny-unsupported-tag-key",
    level=Level.SECURITY_WARNING,
    title="A Deny conditioned on a tag key some of its actions never send",
    rationale="A Deny on aws:ResourceTag/..., aws:RequestTag/... or aws:TagKeys with a positive operator only "
    "denies the actions that send the key (AWS-TAG-KEY-SUPPORT); for the others the condition is false and "
    "nothing is denied, even for a correctly tagged resource. With NotAction every action without the key "
    "slips through. IAM Access Analyzer reports both as security warnings. ...IfExists is no fix: it denies "
    "those actions always.",
    remediation="Move the actions that do not support the key to a statement that denies them by resource "
    "name instead, and list actions rather than using NotAction.",
    references=(aws_docs.TAGS_ABAC, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=(
        "Deny with unsupported tag condition key for service",
        "Deny NotAction with unsupported tag condition key for service",
    ),
)
def deny_unsupported_tag_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if stmt.effect_value == "Deny":
            yield from _reports(stmt, ctx, "Deny")


@policy_rule(
    id="PL319",
    name="allow-unsupported-tag-key",
    level=Level.SUGGESTION,
    title="An Allow conditioned on a tag key some of its actions never send",
    rationale="An Allow on a tag key grants only the actions that send the key (AWS-TAG-KEY-SUPPORT): the "
    "others are silently not allowed by the statement. IAM Access Analyzer suggests moving them.",
    remediation="Move the actions that do not support the key to their own statement.",
    references=(aws_docs.TAGS_ABAC, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=(
        "Allow with unsupported tag condition key for service",
        "Allow NotAction with unsupported tag condition key for service",
    ),
)
def allow_unsupported_tag_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if stmt.is_allow:
            yield from _reports(stmt, ctx, "Allow")
