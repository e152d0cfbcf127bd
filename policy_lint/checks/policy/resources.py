"""PL4: Resource / NotResource and the ARNs in them.

Template placeholders (``${Account ID}``, ``<ACCOUNT_ID>``, ``${AWS::Region}``)
are PL5's to report; an ARN that holds one is skipped here rather than
reported twice. IAM policy variables (``${aws:username}``) and wildcards are
fine anywhere in an ARN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog import partitions
from policy_lint.catalog.actions import ActionCatalog, ActionInfo, wildcard_regex
from policy_lint.catalog.arns import (
    MERGED_SERVICE_PREFIXES,
    Arn,
    ArnProblem,
    ResourceType,
    ResourceTypeCatalog,
    could_match,
    has_wildcard,
    parse_arn,
)
from policy_lint.catalog.defaults import default_resource_types
from policy_lint.checks.policy.arn_structure import impossible_region
from policy_lint.core.findings import Level
from policy_lint.core.suggest import closest
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.policy.placeholders import TemplateSyntax, has_placeholder, is_hole, unjudged
from policy_lint.policy.resource_types import is_api_shorthand
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_ARN_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"
_RESOURCE_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
_SAR_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
_ARN_SHAPE = "arn:partition:service:region:account:resource"


@lru_cache(maxsize=8192)
def _has_placeholder(text: str) -> bool:
    """Template text that PL501 reports: the ARN is not judged (nor reported twice)."""
    return has_placeholder(text)


@lru_cache(maxsize=8192)
def _parse(text: str) -> Arn | ArnProblem:
    return parse_arn(text)


@lru_cache(maxsize=8192)
def _match(catalog: ActionCatalog, pattern: str) -> tuple[ActionInfo, ...]:
    return tuple(catalog.match(pattern))


def _matches_everything(resource: str) -> bool:
    """``*`` (or ``**``): the only Resource that covers actions without resource-level permissions."""
    return resource != "" and resource.strip("*") == ""


def _checked_arns(stmt: Statement, template: TemplateSyntax) -> Iterator[tuple[ScalarNode, Arn]]:
    """The parseable ARNs of a statement's Resource/NotResource, placeholders left out (template
    holes in an ARN's fields are kept: they stand for unknown values, like policy variables)."""
    for node in stmt.resources:
        text = str(node.value)
        if _matches_everything(text) or (_has_placeholder(text) and unjudged(text, template)):
            continue
        arn = _parse(text)
        if isinstance(arn, Arn):
            yield node, arn


