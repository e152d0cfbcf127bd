"""PL6: statements that grant more than anyone should by accident.

These are security warnings, not syntax errors: the policy is valid, but it hands
out full control, lets any role be passed to any service, lets the holder change
permissions, or opens a resource to the whole world.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog, ActionInfo, wildcard_regex
from policy_lint.findings import Level
from policy_lint.lint_context import LintContext
from policy_lint.policy.model import PolicyDocument, PolicyType, Statement
from policy_lint.rules import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

PERMISSIONS_MANAGEMENT = "Permissions management"

#: Condition keys that narrow *who* can use a resource policy statement. A condition on
#: aws:SecureTransport or aws:CurrentTime alone does not: the world is still allowed in.
RESTRICTING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalIsAWSService",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:VpcSourceIp",
        "aws:userid",
        "aws:username",
        "aws:ResourceOrgID",
        "aws:ResourceAccount",
        "aws:CalledVia",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "kms:CallerAccount",
        "kms:ViaService",
        "s3:DataAccessPointAccount",
        "sns:Endpoint",
        "lambda:FunctionUrlAuthType",
    )
)


def _allows_star_resource(stmt: Statement) -> bool:
    if stmt.uses_not_resource:
        return True
    return any(r.value == "*" for r in stmt.resources)


@lru_cache(maxsize=8192)
def _pattern_matches(pattern: str, action: str) -> bool:
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == action
    prefix, colon, _ = pattern.partition(":")
    literal = colon and prefix.isascii() and "*" not in prefix and "?" not in prefix
    if literal and prefix.lower() != action.partition(":")[0]:
        return False  # a literal service prefix decides, without compiling a regex per pattern
    return bool(wildcard_regex(pattern).match(action))


@policy_rule(
    id="PL601",
    name="full-admin",
    level=Level.SECURITY_WARNING,
    title='Allow "*" on "*": full administrator access',
    rationale="The statement grants every action on every resource, including changing its own "
    "permissions and deleting audit trails.",
    remediation="Grant the specific actions the principal needs (start from a reference policy).",
)
def full_admin(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow or stmt.uses_not_action or stmt.condition_node is not None:
            continue
        star = next((a for a in stmt.actions if a.value in ("*", "*:*")), None)
        if star is not None and _allows_star_resource(stmt):
            yield Report(star, 'Allow "*" on all resources grants full administrator access')


@policy_rule(
    id="PL602",
    name="passrole-any-role",
    level=Level.SECURITY_WARNING,
    title="iam:PassRole on any role",
    rationale="Passing any role to a service (EC2, Lambda ...) lets the holder run code with that role's "
    "permissions, a classic privilege escalation.",
    remediation="Limit Resource to the role ARNs that must be passed, and condition on iam:PassedToService.",
)
def passrole_any_role(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow or stmt.uses_not_action or not _allows_star_resource(stmt):
            continue
        for action in stmt.actions:
            value = str(action.value)
            if value in ("*", "*:*"):
                continue  # reported as full admin
            if _pattern_matches(value, "iam:passrole"):
                scope = "NotResource" if stmt.uses_not_resource else 'Resource "*"'
                yield Report(action, f"{value} allows iam:PassRole with {scope}: any role can be passed")


_ACCOUNT_ROOT = re.compile(r"^(arn:[\w-]+:iam::\d{12}:root|\d{12})$")


def _only_account_roots(stmt: Statement) -> bool:
    """A resource policy granting an account's root delegates to that account's own IAM policies."""
    principal = stmt.principal_node
    if (
        not isinstance(principal, ObjectNode)
        or stmt.principal_key is None
        or stmt.principal_key.value != "Principal"
    ):
        return False
    values = [item for key, node in principal.pairs for item in _strings(node)] if principal.pairs else []
    return (
        bool(values)
        and all(k.value == "AWS" for k, _ in principal.pairs)
        and all(_ACCOUNT_ROOT.match(v) for v in values)
    )


def _strings(node: Node) -> list[str]:
    items = node.items if isinstance(node, ArrayNode) else [node]
    return [str(i.value) for i in items if isinstance(i, ScalarNode)]


def _risky_members(ctx: LintContext, stmt: Statement) -> Iterator[tuple[ScalarNode, list[ActionInfo], str]]:
    if _only_account_roots(stmt):
        return
    for action in stmt.actions:
        value = str(action.value)
        if value in ("*", "*:*") or ("*" not in value and "?" not in value):
            continue
        risky = _classify(ctx.catalog, value)
        if risky is not None:
            yield action, risky[0], risky[1]


@lru_cache(maxsize=8192)
def _classify(catalog: ActionCatalog, pattern: str) -> tuple[list[ActionInfo], str] | None:
    """The permissions-management actions a wildcard grants, else its write actions, else None."""
    matched = [] if pattern == "*" or ":" not in pattern else catalog.match(pattern)
    management = [a for a in matched if PERMISSIONS_MANAGEMENT in a.access_level]
    if management:
        return management, PERMISSIONS_MANAGEMENT
    writes = [a for a in matched if "Write" in a.access_level]
    return (writes, "Write") if writes else None


_last_risky: tuple[PolicyDocument, LintContext, list[tuple[ScalarNode, list[ActionInfo], str]]] | None = None


def _risky(doc: PolicyDocument, ctx: LintContext) -> list[tuple[ScalarNode, list[ActionInfo], str]]:
    """Risky wildcard members of every Allow statement, expanded once per document for PL603 and PL604."""
    global _last_risky
    cached = _last_risky
    if cached is not None and cached[0] is doc and cached[1] is ctx:
        return cached[2]
    found = [
        member
        for stmt in doc.statements
        if stmt.is_allow and not stmt.uses_not_action
        for member in _risky_members(ctx, stmt)
    ]
    _last_risky = (doc, ctx, found)
    return found


def _examples(actions: list[ActionInfo]) -> str:
    names = sorted(a.full_name for a in actions)
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


@policy_rule(
    id="PL603",
    name="wildcard-permissions-management",
    level=Level.SECURITY_WARNING,
    title="A wildcard grants permissions-management actions",
    rationale="Permissions-management actions (iam:Put*Policy, s3:PutBucketPolicy, kms:CreateGrant ...) let "
    "the holder grant themselves or others more access; a wildcard hides that they are included.",
    remediation="List the actions explicitly, leaving out permissions-management ones that are not needed.",
)
def wildcard_permissions_management(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for action, matched, level in _risky(doc, ctx):
        if level == PERMISSIONS_MANAGEMENT:
            yield Report(
                action,
                f"{action.value} grants {len(matched)} permissions-management action"
                f"{'s' if len(matched) != 1 else ''} ({_examples(matched)})",
            )


@policy_rule(
    id="PL604",
    name="wildcard-write",
    level=Level.WARNING,
    title="A wildcard grants write actions",
    rationale="A wildcard such as ec2:* or s3:Put* grants write actions nobody reviewed one by one, "
    "including ones AWS adds later.",
    remediation="List the write actions that are needed, or scope the statement with resources and conditions.",
)
def wildcard_write(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for action, matched, level in _risky(doc, ctx):
        if level == "Write":
            yield Report(
                action,
                f"{action.value} grants {len(matched)} write action{'s' if len(matched) != 1 else ''} "
                f"({_examples(matched)})",
            )


@policy_rule(
    id="PL605",
    name="allow-not-action",
    level=Level.SECURITY_WARNING,
    title="Allow with NotAction grants everything else",
    rationale="Allow + NotAction grants every action not listed, in every service, including ones AWS "
    "launches later.",
    remediation="Use Action with the actions you mean, or Deny + NotAction for guardrails.",
)
def allow_not_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if stmt.is_allow and stmt.uses_not_action and stmt.action_key is not None:
            scope = "on all resources" if _allows_star_resource(stmt) else "on the listed resources"
            yield Report(stmt.action_key, f"Allow with NotAction grants every other action {scope}")


def _is_everyone(principal: Node | None) -> bool:
    if isinstance(principal, ScalarNode):
        return principal.value == "*"
    if isinstance(principal, ObjectNode):
        aws = principal.get("AWS")
        items = aws.items if isinstance(aws, ArrayNode) else [aws] if aws is not None else []
        return any(isinstance(i, ScalarNode) and i.value == "*" for i in items)
    return False


def _restricting_condition(stmt: Statement) -> bool:
    return any(str(entry.key.value).lower() in RESTRICTING_KEYS for entry in stmt.conditions)


@policy_rule(
    id="PL606",
    name="public-resource-policy",
    level=Level.SECURITY_WARNING,
    title='A resource policy allows Principal "*" without a restricting condition',
    rationale='Principal "*" means every AWS account and anonymous callers. Unless a condition such as '
    "aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID narrows it, the resource is public "
    "(e.g. anyone can send to an SQS queue).",
    remediation="Name the principals, or add a condition on aws:SourceArn / aws:SourceAccount / aws:PrincipalOrgID.",
)
def public_resource_policy(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if doc.policy_type in (PolicyType.IDENTITY, PolicyType.SCP, PolicyType.RCP):
        return
    for stmt in doc.statements:
        if not stmt.is_allow or stmt.principal_key is None:
            continue
        if stmt.principal_key.value == "NotPrincipal":
            yield Report(stmt.principal_key, "Allow with NotPrincipal grants access to everyone not listed")
        elif _is_everyone(stmt.principal_node) and not _restricting_condition(stmt):
            node = stmt.principal_node or stmt.principal_key
            yield Report(node, 'Principal "*" with no condition restricting the caller: anyone can use this')
