"""PL901-PL904 (size quotas by policy type) and PL414-PL415 (what a resource's policy can name), with --resource-type.

Each Access Analyzer check these rules cover gets a positive (reported at AA's level or stricter) and a minimally
corrected negative (nothing reported at all).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.core.findings import Finding
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_text
from policy_lint.policy.model import PolicyType
from policy_lint.policy.size import iam_size, minified, minified_size
from policy_lint.rules.access_analyzer import CHECKS
from policy_lint.rules.lint_ruleset import get_policy_rule

AA_LEVEL = {check.name: check.level for check in CHECKS}


def _lint(
    doc: Any, policy_type: str, resource_type: str | None = None, indent: int | None = None
) -> list[Finding]:
    text = json.dumps(doc, indent=indent)
    options = LintOptions(policy_type=PolicyType(policy_type), resource_type=resource_type)
    return lint_text(text, "policy.json", options)


def _assert_positive(findings: list[Finding], rule: str, check: str | None) -> None:
    found = [f for f in findings if f.rule_id == rule]
    assert len(found) == 1, findings
    if check is not None:
        assert check in get_policy_rule(rule).access_analyzer
        assert found[0].level >= AA_LEVEL[check]


# -- sizes ---------------------------------------------------------------------------------------------
def test_aws_counts_no_whitespace_for_iam_and_none_outside_strings_when_minified() -> None:
    text = '{ "Sid": "a b",\n  "x": 1 }'
    assert iam_size(text) == len('{"Sid":"ab","x":1}')
    assert minified(text) == '{"Sid":"a b","x":1}'
    assert minified('{"a": "q\\" b"}') == '{"a":"q\\" b"}'  # an escaped quote does not end the string
    assert minified_size('{"a": "é"}', in_bytes=True) == len('{"a":"é"}'.encode())


def _trust(accounts: int) -> dict[str, Any]:
    principals = [f"arn:aws:iam::{n:012d}:root" for n in range(accounts)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"},
        ],
    }


def _deny_scp(accounts: int, policy_kind: str = "scp") -> dict[str, Any]:
    """Deny everyone outside a list of accounts: the list makes it long."""
    stmt: dict[str, Any] = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    if policy_kind == "rcp":
        stmt["Principal"] = "*"
    stmt["Condition"] = {"StringNotEquals": {"aws:PrincipalAccount": [f"{n:012d}" for n in range(accounts)]}}
    return {"Version": "2012-10-17", "Statement": [stmt]}


def _bucket_policy(principals: int) -> dict[str, Any]:
    arns = [f"arn:aws:iam::{n:012d}:root" for n in range(principals)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": arns},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::my-bucket/*",
            }
        ],
    }


@pytest.mark.parametrize(
    ("rule", "check", "policy_type", "resource_type", "big", "small"),
    [
        # sizes as AWS counts them, just over and just under: 2,052 / 2,019 non-whitespace characters,
        # 5,171 / 5,096 (SCP) and 5,187 / 5,112 (RCP) characters minified, 20,601 / 19,941 bytes minified
        ("PL901", "Policy size exceeds role trust policy quota", "trust", None, _trust(59), _trust(58)),
        ("PL902", "Policy size exceeds SCP quota", "scp", None, _deny_scp(335), _deny_scp(330)),
        ("PL903", None, "rcp", None, _deny_scp(335, "rcp"), _deny_scp(330, "rcp")),
        (
            "PL904",
            "Policy size exceeds resource policy quota",
            "resource",
            "AWS::S3::Bucket",
            _bucket_policy(620),
            _bucket_policy(600),
        ),
    ],
)
def test_a_policy_over_its_types_quota_is_reported_and_one_under_it_is_not(
    rule: str, check: str | None, policy_type: str, resource_type: str | None, big: Any, small: Any
) -> None:
    _assert_positive(_lint(big, policy_type, resource_type), rule, check)
    # indented: the whitespace a minifier removes does not count
    assert _lint(small, policy_type, resource_type, indent=4) == []


def test_a_trust_policy_is_not_held_to_the_scp_quota_and_vice_versa() -> None:
    assert [f.rule_id for f in _lint(_deny_scp(335), "identity")] == []  # 6,144 for identity: under
    # no resource type: no quota known
    assert [f.rule_id for f in _lint(_trust(64), "resource") if f.rule_id.startswith("PL9")] == []


def test_a_guessed_trust_policy_with_a_resource_is_not_held_to_the_trust_quota() -> None:
    # the pattern of an RCP that denies sts:AssumeRoleWithWebIdentity: Principal "*", Resource "*"
    doc = _trust(59)
    doc["Statement"][0].update(Effect="Deny", Action="sts:AssumeRoleWithWebIdentity", Resource="*")
    text = json.dumps(doc)
    assert [f.rule_id for f in lint_text(text, "policy.json", LintOptions()) if f.rule_id == "PL901"] == []
    assert [f.rule_id for f in _lint(_trust(59), "trust")] == ["PL901"]


def test_an_sqs_queue_policy_has_its_own_8192_byte_quota() -> None:
    doc = _bucket_policy(250)
    doc["Statement"][0].update(Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:123456789012:q")
    assert [f.rule_id for f in _lint(doc, "resource", "AWS::SQS::Queue")] == ["PL904"]
    assert (
        _lint(doc, "resource", "AWS::S3::Bucket") != []
    )  # wrong type: the actions and ARN are PL414/PL415's
    assert [f.rule_id for f in _lint(doc, "resource", "AWS::KMS::Key") if f.rule_id == "PL904"] == []


# -- what a resource's policy can name -----------------------------------------------------------------
def _resource_doc(action: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": action,
                "Resource": resource,
            }
        ],
    }


@pytest.mark.parametrize(
    ("rule", "check", "resource_type", "bad", "good"),
    [
        (
            "PL414",
            "Unsupported action in policy",
            "AWS::S3::Bucket",
            ("kms:Decrypt", "arn:aws:s3:::my-bucket/*"),
            ("s3:GetObject", "arn:aws:s3:::my-bucket/*"),
        ),
        (
            "PL415",
            "Unsupported resource ARN in policy",
            "AWS::S3::Bucket",
            ("s3:GetObject", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            ("s3:GetObject", "arn:aws:s3:::my-bucket/*"),
        ),
        (
            "PL414",
            "Unsupported action in policy",
            "AWS::SQS::Queue",
            ("sqs:ListQueues", "arn:aws:sqs:us-east-1:123456789012:orders"),
            ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:orders"),
        ),
    ],
)
def test_a_resource_policy_names_only_its_resource_types_actions_and_arns(
    rule: str, check: str, resource_type: str, bad: tuple[str, str], good: tuple[str, str]
) -> None:
    _assert_positive(_lint(_resource_doc(*bad), "resource", resource_type), rule, check)
    assert _lint(_resource_doc(*good), "resource", resource_type) == []


@pytest.mark.parametrize("action", ["s3:*", "s3:Get*", "*"])
def test_wildcards_that_cover_a_supported_action_are_fine(action: str) -> None:
    assert _lint(_resource_doc(action, "arn:aws:s3:::my-bucket/*"), "resource", "AWS::S3::Bucket") == []


def test_without_a_resource_type_nothing_is_judged() -> None:
    found = _lint(_resource_doc("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k"), "resource")
    assert not {f.rule_id for f in found} & {"PL414", "PL415", "PL904"}


def test_the_cli_takes_the_resource_type_and_refuses_a_contradicting_policy_type(tmp_path: Any) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(_resource_doc("kms:Decrypt", "arn:aws:s3:::my-bucket/*")), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--resource-type", "aws::s3::bucket", str(path)])
    assert result.exit_code == 1
    assert "PL414 error kms:Decrypt does not act on s3 buckets or objects" in result.output
    refused = CliRunner().invoke(
        main, ["lint", "--resource-type", "AWS::S3::Bucket", "--policy-type", "scp", str(path)]
    )
    assert refused.exit_code == 2
    assert "is for a resource policy, not --policy-type scp" in refused.output
