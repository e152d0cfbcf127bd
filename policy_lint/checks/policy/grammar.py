"""PL1: the IAM policy grammar (elements, types, Version, Effect, Principal, Sid)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.core.findings import Level
from policy_lint.core.suggest import closest
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, PolicyType, Statement
from policy_lint.policy.size import iam_size
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, StringArrayNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

CURRENT_VERSION = "2012-10-17"
OLD_VERSION = "2008-10-17"
TOP_LEVEL_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_SID_RE = re.compile(r"^[A-Za-z0-9]*$")

#: Size quotas (characters, whitespace not counted) from the IAM user guide, "IAM and AWS STS quotas".
MANAGED_POLICY_QUOTA = 6144


def _did_you_mean(name: str, choices: tuple[str, ...]) -> str | None:
    for choice in choices:
        if choice.lower() == name.lower():
            return f"did you mean {choice!r}? element names are case-sensitive"
    close = closest(name, choices, 0.7)
    return f"did you mean {close!r}?" if close is not None else None


@policy_rule(
    id="PL101",
    access_analyzer=("Missing version",),
    name="missing-version",
    level=Level.WARNING,
    title="The policy has no Version",
    rationale="Without Version, IAM uses 2008-10-17, where policy variables such as ${aws:username} are "
    "plain text and some newer features are unavailable.",
    remediation='Add "Version": "2012-10-17" at the top of the document.',
)
def missing_version(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if isinstance(doc.root, ObjectNode) and doc.version is None:
        yield Report(
            doc.root, 'no "Version"; IAM will assume 2008-10-17', f'add "Version": "{CURRENT_VERSION}"'
        )


@policy_rule(
    id="PL102",
    name="old-version",
    level=Level.WARNING,
    title="The policy uses the old 2008-10-17 language version",
    rationale="Policy variables are not substituted under 2008-10-17 and newer condition features are missing.",
    remediation='Use "Version": "2012-10-17".',
)
def old_version(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if isinstance(doc.version, ScalarNode) and doc.version.value == OLD_VERSION:
        yield Report(doc.version, f"Version {OLD_VERSION} is outdated", f'use "{CURRENT_VERSION}"')


@policy_rule(
    id="PL103",
    access_analyzer=("Invalid version",),
    name="invalid-version",
    level=Level.ERROR,
    title="Version is not a valid policy language version",
    rationale="IAM accepts only 2012-10-17 and 2008-10-17 and rejects anything else as malformed.",
    remediation='Use "Version": "2012-10-17" (a quoted string, not a date).',
)
def invalid_version(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    v = doc.version
    if v is None:
        return
    if _is_string(v) and isinstance(v, ScalarNode) and v.value not in (CURRENT_VERSION, OLD_VERSION):
        yield Report(v, f"invalid Version {v.value!r}", f'use "{CURRENT_VERSION}"')


@policy_rule(
    id="PL104",
    access_analyzer=("Missing statement",),
    name="missing-statement",
    level=Level.ERROR,
    title="The document is not a policy: no Statement, or not an object",
    rationale="A policy is an object with a Statement element; anything else is rejected by IAM.",
    remediation='Put the statements in a top-level "Statement" list (if this is a CloudFormation or '
    "Terraform snippet, lint the PolicyDocument inside it).",
)
def missing_statement(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not isinstance(doc.root, ObjectNode):
        yield Report(doc.root, f"a policy document must be an object, not {doc.root.described}")
        return
    if doc.statement_node is None:
        hint = None
        if doc.root.get("PolicyDocument") is not None:
            hint = "this looks like a CloudFormation policy resource: lint its PolicyDocument"
        yield Report(doc.root, 'no "Statement" element', hint)


@policy_rule(
    id="PL105",
    access_analyzer=("Invalid policy element",),
    name="unknown-element",
    level=Level.ERROR,
    title="An element name IAM does not know",
    rationale='IAM rejects unknown elements, and element names are case-sensitive ("action" is not "Action").',
    remediation="Rename or remove the element.",
)
def unknown_element(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if isinstance(doc.root, ObjectNode):
        for key, _ in doc.root.pairs:
            if key.value not in TOP_LEVEL_KEYS:
                yield Report(
                    key,
                    f"unknown top-level element {key.value!r}",
                    _did_you_mean(str(key.value), TOP_LEVEL_KEYS),
                )
    for stmt in doc.statements:
        if isinstance(stmt.node, ObjectNode):
            for key, _ in stmt.node.pairs:
                if key.value not in STATEMENT_KEYS:
                    yield Report(
                        key,
                        f"unknown statement element {key.value!r}",
                        _did_you_mean(str(key.value), STATEMENT_KEYS),
                    )


@policy_rule(
    id="PL106",
    access_analyzer=("Missing effect", "Invalid effect"),
    name="invalid-effect",
    level=Level.ERROR,
    title="Effect is missing or is not Allow/Deny",
    rationale='Every statement needs Effect "Allow" or "Deny" (case-sensitive).',
    remediation='Set "Effect": "Allow" or "Effect": "Deny".',
)
def invalid_effect(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.node, ObjectNode):
            continue
        if stmt.effect is None:
            yield Report(stmt.node, f"statement {_label(stmt)} has no Effect")
        elif stmt.effect_value not in ("Allow", "Deny"):
            value = stmt.effect.value if isinstance(stmt.effect, ScalarNode) else stmt.effect.type_name
            hint = None
            if isinstance(value, str) and value.capitalize() in ("Allow", "Deny"):
                hint = f"Effect is case-sensitive: use {value.capitalize()!r}"
            yield Report(stmt.effect, f"invalid Effect {value!r}", hint)


@policy_rule(
    id="PL107",
    access_analyzer=("Missing action", "Unsupported element combination"),
    name="action-element",
    level=Level.ERROR,
    title="A statement needs exactly one of Action or NotAction",
    rationale="IAM rejects a statement with neither or with both.",
    remediation="Keep exactly one of Action / NotAction.",
)
def action_element(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if isinstance(stmt.node, ObjectNode):
            yield from _exactly_one(stmt, "Action", "NotAction")


@policy_rule(
    id="PL108",
    access_analyzer=("Missing resource", "Unsupported element combination"),
    name="resource-element",
    level=Level.ERROR,
    title="A statement needs exactly one of Resource or NotResource",
    rationale="IAM rejects an identity or resource policy statement with neither or with both "
    "(trust policies are the exception: they have no Resource).",
    remediation='Add "Resource" (or keep only one of Resource / NotResource).',
)
def resource_element(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.node, ObjectNode):
            continue
        if doc.policy_type in (PolicyType.TRUST, PolicyType.SCP, PolicyType.RCP):
            both = stmt.node.get("Resource") is not None and stmt.node.get("NotResource") is not None
            if both:
                yield from _exactly_one(stmt, "Resource", "NotResource")
            continue
        yield from _exactly_one(stmt, "Resource", "NotResource")


def _exactly_one(stmt: Statement, first: str, second: str) -> Iterator[Report]:
    assert isinstance(stmt.node, ObjectNode)
    a, b = stmt.node.get_pair(first), stmt.node.get_pair(second)
    if a and b:
        yield Report(b[0], f"statement {_label(stmt)} has both {first} and {second}")
    elif not a and not b:
        yield Report(stmt.node, f"statement {_label(stmt)} has neither {first} nor {second}")


@policy_rule(
    id="PL109",
    access_analyzer=("Missing principal",),
    name="missing-principal",
    level=Level.ERROR,
    title="A resource-based policy statement has no Principal",
    rationale="Resource-based and trust policies must say who is granted access; IAM rejects them otherwise.",
    remediation='Add "Principal" (or pass --policy-type identity if this is an identity policy).',
    policy_types=("resource", "trust", "rcp"),
)
def missing_principal(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if isinstance(stmt.node, ObjectNode) and stmt.principal_node is None:
            how = "inferred" if doc.type_inferred else "given"
            yield Report(
                stmt.node,
                f"statement {_label(stmt)} has no Principal ({doc.policy_type.value} policy, {how})",
            )


@policy_rule(
    id="PL110",
    access_analyzer=("Unsupported principal", "SCP syntax error principal"),
    name="unexpected-principal",
    level=Level.ERROR,
    title="An identity policy or SCP names a Principal",
    rationale="Identity policies apply to whoever they are attached to; IAM rejects Principal in them.",
    remediation="Remove Principal, or lint the file with --policy-type resource if it is a resource policy.",
    policy_types=("identity", "scp", "permissions-boundary"),
)
def unexpected_principal(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if stmt.principal_key is not None:
            yield Report(
                stmt.principal_key,
                f"{stmt.principal_key.value} is not allowed in a {doc.policy_type.value} policy",
            )


@policy_rule(
    id="PL111",
    access_analyzer=("Unique Sids required", "Unique Sids recommended"),
    name="duplicate-sid",
    level=Level.ERROR,
    title="Two statements share a Sid",
    rationale="Sids must be unique within a policy; IAM rejects duplicates in most policy types.",
    remediation="Give each statement its own Sid.",
)
def duplicate_sid(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    seen: dict[str, int] = {}
    for stmt in doc.statements:
        if isinstance(stmt.sid, ScalarNode) and isinstance(stmt.sid.value, str) and stmt.sid.value:
            if stmt.sid.value in seen:
                yield Report(
                    stmt.sid,
                    f"Sid {stmt.sid.value!r} is already used by statement #{seen[stmt.sid.value] + 1}",
                )
            else:
                seen[stmt.sid.value] = stmt.index


@policy_rule(
    id="PL112",
    access_analyzer=("Unsupported Sid",),
    name="invalid-sid",
    level=Level.ERROR,
    title="Sid has characters IAM does not allow",
    rationale="IAM identity policies, SCPs and RCPs accept only ASCII letters and digits in Sid "
    "(resource policies of some services accept more, so they are not checked).",
    remediation="Use only A-Z, a-z and 0-9 in Sid.",
    policy_types=("identity", "scp", "rcp", "permissions-boundary"),
)
def invalid_sid(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        sid = stmt.sid
        if isinstance(sid, ScalarNode) and isinstance(sid.value, str) and not _SID_RE.match(sid.value):
            yield Report(sid, f"Sid {sid.value!r} contains characters other than letters and digits")


@policy_rule(
    id="PL113",
    access_analyzer=(
        "Empty array action",
        "Empty array resource",
        "Empty object condition",
        "Empty object principal",
    ),
    name="empty-value",
    level=Level.ERROR,
    title="An element is empty",
    rationale="An empty Statement, Action, Resource, Principal or Condition grants or restricts nothing "
    "and is rejected by IAM or hides a mistake.",
    remediation="Fill the element in or remove it.",
)
def empty_value(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if isinstance(doc.statement_node, ArrayNode) and not doc.statement_node.items:
        yield Report(doc.statement_node, "Statement is an empty list")
    for stmt in doc.statements:
        if not isinstance(stmt.node, ObjectNode):
            continue
        for key, value in stmt.node.pairs:
            if key.value in ("Sid",):
                continue
            if _is_empty(value):
                yield Report(value, f"{key.value} is empty")
            elif isinstance(value, ArrayNode):
                for item in value.items:
                    if isinstance(item, ScalarNode) and item.value == "":
                        yield Report(item, f"empty string in {key.value}")


def _is_empty(node: Node) -> bool:
    if isinstance(node, ArrayNode):
        return not node.items
    if isinstance(node, ObjectNode):
        return not node.pairs
    return isinstance(node, ScalarNode) and node.value == ""


@policy_rule(
    id="PL114",
    access_analyzer=(
        "Data type mismatch",
        "Invalid principal key",
        "Invalid principal format",
    ),
    name="wrong-type",
    level=Level.ERROR,
    title="An element has the wrong JSON type",
    rationale="IAM expects strings or lists of strings (Action, Resource), objects (Condition, Principal), "
    "a list or object for Statement; anything else is rejected, and a linter that guessed would hide it.",
    remediation="Use the type shown in the message.",
)
def wrong_type(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    root = doc.root
    if not isinstance(root, ObjectNode):
        return
    for key, value in root.pairs:
        if key.value == "Version" and not _is_string(value):
            yield Report(value, f"Version must be a string, not {value.described}")
        elif key.value == "Id" and not _is_string(value):
            yield Report(value, f"Id must be a string, not {value.described}")
        elif key.value == "Statement":
            if isinstance(value, ArrayNode):
                for item in value.items:
                    if not isinstance(item, ObjectNode):
                        yield Report(item, f"each statement must be an object, not {item.described}")
            elif not isinstance(value, ObjectNode):
                yield Report(
                    value, f"Statement must be a list of objects or one object, not {value.described}"
                )
    for stmt in doc.statements:
        if isinstance(stmt.node, ObjectNode):
            yield from _statement_types(stmt.node)


def _is_string(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.is_string


def _string_or_list(name: str, value: Node) -> Iterator[Report]:
    if _is_string(value):
        return
    if isinstance(value, ArrayNode):
        if type(value) is StringArrayNode or all(
            type(item) is ScalarNode and type(item.value) is str for item in value.items
        ):
            return  # every entry plain text (an AWS policy lists hundreds): no call per entry
        for item in value.items:
            if not _is_string(item):
                yield Report(
                    item, f"{name} entries must be strings, not {item.described}", _intrinsic_hint(item)
                )
        return
    yield Report(
        value, f"{name} must be a string or a list of strings, not {value.described}", _intrinsic_hint(value)
    )


def _intrinsic_hint(node: Node) -> str | None:
    if isinstance(node, ObjectNode) and len(node.pairs) == 1:
        key = str(node.pairs[0][0].value)
        if key == "Ref" or key.startswith("Fn::"):
            return f"{key} is a CloudFormation intrinsic function: lint the template, or the rendered policy"
    return None


def _statement_types(node: ObjectNode) -> Iterator[Report]:
    for key, value in node.pairs:
        name = key.value
        if name in ("Sid", "Effect") and not _is_string(value):
            yield Report(value, f"{name} must be a string, not {value.described}")
        elif name in ("Action", "NotAction", "Resource", "NotResource"):
            yield from _string_or_list(str(name), value)
        elif name in ("Principal", "NotPrincipal"):
            if _is_string(value):
                if isinstance(value, ScalarNode) and value.value != "*":
                    yield Report(value, f'{name} as a string must be "*"', f'use {{"AWS": "{value.value}"}}')
            elif isinstance(value, ObjectNode):
                for ptype, pvalue in value.pairs:
                    if ptype.value not in PRINCIPAL_TYPES:
                        yield Report(
                            ptype,
                            f"unknown principal type {ptype.value!r}",
                            _did_you_mean(str(ptype.value), PRINCIPAL_TYPES)
                            or "use AWS, Service, Federated or CanonicalUser",
                        )
                    yield from _string_or_list(f"{name}.{ptype.value}", pvalue)
            else:
                yield Report(value, f'{name} must be "*" or an object, not {value.described}')
        elif name == "Condition":
            if not isinstance(value, ObjectNode):
                yield Report(value, f"Condition must be an object, not {value.described}")
                continue
            for operator, block in value.pairs:
                if not isinstance(block, ObjectNode):
                    yield Report(block, f"Condition operator {operator.value} must map to an object of keys")
                    continue
                for ckey, cvalue in block.pairs:
                    items = cvalue.items if isinstance(cvalue, ArrayNode) else [cvalue]
                    for item in items:
                        if not isinstance(item, ScalarNode) or item.value is None:
                            yield Report(
                                item, f"condition value for {ckey.value} must be a string, number or boolean"
                            )


@policy_rule(
    id="PL115",
    access_analyzer=("Policy size exceeds identity policy quota",),
    name="policy-too-large",
    level=Level.WARNING,
    title="The policy is over IAM's managed-policy size quota",
    rationale="A customer managed policy may hold at most 6,144 characters, whitespace excluded; "
    "CreatePolicy fails with LimitExceeded above that (AWS managed policies are exempt).",
    remediation="Split the policy, or use wildcards deliberately to shorten action lists.",
    policy_types=("identity", "permissions-boundary"),  # a boundary is a managed policy: the same quota
)
def policy_too_large(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    text = doc.source.text
    if len(text) <= MANAGED_POLICY_QUOTA:
        return
    size = iam_size(text)
    if size > MANAGED_POLICY_QUOTA:
        yield Report(doc.root, f"{size:,} non-whitespace characters, over the {MANAGED_POLICY_QUOTA:,} quota")


_FEDERATED_ACTIONS = {
    "sts:assumerolewithsaml": "a SAML provider",
    "sts:assumerolewithwebidentity": "an OIDC provider",
}


@policy_rule(
    id="PL116",
    access_analyzer=("Mismatched action for principal",),
    name="trust-principal-mismatch",
    level=Level.ERROR,
    title="A trust statement's principal type cannot call its action",
    rationale="sts:AssumeRoleWithSAML and sts:AssumeRoleWithWebIdentity are only ever called by a Federated "
    "principal; granting them to AWS or Service principals is a mistake that grants nothing.",
    remediation='Use "Principal": {"Federated": "<provider ARN or domain>"} for federated actions.',
)
def trust_principal_mismatch(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.principal_node, ObjectNode) or stmt.uses_not_action:
            continue
        types = set(stmt.principal_node.keys())
        for action in stmt.actions:
            need = _FEDERATED_ACTIONS.get(str(action.value).lower())
            if need and "Federated" not in types:
                shown = ", ".join(sorted(types))
                yield Report(
                    action, f"{action.value} is called by {need} (Federated principal), not by {shown}"
                )


def _label(stmt: Statement) -> str:
    if isinstance(stmt.sid, ScalarNode) and isinstance(stmt.sid.value, str) and stmt.sid.value:
        return f"{stmt.sid.value!r}"
    return f"#{stmt.index + 1}"


@policy_rule(
    id="PL117",
    name="rcp-grammar",
    level=Level.ERROR,
    title="A resource control policy uses a feature RCPs do not support",
    rationale='RCPs (AWS Organizations) only restrict: every statement must be a Deny with Principal "*", '
    "and NotAction / NotPrincipal are not supported; AWS rejects the policy otherwise.",
    remediation='Use Effect Deny, Principal "*" (narrow with conditions such as aws:PrincipalAccount), and Action.',
    references=(
        "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html",
    ),
    policy_types=("rcp",),
)
def rcp_grammar(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.node, ObjectNode):
            continue
        if stmt.effect_value == "Allow":
            yield Report(stmt.effect, "RCP statements must use Effect Deny (RCPs cannot grant access)")
        if stmt.uses_not_action and stmt.action_key is not None:
            yield Report(stmt.action_key, "NotAction is not supported in resource control policies")
        if stmt.principal_key is not None and stmt.principal_key.value == "NotPrincipal":
            yield Report(stmt.principal_key, "NotPrincipal is not supported in resource control policies")
        elif stmt.principal_node is not None and not (
            isinstance(stmt.principal_node, ScalarNode) and stmt.principal_node.value == "*"
        ):
            yield Report(
                stmt.principal_node,
                'RCP statements must use Principal "*"',
                "narrow the principals with a condition such as aws:PrincipalAccount",
            )
