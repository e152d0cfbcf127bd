"""PL414-PL415: what a given resource's policy cannot name (IAM Access Analyzer's resource-policy checks).

A resource-based policy governs only the resource it is attached to (fact AWS-RESOURCE-POLICY-SCOPE): an S3
bucket policy's actions are S3 actions on buckets and objects, its ARNs those of the bucket and its objects.
An action or ARN of anything else is never granted or denied by it, and AWS rejects some of them outright.
Judged only when the resource type is known (``--resource-type``); wildcards count as supported whenever one
of the actions or resources they stand for is.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog, ActionInfo
from policy_lint.catalog.arns import Arn, ResourceType, could_match, parse_arn
from policy_lint.catalog.defaults import default_resource_types
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import has_placeholder
from policy_lint.policy.resource_types import ResourcePolicyKind, resource_policy_kind
from policy_lint.rules.registry import Report, RuleGroup

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_AA_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
_RESOURCE_BASED = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html"


@lru_cache(maxsize=4096)
def _match(catalog: ActionCatalog, pattern: str) -> tuple[ActionInfo, ...]:
    return tuple(catalog.match(pattern))


def _supports(kind: ResourcePolicyKind, action: ActionInfo) -> bool:
    return action.service == kind.service and any(
        requirement.name.lower() in kind.resource_types for requirement in action.resource_types
    )


@policy_rule(
    id="PL414",
    name="action-not-for-this-resource",
    level=Level.ERROR,
    title="A resource policy names an action its resource type does not support",
    rationale="A resource's policy can only govern actions on that resource: kms:Decrypt in an S3 bucket policy, "
    "or s3:ListAllMyBuckets (which acts on no bucket), is never granted or denied by it, and the author "
    "believes otherwise. IAM Access Analyzer reports this as an error.",
    remediation="Move the action to the policy of the resource it acts on, or to an identity policy.",
    references=(_RESOURCE_BASED, _AA_DOC),
    access_analyzer=("Unsupported action in policy",),
    policy_types=("resource", "trust"),
)
def action_not_for_this_resource(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    kind = resource_policy_kind(ctx.options.resource_type)
    if kind is None:
        return
    for stmt in doc.statements:
        if stmt.uses_not_action:
            continue
        for node in stmt.actions:
            pattern = str(node.value)
            if pattern in ("*", "*:*") or ":" not in pattern or has_placeholder(pattern):
                continue
            matched = _match(ctx.catalog, pattern)
            if matched and not any(_supports(kind, action) for action in matched):
                yield Report(
                    node,
                    f"{pattern} does not act on {_types(kind)}: "
                    f"the policy of an {ctx.options.resource_type} never grants or denies it",
                    f"only {kind.service} actions on {_types(kind)} belong here",
                )


def _types(kind: ResourcePolicyKind) -> str:
    return f"{kind.service} " + " or ".join(f"{name}s" for name in kind.resource_types)


@lru_cache(maxsize=64)
def _templates(kind: ResourcePolicyKind) -> tuple[ResourceType, ...]:
    types = default_resource_types()
    return tuple(t for name in kind.resource_types if (t := types.get(kind.service, name)) is not None)


@policy_rule(
    id="PL415",
    name="arn-not-for-this-resource",
    level=Level.ERROR,
    title="A resource policy names an ARN that is not of its resource type",
    rationale="A resource's policy governs only that resource (an S3 bucket policy: the bucket and its objects). "
    "A KMS key or another service's ARN in its Resource names nothing the policy can govern. IAM Access "
    "Analyzer reports this as an error.",
    remediation="Name the resource the policy is attached to (and its sub-resources), or move the statement to "
    "the policy of the resource it names.",
    references=(_RESOURCE_BASED, _AA_DOC),
    access_analyzer=("Unsupported resource ARN in policy",),
    policy_types=("resource",),
)
def arn_not_for_this_resource(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    kind = resource_policy_kind(ctx.options.resource_type)
    templates = _templates(kind) if kind is not None else ()
    if kind is None or not templates:
        return
    for stmt in doc.statements:
        if stmt.uses_not_resource:
            continue
        for node in stmt.resources:
            text = str(node.value)
            if (
                text == ""
                or text.strip("*") == ""
                or has_placeholder(text)
                or not isinstance(parse_arn(text), Arn)
            ):
                continue
            if not any(could_match(text, t.arn) for t in templates):
                shown = "; ".join(f"{t.name}: {t.arn}" for t in templates)
                yield Report(
                    node,
                    f"{text!r} is none of {_types(kind)}: the policy of an {ctx.options.resource_type} "
                    "governs nothing it names",
                    f"expected {shown}",
                )
