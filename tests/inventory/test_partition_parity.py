"""One resource, one ARN, one partition, whatever source it is read from.

The same user, bucket and queue (with the same queue policy) are written as Terraform and as a
CloudFormation template. With a region, both sources build the same literal ARNs in that
region's partition (aws, aws-cn, aws-us-gov). Without one, both leave the partition unknown:
CloudFormation used to take ``AWS::Partition`` for ``aws``, so the stack's ARNs were literal
``arn:aws:`` guesses and OB304 passed a policy that is right only in the aws partition.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.catalog import arn_builder
from policy_lint.cli import main
from policy_lint.inventory.model import Inventory
from policy_lint.sources.cloudformation import loader as cloudformation
from policy_lint.sources.terraform import hcl as terraform_hcl

ACCOUNT = "123456789012"
#: The user is named as the guide names it, so the inputs are an onboarding (OB rules apply).
BUCKET, QUEUE, USER = "audit-trail-logs", "audit-q", "aliyun-security-center-user"

TERRAFORM = """
provider "aws" {}

resource "aws_iam_user" "scanner" {
  name = "aliyun-security-center-user"
}

resource "aws_s3_bucket" "logs" {
  bucket = "audit-trail-logs"
}

resource "aws_s3_bucket_notification" "logs" {
  bucket = aws_s3_bucket.logs.id
  queue {
    queue_arn = aws_sqs_queue.audit.arn
    events    = ["s3:ObjectCreated:Put"]
  }
}

resource "aws_sqs_queue" "audit" {
  name   = "audit-q"
  policy = jsonencode(POLICY)
}
"""

CLOUDFORMATION = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Scanner:
    Type: AWS::IAM::User
    Properties: {UserName: aliyun-security-center-user}
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: audit-trail-logs
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:Put
            Queue: !GetAtt Audit.Arn
  Audit:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: audit-q
  AuditPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Audit]
      PolicyDocument: POLICY
"""

#: The guide's queue policy as most people write it: the aws partition, literally.
S3_MAY_SEND = {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage"}
FROM_THE_BUCKET = {
    "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{BUCKET}"},
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{**S3_MAY_SEND, "Resource": "*", "Condition": FROM_THE_BUCKET}],
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("parity")
    (root / "tf").mkdir()
    (root / "tf" / "main.tf").write_text(TERRAFORM.replace("POLICY", json.dumps(POLICY)))
    (root / "stack.yaml").write_text(CLOUDFORMATION.replace("POLICY", json.dumps(POLICY)))
    return {"terraform": root / "tf", "cloudformation": root / "stack.yaml"}


def _load(inputs: dict[str, Path], source: str, region: str | None) -> Inventory:
    inventory = Inventory()
    if source == "terraform":
        terraform_hcl.load([inputs[source] / "main.tf"], inventory, region=region, account_id=ACCOUNT)
    else:
        cloudformation.load([inputs[source]], inventory, region=region, account_id=ACCOUNT)
    assert inventory.problems == []
    return inventory


def _ob304(inputs: dict[str, Path], source: str, *options: str) -> dict[str, Any]:
    args = ["check", str(inputs[source]), "--select", "OB304", "--format", "json", *options]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    (found,) = json.loads(result.output)["results"]
    return found  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
    ],
)
def test_a_known_region_gives_the_same_literal_arns_in_both_sources(
    inputs: dict[str, Path], region: str, partition: str
) -> None:
    expected = {
        "user": f"arn:{partition}:iam::{ACCOUNT}:user/{USER}",
        "bucket": f"arn:{partition}:s3:::{BUCKET}",
        "queue": f"arn:{partition}:sqs:{region}:{ACCOUNT}:{QUEUE}",
    }
    for source in ("terraform", "cloudformation"):
        inventory = _load(inputs, source, region)
        (user,), (bucket,), (queue,) = inventory.users, inventory.buckets, inventory.queues
        assert {"user": user.arn, "bucket": bucket.arn, "queue": queue.arn} == expected, source


def test_without_a_region_neither_source_guesses_the_partition(inputs: dict[str, Path]) -> None:
    for source in ("terraform", "cloudformation"):
        inventory = _load(inputs, source, None)
        (user,), (bucket,), (queue,) = inventory.users, inventory.buckets, inventory.queues
        for arn in (user.arn, bucket.arn, queue.arn):
            assert isinstance(arn, str) and not arn_builder.is_literal(arn), (source, arn)
        assert isinstance(bucket.arn, str) and bucket.arn.endswith(f":s3:::{BUCKET}")
        assert not bucket.arn.startswith("arn:aws:"), source


def test_without_a_region_both_sources_give_the_same_unknown_partition_and_reason(
    inputs: dict[str, Path],
) -> None:
    """The policy's ``arn:aws:`` is the bucket's ARN only if the stack is deployed in aws."""
    results = {source: _ob304(inputs, source, "--account-id", ACCOUNT) for source in inputs}
    for source, found in results.items():
        assert found["status"] == "unknown", (source, found["message"])
        assert found["message"].endswith(f"only in partition aws, and {arn_builder.PARTITION_UNKNOWN}"), (
            source
        )
    terraform, stack = results["terraform"]["message"], results["cloudformation"]["message"]
    assert terraform.split(": ", 1)[1] == stack.split(": ", 1)[1]  # the same words after the queue's name


@pytest.mark.parametrize(
    ("region", "status"), [("us-east-1", "pass"), ("cn-north-1", "fail"), ("us-gov-west-1", "fail")]
)
def test_with_a_region_both_sources_judge_the_literal_partition_alike(
    inputs: dict[str, Path], region: str, status: str
) -> None:
    for source in inputs:
        found = _ob304(inputs, source, "--region", region, "--account-id", ACCOUNT)
        assert found["status"] == status, (source, found["message"])
        if status == "fail":
            assert "partition differs" in found["message"], source


def test_an_aws_managed_policy_is_the_same_in_every_partition() -> None:
    """``!Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess`` without a region is still
    ReadOnlyAccess: the user's permissions are judged, not left unknown."""
    example = Path(__file__).resolve().parents[2] / "examples" / "cloudformation" / "onboarding.yaml"
    result = CliRunner().invoke(main, ["check", str(example), "--select", "OB104", "--format", "json"])
    payload = json.loads(result.output)
    assert payload["problems"] == []
    assert {r["status"] for r in payload["results"]} == {"pass"}
