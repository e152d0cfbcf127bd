"""PL406-PL413: an ARN's structure against its service's ARN formats (IAM Access Analyzer's ARN checks).

PL401-PL403 judge an ARN alone (its shape, partition, region list); these rules judge it against what the
service's ARNs look like (fact AWS-ARN-FORMATS): a region or account where the service's ARNs have none, a
missing region, an account that is not 12 digits, a resource part no resource type has, the service's case,
a wildcard in the service. Access Analyzer reports them as errors (AWS-AA-CHECKS): such an ARN names no
resource, so the statement grants or denies nothing for it. Only literal parts are judged: a wildcard, a
policy variable or a template's hole in a field could stand for a valid value, and template
placeholders are PL5's to report.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog import partitions
from policy_lint.catalog.arn_formats import ArnFormat, arn_formats, formats_for
from policy_lint.catalog.arns import Arn, has_wildcard, parse_arn
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import TemplateSyntax, has_placeholder, is_hole, unjudged
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_ARN_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"
_SAR_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
_AA_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
_ACCOUNT_DIGITS = 12
#: the account field of AWS-owned resources: arn:aws:iam::aws:policy/ReadOnlyAccess (AWS managed policies)
_AWS_OWNED = "aws"


@lru_cache(maxsize=8192)
def _parse(text: str) -> Arn | None:
    """The ARN a Resource names, or None for "*", placeholders and text that is not an ARN (PL401's)."""
    if has_placeholder(text):
        return None
    return _parse_around_holes(text)


@lru_cache(maxsize=1024)
def _parse_around_holes(text: str) -> Arn | None:
    arn = parse_arn(text)
    return arn if isinstance(arn, Arn) else None


_last: tuple[PolicyDocument, LintContext, tuple[tuple[ScalarNode, Arn], ...]] | None = None


def _arns(doc: PolicyDocument, ctx: LintContext) -> tuple[tuple[ScalarNode, Arn], ...]:
    """The ARNs to judge: placeholders left out (PL501's), a template's ARN judged around its
    holes (each hole in a field an unknown value, like a policy variable). Worked out once per
    document for the eight rules that read them."""
    global _last
    cached = _last
    if cached is not None and cached[0] is doc and cached[1] is ctx:
        return cached[2]
    found = tuple(_find_arns(doc, ctx))
    _last = (doc, ctx, found)
    return found


def _find_arns(doc: PolicyDocument, ctx: LintContext) -> Iterator[tuple[ScalarNode, Arn]]:
    template = ctx.template_of(doc)
    for stmt in doc.statements:
        for node in stmt.resources:
            text = str(node.value)
            arn = _parse(text)
            if arn is None and template and not unjudged(text, template):
                arn = _parse_around_holes(text)  # only holes in its fields
            if arn is not None:
                yield node, arn


def _literal(part: str) -> bool:
    """A non-empty part with no wildcard or variable: it names exactly one value."""
    return part != "" and not has_wildcard(part)


def _judged(arn: Arn) -> tuple[ArnFormat, ...]:
    """The formats an ARN's resource part can match, for a known service and a non-empty resource part."""
    if not arn.resource or not arn_formats(arn.service):
        return ()
    return formats_for(arn)


@lru_cache(maxsize=1024)
def _every_format_has(service: str, field: str) -> bool:
    """Does every ARN format of the service fill ``field`` ("account", "region")? Then no subset of
    them can leave it empty, and PL406/PL407 need not work out which formats an ARN fits."""
    return all(getattr(f, field) for f in arn_formats(service))


@lru_cache(maxsize=1024)
def _some_format_has(service: str, field: str) -> bool:
    """Does some ARN format of the service fill ``field``? Else PL409 has nothing to require."""
    return any(getattr(f, field) for f in arn_formats(service))


def _many(part: str, template: TemplateSyntax) -> bool:
    """A field that stands for many values: a wildcard or a policy variable, not a template's hole
    (a hole is one partition, region or account, only not known here)."""
    return has_wildcard(part) and not is_hole(part, template)


def _example(formats: tuple[ArnFormat, ...]) -> str:
    shown = "; ".join(f"{f.resource_type}: {f.template}" for f in formats[:2])
    return shown + (f" (and {len(formats) - 2} more)" if len(formats) > 2 else "")


# -- PL406 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL406",
    name="arn-account-not-allowed",
    level=Level.ERROR,
    title="An ARN names an account where the service's ARNs have none",
    rationale="Some resources are global by name and their ARNs keep the account field empty (S3 buckets and "
    "objects: arn:aws:s3:::bucket/key). With an account ID the ARN names no resource, so the statement grants "
    "or denies nothing for it. IAM Access Analyzer reports this as an error.",
    remediation="Empty the account field (arn:aws:s3:::my-bucket); to limit the owner, use a condition such as "
    "aws:ResourceAccount or s3:ResourceAccount.",
    references=(_ARN_DOC, _SAR_DOC, _AA_DOC),
    access_analyzer=("ARN account not allowed",),
)
def arn_account_not_allowed(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _field_not_allowed(doc, ctx, "account")


def _field_not_allowed(doc: PolicyDocument, ctx: LintContext, field: str) -> Iterator[Report]:
    """ARNs that fill the account (or region) field where every format they can fit leaves it empty."""
    for node, arn in _arns(doc, ctx):
        value = getattr(arn, field)
        if not _literal(value) or _every_format_has(arn.service, field):
            continue  # then no format it fits can lack the field: the match is not worked out
        formats = _judged(arn)
        if formats and not any(getattr(f, field) for f in formats):
            yield Report(
                node,
                f"{arn.service} ARNs of this kind have no {field} field, but {node.value!r} names {value!r}",
                f"expected {_example(formats)}",
            )


# -- PL407 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL407",
    name="arn-region-not-allowed",
    level=Level.ERROR,
    title="An ARN names a region where the service's ARNs have none",
    rationale="Global services (IAM, Route 53, CloudFront, S3 buckets) keep the region field empty. With a "
    "region the ARN names no resource, so the statement grants or denies nothing for it. IAM Access Analyzer "
    "reports this as an error.",
    remediation="Empty the region field (arn:aws:iam::123456789012:role/name).",
    references=(_ARN_DOC, _SAR_DOC, _AA_DOC),
    access_analyzer=("ARN Region not allowed",),
)
def arn_region_not_allowed(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _field_not_allowed(doc, ctx, "region")


# -- PL408 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL408",
    name="invalid-arn-account",
    level=Level.ERROR,
    title="An ARN's account is not a 12-digit account ID",
    rationale="An account ID has exactly 12 digits (leading zeros included); a shorter, longer or misspelled ID "
    "names no resource, so the statement grants or denies nothing for it. The few ARNs with a word there "
    "(arn:aws:iam::aws:policy/... for AWS managed policies) are accepted as the service's formats define them. "
    "IAM Access Analyzer reports this as an error.",
    remediation="Write the 12-digit account ID, with its leading zeros, or a wildcard.",
    references=(
        "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html",
        _AA_DOC,
    ),
    access_analyzer=("Invalid ARN account",),
)
def invalid_arn_account(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for node, arn in _arns(doc, ctx):
        account = arn.account
        if not _literal(account) or (account.isdigit() and len(account) == _ACCOUNT_DIGITS):
            continue
        formats = _judged(arn)
        if not formats or not any(f.has_account for f in formats):
            continue  # unknown service, PL413's resource, or PL406's account
        if account == _AWS_OWNED or any(f.account == account for f in formats):
            continue  # AWS-owned resources, or a literal the service's format itself uses
        yield Report(node, f"account {account!r} in {node.value!r} is not a 12-digit account ID")


# -- PL409 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL409",
    name="missing-arn-region",
    level=Level.ERROR,
    title="An ARN leaves the region empty where the service's ARNs have one",
    rationale="Regional resources (SQS queues, Lambda functions, KMS keys) have the region in their ARN. With "
    "the field empty the ARN names no resource, so the statement grants or denies nothing for it. IAM Access "
    "Analyzer reports this as an error.",
    remediation="Write the region, or * for every region (arn:aws:sqs:*:123456789012:queue).",
    references=(_ARN_DOC, _SAR_DOC, _AA_DOC),
    access_analyzer=("Missing ARN Region",),
)
def missing_arn_region(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for node, arn in _arns(doc, ctx):
        if arn.region != "" or not _some_format_has(arn.service, "region"):
            continue  # a region written, or a global service (IAM, S3): the match is not worked out
        formats = _judged(arn)
        if formats and all(f.has_region for f in formats):
            yield Report(
                node,
                f"{node.value!r} has no region, but {arn.service} ARNs of this kind have one",
                f"expected {_example(formats)}",
            )


# -- PL410 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL410",
    name="arn-service-case",
    level=Level.ERROR,
    title="An ARN's service is not written in lower case",
    rationale="ARN fields are compared case-sensitively and service prefixes are lower case, so arn:aws:S3:::b "
    "names no resource. IAM Access Analyzer reports this as an error.",
    remediation="Write the service in lower case.",
    references=(_ARN_DOC, _AA_DOC),
    access_analyzer=("Invalid ARN service case",),
)
def arn_service_case(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for node, arn in _arns(doc, ctx):
        service = arn.service
        if service != service.lower() and not has_wildcard(service) and arn_formats(service.lower()):
            yield Report(
                node, f"service {service!r} in {node.value!r} is not lower case", f"write {service.lower()!r}"
            )


# -- PL411 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL411",
    name="wildcard-in-arn-service",
    level=Level.SUGGESTION,
    title="An ARN's service is written with a wildcard",
    rationale="A wildcard in the service field (arn:aws:*code*:...) covers every service whose name fits, "
    "including ones launched later. IAM Access Analyzer suggests naming the services.",
    remediation="Write one ARN per service.",
    references=(_AA_DOC,),
    access_analyzer=("Wildcard in service name",),
)
def wildcard_in_arn_service(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for node, arn in _arns(doc, ctx):
        service = arn.service
        if ("*" in service or "?" in service) and service.strip("*") != "":
            yield Report(node, f"service {service!r} in {node.value!r} holds a wildcard")


# -- PL412 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL412",
    name="invalid-arn-region",
    level=Level.ERROR,
    title="An ARN's region cannot be a region of its partition",
    rationale="A region that fits no partition's region pattern (us-east-1a is an availability zone, global is "
    "not a region), or that belongs to another partition (cn-north-1 under arn:aws:), names no resource, so the "
    "statement grants or denies nothing for it. IAM Access Analyzer reports this as an error. A region that fits "
    "its partition's pattern but is not in the offline list may be newer than it: that stays PL403's warning.",
    remediation="Fix the region, or use the partition that owns it (aws-cn for cn-*, aws-us-gov for us-gov-*).",
    references=(_ARN_DOC, _AA_DOC),
    access_analyzer=("Invalid ARN Region",),
)
def invalid_arn_region(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for node, arn in _arns(doc, ctx):
        problem = impossible_region(arn)
        if problem:
            owner = partitions.partition_of_region(arn.region)
            yield Report(node, problem, f"write arn:{owner}:... for {arn.region}" if owner else None)


def impossible_region(arn: Arn) -> str | None:
    """Why the ARN's literal region can be no region of its (known) partition, or None."""
    region, partition = arn.region, arn.partition
    if not _literal(region) or not partitions.is_known_partition(partition):
        return None
    owner = partitions.partition_of_region(region, by_pattern=True)
    if owner is None:
        return f"{region!r} in {arn_text(arn)!r} is not a region: it fits no partition's region names"
    if owner != partition:
        return f"region {region!r} belongs to partition {owner}, not {partition}"
    return None


def arn_text(arn: Arn) -> str:
    return f"arn:{arn.partition}:{arn.service}:{arn.region}:{arn.account}:{arn.resource}"


# -- PL413 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL413",
    name="invalid-arn-resource",
    level=Level.WARNING,
    title="An ARN's resource part fits none of the service's resource types",
    rationale="Each service names its resources in a fixed way (arn:aws:iam::123456789012:role/name, "
    "arn:aws:lambda:region:account:function:name). A resource part that fits none of the service's ARN formats "
    "names no resource, so the statement grants or denies nothing for it. IAM Access Analyzer reports this as an "
    "error; it is a warning here because the offline source of ARN formats, the Service Authorization Reference, "
    "omits resource kinds AWS's own managed policies use (Backup recovery points, service-owned Secrets Manager "
    "secrets, API Gateway v2 paths, arn:aws:iam::*:root: 70 ARNs in the 1,594 managed policies), so an error "
    "would fail correct policies. Like PL404 and PL405, only ARNs aimed at particular resources (partition, "
    "region and account fixed or empty; a template's hole there is one value, so it counts as fixed) are judged, "
    "and wildcards, policy variables and holes count as fitting whenever they could.",
    remediation="Write the resource part in one of the service's formats (the hint shows some).",
    references=(_SAR_DOC, _AA_DOC),
    access_analyzer=("Invalid ARN resource",),
)
def invalid_arn_resource(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    template = ctx.template_of(doc)
    for node, arn in _arns(doc, ctx):
        if any(_many(part, template) for part in (arn.partition, arn.region, arn.account)):
            continue
        known = arn_formats(arn.service)
        if known and arn.resource and not formats_for(arn):
            yield Report(
                node,
                f"{arn.resource!r} fits no {arn.service} resource type: {node.value!r} may name no resource",
                f"{arn.service} ARNs look like {_example(known)}",
            )
