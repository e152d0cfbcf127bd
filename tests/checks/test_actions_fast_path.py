"""The PL2 judge answers plain action names without a full catalog lookup; the verdicts must
be the ones the full lookup gives, for every kind of action string a plain name can be."""

from __future__ import annotations

import pytest

from policy_lint.catalog.defaults import default_catalog
from policy_lint.checks.policy.actions import judge


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("s3:GetObject", None),  # live and documented
        ("S3:getobject", None),  # case does not matter to IAM
        ("s3:GetObjectz", "PL203"),  # unknown action of a known service
        ("s3z:GetObject", "PL202"),  # unknown service
        ("evidently:GetExperiment", "PL205"),  # a retired service's action
        ("cloud9:ValidateEnvironmentName", "PL205"),  # a retired action of a live service
        ("budgets:CreateBudget", "PL206"),  # used by AWS managed policies, missing from the reference
        ("builderid:CreateInvitation", "PL206"),  # an action of a service missing from the reference
    ],
)
def test_plain_action_names_get_the_full_lookups_verdict(text: str, rule_id: str | None) -> None:
    outcome = judge(text, default_catalog())
    assert (outcome.rule_id if outcome else None) == rule_id
