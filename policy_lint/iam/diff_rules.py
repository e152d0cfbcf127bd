"""PD1: the findings of ``policy-lint diff`` (actual policy set against a reference).

Listed in the rule set (:mod:`policy_lint.rules.ruleset`) so ``policy-lint rules`` and
``docs/rules.md`` list them; reported by :mod:`policy_lint.iam.diff`, not by a
per-document rule function.
"""

from __future__ import annotations

from policy_lint.core.findings import Level
from policy_lint.rules.registry import FAMILIES, RuleGroup, RuleMeta

RULES = RuleGroup()

_FAMILY = FAMILIES.get("PD1", "Reference diff")
_REFS = ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",)


def _rule(id: str, name: str, level: Level, title: str, rationale: str, remediation: str) -> RuleMeta:
    return RULES.declare(RuleMeta(id, name, level, title, rationale, remediation, _FAMILY, _REFS))


MISSING = _rule(
    "PD101",
    "missing-permission",
    Level.ERROR,
    "The actual policies do not allow an action the reference grants",
    "The vendor's onboarding verification calls these actions with the IAM user's key; an action "
    "that is neither allowed nor only conditionally allowed (implicit deny) or that an explicit Deny "
    "removes fails the credential check. Coverage counts effective permissions, not policy names.",
    "Attach the reference policy (or a managed policy that covers it), or add the listed actions; "
    "remove or narrow the Deny named in the finding.",
)
CONDITIONAL = _rule(
    "PD102",
    "conditional-permission",
    Level.WARNING,
    "An action the reference grants is allowed only conditionally or on part of the resource scope",
    "A Condition the reference does not have (on the Allow, or on a Deny that may apply), or a Resource "
    "narrower than the reference's, may block the vendor's calls at run time; static analysis cannot "
    "tell whether the request will satisfy it.",
    "Make sure the vendor's requests satisfy the condition (the finding names it), or grant the actions "
    "as the reference does.",
)
EXCESS = _rule(
    "PD103",
    "excess-permission",
    Level.WARNING,
    "The actual policies grant actions beyond the reference",
    "Least privilege: the onboarding needs only what the reference grants. Extra read access is "
    "usually harmless but widens what a leaked key exposes.",
    "Remove the extra actions, or attach the reference policy instead of a broader one.",
)
RISKY_EXCESS = _rule(
    "PD104",
    "risky-excess-permission",
    Level.SECURITY_WARNING,
    "The actual policies grant risky actions beyond the reference",
    "Write, permissions-management or tagging actions on every resource, or destructive ones "
    "(Delete*, Terminate*, Stop*, Detach*, Disable*, Deregister*, Revoke*, Remove*, Put*Policy ...), "
    "let a leaked key change or destroy the account, far beyond what the vendor needs.",
    "Remove the extra actions (the finding lists them), or scope them with Resource and Condition.",
)
WEAKENED_CONDITION = _rule(
    "PD105",
    "weakened-condition",
    Level.SECURITY_WARNING,
    "A reference statement's Condition is dropped or widened in the actual policies",
    "The reference allows these actions only under a condition (e.g. ec2:TerminateInstances only on "
    "resources tagged Name=alibaba-cloud-security-scan*); the actual policies allow them without it, "
    "or under a looser one, so the holder can act on any resource.",
    "Restore the reference statement's Condition on the granting statement, or remove the broader grant.",
)
WIDENED_SCOPE = _rule(
    "PD106",
    "widened-resource-scope",
    Level.SECURITY_WARNING,
    "A reference statement's resource scope is widened in the actual policies",
    "The reference grants these actions on specific resources (e.g. one SQS queue); the actual policies "
    "grant them on more (e.g. every queue).",
    "Scope the granting statement's Resource to the reference's ARNs.",
)
UNFILLED = _rule(
    "PD107",
    "unfilled-placeholder",
    Level.SUGGESTION,
    "A reference placeholder has no value, so its resource scope was not compared",
    "Templates such as ${SQS ARN} stand for one resource of your account; without its value the diff "
    "can check the actions but not whether the actual grant is scoped to that resource.",
    "Pass the value with --var (e.g. --var 'SQS ARN=arn:aws:sqs:...') or use --config onboarding.yaml.",
)
