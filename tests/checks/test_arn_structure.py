"""PL406-PL413: an ARN against its service's ARN formats, one positive and one corrected negative per AA check."""

from __future__ import annotations

from typing import Any

import pytest

from policy_lint.rules.access_analyzer import CHECKS
from policy_lint.rules.lint_ruleset import get_policy_rule
from tests.helpers import lint_policy, statement

AA_LEVEL = {check.name: check.level for check in CHECKS}


def _doc(action: str, resource: str) -> dict[str, Any]:
    return statement(Effect="Allow", Action=action, Resource=resource)


#: (AA check, rule, action, the ARN that triggers it, the same ARN minimally corrected)
CASES = [
    (
        "ARN account not allowed",
        "PL406",
        "s3:GetObject",
        "arn:aws:s3::123456789012:my-bucket/*",
        "arn:aws:s3:::my-bucket/*",
    ),
    (
        "ARN Region not allowed",
        "PL407",
        "iam:GetRole",
        "arn:aws:iam:us-east-1:123456789012:role/app",
        "arn:aws:iam::123456789012:role/app",
    ),
    (
        "Invalid ARN account",
        "PL408",
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:12345678901:orders",
        "arn:aws:sqs:us-east-1:012345678901:orders",
    ),
    (
        "Missing ARN Region",
        "PL409",
        "sqs:SendMessage",
        "arn:aws:sqs::123456789012:orders",
        "arn:aws:sqs:*:123456789012:orders",
    ),
    (
        "Invalid ARN service case",
        "PL410",
        "s3:GetObject",
        "arn:aws:S3:::my-bucket/*",
        "arn:aws:s3:::my-bucket/*",
    ),
    (
        "Wildcard in service name",
        "PL411",
        "codebuild:StartBuild",
        "arn:aws:*code*:us-east-1:123456789012:project/app",
        "arn:aws:codebuild:us-east-1:123456789012:project/app",
    ),
    (
        "Invalid ARN Region",
        "PL412",
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1a:123456789012:orders",
        "arn:aws:sqs:us-east-1:123456789012:orders",
    ),
    (
        "Invalid ARN resource",
        "PL413",
        "lambda:InvokeFunction",
        "arn:aws:lambda:us-east-1:123456789012:func/app",
        "arn:aws:lambda:us-east-1:123456789012:function:app",
    ),
]


@pytest.mark.parametrize(("check", "rule", "action", "bad", "good"), CASES, ids=[c[1] for c in CASES])
def test_the_positive_is_reported_and_the_corrected_negative_is_clean(
    check: str, rule: str, action: str, bad: str, good: str
) -> None:
    meta = get_policy_rule(rule)
    assert check in meta.access_analyzer
    found = [f for f in lint_policy(_doc(action, bad)) if f.rule_id == rule]
    assert len(found) == 1, found
    assert found[0].location.line == 7  # the Resource line of the dumped statement
    if rule != "PL413":  # PL413 is a warning on purpose (its rationale says why)
        assert found[0].level >= AA_LEVEL[check]
    assert lint_policy(_doc(action, good)) == []


def test_the_region_of_another_partition_is_an_error_and_not_also_pl403() -> None:
    findings = lint_policy(_doc("sqs:SendMessage", "arn:aws:sqs:cn-north-1:123456789012:orders"))
    assert [(f.rule_id, f.level.label) for f in findings if f.rule_id.startswith("PL4")] == [
        ("PL412", "error")
    ]
    assert "belongs to partition aws-cn" in findings[0].message


def test_a_plausible_new_region_stays_pl403s_warning() -> None:
    findings = lint_policy(_doc("sqs:SendMessage", "arn:aws:sqs:eu-north-9:123456789012:orders"))
    assert [f.rule_id for f in findings] == ["PL403"]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",  # AWS-owned: the account field is "aws"
        "arn:aws:sqs:*:*:orders",  # wildcards stand for valid values
        "arn:aws:sqs:${aws:RequestedRegion}:123456789012:orders",  # a policy variable too
        "arn:aws:iam::${Account ID}:role/app",  # a template placeholder is PL501's
        "arn:aws:lambda:*:*:func/app",  # PL413 judges only ARNs aimed at particular resources
        "arn:aws:madeup:us-east-1:123:thing",  # a service the reference does not know is not judged
    ],
)
def test_what_could_be_valid_is_not_judged(resource: str) -> None:
    mine = {"PL406", "PL407", "PL408", "PL409", "PL410", "PL411", "PL412", "PL413"}
    findings = [f for f in lint_policy(_doc("s3:GetObject", resource)) if f.rule_id in mine]
    assert findings == []
