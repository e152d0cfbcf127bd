"""A bucket policy with one value not known before deployment keeps its known statements known.

The pattern is the one of aws-cloudformation-templates' ELB access-log template (issue 10 item 3):
an Allow whose principal is ``Fn::FindInMap`` keyed by the region, next to a literal Deny of plain
HTTP. Here it is written out as a copy, with variations that change CS205's answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

ALLOW_BY_REGION = {
    "Sid": "ELBAccessLogs",
    "Effect": "Allow",
    "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${LogsBucket}/Logs/AWSLogs/${AWS::AccountId}/*"}],
    "Principal": {"AWS": {"Fn::FindInMap": ["Region2ELBAccountId", {"Ref": "AWS::Region"}, "AccountId"]}},
    "Action": ["s3:PutObject"],
}


def _deny(resources: list[Any], effect: Any = "Deny") -> dict[str, Any]:
    return {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": False}},
        "Effect": effect,
        "Principal": {"AWS": "*"},
        "Resource": resources,
    }


def _cs205(tmp_path: Path, statements: list[Any]) -> dict[str, Any]:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Mappings": {
            "Region2ELBAccountId": {
                "us-east-1": {"AccountId": "127311923021"},
                "eu-west-1": {"AccountId": "156460612806"},
            }
        },
        "Resources": {
            "LogsBucket": {"Type": "AWS::S3::Bucket", "Properties": {"AccessControl": "Private"}},
            "LogsBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "LogsBucket"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                },
            },
        },
    }
    path = tmp_path / "elb-logs.json"
    path.write_text(json.dumps(template, indent=2), encoding="utf-8")
    # no --region: the FindInMap key (AWS::Region) is not known, the entries differ
    result = CliRunner().invoke(
        main, ["check", str(path), "--profile-set", "cis", "--select", "CS205", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    [found] = json.loads(result.stdout)["results"]
    assert found["resource"] == "LogsBucket"
    return dict(found)


WHOLE_BUCKET = ["arn:${AWS::Partition}:s3:::${LogsBucket}", "arn:${AWS::Partition}:s3:::${LogsBucket}/*"]
#: the corpus template's Deny: one prefix of the bucket, so HTTP stays open for the rest
ONE_PREFIX = [
    f"arn:${{AWS::Partition}}:s3:::${{LogsBucket}}/Logs/AWSLogs/${{AWS::AccountId}}{tail}"
    for tail in ("", "/*")
]


@pytest.mark.parametrize(
    ("resources", "status"),
    [(WHOLE_BUCKET, "pass"), (ONE_PREFIX, "fail")],
    ids=["whole bucket", "one prefix"],
)
def test_the_literal_deny_decides_beside_an_unknown_allow_principal(
    tmp_path: Path, resources: list[str], status: str
) -> None:
    found = _cs205(tmp_path, [ALLOW_BY_REGION, _deny([{"Fn::Sub": r} for r in resources])])
    # the unknown principal belongs to an Allow: it cannot be the Deny, present or missing
    assert found["status"] == status, found
    if status == "fail":
        assert "has no Deny" in found["message"]


def test_an_unknown_part_that_could_be_the_deny_keeps_the_verdict_unknown(tmp_path: Path) -> None:
    whole = [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${LogsBucket}/*"}]
    effect_by_region = {"Fn::FindInMap": ["Region2ELBAccountId", {"Ref": "AWS::Region"}, "AccountId"]}
    found = _cs205(tmp_path, [ALLOW_BY_REGION, _deny(whole, effect=effect_by_region)])
    assert found["status"] == "unknown", found
    assert "Region2ELBAccountId" in found["message"]  # names the value that is missing
