"""SP0: the findings about suppressions themselves (reported by :mod:`policy_lint.project.suppressions`).

Declared apart from the suppression logic, as the diff's PD rules are, so the rule set can list
them without importing the settings and comment parsing they are reported from.
"""

from __future__ import annotations

from policy_lint.core.findings import Level
from policy_lint.project.expiry import ACCEPTED
from policy_lint.rules.registry import RuleGroup, RuleMeta

RULES = RuleGroup()

_META = [
    RULES.declare(RuleMeta(rule_id, name, level, title, rationale, remediation, family="Suppressions"))
    for rule_id, name, level, title, rationale, remediation in (
        (
            "SP001",
            "suppression-without-reason",
            Level.ERROR,
            "A suppression has no reason, so it does not apply",
            "Auditors must be able to read why a finding was accepted; a bare ignore hides that.",
            "Write the reason after the bracket: # policy-lint: ignore[OB202] approved in SEC-123",
        ),
        (
            "SP002",
            "suppression-expired",
            Level.ERROR,
            "A suppression is past its date and no longer applies",
            "Accepted risks are reviewed; an expired acceptance makes the finding count again.",
            "Fix the finding, or renew the suppression with a new date and reason.",
        ),
        (
            "SP003",
            "suppression-unknown-rule",
            Level.WARNING,
            "A suppression names a rule ID that does not exist",
            "A typo in a rule ID suppresses nothing and suggests a risk was accepted when it was not.",
            "Use an ID from `policy-lint rules`.",
        ),
        (
            "SP004",
            "suppression-unused",
            Level.SUGGESTION,
            "An inline suppression matched no finding",
            "Stale suppressions accumulate and later hide new findings on the same line.",
            "Remove the comment.",
        ),
        (
            "SP005",
            "suppression-invalid-expiry",
            Level.ERROR,
            "A suppression's expiry is not a YYYY-MM-DD date, so it does not apply",
            "An expiry the tool cannot read would never expire: the risk would stay accepted after "
            "the date the reviewer agreed to, and nobody would be told.",
            f"Write the date at the end of the comment as {ACCEPTED}, or as expires: YYYY-MM-DD in "
            "the settings file, with a date that exists.",
        ),
    )
]
WITHOUT_REASON, EXPIRED, UNKNOWN_RULE, UNUSED, INVALID_EXPIRY = _META
