"""One statement, one verdict: the lint rules and the inventory rules judge it with the same code.

Each statement of the table goes, as one document, through ``policy-lint lint --policy-type
resource`` (PL606), through OB305 on a hand-built inventory queue, and through OB305 on a
CloudFormation stack that declares the queue with that policy (``policy-lint check``). All three
must say the same: public or not. The bucket-policy table does the same for CIS 2.1.1: the lint
model of the document and CS205 (hand-built bucket and CloudFormation stack) must agree on
whether it denies plain HTTP. Issue 9: PL606 and OB305 kept two key sets, and OB305 ignored
NotPrincipal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.iam.statements import denies_insecure_transport, views_of_document
from policy_lint.inventory.model import Bucket, Inventory, Origin
from policy_lint.policy.model import PolicyType, build_document
from policy_lint.rules import Status
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source
from tests.checks.cspm.builders import run as run_cis
from tests.checks.onboarding import builders as b

QUEUE = "arn:aws:sqs:us-east-1:123456789012:audit"
ROOT = "arn:aws:iam::123456789012:root"


def _send(**fields: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE}
    statement.update(fields)
    return {k: v for k, v in statement.items() if v is not None}


#: (case, statement, public?)
QUEUE_STATEMENTS: list[tuple[str, dict[str, Any], bool]] = [
    ("star, no condition", _send(), True),
    ('{"AWS": "*"}, no condition', _send(Principal={"AWS": "*"}), True),
    ("star, SourceOrgID", _send(Condition={"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}), False),
    ("star, SourceArn", _send(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::audit-logs"}}), False),
    (
        "star, PrincipalOrgID",
        _send(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        False,
    ),
    ("star, SourceVpce", _send(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), False),
    ("star, SourceIp", _send(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), False),
    ("star, TLS only", _send(Condition={"Bool": {"aws:SecureTransport": "true"}}), True),
    (
        "star, IfExists",
        _send(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}),
        True,
    ),
    ("star, PrincipalArn *", _send(Condition={"StringLike": {"aws:PrincipalArn": "*"}}), True),
    ("star, not the org", _send(Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), True),
    ("star, username", _send(Condition={"StringEquals": {"aws:username": "reader"}}), True),
    ("NotPrincipal allow", _send(Principal=None, NotPrincipal={"AWS": ROOT}), True),
    ("NotPrincipal deny", _send(Effect="Deny", Principal=None, NotPrincipal={"AWS": ROOT}), False),
    ("star, deny", _send(Effect="Deny"), False),
    ("account root", _send(Principal={"AWS": ROOT}, Action="sqs:*"), False),
    ("S3 service", _send(Principal={"Service": "s3.amazonaws.com"}), False),
]


def _document(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


def _lint_public(document: dict[str, Any], tmp_path: Path) -> bool:
    path = tmp_path / "queue-policy.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    args = ["lint", str(path), "--policy-type", "resource", "--select", "PL606", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)["findings"]
    return any(f["rule_id"] == "PL606" for f in findings)


def _stack(resources: dict[str, Any]) -> dict[str, Any]:
    bucket = {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": "audit-logs",
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {"Event": "s3:ObjectCreated:Put", "Queue": {"Fn::GetAtt": ["Audit", "Arn"]}}
                ]
            },
        },
    }
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "audit"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Logs": bucket, "Audit": queue, **resources},
    }


def _check(template: dict[str, Any], tmp_path: Path, *args: str) -> str:
    (tmp_path / "stack.json").write_text(json.dumps(template, indent=2), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "stack.json"), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    payload = json.loads(result.stdout)
    assert payload["problems"] == []  # the stack was fully understood
    [status] = [r["status"] for r in payload["results"]]
    return str(status)


@pytest.mark.parametrize(
    ("case", "statement", "public"), QUEUE_STATEMENTS, ids=[c[0] for c in QUEUE_STATEMENTS]
)
def test_lint_and_inventory_agree_whether_a_queue_policy_is_public(
    case: str, statement: dict[str, Any], public: bool, tmp_path: Path
) -> None:
    document = _document(statement)
    assert _lint_public(document, tmp_path) is public
    inventory_status = b.only(b.inventory(queues=[b.queue(policy=document)]), "OB305").status
    assert inventory_status is (Status.FAIL if public else Status.PASS)
    policy = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {"Queues": [{"Ref": "Audit"}], "PolicyDocument": document},
    }
    assert _check(_stack({"AuditPolicy": policy}), tmp_path, "--select", "OB305") == (
        "fail" if public else "pass"
    )


def _deny_http(**fields: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(fields)
    return {k: v for k, v in statement.items() if v is not None}


#: (case, statement, denies plain HTTP?)
BUCKET_STATEMENTS: list[tuple[str, dict[str, Any], bool]] = [
    ("CIS statement", _deny_http(), True),
    ('{"AWS": "*"}, "*" on "*"', _deny_http(Principal={"AWS": ["*"]}, Action="*", Resource="*"), True),
    ("BoolIfExists", _deny_http(Condition={"BoolIfExists": {"aws:SecureTransport": ["false"]}}), True),
    ("Allow", _deny_http(Effect="Allow"), False),
    ("TLS true", _deny_http(Condition={"Bool": {"aws:SecureTransport": "true"}}), False),
    ("one action", _deny_http(Action="s3:GetObject"), False),
    ("the bucket only", _deny_http(Resource="arn:aws:s3:::audit-logs"), False),
    ("NotPrincipal", _deny_http(Principal=None, NotPrincipal={"AWS": ROOT}), False),
    ("the account root", _deny_http(Principal={"AWS": ROOT}), False),
]


@pytest.mark.parametrize(
    ("case", "statement", "denies"), BUCKET_STATEMENTS, ids=[c[0] for c in BUCKET_STATEMENTS]
)
def test_lint_model_and_inventory_agree_whether_a_bucket_policy_denies_plain_http(
    case: str, statement: dict[str, Any], denies: bool, tmp_path: Path
) -> None:
    document = _document(statement)
    text = json.dumps(document, indent=2)
    lint_doc = build_document(Source("bucket-policy.json", text), parse_json(text), PolicyType.RESOURCE)
    assert any(denies_insecure_transport(view) for view in views_of_document(lint_doc)) is denies
    bucket = Bucket(
        Origin("terraform", "aws_s3_bucket.logs", "main.tf", 1, 1), name="audit-logs", policy=document
    )
    [result] = run_cis("CS205", Inventory(buckets=[bucket]))
    assert result.status is (Status.PASS if denies else Status.FAIL)
    policy = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": {"Ref": "Logs"}, "PolicyDocument": document},
    }
    status = _check(_stack({"LogsPolicy": policy}), tmp_path, "--profile-set", "cis", "--select", "CS205")
    assert status == ("pass" if denies else "fail")
