"""PL6: statements that grant more than anyone should by accident.

These are security warnings, not syntax errors: the policy is valid, but it hands
out full control, lets any role be passed to any service, lets the holder change
permissions, or opens a resource to the whole world.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog, ActionInfo, wildcard_regex
from policy_lint.core.findings import Level
from policy_lint.iam.statements import principal_of_statement, public_access, views_of_document
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

PERMISSIONS_MANAGEMENT = "Permissions management"
#: The policy types whose Allow grants: an SCP, an RCP or a permissions boundary only sets the most a
#: principal may be granted elsewhere (AWS-POLICY-TYPES), so "Allow *" there hands out nothing
#: (AWS's own FullAWSAccess SCP is exactly that) and these rules do not read them.
GRANTING = ("identity", "resource", "trust")


def _allows_star_resource(stmt: Statement) -> bool:
    if stmt.uses_not_resource:
        return True
    return any(r.value == "*" for r in stmt.resources)


@lru_cache(maxsize=8192)
def pattern_matches(pattern: str, action: str) -> bool:
    """Does the Action pattern cover ``action`` (lower case)? A literal service prefix decides first."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == action
    prefix, colon, _ = pattern.partition(":")
    literal = colon and prefix.isascii() and "*" not in prefix and "?" not in prefix
    if literal and prefix.lower() != action.partition(":")[0]:
        return False  # a literal service prefix decides, without compiling a regex per pattern
    return bool(wildcard_regex(pattern).match(action))


@policy_rule(
    id="PL601",
    access_analyzer=("Pass role with star in action and resource",),
    name="full-admin",
    level=Level.SECURITY_WARNING,
    title='Allow "*" on "*": full administrator access',
    rationale="The statement grants every action on every resource, including changing its own "
    "permissions and deleting audit trails.",
    remediation="Grant the specific actions the principal needs (start from a reference policy).",
    policy_types=GRANTING,
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
    access_analyzer=(
        "Pass role with star in resource",
        "Pass role with NotResource",
        "Pass role with star in action and resource",
        "Pass role with star in action and NotResource",
    ),
    name="passrole-any-role",
    level=Level.SECURITY_WARNING,
    title="iam:PassRole on any role",
    rationale="Passing any role to a service (EC2, Lambda ...) lets the holder run code with that role's "
    "permissions, a classic privilege escalation.",
    remediation="Limit Resource to the role ARNs that must be passed, and condition on iam:PassedToService.",
    policy_types=GRANTING,
)
def passrole_any_role(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow or stmt.uses_not_action or not _allows_star_resource(stmt):
            continue
        if not stmt.may_name_service("iam"):
            continue
        for action in stmt.actions:
            value = str(action.value)
            if value in ("*", "*:*"):
                continue  # reported as full admin
            if pattern_matches(value, "iam:passrole"):
                scope = "NotResource" if stmt.uses_not_resource else 'Resource "*"'
                yield Report(action, f"{value} allows iam:PassRole with {scope}: any role can be passed")


def _risky_members(ctx: LintContext, stmt: Statement) -> Iterator[tuple[ScalarNode, list[ActionInfo], str]]:
    principal = principal_of_statement(stmt)
    if principal is not None and principal.only_account_roots:
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
    policy_types=GRANTING,
)
def wildcard_permissions_management(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _wildcard_reports(doc, ctx, PERMISSIONS_MANAGEMENT, "permissions-management")


@policy_rule(
    id="PL604",
    name="wildcard-write",
    level=Level.WARNING,
    title="A wildcard grants write actions",
    rationale="A wildcard such as ec2:* or s3:Put* grants write actions nobody reviewed one by one, "
    "including ones AWS adds later.",
    remediation="List the write actions that are needed, or scope the statement with resources and conditions.",
    policy_types=GRANTING,
)
def wildcard_write(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _wildcard_reports(doc, ctx, "Write", "write")


def _wildcard_reports(doc: PolicyDocument, ctx: LintContext, level: str, kind: str) -> Iterator[Report]:
    """PL603/PL604: each wildcard whose riskiest actions are of ``level``, with examples."""
    for action, matched, found in _risky(doc, ctx):
        if found == level:
            plural = "s" if len(matched) != 1 else ""
            yield Report(
                action, f"{action.value} grants {len(matched)} {kind} action{plural} ({_examples(matched)})"
            )


@policy_rule(
    id="PL605",
    name="allow-not-action",
    level=Level.SECURITY_WARNING,
    title="Allow with NotAction grants everything else",
    rationale="Allow + NotAction grants every action not listed, in every service, including ones AWS "
    "launches later.",
    remediation="Use Action with the actions you mean, or Deny + NotAction for guardrails.",
    policy_types=GRANTING,
)
def allow_not_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if stmt.is_allow and stmt.uses_not_action and stmt.action_key is not None:
            scope = "on all resources" if _allows_star_resource(stmt) else "on the listed resources"
            yield Report(stmt.action_key, f"Allow with NotAction grants every other action {scope}")


@policy_rule(
    id="PL606",
    name="public-resource-policy",
    level=Level.SECURITY_WARNING,
    title='A resource policy allows Principal "*" without a restricting condition',
    rationale='Principal "*" means every AWS account and anonymous callers, and Allow with NotPrincipal lets in '
    "everyone it does not list. Unless a condition with fixed values on who calls, for which resource or from "
    "where (aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:PrincipalOrgID, aws:SourceVpce ...) narrows "
    "it, the resource is public, e.g. anyone can send to an SQS queue (AWS-RESTRICTING-KEYS). A negated, "
    '...IfExists or Null condition, or a value such as "*", narrows nothing.',
    remediation="Name the principals, or add a condition on aws:SourceArn / aws:SourceAccount / aws:SourceOrgID "
    "/ aws:PrincipalOrgID.",
    access_analyzer=("Allow with NotPrincipal",),
    policy_types=("resource", "trust"),
)
def public_resource_policy(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for view in views_of_document(doc):
        stmt, principal = view.node, view.principal
        if stmt is None or principal is None or stmt.principal_key is None:
            continue
        if public_access(view) != "public":
            continue
        if principal.negated:
            yield Report(stmt.principal_key, "Allow with NotPrincipal grants access to everyone not listed")
        else:
            node = stmt.principal_node or stmt.principal_key
            yield Report(node, 'Principal "*" with no condition restricting the caller: anyone can use this')
