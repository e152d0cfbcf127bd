"""PD2: the findings of ``policy-lint diff --base`` (each changed policy against its version at a
git revision: access the change adds).

The same comparison as the reference diff (:mod:`policy_lint.iam.diff_rules`, PD1), with the
revision's version of each policy as the reference; listed in the rule set so ``policy-lint
rules``, ``--select PD2`` and suppressions know them.
"""

from __future__ import annotations

from policy_lint.core.findings import Level
from policy_lint.rules.registry import FAMILIES, RuleGroup, RuleMeta

RULES = RuleGroup()

_FAMILY = FAMILIES.get("PD2", "New access (diff --base)")
_REFS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html",
)


def _rule(id: str, name: str, level: Level, title: str, rationale: str, remediation: str) -> RuleMeta:
    return RULES.declare(RuleMeta(id, name, level, title, rationale, remediation, _FAMILY, _REFS))


NEW_CHANGING_ACTION = _rule(
    "PD201",
    "new-write-action",
    Level.SECURITY_WARNING,
    "The change grants a write, permissions-management, tagging or destructive action the base did not",
    "Compared by effective permissions with the policy's version at the base revision (AWS's "
    "CheckNoNewAccess, offline): an action of the Write, Permissions management or Tagging access "
    "level, or a destructive one (Delete*, Terminate*, Put*Policy ...), lets the holder change the "
    "account in a way the reviewed policy did not.",
    "Make sure the new access is intended and reviewed; otherwise remove the actions the finding lists.",
)
NEW_READ_ACTION = _rule(
    "PD202",
    "new-read-action",
    Level.WARNING,
    "The change grants a read or list action the base did not",
    "New read or list access widens what a leaked credential exposes; an action whose access level "
    "the catalog does not know is reported here too (unknown never passes).",
    "Make sure the new access is intended; otherwise remove the actions the finding lists.",
)
NEW_RESOURCE = _rule(
    "PD203",
    "new-resource",
    Level.SECURITY_WARNING,
    "The change grants an action on resources the base granted it on only in part",
    "The base granted these actions on narrower resources (one queue, one bucket prefix); the change "
    "grants them on more.",
    "Scope the statement's Resource back to the base's ARNs, or review the wider scope.",
)
NEW_PRINCIPAL = _rule(
    "PD204",
    "new-principal",
    Level.SECURITY_WARNING,
    "A resource or trust policy grants access to a principal the base did not",
    "A new account, role, service or everyone (*) in a Principal can now use the resource or assume "
    "the role; in a trust policy that is a new way into the account.",
    "Make sure the principal is meant to have access; otherwise remove it from the Principal.",
)
WEAKENED_CONDITION = _rule(
    "PD205",
    "weakened-condition-since-base",
    Level.SECURITY_WARNING,
    "The change drops or loosens a Condition the base required",
    "The base allowed these actions only under a condition (a tag, an organization, a source "
    "account); the change allows them without it, or under a looser one.",
    "Restore the base's Condition, or review why it can go.",
)
NEW_ESCALATION = _rule(
    "PD206",
    "new-privilege-escalation",
    Level.SECURITY_WARNING,
    "The change opens a privilege-escalation path the base did not",
    "A set of actions that lets the holder raise their own permissions (the PE rules' paths, for "
    "example iam:PassRole with a service that runs code, or iam:CreatePolicyVersion) is open in the "
    "policy after the change and was not at the base revision.",
    "Remove or scope one of the actions the path needs (the finding names the path and its fix), or "
    "review the new access.",
)
PRINCIPAL_UNKNOWN = _rule(
    "PD207",
    "principal-access-unknown",
    Level.WARNING,
    "What reaches a user or role at one side of the change is not known, so its new access cannot be told",
    "diff --base also compares each user and role by every policy that reaches it (attachments, "
    "group memberships, permissions boundaries). A policy, group or boundary the compared inputs do "
    "not declare (an ARN of a policy made elsewhere, a group of another stack) grants or denies what "
    "cannot be read offline. Unknown never passes: the principal and the missing part are named. It "
    "is a warning, not a security-warning, because uncertain never fails.",
    "Compare the folder or template that declares the missing policy too, or review the principal's "
    "access by hand.",
)
