"""PL73x: passing roles to services and creating service-linked roles, on any role.

PL602 reports ``iam:PassRole`` (also through ``iam:*`` or ``iam:Pass*``) on ``"*"`` or with
NotResource. These rules add what a NotAction statement grants without naming it, and the same
question for ``iam:CreateServiceLinkedRole``. They read only the policy text, as Access Analyzer's
checks do. Facts: AWS-PASSROLE, AWS-CREATE-SLR (docs/aws-facts.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.checks.policy.principals import AA_REFERENCE
from policy_lint.checks.policy.risk import pattern_matches
from policy_lint.core.findings import Level
from policy_lint.iam.statements import parse_operator
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.policy.placeholders import undecided_by_action_holes
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

PASSROLE_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
SLR_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html"
PASS_ROLE = "iam:passrole"
CREATE_SLR = "iam:createservicelinkedrole"
#: ``*`` or any role of any path: the resource says nothing about which role.
_ANY_ROLE = re.compile(r"^arn:[^:]*:iam::[^:]*:(\*|role/\*|role/aws-service-role/\*)$")


def grants(stmt: Statement, action: str) -> bool | None:
    """Does this statement's Action / NotAction cover ``action``? None when a template value leaves it
    undecided (one that may be in ``action``'s service)."""
    services = stmt.named_services
    if (
        not stmt.uses_not_action
        and services is not None
        and action.partition(":")[0] not in services
        and not any("${" in prefix for prefix in services)
    ):
        return False  # no value names the service, whatever a template fills in after a colon
    patterns = [str(a.value) for a in stmt.actions]
    if any("${" in p for p in patterns):
        return None
    named = stmt.may_name_service(action.partition(":")[0]) and any(
        pattern_matches(p, action) for p in patterns
    )
    return not named if stmt.uses_not_action else named


def broad_resource(stmt: Statement) -> str | None:
    """How the statement's resource covers any role: "NotResource", the wildcard, or None."""
    if stmt.uses_not_resource:
        return "NotResource"
    for resource in stmt.resources:
        text = str(resource.value)
        if text == "*" or _ANY_ROLE.match(text):
            return f'Resource "{text}"'
    return None


def denied_everywhere(doc: PolicyDocument, action: str) -> bool:
    """Does an unconditional Deny on every resource in the same policy take ``action`` away again?"""
    return any(
        stmt.effect_value == "Deny"
        and stmt.condition_node is None
        and not stmt.uses_not_resource
        and any(str(r.value) == "*" for r in stmt.resources)
        and grants(stmt, action) is True
        for stmt in doc.statements
    )


def _allows_on_any_role(doc: PolicyDocument) -> Iterator[tuple[Statement, str]]:
    """The Allow statements of an identity policy whose resource covers any role, with how they do
    (the rules that call this declare ``policy_types=("identity",)``: a resource policy, SCP, RCP or
    permissions boundary grants no IAM action to its holder)."""
    for stmt in doc.statements:
        scope = broad_resource(stmt) if stmt.is_allow else None
        if scope is not None:
            yield stmt, scope


@policy_rule(
    id="PL730",
    name="passrole-not-action",
    level=Level.SECURITY_WARNING,
    title="Allow with NotAction grants iam:PassRole on any role",
    rationale="A NotAction statement that does not list iam:PassRole grants it; with NotResource or a "
    "wildcard resource it lets the holder pass any role to any service, and so act with that role's "
    "permissions (AWS-PASSROLE).",
    remediation="Add iam:PassRole to NotAction, and grant it in its own statement on the role ARNs to pass, "
    "with an iam:PassedToService condition.",
    references=(AA_REFERENCE, PASSROLE_REFERENCE),
    access_analyzer=(
        "Pass role with NotAction and NotResource",
        "Pass role with star in resource and NotAction",
    ),
    policy_types=("identity",),
)
def passrole_not_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if denied_everywhere(doc, PASS_ROLE) or (undecided := _undecided(doc, ctx)) is None:
        return
    for stmt, scope in _allows_on_any_role(doc):
        if id(stmt) in undecided:
            continue
        if stmt.uses_not_action and stmt.action_key is not None and grants(stmt, PASS_ROLE):
            yield Report(stmt.action_key, f"NotAction with {scope} grants iam:PassRole on any role")


def _undecided(doc: PolicyDocument, ctx: LintContext) -> set[int] | None:
    """Statements a template's action hole leaves undecided (None: all of them, a Deny's hole may
    deny the action): uncertain never fails, PL503 names the hole."""
    template = ctx.template_of(doc)
    return undecided_by_action_holes(doc.statements, template) if template else set()


def _names_services(stmt: Statement) -> bool:
    """A condition limiting iam:AWSServiceName to listed services (no wildcard) decides which roles."""
    for entry in stmt.conditions:
        if str(entry.key.value).lower() != "iam:awsservicename":
            continue
        op = parse_operator(str(entry.operator.value))
        if (
            op.base in ("stringequals", "stringlike")
            and not op.if_exists
            and op.qualifier in ("", "foranyvalue:")
        ):
            texts = [str(v.value) for v in entry.values if isinstance(v, ScalarNode)]
            if texts and not any("*" in t or "?" in t for t in texts):
                return True
    return False


@policy_rule(
    id="PL731",
    name="create-slr-any-service",
    level=Level.WARNING,
    title="iam:CreateServiceLinkedRole for any service",
    rationale="iam:CreateServiceLinkedRole with NotResource, a wildcard resource, NotAction or a wildcard "
    "action lets the holder create the service-linked role of any service, which that service then uses "
    "with its own permissions (AWS-CREATE-SLR). A condition on iam:AWSServiceName naming the services "
    "limits it, so such a statement is not reported.",
    remediation="Grant iam:CreateServiceLinkedRole on the service-linked role ARNs needed "
    "(arn:aws:iam::*:role/aws-service-role/<service>.amazonaws.com/*), or condition it on iam:AWSServiceName.",
    references=(AA_REFERENCE, SLR_REFERENCE),
    access_analyzer=(
        "Create SLR with NotResource",
        "Create SLR with star in action and NotResource",
        "Create SLR with NotAction and NotResource",
        "Create SLR with star in resource",
        "Create SLR with star in action and resource",
        "Create SLR with star in resource and NotAction",
    ),
    policy_types=("identity",),
)
def create_slr_any_service(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if denied_everywhere(doc, CREATE_SLR) or (undecided := _undecided(doc, ctx)) is None:
        return
    for stmt, scope in _allows_on_any_role(doc):
        if id(stmt) in undecided:
            continue
        if stmt.action_key is None or not grants(stmt, CREATE_SLR) or _names_services(stmt):
            continue
        if stmt.uses_not_action:
            yield Report(stmt.action_key, f"NotAction with {scope} allows creating any service-linked role")
            continue
        action = next(a for a in stmt.actions if pattern_matches(str(a.value), CREATE_SLR))
        yield Report(action, f"{action.value} with {scope} allows creating any service-linked role")
