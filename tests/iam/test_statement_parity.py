"""One statement, one verdict: the lint rules and the inventory rules judge it with the same code.

Each queue statement of the table (``tests/data/statement_parity.yaml``) goes, as one document,
through ``policy-lint lint --policy-type resource`` (PL606), through OB305 on a hand-built
inventory queue, and through OB305 on a CloudFormation stack that declares the queue with that
policy (``policy-lint check``): all three must say the same, public or not. Each bucket statement
goes through the lint model and CS205 (hand-built bucket and CloudFormation stack): they must
agree on whether it denies plain HTTP. Issue 9: PL606 and OB305 kept two key sets, and OB305
ignored NotPrincipal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.iam.statements import denies_insecure_transport, views_of_document
from policy_lint.inventory.model import Bucket, Inventory, Origin
from policy_lint.policy.model import PolicyType, build_document
from policy_lint.rules.registry import Status
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source
from tests.checks.cspm.builders import deny_http
from tests.checks.cspm.builders import run as run_cis
from tests.checks.onboarding import builders as b

TABLE = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "statement_parity.yaml").read_text())
QUEUE = "arn:aws:sqs:us-east-1:123456789012:audit"


def _queue_policy(row: dict[str, Any]) -> dict[str, Any]:
    """The row's statement, or an Allow for Principal "*" of sqs:SendMessage under the row's condition."""
    statement = row.get("statement") or {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}
    statement = {**statement, "Resource": QUEUE}
    if row.get("condition") is not None:
        statement["Condition"] = row["condition"]
    return {"Version": "2012-10-17", "Statement": [statement]}


def _lint_public(document: dict[str, Any], tmp_path: Path) -> bool:
    path = tmp_path / "queue-policy.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    args = ["lint", str(path), "--policy-type", "resource", "--select", "PL606", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    return any(f["rule_id"] == "PL606" for f in json.loads(result.stdout)["findings"])


def _check_stack(resources: dict[str, Any], tmp_path: Path, *args: str) -> str:
    """The one status ``check`` gives a stack of a trail whose bucket notifies a queue (an audit
    pipeline, so the OB rules apply), plus ``resources``."""
    notify = {"Event": "s3:ObjectCreated:Put", "Queue": {"Fn::GetAtt": ["Audit", "Arn"]}}
    bucket = {"BucketName": "logs", "NotificationConfiguration": {"QueueConfigurations": [notify]}}
    trail = {"S3BucketName": {"Ref": "Logs"}, "IsLogging": True}
    stack = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": trail},
            "Logs": {"Type": "AWS::S3::Bucket", "Properties": bucket},
            "Audit": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "audit"}},
            **resources,
        },
    }
    (tmp_path / "stack.json").write_text(json.dumps(stack, indent=2), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "stack.json"), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    payload = json.loads(result.stdout)
    assert payload["problems"] == []  # the stack was fully understood
    [status] = [r["status"] for r in payload["results"]]
    return str(status)


@pytest.mark.parametrize("row", TABLE["queue"], ids=[row["case"] for row in TABLE["queue"]])
def test_lint_and_inventory_agree_whether_a_queue_policy_is_public(
    row: dict[str, Any], tmp_path: Path
) -> None:
    document, public = _queue_policy(row), row["public"]
    assert _lint_public(document, tmp_path) is public
    inventory_status = b.only(b.inventory(queues=[b.queue(policy=document)]), "OB305").status
    assert inventory_status is (Status.FAIL if public else Status.PASS)
    policy = {"Queues": [{"Ref": "Audit"}], "PolicyDocument": document}
    resources = {"AuditPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": policy}}
    assert _check_stack(resources, tmp_path, "--select", "OB305") == ("fail" if public else "pass")


@pytest.mark.parametrize("row", TABLE["bucket"], ids=[row["case"] for row in TABLE["bucket"]])
def test_lint_model_and_inventory_agree_whether_a_bucket_policy_denies_plain_http(
    row: dict[str, Any], tmp_path: Path
) -> None:
    document, denies = deny_http(**row["change"]), row["denies"]
    text = json.dumps(document, indent=2)
    lint_doc = build_document(Source("bucket-policy.json", text), parse_json(text), PolicyType.RESOURCE)
    assert any(denies_insecure_transport(view) for view in views_of_document(lint_doc)) is denies
    bucket = Bucket(Origin("terraform", "aws_s3_bucket.logs", "main.tf", 1, 1), name="logs", policy=document)
    [result] = run_cis("CS205", Inventory(buckets=[bucket]))
    assert result.status is (Status.PASS if denies else Status.FAIL)
    policy = {"Bucket": {"Ref": "Logs"}, "PolicyDocument": document}
    resources = {"LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": policy}}
    assert _check_stack(resources, tmp_path, "--profile-set", "cis", "--select", "CS205") == (
        "pass" if denies else "fail"
    )
