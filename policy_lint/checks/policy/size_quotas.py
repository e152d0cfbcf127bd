"""PL901-PL904: a policy over the size quota of its policy type (IAM Access Analyzer's size checks).

Each policy type has its own quota and its own way of counting (fact AWS-POLICY-SIZE-QUOTAS): IAM counts
non-whitespace characters (a role trust policy: 2,048 by default, adjustable), AWS Organizations counts the
SCP or RCP as sent (5,120 characters), and each service caps its resource policies in bytes (S3 bucket policies
20 KB, SQS 8,192 bytes, KMS key policies 32 KB: fact AWS-RESOURCE-POLICY-SIZE). Documents that are sent
minified (Terraform's jsonencode) lose their whitespace, so only a document over its quota even minified is
reported: it certainly fails. PL115 is the managed identity policy's quota.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.resource_types import resource_policy_kind
from policy_lint.policy.size import iam_size, minified_size
from policy_lint.rules.registry import Report, RuleGroup

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
_ORG_QUOTAS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
#: AssumeRolePolicySizeQuota's default, in non-whitespace characters (adjustable up to 8,192)
TRUST_POLICY_QUOTA = 2048
#: maximum size of an SCP or an RCP, in characters
ORGANIZATIONS_POLICY_QUOTA = 5120


@policy_rule(
    id="PL901",
    name="trust-policy-too-large",
    level=Level.WARNING,
    title="A role trust policy is over IAM's default trust-policy size quota",
    rationale="A role's trust policy may hold 2,048 non-whitespace characters by default; CreateRole and "
    "UpdateAssumeRolePolicy fail above that unless the account's quota was raised (up to 8,192), which is why "
    "this is a warning, as in IAM Access Analyzer.",
    remediation="Shorten the policy (one statement per principal type, wildcards in condition values), or raise "
    "the account's 'Role trust policy length' quota in Service Quotas.",
    references=(_IAM_QUOTAS,),
    access_analyzer=("Policy size exceeds role trust policy quota",),
    policy_types=("trust",),
)
def trust_policy_too_large(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if _not_surely_trust(doc):
        return
    size = iam_size(doc.source.text)
    if size > TRUST_POLICY_QUOTA:
        yield Report(
            doc.root, f"{size:,} non-whitespace characters, over the default {TRUST_POLICY_QUOTA:,} quota"
        )


def _not_surely_trust(doc: PolicyDocument) -> bool:
    """A guessed trust type with a Resource element: a trust policy has none, so it is an RCP or resource policy."""
    return doc.type_inferred and any(stmt.resources or stmt.uses_not_resource for stmt in doc.statements)


def _over_organizations_quota(doc: PolicyDocument) -> Iterator[Report]:
    """An SCP or RCP over 5,120 characters even minified (AWS Organizations counts every character)."""
    text = doc.source.text
    if len(text) <= ORGANIZATIONS_POLICY_QUOTA:
        return
    size = minified_size(text)
    if size > ORGANIZATIONS_POLICY_QUOTA:
        what = "characters, whitespace outside strings removed"
        yield Report(doc.root, _over(what, size, ORGANIZATIONS_POLICY_QUOTA))


@policy_rule(
    id="PL902",
    name="scp-too-large",
    level=Level.ERROR,
    title="A service control policy is over the 5,120-character quota",
    rationale="AWS Organizations rejects an SCP over 5,120 characters; whitespace counts too, so only a policy "
    "over the quota even with the whitespace outside strings removed is reported. IAM Access Analyzer reports "
    "this as an error.",
    remediation="Split the SCP into several (up to five per target), or shorten it with wildcards in actions.",
    references=(_ORG_QUOTAS,),
    access_analyzer=("Policy size exceeds SCP quota",),
    policy_types=("scp",),
)
def scp_too_large(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _over_organizations_quota(doc)


@policy_rule(
    id="PL903",
    name="rcp-too-large",
    level=Level.ERROR,
    title="A resource control policy is over the 5,120-character quota",
    rationale="AWS Organizations rejects an RCP over 5,120 characters, counted as for SCPs: only a policy over "
    "the quota even with the whitespace outside strings removed is reported.",
    remediation="Split the RCP into several (up to five per target).",
    references=(_ORG_QUOTAS,),
    policy_types=("rcp",),
)
def rcp_too_large(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _over_organizations_quota(doc)


@policy_rule(
    id="PL904",
    name="resource-policy-too-large",
    level=Level.WARNING,
    title="A resource policy is over its service's size quota",
    rationale="Each service caps the policy of its resources (an S3 bucket policy 20 KB, an SQS queue policy "
    "8,192 bytes, a KMS key policy 32 KB) and rejects a larger one. The quota is known only when the resource "
    "type is (--resource-type), and only a policy over it even minified is reported. IAM Access Analyzer reports "
    "this as a general warning.",
    remediation="Shorten the policy: one statement for several principals or resources, wildcards in ARNs, "
    "conditions such as aws:PrincipalOrgID instead of long account lists.",
    references=(_IAM_QUOTAS,),
    access_analyzer=("Policy size exceeds resource policy quota",),
    policy_types=("resource",),
)
def resource_policy_too_large(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    kind = resource_policy_kind(ctx.options.resource_type)
    if kind is None or kind.size_quota is None:
        return
    text = doc.source.text
    if len(text.encode("utf-8")) <= kind.size_quota:
        return
    size = minified_size(text, in_bytes=True)
    if size > kind.size_quota:
        what = f"bytes, whitespace outside strings removed ({ctx.options.resource_type} policy)"
        yield Report(doc.root, _over(what, size, kind.size_quota), f"the quota: {kind.size_source}")


def _over(what: str, size: int, quota: int) -> str:
    return f"{size:,} {what}, over the {quota:,} quota"
