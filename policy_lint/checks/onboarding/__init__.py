"""Onboarding rules over the inventory (OB0 configuration, OB1 IAM, OB2 CloudTrail/S3, OB3 SQS)."""

from policy_lint.checks.onboarding import (  # noqa: F401  (importing registers the rules)
    config_rules,
    iam_user,
    live_facts,
    queue,
    trail,
)
