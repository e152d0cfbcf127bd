"""The same onboarding, planned (examples/terraform/onboarding) and live (provisioned in moto the
way Terraform would), gets the same verdict from every rule both can judge."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.inventory.model import Inventory
from policy_lint.live.collector import CollectOptions, collect
from policy_lint.live.demo import publish_queue_age
from policy_lint.onboarding.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "terraform" / "onboarding"
CONFIG = ROOT / "examples" / "onboarding" / "onboarding.yaml"
#: Facts only one side can know: key use (live), so these rules are compared elsewhere.
LIVE_ONLY = {"OB120", "OB122", "OB123", "OB309"}


def _apply_example() -> None:
    """What `terraform apply` of examples/terraform/onboarding creates, through boto3."""
    import boto3

    config = load_config(str(CONFIG))
    assert config.audit_log is not None and config.iam_user and config.audit_log.bucket
    region, user, bucket = config.audit_log.region, config.iam_user, config.audit_log.bucket
    queue, trail = config.audit_log.queue_name, config.audit_log.trail or "trail"
    iam, s3 = boto3.client("iam"), boto3.client("s3", region_name=region)
    sqs, ct = boto3.client("sqs", region_name=region), boto3.client("cloudtrail", region_name=region)
    account = boto3.client("sts").get_caller_identity()["Account"]
    iam.create_user(UserName=user)
    iam.create_access_key(UserName=user)
    for name in ("AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess", "ReadOnlyAccess"):
        iam.attach_user_policy(UserName=user, PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    document = (EXAMPLE / "policies" / "agentless.json").read_text()
    arn = iam.create_policy(PolicyName="AliyunSasAgentlessPolicy", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
    )
    bucket_arn = f"arn:aws:s3:::{bucket}"
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AWSCloudTrailAclCheck",
                        "Effect": "Allow",
                        "Action": "s3:GetBucketAcl",
                        "Resource": bucket_arn,
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    },
                    {
                        "Sid": "AWSCloudTrailWrite",
                        "Effect": "Allow",
                        "Action": "s3:PutObject",
                        "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                    },
                ],
            }
        ),
    )
    ct.create_trail(
        Name=trail,
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
    )
    ct.put_event_selectors(
        TrailName=trail, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    )
    ct.start_logging(Name=trail)  # aws_cloudtrail's enable_logging defaults to true
    url = sqs.create_queue(QueueName=queue, Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{region}:{account}:{queue}"
    policy = {
        "Version": "2012-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "AllowTrailBucketToSend",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:Put"]}]
        },
    )
    publish_queue_age(boto3.client("cloudwatch", region_name=region), queue, 60.0)
    iam.put_user_policy(
        UserName=user,
        PolicyName="AliyunSasAuditLogQueueRead",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                        "Resource": queue_arn,
                    }
                ],
            }
        ),
    )


def _planned() -> list[CheckResult]:
    from policy_lint.sources.detect import detect, load_inventory

    config = load_config(str(CONFIG))
    inventory = Inventory(config=config, sources=["config"])
    region = config.audit_log.region if config.audit_log else None
    load_inventory(detect((str(EXAMPLE),)), inventory, region=region, account_id=config.account_id)
    assert not inventory.problems, inventory.problems
    return run_checks(inventory, Selection())


@pytest.fixture(scope="module")
def live(moto_aws: None) -> Iterator[list[CheckResult]]:
    _apply_example()
    collection = collect(load_config(str(CONFIG)), CollectOptions(workers=4))
    assert collection.inventory.collection_errors == {}
    yield run_checks(collection.inventory, Selection())


def _statuses(results: list[CheckResult]) -> dict[str, Counter[str]]:
    by_rule: dict[str, Counter[str]] = {}
    for result in results:
        if result.rule_id not in LIVE_ONLY:
            by_rule.setdefault(result.rule_id, Counter())[result.status.value] += 1
    return by_rule


def test_same_verdicts_planned_and_live(live: list[CheckResult]) -> None:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/terraform/onboarding is not in this checkout")
    planned, observed = _statuses(_planned()), _statuses(live)
    assert set(planned) == set(observed)
    assert planned == observed
    assert all(set(c) == {"pass"} for c in observed.values()), observed  # the example is correct


def test_live_only_facts_are_unknown_planned_and_known_live(live: list[CheckResult]) -> None:
    planned = {r.status.value for r in _planned() if r.rule_id == "OB123"}
    observed = {r.status.value for r in live if r.rule_id == "OB123"}
    assert planned == {"unknown"}  # Terraform cannot know whether the key is used
    assert observed == {"fail"}  # moto's fresh key: never used
