"""PL72x: the Principal element of resource and trust policies, value by value.

The grammar rules (PL109, PL110, PL114) check that Principal is present where it must be and that
its keys and types are right, and PL606 that Allow with NotPrincipal or "*" is public. These rules
read the values: a wildcard IAM never matches, a service principal that is not a service's name, and
condition keys a service principal never sends. Facts: AWS-PRINCIPAL-WILDCARD, AWS-SERVICE-PRINCIPAL,
AWS-SERVICE-PRINCIPAL-KEYS (docs/aws-facts.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.policy.placeholders import has_placeholder
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

AA_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
PRINCIPAL_REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
)
CONDITION_KEYS_REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
)
_WITH_PRINCIPAL = ("resource", "trust", "rcp")


@dataclass(frozen=True)
class PrincipalValue:
    """One string of a Principal object: ``{"Service": ["a", "b"]}`` gives two, each with its node."""

    key: str  # AWS, Service, Federated, CanonicalUser (as written)
    node: ScalarNode

    @property
    def text(self) -> str:
        return str(self.node.value)

    @property
    def templated(self) -> bool:
        """A value holding a placeholder or a policy variable is not judged (PL501 reports placeholders)."""
        return "${" in self.text or has_placeholder(self.text)


def principal_values(stmt: Statement) -> list[PrincipalValue]:
    """The string values of the statement's Principal or NotPrincipal object (a bare ``"*"`` has none)."""
    node = stmt.principal_node
    if not isinstance(node, ObjectNode):
        return []
    out: list[PrincipalValue] = []
    for key, value in node.pairs:
        items = value.items if isinstance(value, ArrayNode) else [value]
        out.extend(
            PrincipalValue(str(key.value), item)
            for item in items
            if isinstance(item, ScalarNode) and item.is_string
        )
    return out


def only_service_principals(stmt: Statement) -> bool:
    """A Principal (not NotPrincipal) naming services and nothing else."""
    node = stmt.principal_node
    if (
        stmt.principal_key is None
        or stmt.principal_key.value != "Principal"
        or not isinstance(node, ObjectNode)
    ):
        return False
    return bool(node.pairs) and all(key.value == "Service" for key, _ in node.pairs)