# -- PL401 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL401",
    access_analyzer=("Invalid ARN prefix", "Missing ARN field"),
    name="invalid-arn",
    level=Level.ERROR,
    title='A Resource that is neither "*" nor an ARN',
    rationale="IAM matches Resource against ARNs of the form arn:partition:service:region:account:resource. "
    "Anything else (a bare bucket name, a truncated ARN, 'ARN:' in capitals) is rejected by IAM or matches "
    "nothing, so the statement silently grants or denies nothing. One abbreviation is valid: an API Gateway "
    "resource policy (--resource-type AWS::ApiGateway::RestApi, or the Policy of a RestApi/SAM Api) may "
    "write execute-api:/stage/METHOD/path, which API Gateway completes to its API's ARN.",
    remediation='Write the full ARN, keeping empty parts as empty (arn:aws:s3:::my-bucket), or "*".',
    references=(_ARN_DOC, _RESOURCE_DOC),
)
def invalid_arn(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    resource_type = ctx.options.resource_type
    for stmt in doc.statements:
        for node in stmt.resources:
            text = str(node.value)
            if (
                text == ""
                or _matches_everything(text)
                or (_has_placeholder(text) and unjudged(text, template))
                or is_api_shorthand(text, resource_type)
            ):
                continue  # empty strings are PL113's; placeholders are PL5's
            arn = _parse(text)
            if isinstance(arn, ArnProblem):
                yield Report(node, *_arn_problem(text, arn, stmt))


def _arn_problem(text: str, problem: ArnProblem, stmt: Statement) -> tuple[str, str | None]:
    if problem is ArnProblem.BAD_PREFIX_CASE:
        return f"{text!r}: an ARN starts with lower-case 'arn:'", "write 'arn:' in lower case"
    if problem is ArnProblem.TOO_FEW_PARTS:
        found = text.count(":") + 1
        return (
            f"{text!r} has {found} of the 6 colon-separated parts of an ARN ({_ARN_SHAPE})",
            "keep empty parts as empty, e.g. arn:aws:s3:::my-bucket or arn:aws:iam::123456789012:role/name",
        )
    if problem is ArnProblem.EMPTY_SERVICE:
        return f"{text!r} has no service part", f"an ARN is {_ARN_SHAPE}"
    hint = f'use "*" or an ARN ({_ARN_SHAPE})'
    s3_actions = any(str(a.value).lower().startswith("s3:") for a in stmt.actions)
    if s3_actions and re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?", text):
        hint = f"an S3 bucket or object is written arn:aws:s3:::{text}"
    elif text.startswith("https://") and ("sqs." in text or "queue.amazonaws.com" in text):
        hint = "a queue policy names the queue ARN (arn:aws:sqs:region:account:name), not its URL"
    return f"{text!r} is not an ARN", hint


# -- PL402 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL402",
    access_analyzer=("Invalid partition",),
    name="unknown-partition",
    level=Level.ERROR,
    title="The ARN's partition does not exist",
    rationale="The partition is aws, aws-cn, aws-us-gov (or an isolated/sovereign partition); any other value "
    "matches no resource, so the statement grants or denies nothing.",
    remediation="Use the partition of the account's region (aws for commercial regions, aws-cn in China, "
    "aws-us-gov in GovCloud), or a wildcard.",
    references=(_ARN_DOC,),
)
def unknown_partition(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    for stmt in doc.statements:
        for node, arn in _checked_arns(stmt, template):
            part = arn.partition
            if has_wildcard(part) or partitions.is_known_partition(part):
                continue
            yield Report(node, f"unknown partition {part!r} in {node.value!r}", _partition_hint(part))


def _partition_hint(partition: str) -> str:
    known = partitions.partition_ids()
    if partition.lower() in known:
        return f"partitions are lower case: {partition.lower()!r}"
    close = closest(partition.lower(), known, 0.6)
    if close is not None:
        return f"did you mean {close!r}?"
    return "known partitions: " + ", ".join(known)


# -- PL403 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL403",
    access_analyzer=("Invalid ARN Region",),
    name="unknown-region",
    level=Level.WARNING,
    title="The ARN's region is not a region of its partition",
    rationale="An ARN with a misspelled region, or a region of another partition (cn-north-1 under aws), names "
    "no resource. Regions are known offline from botocore's partitions.json plus a bundled snapshot, so a region "
    "launched after both is reported too; that is why this is a warning.",
    remediation="Fix the region, use the partition that owns it (aws-cn for cn-*, aws-us-gov for us-gov-*), or a "
    "wildcard. Global services (IAM, S3 buckets, CloudFront) keep the region part empty.",
    references=(_ARN_DOC,),
)
def unknown_region(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    for stmt in doc.statements:
        for node, arn in _checked_arns(stmt, template):
            message = None if impossible_region(arn) else _region_problem(arn)  # PL412's, an error
            if message:
                yield Report(node, message, _region_hint(arn.region))


def _region_problem(arn: Arn) -> str | None:
    region, part = arn.region, arn.partition
    if not region or "${" in region:
        return None
    known_partition = partitions.is_known_partition(part)
    candidates = partitions.regions(part) if known_partition else partitions.all_regions()
    if has_wildcard(region):
        rx = wildcard_regex(region)
        if any(rx.match(r) for r in candidates):
            return None
        where = f"partition {part}" if known_partition else "any partition"
        return f"region pattern {region!r} matches no region of {where}"
    if region in candidates:
        return None
    owner = partitions.partition_of_region(region, by_pattern=True)
    if known_partition and owner is not None and owner != part:
        return f"region {region!r} belongs to partition {owner}, not {part}"
    if known_partition:
        return f"{region!r} is not a region of partition {part}"
    return f"{region!r} is not a known region" if not has_wildcard(part) else None


def _region_hint(region: str) -> str | None:
    owner = partitions.partition_of_region(region)
    if owner is not None:
        return f"write arn:{owner}:... for {region}"
    close = closest(region.lower(), sorted(partitions.all_regions()), 0.8)
    if close is not None:
        return f"did you mean {close!r}?"
    return None


# -- PL404 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL404",
    name="resource-not-supported",
    level=Level.WARNING,
    title="An action without resource-level permissions is scoped to specific ARNs",
    rationale="Actions such as s3:ListAllMyBuckets or iam:ListRoles have no resource types: IAM authorizes them "
    'against "*" only. A statement that names specific ARNs never grants (or denies) them, which is usually a '
    "permission the author believes they gave. Only statements aimed at particular resources (partition, region "
    "and account fixed or empty) are checked: the reference omits resource types for a few actions, and "
    "account-wide wildcard ARNs (common in AWS's own policies) are too often written on purpose to call wrong.",
    remediation='Grant these actions in a separate statement with "Resource": "*" (use conditions to narrow '
    "them if needed).",
    references=(_SAR_DOC,),
)
def resource_not_supported(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    for stmt in doc.statements:
        resources = _specific_resources(stmt, template)
        if resources is None:
            continue
        if not all(_targets_particular_resources(r, template) for r in resources):
            continue
        for node, actions in _statement_actions(stmt, ctx):
            if actions and all(not a.resource_types and not _mentions_resource_tags(a) for a in actions):
                yield Report(
                    node,
                    _not_supported_message(str(node.value), actions, resources, stmt),
                    'grant it in a statement of its own with "Resource": "*"',
                )


def _specific_resources(stmt: Statement, template: TemplateSyntax) -> list[str] | None:
    """The Resource strings when all are specific (no "*", no placeholders; a template's holes in an
    ARN's fields are values, only not known here); None to skip the statement."""
    if stmt.uses_not_resource or stmt.uses_not_action or not stmt.resources:
        return None
    texts = [str(node.value) for node in stmt.resources]
    if any(
        _matches_everything(t) or (_has_placeholder(t) and unjudged(t, template)) or t == "" for t in texts
    ):
        return None
    return texts


def _fixed_scope(resource: str, template: TemplateSyntax) -> bool:
    """An ARN whose partition, region and account are fixed or empty (no wildcards, no variables; a template's hole is one value, so it counts as fixed).

    Such a statement is aimed at particular resources. ``arn:aws:logs:*:*:log-group:x`` (any region,
    any account) is the generic form AWS's own managed policies use, where the reference's gaps in
    resource types would make "never grants" claims unreliable.
    """
    arn = _parse(resource)
    return isinstance(arn, Arn) and not any(
        has_wildcard(part) and not is_hole(part, template)
        for part in (arn.partition, arn.region, arn.account)
    )


def _targets_particular_resources(resource: str, template: TemplateSyntax) -> bool:
    """A fixed-scope ARN that also names resources, not the whole service.

    ``arn:aws:s3:::*`` is left out: AWS's own examples disagree on whether it covers s3:ListAllMyBuckets.
    """
    arn = _parse(resource)
    return _fixed_scope(resource, template) and isinstance(arn, Arn) and arn.resource.strip("*?/:") != ""


def _mentions_resource_tags(action: ActionInfo) -> bool:
    """Resource-tag keys on an action without resource types: the reference is missing its resource type."""
    return any("resourcetag/" in key.lower() for key in action.condition_keys)


def _statement_actions(stmt: Statement, ctx: LintContext) -> Iterator[tuple[ScalarNode, list[ActionInfo]]]:
    """Each written action with the catalogued actions it stands for; unknown or "*" actions are left out."""
    for node in stmt.actions:
        pattern = str(node.value)
        if pattern == "*" or ":" not in pattern or _has_placeholder(pattern):
            continue
        matched = _match(ctx.catalog, pattern)
        if matched and all(
            info.documented and info.service not in MERGED_SERVICE_PREFIXES for info in matched
        ):
            yield node, list(matched)


def _not_supported_message(
    pattern: str, actions: list[ActionInfo], resources: list[str], stmt: Statement
) -> str:
    verb = "denies" if stmt.effect_value == "Deny" else "grants"
    shown = resources[0] if len(resources) == 1 else f"{len(resources)} specific resources"
    if len(actions) == 1:
        what, it = f"{actions[0].full_name} has no resource-level permissions", "it"
    else:
        what, it = (
            f"none of the {len(actions)} actions matched by {pattern} has resource-level permissions",
            "them",
        )
    return (
        f'{what}: IAM authorizes {it} only against "*", so scoped to {shown} this statement never {verb} {it}'
    )


# -- PL405 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL405",
    name="resource-type-mismatch",
    level=Level.WARNING,
    title="No resource of the statement can be a resource the action acts on",
    rationale="Each action applies to specific resource types (sqs:SendMessage to queues, s3:GetObject to "
    "objects, arn:aws:s3:::bucket/key). If none of the statement's ARNs can name such a resource (another "
    "service's ARN, a bucket ARN for an object action), the action is never granted by this statement. "
    "Wildcards count as matching whenever they could, and a wildcard action is reported only when none of the "
    "actions it expands to could apply. Like PL404, only statements aimed at particular resources (partition, "
    "region and account fixed or empty) are checked, and tagging actions are skipped: the reference's resource "
    "lists are incomplete for some actions, and AWS's own account-wide policies would drown real findings.",
    remediation="Add the ARN of the resource type the action uses (the hint shows its format), or move the "
    "action to the statement that names those resources.",
    references=(_SAR_DOC,),
)
def resource_type_mismatch(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    types = default_resource_types()
    template = ctx.template_of(doc)
    for stmt in doc.statements:
        resources = _specific_resources(stmt, template)
        if resources is None or not all(_fixed_scope(r, template) for r in resources):
            continue
        for node, actions in _statement_actions(stmt, ctx):
            scoped = [a for a in actions if a.resource_types and "Tagging" not in a.access_level]
            templates = [_templates(a, types) for a in scoped]
            if not scoped or any(t is None for t in templates):
                continue
            formats = {t.arn for ts in templates if ts for t in ts}  # s3:Get* has 40 actions, 3 formats
            if any(could_match(r, arn) for arn in formats for r in resources):
                continue
            yield Report(
                node, _mismatch_message(str(node.value), scoped, stmt, types), _mismatch_hint(scoped, types)
            )


@lru_cache(maxsize=8192)
def _templates(action: ActionInfo, types: ResourceTypeCatalog) -> tuple[ResourceType, ...] | None:
    """The resource types an action acts on, or None if the reference names one it does not define."""
    found: list[ResourceType] = []
    for requirement in action.resource_types:
        resource_type = types.get(action.service, requirement.name)
        if resource_type is None:
            return None  # do not guess
        found.append(resource_type)
    return tuple(found)


def _mismatch_message(
    pattern: str, actions: list[ActionInfo], stmt: Statement, types: ResourceTypeCatalog
) -> str:
    verb = "denies" if stmt.effect_value == "Deny" else "grants"
    if len(actions) == 1:
        kinds = " or ".join(t.name for t in _templates(actions[0], types) or [])
        return (
            f"{actions[0].full_name} acts on {kinds} resources and none of this statement's resources can be one: "
            f"the statement never {verb} it"
        )
    return (
        f"none of the {len(actions)} actions matched by {pattern} can act on this statement's resources: "
        f"the statement never {verb} them"
    )


def _mismatch_hint(actions: list[ActionInfo], types: ResourceTypeCatalog) -> str | None:
    if len(actions) != 1:
        return None
    found = _templates(actions[0], types) or ()
    shown = "; ".join(f"{t.name}: {t.arn}" for t in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return f"expected {shown}{more}" if shown else None
