"""IAM semantics: effective permissions of a policy set, and its diff against a reference.

:mod:`policy_lint.iam.evaluate` answers "is this action allowed on this resource, and by
which statements"; :mod:`policy_lint.iam.diff` compares an actual policy set with the
reference policies the onboarding features need (``policy-lint diff``), which
:mod:`policy_lint.iam.diff_references` builds.
"""

from policy_lint.iam.evaluate import (
    Condition,
    Decision,
    Grant,
    PermissionSet,
    PolicyStatement,
    StatementRef,
    Status,
    glob_covers,
    glob_overlaps,
)

__all__ = [
    "Condition",
    "Decision",
    "Grant",
    "PermissionSet",
    "PolicyStatement",
    "StatementRef",
    "Status",
    "glob_covers",
    "glob_overlaps",
]
