"""PL4xx: Resource ARNs, their partitions and regions, and whether the actions can use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.catalog.arns import Arn, ArnProblem, could_match, parse_arn, split_arn
from policy_lint.catalog.defaults import default_resource_types
from policy_lint.core.findings import Finding, Level
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_source
from policy_lint.policy.placeholders import Placeholder, placeholder_kind
from policy_lint.syntax.source import read_source
from tests.helpers import at, lint_policy, rule_ids


def policy(resource: Any, action: Any = "s3:GetObject", effect: str = "Allow", key: str = "Resource") -> str:
    """One statement: a string Action sits on line 6, column 17, and a string Resource after it on line 7, column 19."""
    stmt = {"Effect": effect, "Action": action, key: resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]}, indent=2)


# -- ARN parsing and matching -------------------------------------------------------------------------
def test_arns_split_on_colons_but_keep_policy_variables_whole() -> None:
    assert split_arn("arn:aws:s3:::b/${aws:username}/*") == [
        "arn",
        "aws",
        "s3",
        "",
        "",
        "b/${aws:username}/*",
    ]
    arn = parse_arn("arn:aws:lambda:us-east-1:123456789012:function:f:prod")
    assert arn == Arn("aws", "lambda", "us-east-1", "123456789012", "function:f:prod")
    assert parse_arn("not-an-arn") is ArnProblem.NOT_ARN
    assert parse_arn("arn:aws:s3") is ArnProblem.TOO_FEW_PARTS
    assert parse_arn("ARN:aws:s3:::b") is ArnProblem.BAD_PREFIX_CASE


def test_placeholders_are_told_apart_from_policy_variables() -> None:
    assert placeholder_kind("arn:aws:s3:::b/${aws:username}/*") is Placeholder.NONE
    assert placeholder_kind("arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}") is Placeholder.NONE
    assert placeholder_kind("arn:aws:ssm:${AWS::Region}:1:parameter/x") is Placeholder.CLOUDFORMATION
    assert placeholder_kind("arn:aws:iam::${Account ID}:role/x") is Placeholder.TEMPLATE
    assert placeholder_kind("arn:aws:iam::<ACCOUNT_ID>:role/x") is Placeholder.TEMPLATE


@pytest.mark.parametrize(
    ("resource", "service", "resource_type", "expected"),
    [
        ("arn:aws:s3:::bucket", "s3", "object", False),
        ("arn:aws:s3:::bucket/*", "s3", "object", True),
        ("arn:aws:s3:::*", "s3", "object", True),
        ("arn:aws:s3:::bucket/*", "s3", "bucket", False),
        ("arn:aws:s3:::b/${aws:username}/*", "s3", "object", True),
        ("arn:aws:sns:us-east-1:123456789012:topic", "sqs", "queue", False),
        ("arn:aws:sqs:*", "sqs", "queue", True),
        ("arn:*:sqs:us-east-1:123456789012:q", "sqs", "queue", True),
        ("arn:aws:iam::123456789012:role/*", "iam", "user", False),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/T/index/*", "dynamodb", "table", False),
        ("arn:aws:lambda:us-east-1:123456789012:function:f:prod", "lambda", "function", True),
    ],
)
def test_wildcard_resources_count_as_matching_whenever_they_could(
    resource: str, service: str, resource_type: str, expected: bool
) -> None:
    template = default_resource_types().get(service, resource_type)
    assert template is not None
    assert could_match(resource, template.arn) is expected


# -- PL401 ------------------------------------------------------------------------------------------
def test_not_an_arn_is_an_error_at_the_resource() -> None:
    findings = lint_policy(policy("not-a-valid-arn", action="ec2:DescribeInstances"), select="PL401")
    assert rule_ids(findings) == ["PL401"]
    assert findings[0].level is Level.ERROR
    assert at(findings, "PL401") == [(7, 19)]
    assert findings[0].message == "'not-a-valid-arn' is not an ARN"


def test_bucket_name_instead_of_arn_gets_an_s3_hint() -> None:
    findings = lint_policy(policy("my-bucket"), select="PL401")
    assert findings[0].hint == "an S3 bucket or object is written arn:aws:s3:::my-bucket"


def test_truncated_and_capitalised_arns() -> None:
    short = lint_policy(policy("arn:aws:s3::bucket/*"), select="PL401")
    assert short[0].message == "'arn:aws:s3::bucket/*' has 5 of the 6 colon-separated parts of an ARN " + (
        "(arn:partition:service:region:account:resource)"
    )
    upper = lint_policy(policy("ARN:aws:s3:::bucket"), select="PL401")
    assert upper[0].hint == "write 'arn:' in lower case"


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "arn:aws:s3:::bucket/${aws:username}/*",
        "arn:aws:s3:*:*:bucket",
        "arn:aws-cn:s3:::bucket",
        "arn:aws:iam::${Account ID}:role/x",  # PL501 reports placeholders
        "arn:aws:iam::<ACCOUNT_ID>:role/x",
        "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/x",
        "arn:aws:organizations::*:",  # an empty resource part: accepted by IAM (AWS managed policies use it)
    ],
)
def test_valid_arns_and_placeholders_are_not_pl401(resource: str) -> None:
    assert lint_policy(policy(resource), select="PL401") == []


# -- PL402 ------------------------------------------------------------------------------------------
def test_unknown_partition_is_an_error() -> None:
    findings = lint_policy(policy("arn:yolo:s3:::my_bucket/my_object:extra"), select="PL402")
    assert rule_ids(findings) == ["PL402"]
    assert findings[0].level is Level.ERROR
    assert findings[0].message == "unknown partition 'yolo' in 'arn:yolo:s3:::my_bucket/my_object:extra'"
    assert findings[0].hint and findings[0].hint.startswith("known partitions: aws, ")


def test_partition_hints_for_case_and_near_misses() -> None:
    assert lint_policy(policy("arn:AWS:s3:::b"), select="PL402")[0].hint == "partitions are lower case: 'aws'"
    gov = lint_policy(policy("arn:aws-gov:s3:::b"), select="PL402")
    assert gov[0].hint == "did you mean 'aws-us-gov'?"


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov", "aws-iso-b", "aws-eusc", "*", "aws*"])
def test_known_and_wildcard_partitions_are_fine(partition: str) -> None:
    assert lint_policy(policy(f"arn:{partition}:s3:::b/*"), select="PL402") == []


# -- PL403 ------------------------------------------------------------------------------------------
def test_unknown_region_is_a_warning() -> None:
    findings = lint_policy(
        policy("arn:aws:sqs:us-east-7:123456789012:q", action="sqs:SendMessage"), select="PL403"
    )
    assert rule_ids(findings) == ["PL403"]
    assert findings[0].level is Level.WARNING
    assert findings[0].message == "'us-east-7' is not a region of partition aws"
    assert findings[0].hint in ("did you mean 'us-east-1'?", "did you mean 'us-east-2'?")


def test_region_of_another_partition() -> None:
    # an error since PL412 (IAM Access Analyzer's "Invalid ARN Region"); PL403 keeps the plausible new regions
    findings = lint_policy(
        policy("arn:aws:sqs:cn-north-1:123456789012:q", action="sqs:SendMessage"), select="PL4"
    )
    assert rule_ids(findings) == ["PL412"]
    assert findings[0].message == "region 'cn-north-1' belongs to partition aws-cn, not aws"
    assert findings[0].hint == "write arn:aws-cn:... for cn-north-1"


def test_region_pattern_that_matches_nothing() -> None:
    findings = lint_policy(policy("arn:aws:logs:xx-*:123456789012:log-group:x"), select="PL403")
    assert findings[0].message == "region pattern 'xx-*' matches no region of partition aws"


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:sqs:me-west-1:123456789012:q",  # newer than the installed botocore: from the snapshot
        "arn:aws:sqs:sa-west-1:123456789012:q",
        "arn:aws-cn:sqs:cn-north-1:123456789012:q",
        "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q",
        "arn:aws:sqs:eu-*:123456789012:q",
        "arn:aws:sqs:*:123456789012:q",
        "arn:aws:sqs:${aws:RequestedRegion}:123456789012:q",
        "arn:aws:iam::123456789012:role/x",  # global services leave the region empty
        "arn:*:sqs:cn-north-1:123456789012:q",
    ],
)
def test_known_wildcard_and_empty_regions_are_fine(resource: str) -> None:
    assert lint_policy(policy(resource, action="sqs:SendMessage"), select="PL403") == []


# -- PL404 ------------------------------------------------------------------------------------------
def test_list_action_scoped_to_a_specific_arn() -> None:
    findings = lint_policy(
        policy("arn:aws:iam::123456789012:role/MyRole", action=["iam:ListRoles"]), select="PL404"
    )
    assert rule_ids(findings) == ["PL404"]
    assert findings[0].level is Level.WARNING
    assert at(findings, "PL404") == [(7, 9)]  # the action inside the Action list
    assert findings[0].message == (
        'iam:ListRoles has no resource-level permissions: IAM authorizes it only against "*", so scoped to '
        "arn:aws:iam::123456789012:role/MyRole this statement never grants it"
    )
    assert findings[0].hint == 'grant it in a statement of its own with "Resource": "*"'


def test_only_the_actions_without_resource_types_are_reported() -> None:
    text = policy("arn:aws:iam::123456789012:role/MyRole", action=["iam:ListRoles", "iam:GetRole"])
    findings = lint_policy(text, select="PL404")
    assert [f.message.split(" ")[0] for f in findings] == ["iam:ListRoles"]


def test_deny_wording() -> None:
    findings = lint_policy(
        policy("arn:aws:s3:::my-bucket", action="s3:ListAllMyBuckets", effect="Deny"), select="PL404"
    )
    assert findings[0].message.endswith("this statement never denies it")


@pytest.mark.parametrize(
    ("resource", "key"),
    [
        ("*", "Resource"),
        ("arn:aws:s3:::*", "Resource"),  # the whole service: AWS's own examples disagree, so not judged
        ("arn:aws:s3:::my-bucket", "NotResource"),
        ("arn:aws:s3:::${BucketName}", "Resource"),
        ("arn:aws:logs:*:*:log-group:x", "Resource"),  # account-wide generic ARNs are not judged
    ],
)
def test_pl404_quiet_cases(resource: str, key: str) -> None:
    assert lint_policy(policy(resource, action="s3:ListAllMyBuckets", key=key), select="PL404") == []


# -- PL405 ------------------------------------------------------------------------------------------
def test_action_on_another_services_arn() -> None:
    findings = lint_policy(
        policy("arn:aws:sns:us-east-1:123456789012:MyTopic", action="sqs:SendMessage"), select="PL405"
    )
    assert rule_ids(findings) == ["PL405"]
    assert findings[0].level is Level.WARNING
    assert at(findings, "PL405") == [(6, 17)]
    assert findings[0].message == (
        "sqs:SendMessage acts on queue resources and none of this statement's resources can be one: "
        "the statement never grants it"
    )
    assert findings[0].hint == "expected queue: arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"


def test_object_action_on_a_bucket_arn_and_bucket_action_on_objects() -> None:
    objects = lint_policy(policy("arn:aws:s3:::my-bucket", action="s3:GetObject"), select="PL405")
    assert "accesspointobject or object" in objects[0].message
    buckets = lint_policy(policy("arn:aws:s3:::my-bucket/*", action="s3:ListBucket"), select="PL405")
    assert rule_ids(buckets) == ["PL405"]


def test_wildcard_action_is_reported_only_when_none_of_its_actions_fit() -> None:
    none_fit = lint_policy(policy("arn:aws:s3:::my-bucket", action="s3:*Object"), select="PL405")
    assert none_fit[0].message.startswith("none of the 5 actions matched by s3:*Object")
    assert lint_policy(policy("arn:aws:s3:::my-bucket", action="s3:Get*"), select="PL405") == []


@pytest.mark.parametrize(
    ("resource", "action"),
    [
        ("arn:aws:s3:::my-bucket/${aws:username}/*", "s3:GetObject"),
        ("arn:aws:s3:*:*:bucket", "s3:ListBucket"),
        ("arn:aws-cn:s3:::my-bucket/*", "s3:GetObject"),
        ("arn:aws:iam::123456789012:user/${aws:username}", "iam:GetUser"),
        ("arn:aws:sqs:*:123456789012:*", "sqs:SendMessage"),
        (["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "s3:GetObject"),
        (
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2",
            "elasticloadbalancing:AddTags",
        ),
        ("*", "s3:GetObject"),
    ],
)
def test_resources_that_fit_or_cannot_be_judged_are_quiet(resource: Any, action: str) -> None:
    assert lint_policy(policy(resource, action=action), select="PL405") == []


# -- fixtures from other linters' test suites -------------------------------------------------------
BOOGY = "iam-invalid/boogy__iam-policy-validator/examples/iam-test-policies"
PARLIAMENT = "iam-invalid/duo-labs__parliament/extracted"
FIXTURES = {
    f"{BOOGY}/identity-policies/invalid_policy.json": {"PL401", "PL402"},
    f"{BOOGY}/identity-policies/invalid-resource-constraint.json": {"PL404"},
    f"{BOOGY}/wrong_actions_mismatch/iam-wrong-resources.json": {"PL405"},
    # its ec2 snapshot ARN names an account, which snapshot ARNs do not have (PL406)
    f"{BOOGY}/wrong_actions_mismatch/multi-service-wrong-resources.json": {"PL405", "PL406"},
    f"{BOOGY}/wrong_actions_mismatch/s3-wrong-resources.json": {"PL405"},
    f"{BOOGY}/wrong_actions_mismatch/sqs-sns-wrong-resources.json": {"PL405"},
}


def _lint_file(path: Path, select: str = "PL4") -> list[Finding]:
    return lint_source(read_source(path), LintContext(LintOptions(select=(select,))))


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_known_bad_resource_fixtures_get_the_expected_findings(corpus: Path, name: str) -> None:
    assert {f.rule_id for f in _lint_file(corpus / name)} == FIXTURES[name]


def test_every_mismatched_statement_of_the_fixtures_is_found(corpus: Path) -> None:
    # The fixtures' Sids say what is wrong; the one correct statement (CreateUser on a user) stays quiet.
    found = _lint_file(corpus / f"{BOOGY}/wrong_actions_mismatch/iam-wrong-resources.json")
    assert [f.message.split(" ")[0] for f in found] == [
        "iam:GetUser",
        "iam:GetRole",
        "iam:GetPolicy",
        "iam:DeleteRole",
    ]
    multi = _lint_file(corpus / f"{BOOGY}/wrong_actions_mismatch/multi-service-wrong-resources.json")
    assert len([f for f in multi if f.rule_id == "PL405"]) == 10


def test_cloudformation_and_privilege_fixtures_are_reported_by_some_rule(corpus: Path) -> None:
    # An unrendered Fn::Sub object (PL114 names it, PL501 the ${AWS::AccountId} inside): PL4 stays quiet
    # rather than report the same thing a third time.
    sub = lint_source(
        read_source(corpus / f"{PARLIAMENT}/test_resources__test_resource_with_sub.json"), LintContext()
    )
    assert {"PL114", "PL501"} <= {f.rule_id for f in sub}
    bucket = (
        corpus
        / f"{PARLIAMENT}/test_patterns__test_resource_policy_privilege_escalation_at_bucket_level__2.json"
    )
    assert lint_source(read_source(bucket), LintContext())


def test_no_resource_errors_on_aws_managed_policies(corpus: Path) -> None:
    errors = []
    for path in sorted((corpus / "iam-managed").glob("*.json")):
        errors += [
            f"{f.location}: {f.rule_id} {f.message}" for f in _lint_file(path) if f.level is Level.ERROR
        ]
    assert errors == []
