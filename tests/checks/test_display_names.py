"""Issue 10 item 7: results name resources as users wrote them, never as an interpolation.

Corpus inputs named resources ``${Bucket}``, ``${SQSQueue.QueueName}`` or
``${aws_security_group.prod-sg.id}``: nothing a user can search their code for. The patterns
below are copies of those inputs (a CloudFormation bucket and queue without a name, a Terraform
security group and bucket whose names are computed); the sweep runs every corpus input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.inventory.names import readable

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  AppName: {Type: String}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  ReplicaBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AppName}-replicas-${AWS::Region}-${AWS::AccountId}'
  SQSQueue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: false
  InstanceSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
"""

TERRAFORM = """\
variable "prefix" {}
resource "aws_security_group" "prod-sg" {
  name_prefix = "prod-"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_s3_bucket" "operations" {
  bucket = "${var.prefix}-operations"
}
resource "aws_sqs_queue" "jobs" {
  name                    = "${var.prefix}-jobs"
  sqs_managed_sse_enabled = false
}
"""


def _results(*args: str, unreadable_ok: bool = False) -> list[dict[str, Any]]:
    outcome = CliRunner().invoke(main, ["check", *args, "--profile-set", "all", "--format", "json"])
    # the corpus holds deliberately broken files (exit 2): the rest is still checked and reported
    assert outcome.exit_code in ((0, 1, 2) if unreadable_ok else (0, 1)), outcome.output
    results: list[dict[str, Any]] = json.loads(outcome.output)["results"]
    return results


def _messages(results: list[dict[str, Any]], rule: str, resource: str) -> list[str]:
    return [r["message"] for r in results if r["rule_id"] == rule and r["resource"] == resource]


def test_cloudformation_resources_without_a_name_are_named_by_logical_id(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(TEMPLATE)
    results = _results(str(template))
    assert not [r["message"] for r in results if "${" in r["message"]]
    assert _messages(results, "CS205", "Bucket") == [
        "bucket Bucket has no bucket policy, so plain HTTP is allowed"
    ]
    assert _messages(results, "CS303", "SQSQueue") == ["queue SQSQueue is not encrypted at rest"]
    [sg] = _messages(results, "CS301", "InstanceSecurityGroup")
    assert sg.startswith("security group InstanceSecurityGroup allows ingress from 0.0.0.0/0")
    # a name template with holes is not the bucket's name either: the logical ID is
    [replica] = _messages(results, "CS205", "ReplicaBucket")
    assert replica.startswith("bucket ReplicaBucket ")


def test_terraform_resources_with_computed_names_are_named_by_address(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    results = _results(str(tmp_path))
    assert not [r["message"] for r in results if "${" in r["message"]]
    [sg] = _messages(results, "CS301", "aws_security_group.prod-sg")
    assert sg.startswith("security group aws_security_group.prod-sg allows ingress from 0.0.0.0/0")
    assert _messages(results, "CS303", "aws_sqs_queue.jobs") == [
        "queue aws_sqs_queue.jobs is not encrypted at rest"
    ]
    [bucket] = _messages(results, "CS205", "aws_s3_bucket.operations")
    assert bucket.startswith("bucket aws_s3_bucket.operations ")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("bucket ${Bucket}: all blocked", "bucket Bucket: all blocked"),
        ("queue ${SQSQueue.QueueName} is", "queue SQSQueue is"),
        ("group ${aws_security_group.prod-sg.id} allows", "group aws_security_group.prod-sg allows"),
        ("key ${aws_kms_key.logs.arn}", "key aws_kms_key.logs.arn"),
        (
            "bucket logs-${AWS::AccountId}-${AWS::Region} has",
            "bucket logs-<AWS::AccountId>-<AWS::Region> has",
        ),
        ('in ${var.p != "" ? "${var.p}-x" : var.n}', 'in var.p != "" ? "var.p-x" : var.n'),
        # an IAM policy variable is policy text, not a reference
        ("Resource arn:aws:s3:::b/${aws:username}/*", "Resource arn:aws:s3:::b/${aws:username}/*"),
    ],
)
def test_references_left_in_a_message_read_as_what_they_name(text: str, shown: str) -> None:
    assert readable(text) == shown


def _corpus_inputs() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p for kind in ("terraform", "cloudformation") for p in (CORPUS / kind).iterdir() if p.is_dir()
    )


@pytest.mark.parametrize(
    "folder", _corpus_inputs() or [None], ids=lambda p: f"{p.parent.name}/{p.name}" if p else "absent"
)
def test_no_corpus_message_names_a_resource_by_an_interpolation(folder: Path | None) -> None:
    if folder is None:
        pytest.skip(f"shared corpus not found at {CORPUS}: this test needs ../shared/corpus beside the repo")
    results = _results(str(folder), unreadable_ok=True)
    offending = [f"{r['rule_id']} {r['resource']}: {r['message']}" for r in results if "${" in r["message"]]
    assert not offending, "\n".join(offending[:10])
