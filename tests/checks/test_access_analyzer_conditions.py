"""IAM Access Analyzer's condition, policy-variable and empty-value checks, offline.

Each row is one Access Analyzer check: a policy that triggers it, and the same policy minimally
corrected. The positive must be reported by the covering rule at Access Analyzer's level or
stricter (the one documented exception is "Missing qualifier", see PL310's rationale); the
corrected policy must not be reported by that rule at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.core.findings import Level
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_paths
from policy_lint.rules.lint_ruleset import get_policy_rule
from tests.helpers import lint_policy

E, S, W, G = Level.ERROR, Level.SECURITY_WARNING, Level.WARNING, Level.SUGGESTION
#: Checks reported below Access Analyzer's level, with the rule whose rationale says why.
LOWER_THAN_ACCESS_ANALYZER = {"Missing qualifier": "PL310"}


def doc(
    condition: dict[str, Any] | None = None,
    effect: str = "Allow",
    action: Any = "s3:GetObject",
    resource: Any = "arn:aws:s3:::bucket/*",
    version: str | None = "2012-10-17",
    **extra: Any,
) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": effect, **extra}
    if action is not None:
        stmt["Action"] = action
    if resource is not None:
        stmt["Resource"] = resource
    if condition is not None:
        stmt["Condition"] = condition
    policy: dict[str, Any] = {"Statement": [stmt]}
    if version:
        policy = {"Version": version, **policy}
    return policy


def trust(principal: Any, **extra: Any) -> dict[str, Any]:
    return doc(action="sts:AssumeRole", resource=None, Principal=principal, **extra)


SSL = "aws:SecureTransport"
ROW = tuple[str, Level, str, dict[str, Any], dict[str, Any]]
CASES: list[ROW] = [
    # -- conditions that can never match, or match everything --------------------------------------
    (
        "Invalid condition multiple Boolean",
        E,
        "PL308",
        doc({"Bool": {SSL: ["true", "false"]}}),
        doc({"Bool": {SSL: ["true"]}}),
    ),
    (
        "Invalid variable for operator",
        E,
        "PL309",
        doc({"NumericEquals": {"s3:max-keys": "${aws:PrincipalTag/limit}"}}, action="s3:ListBucket"),
        doc({"StringEquals": {"s3:prefix": "${aws:PrincipalTag/limit}"}}, action="s3:ListBucket"),
    ),
    (
        "Missing qualifier",
        E,
        "PL310",
        doc({"StringEquals": {"aws:TagKeys": ["team"]}}, action="ec2:CreateTags"),
        doc({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, action="ec2:CreateTags"),
    ),
    (
        "Null with qualifier",
        G,
        "PL311",
        doc({"ForAnyValue:Null": {"aws:TagKeys": "false"}}),
        doc({"Null": {"aws:TagKeys": "false"}}),
    ),
    (
        "Missing tag key in condition",
        E,
        "PL302",
        doc({"StringEquals": {"aws:ResourceTag": "blue"}}),
        doc({"StringEquals": {"aws:ResourceTag/team": "blue"}}),
    ),
    (
        "Wildcard without like operator",
        W,
        "PL312",
        doc({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}),
        doc({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}),
    ),
    (
        "Private IP address",
        E,
        "PL313",
        doc({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.0/24"]}}),
        doc(
            {
                "IpAddress": {"aws:VpcSourceIp": ["10.0.0.0/8"]},
                "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"},
            }
        ),
    ),
    (
        "Private NotIpAddress",
        E,
        "PL313",
        doc({"NotIpAddress": {"aws:SourceIp": "172.16.0.0/12"}}, effect="Deny"),
        doc({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, effect="Deny"),
    ),
    (
        "Private IP address subset",
        G,
        "PL314",
        doc({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.1.0.0/16"]}}),
        doc({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}),
    ),
    (
        "Private NotIpAddress subset",
        G,
        "PL314",
        doc({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "fd00::/8"]}}, effect="Deny"),
        doc({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}, effect="Deny"),
    ),
    (
        "Improve IP range",
        G,
        "PL315",
        doc({"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}),
        doc({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    ),
    (
        "Invalid vpc format",
        E,
        "PL316",
        doc({"StringEquals": {"aws:SourceVpc": "my-vpc"}}),
        doc({"StringEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"}}),
    ),
    (
        "Invalid vpce format",
        E,
        "PL316",
        doc({"StringEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}}),
        doc({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
    ),
    (
        "Deprecated global condition key",
        W,
        "PL302",
        doc({"ArnEquals": {"aws:ARN": "arn:aws:iam::123456789012:role/x"}}),
        doc({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/x"}}),
    ),
    (
        "Missing paired condition keys",
        S,
        "PL317",
        doc({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}),
        doc(
            {
                "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"},
                "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"},
            }
        ),
    ),
    (
        "Deny with unsupported tag condition key for service",
        S,
        "PL318",
        doc(
            {"StringEquals": {"aws:ResourceTag/team": "blue"}},
            effect="Deny",
            action=["ec2:TerminateInstances", "s3:ListAllMyBuckets"],
            resource="*",
        ),
        doc(
            {"StringEquals": {"aws:ResourceTag/team": "blue"}},
            effect="Deny",
            action="ec2:TerminateInstances",
            resource="*",
        ),
    ),
    (
        "Deny NotAction with unsupported tag condition key for service",
        S,
        "PL318",
        doc(
            {"StringEquals": {"aws:ResourceTag/team": "blue"}},
            effect="Deny",
            action=None,
            NotAction="iam:*",
            resource="*",
        ),
        doc(
            {"StringEquals": {"aws:ResourceTag/team": "blue"}},
            effect="Deny",
            action="ec2:TerminateInstances",
            resource="*",
        ),
    ),
    (
        "Allow with unsupported tag condition key for service",
        G,
        "PL319",
        doc(
            {"StringEquals": {"aws:ResourceTag/team": "blue"}},
            action=["ec2:StopInstances", "s3:ListAllMyBuckets"],
            resource="*",
        ),
        doc({"StringEquals": {"aws:ResourceTag/team": "blue"}}, action="ec2:StopInstances", resource="*"),
    ),
    (
        "Allow NotAction with unsupported tag condition key for service",
        G,
        "PL319",
        doc({"StringEquals": {"aws:ResourceTag/team": "blue"}}, action=None, NotAction="iam:*", resource="*"),
        doc({"StringEquals": {"aws:ResourceTag/team": "blue"}}, action="ec2:StopInstances", resource="*"),
    ),
    (
        "ForAllValues with single valued key",
        S,
        "PL305",
        doc({"ForAllValues:StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}),
        doc({"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}),
    ),
    # -- policy variables --------------------------------------------------------------------------
    (
        "Missing brace in variable",
        E,
        "PL801",
        doc(resource="arn:aws:s3:::bucket/${aws:username/*"),
        doc(resource="arn:aws:s3:::bucket/${aws:username}/*"),
    ),
    (
        "Missing quote in variable",
        E,
        "PL801",
        doc(resource="arn:aws:s3:::bucket-${aws:PrincipalTag/team, company-wide}/*"),
        doc(resource="arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}/*"),
    ),
    (
        "Unsupported space in variable",
        E,
        "PL801",
        doc({"StringEquals": {"s3:prefix": "home/${aws:user name}/"}}, action="s3:ListBucket"),
        doc({"StringEquals": {"s3:prefix": "home/${aws:username}/"}}, action="s3:ListBucket"),
    ),
    (
        "Empty variable",
        E,
        "PL801",
        doc(resource="arn:aws:s3:::bucket/${}/*"),
        doc(resource="arn:aws:s3:::bucket/${aws:userid}/*"),
    ),
    (
        "Unsupported symbol in variable",
        E,
        "PL801",
        doc(resource="arn:aws:s3:::bucket/${aws:user#name}/*"),
        doc(resource="arn:aws:s3:::bucket/${aws:username}/*"),
    ),
    (
        "Variable unsupported in version",
        E,
        "PL502",
        doc(resource="arn:aws:s3:::bucket/${aws:username}/*", version="2008-10-17"),
        doc(resource="arn:aws:s3:::bucket/${aws:username}/*"),
    ),
    (
        "Variable unsupported in element",
        E,
        "PL502",
        doc(action="s3:${aws:username}"),
        doc(action="s3:GetObject"),
    ),
    # -- empty values ------------------------------------------------------------------------------
    (
        "Empty array condition",
        G,
        "PL802",
        doc({"StringEquals": {"aws:PrincipalOrgID": []}}),
        doc({"StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}),
    ),
    (
        "Empty array condition ForAllValues",
        G,
        "PL802",
        doc({"ForAllValues:StringEquals": {"aws:TagKeys": []}}, action="ec2:CreateTags"),
        doc({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, action="ec2:CreateTags"),
    ),
    (
        "Empty array condition ForAnyValue",
        G,
        "PL802",
        doc({"ForAnyValue:StringEquals": {"aws:TagKeys": []}}, action="ec2:CreateTags"),
        doc({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, action="ec2:CreateTags"),
    ),
    (
        "Empty array condition IfExists",
        G,
        "PL802",
        doc({"StringEqualsIfExists": {"aws:PrincipalOrgID": []}}),
        doc({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}),
    ),
    (
        "Empty array principal",
        G,
        "PL803",
        trust({"AWS": []}),
        trust({"AWS": ["arn:aws:iam::123456789012:root"]}),
    ),
    (
        "Empty Sid value",
        G,
        "PL804",
        doc(Sid=""),
        doc(Sid="ReadObjects"),
    ),
]


@pytest.mark.parametrize(
    ("check", "aa_level", "rule_id", "positive", "negative"), CASES, ids=[case[0] for case in CASES]
)
def test_access_analyzer_check_is_covered(
    check: str, aa_level: Level, rule_id: str, positive: dict[str, Any], negative: dict[str, Any]
) -> None:
    meta = get_policy_rule(rule_id)
    assert check in meta.access_analyzer, f"{rule_id} does not name {check!r} in its metadata"
    found = [f for f in lint_policy(positive, select=rule_id) if f.rule_id == rule_id]
    assert found, f"{check}: {rule_id} reported nothing on the positive policy"
    if LOWER_THAN_ACCESS_ANALYZER.get(check) != rule_id:
        assert all(f.level >= aa_level for f in found), f"{check}: below Access Analyzer's {aa_level.label}"
    assert lint_policy(negative, select=rule_id) == [], f"{check}: the corrected policy is still reported"


def test_a_lower_level_than_access_analyzer_is_explained_in_the_rationale() -> None:
    for check, rule_id in LOWER_THAN_ACCESS_ANALYZER.items():
        meta = get_policy_rule(rule_id)
        assert check in meta.rationale and "Access Analyzer" in meta.rationale


# -- behaviours behind the table --------------------------------------------------------------------
def test_malformed_variables_are_not_reported_as_placeholders_and_placeholders_still_are() -> None:
    broken = doc(resource="arn:aws:s3:::bucket/${aws: username}/*")
    assert [f.rule_id for f in lint_policy(broken, select="PL5")] == []
    assert [f.rule_id for f in lint_policy(broken, select="PL801")] == ["PL801"]
    placeholder = doc(resource="arn:aws:s3:::${Bucket Name}/*")
    assert [f.rule_id for f in lint_policy(placeholder, select="PL5")] == ["PL501"]
    assert lint_policy(placeholder, select="PL801") == []
    cloudformation = doc(resource="arn:aws:s3:::${AWS::AccountId}-logs/*")
    assert lint_policy(cloudformation, select="PL801") == []


def test_malformed_variable_finding_points_at_the_variable_and_says_what_is_wrong() -> None:
    text = json.dumps(doc(resource="arn:aws:s3:::bucket/${aws:username, nobody}/*"), indent=2)
    (finding,) = lint_policy(text, select="PL801")
    line = text.splitlines()[finding.location.line - 1]
    assert line[finding.location.col - 1 :].startswith("${aws:username, nobody}")
    assert "single quotes" in finding.message and "${aws:username, 'nobody'}" in finding.message


def test_variables_in_condition_values_need_the_current_version_too() -> None:
    old = doc({"StringEquals": {"s3:prefix": "home/${aws:username}/"}}, action="s3:ListBucket", version=None)
    (finding,) = lint_policy(old, select="PL502")
    assert finding.level is Level.ERROR and "2012-10-17" in finding.message


@pytest.mark.parametrize(
    ("operator", "outcome"),
    [
        ("StringEquals", "never matches"),
        ("ForAnyValue:StringEquals", "never matches"),
        ("ForAllValues:StringEquals", "only when aws:PrincipalOrgID is missing"),
        ("StringEqualsIfExists", "only when aws:PrincipalOrgID is missing"),
        ("StringNotEquals", "matches every request"),
    ],
)
def test_empty_condition_values_say_what_the_condition_does(operator: str, outcome: str) -> None:
    (finding,) = lint_policy(doc({operator: {"aws:PrincipalOrgID": []}}), select="PL802")
    assert outcome in finding.message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringNotEquals": {"aws:ResourceTag/team": "blue"}},  # true without the key: denies more
        {"StringEqualsIfExists": {"aws:ResourceTag/team": "blue"}},
        {"Null": {"aws:ResourceTag/team": "true"}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
    ],
)
def test_a_deny_that_a_missing_tag_key_widens_is_not_reported(condition: dict[str, Any]) -> None:
    policy = doc(condition, effect="Deny", action=["s3:ListAllMyBuckets"], resource="*")
    assert lint_policy(policy, select="PL318") == []


def test_tag_key_support_is_unknown_when_actions_cannot_be_listed() -> None:
    policy = doc({"StringEquals": {"aws:ResourceTag/team": "blue"}}, effect="Deny", action="*", resource="*")
    assert lint_policy(policy, select="PL318") == []  # uncertain never fails


def test_a_paired_key_is_not_needed_to_deny() -> None:
    deny = doc({"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}, effect="Deny")
    assert lint_policy(deny, select="PL317") == []


@pytest.mark.parametrize(
    "value",
    ["vpc-*", "${aws:PrincipalTag/vpc}", "<VPC_ID>", "vpc-0123456789abcdef0"],
)
def test_vpc_patterns_variables_and_placeholders_are_not_judged_as_ids(value: str) -> None:
    assert lint_policy(doc({"StringLike": {"aws:SourceVpc": value}}), select="PL316") == []


def test_a_literal_star_written_as_an_escape_is_not_a_wildcard() -> None:
    policy = doc({"StringEquals": {"s3:prefix": "home/${*}"}}, action="s3:ListBucket")
    assert lint_policy(policy, select="PL312") == []


# -- precision on AWS's own policies ----------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGED = (REPO_ROOT / ".." / "shared" / "corpus" / "iam-managed").resolve()
THESE_RULES = (
    "PL302",
    "PL305",
    "PL307",
    *(f"PL3{n:02d}" for n in range(8, 20)),
    "PL502",
    *(f"PL80{n}" for n in range(1, 5)),
)


def test_no_error_from_these_rules_on_any_aws_managed_policy() -> None:
    if not MANAGED.is_dir():
        pytest.skip(f"shared corpus not found at {MANAGED}: this test needs ../shared/corpus beside the repo")
    result = lint_paths([str(MANAGED)], LintOptions(select=THESE_RULES))
    assert result.files > 1500
    errors = [f"{f.location}: {f.rule_id} {f.message}" for f in result.findings if f.level is Level.ERROR]
    assert errors == []
