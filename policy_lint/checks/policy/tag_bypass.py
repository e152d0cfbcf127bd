"""PL607-PL608: tag conditions that protect nothing, and snapshots/AMIs anyone can share.

The rules report what :mod:`policy_lint.iam.tag_bypass` finds in one identity-policy document
(GUIDE-TAG-BYPASS); ``policy-lint diff`` runs the same analysis over a whole policy set.

A template's action hole leaves the answer uncertain, so it is never a finding here (PL503 names
the hole): an Allow ``NotAction: ${hole}`` is left out (the hole may be ``ec2:*``), and a Deny of
a hole may deny anything, so the document reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.core.findings import Level
from policy_lint.iam.tag_bypass import TagBypass, find_tag_bypass
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.policy.placeholders import undecided_by_action_holes
from policy_lint.rules.registry import Report, RuleGroup

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_LAST: list[object] = [None, []]
#: What the holder is granted: a permissions boundary, SCP or RCP grants nothing, so its tag
#: conditions guard nothing by themselves (the identity policy they limit is judged on its own).
IDENTITY_ONLY = ("identity",)


def _judged_statements(doc: PolicyDocument, ctx: LintContext) -> list[Statement]:
    """The statements whose effect is known: without a template's action hole deciding it."""
    template = ctx.template_of(doc)
    if not template:
        return doc.statements
    undecided = undecided_by_action_holes(doc.statements, template)
    if undecided is None:
        return []
    return [stmt for stmt in doc.statements if not (id(stmt) in undecided and stmt.uses_not_action)]


def _for_document(doc: PolicyDocument, ctx: LintContext) -> list[TagBypass]:
    """Both rules read the same analysis; compute it once per document."""
    if _LAST[0] is not doc:
        found = find_tag_bypass([(doc, s) for s in _judged_statements(doc, ctx)], ctx.catalog)
        _LAST[0], _LAST[1] = doc, found
    result = _LAST[1]
    assert isinstance(result, list)
    return result


@policy_rule(
    id="PL607",
    name="tag-condition-bypass",
    level=Level.SECURITY_WARNING,
    title="Destructive actions limited by a tag the same policy lets the holder set on anything",
    rationale="A statement allows destructive actions (terminate, delete ...) only on resources carrying a "
    "tag, but ec2:CreateTags is allowed on every resource without an ec2:CreateAction condition (or a "
    "condition on aws:RequestTag / aws:TagKeys for that tag key): the holder tags any resource with the "
    "protected value and then destroys it. The tag condition protects nothing (the guide's own agentless "
    "policy has this flaw, GUIDE-TAG-BYPASS).",
    remediation="Condition ec2:CreateTags on ec2:CreateAction (the actions that create the resources, e.g. "
    "RunInstances, CreateVpc, CreateSnapshot), so tags can only be set at creation; or deny "
    "aws:RequestTag/<key> values matching the protected pattern.",
    references=("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html",),
    policy_types=IDENTITY_ONLY,
)
def tag_condition_bypass(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _reports(doc, ctx, "PL607")


@policy_rule(
    id="PL608",
    name="share-any-snapshot-or-image",
    level=Level.SECURITY_WARNING,
    title="Any snapshot or AMI can be shared with another account",
    rationale="ec2:ModifySnapshotAttribute / ec2:ModifyImageAttribute on every snapshot or AMI without a "
    "condition lets the holder add another account's ID to createVolumePermission / launchPermission "
    "(or make it public): a data-exfiltration path for every disk of the account (GUIDE-TAG-BYPASS).",
    remediation="Limit Resource to the snapshots/AMIs the principal creates (or condition on their tag), "
    "and deny sharing outside your organization.",
    references=("https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html",),
    policy_types=IDENTITY_ONLY,
)
def share_any_snapshot_or_image(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _reports(doc, ctx, "PL608")


def _reports(doc: PolicyDocument, ctx: LintContext, rule_id: str) -> Iterator[Report]:
    for issue in _for_document(doc, ctx):
        if issue.rule_id == rule_id:
            yield Report(issue.node, issue.message, issue.hint)