@policy_rule(
    id="PL721",
    name="principal-wildcard",
    level=Level.ERROR,
    title="A wildcard inside a principal value",
    rationale='IAM matches principals literally: the only wildcard it accepts is the whole value "*" for '
    'everyone ("*" or {"AWS": "*"}). A "*" or "?" inside an ARN, or under Service, Federated or '
    "CanonicalUser, never matches what the author meant (AWS-PRINCIPAL-WILDCARD).",
    remediation='Name the principals exactly; to allow a group of principals, use "AWS": "*" narrowed by a '
    "condition such as aws:PrincipalArn with ArnLike, or aws:PrincipalOrgID.",
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Unsupported wildcard in principal",),
    policy_types=_WITH_PRINCIPAL,
)
def principal_wildcard(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for value in principal_values(stmt):
            if value.templated or not ("*" in value.text or "?" in value.text):
                continue
            if value.key == "AWS" and value.text == "*":
                continue
            yield Report(
                value.node,
                f"{value.key} principal {value.text!r} has a wildcard; IAM does not expand wildcards in principals",
                "use ArnLike on aws:PrincipalArn in a condition to match a pattern",
            )


#: A service principal: lower-case DNS labels, at least two (``s3.amazonaws.com``, ``logs.eu-west-1.amazonaws.com``).
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_AMAZONAWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


def service_principal_problem(text: str) -> str | None:
    """Why ``text`` is not a service principal name, or None (AWS-SERVICE-PRINCIPAL)."""
    if text.startswith("arn:"):
        return "is an ARN; a service principal is the service's DNS-style name"
    if text != text.lower() and _SERVICE_PRINCIPAL.match(text.lower()):
        return "has upper-case letters; service principals are lower case"
    if not _SERVICE_PRINCIPAL.match(text):
        return "is not of the form service-name.amazonaws.com"
    if "amazonaws" in text and not text.endswith(_AMAZONAWS_SUFFIXES):
        return "does not end in .amazonaws.com"
    return None


@policy_rule(
    id="PL722",
    name="service-principal-format",
    level=Level.ERROR,
    title="A Service principal that is not a service principal name",
    rationale="A service principal is the service's lower-case name, usually service-name.amazonaws.com "
    "(AWS-SERVICE-PRINCIPAL); an ARN, a bare service prefix or a different spelling is rejected by IAM or "
    "never matches the service.",
    remediation='Use the name the service documents, e.g. "Service": "lambda.amazonaws.com".',
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Invalid service principal format",),
    policy_types=_WITH_PRINCIPAL,
)
def service_principal_format(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for value in principal_values(stmt):
            if value.key != "Service" or value.templated or "*" in value.text or "?" in value.text:
                continue  # wildcards: PL721
            problem = service_principal_problem(value.text)
            if problem is not None:
                hint = f"did you mean {value.text.lower()!r}?" if "upper-case" in problem else None
                yield Report(value.node, f"service principal {value.text!r} {problem}", hint)


#: Keys that describe an IAM principal (its organization, tags, user name), which a service
#: principal calling directly never has (AWS-SERVICE-PRINCIPAL-KEYS).
_IAM_PRINCIPAL_KEYS = ("aws:principalorgid", "aws:principalorgpaths", "aws:username")
_IAM_PRINCIPAL_KEY_PREFIXES = ("aws:principaltag/",)


def never_sent_by_service(key: str) -> bool:
    lowered = key.lower()
    return lowered in _IAM_PRINCIPAL_KEYS or lowered.startswith(_IAM_PRINCIPAL_KEY_PREFIXES)


@policy_rule(
    id="PL723",
    name="service-principal-condition-key",
    level=Level.ERROR,
    title="A condition key a service principal never sends",
    rationale="When a service calls with its service principal, the request has no organization, principal "
    "tags or user name: aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalTag/* and aws:username are "
    "absent (AWS-SERVICE-PRINCIPAL-KEYS). A condition on them in a statement for service principals never "
    "matches (or, negated, always does), so the statement does not do what it says.",
    remediation="Restrict a service principal with aws:SourceArn, aws:SourceAccount or aws:SourceOrgID instead.",
    references=(AA_REFERENCE, CONDITION_KEYS_REFERENCE),
    access_analyzer=("Unsupported condition key for service principal",),
    policy_types=_WITH_PRINCIPAL,
)
def service_principal_condition_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not only_service_principals(stmt):
            continue
        for entry in stmt.conditions:
            if never_sent_by_service(str(entry.key.value)):
                yield Report(
                    entry.key,
                    f"{entry.key.value} is never in a request made by a service principal",
                    "use aws:SourceArn, aws:SourceAccount or aws:SourceOrgID",
                )


#: the keys that tie a service's request to the resource or account it acts for (confused deputy)
_SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"})


@policy_rule(
    id="PL724",
    name="service-principal-without-source",
    level=Level.SUGGESTION,
    title="A resource policy allows a service principal without aws:SourceArn or aws:SourceAccount",
    rationale="A service acts for every customer: without a condition on the resource or account it acts for, "
    "another account's use of the same service can reach this resource (the confused deputy, "
    "AWS-CONFUSED-DEPUTY). IAM Access Analyzer suggests aws:SourceArn, aws:SourceAccount or aws:SourceOrgID "
    "(Recommended condition key for service principal).",
    remediation="Add a Condition on aws:SourceArn (the resource the service acts for), aws:SourceAccount or "
    "aws:SourceOrgID.",
    references=(AA_REFERENCE, CONDITION_KEYS_REFERENCE),
    access_analyzer=("Recommended condition key for service principal",),
    policy_types=("resource",),
)
def service_principal_without_source(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow or not only_service_principals(stmt):
            continue
        keys = {str(entry.key.value).lower() for entry in stmt.conditions}
        if not keys & _SOURCE_KEYS and stmt.principal_node is not None:
            yield Report(
                stmt.principal_node,
                "a service principal is allowed with no aws:SourceArn, aws:SourceAccount or aws:SourceOrgID",
                "add a condition on the resource or account the service acts for",
            )
