"""The buckets the onboarding involves: trail buckets and buckets allowed to notify a queue.

Listing every bucket of the account would cost five calls per bucket for buckets no rule
reads; the collector asks only for the names it found in trails, queue policies and the
onboarding config (AWS-S3-DEFAULT-SSE, AWS-S3-SAME-REGION, AWS-BUCKET-OWNER, AWS-S3-NOTIFICATION).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Bucket, QueueNotification
from policy_lint.live.api import Api, Failure, observed, run_all
from policy_lint.live.sqs import parse_policy


def bucket_region(location: dict[str, Any]) -> str:
    """GetBucketLocation's LocationConstraint: None means us-east-1, ``EU`` is eu-west-1."""
    constraint = location.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def collect_bucket(api: Api, name: str) -> Bucket | None:
    """None when the bucket does not exist (recorded in collection_errors)."""
    arn = arn_builder.literal_or(arn_builder.bucket_arn(api.partition, name), name)
    bucket = Bucket(observed(arn), name=name, arn=arn)
    # ExpectedBucketOwner: a bucket of another account answers 403 (AWS-BUCKET-OWNER).
    location = api.call(
        "s3", "GetBucketLocation", about=name, Bucket=name, ExpectedBucketOwner=api.account_id
    )
    if isinstance(location, Failure):
        if location.code == "NoSuchBucket":
            return None
        bucket.region = bucket.owner_account = location.unknown()
        region = None
    else:
        region = bucket_region(location)
        bucket.region = region
        bucket.owner_account = api.account_id
        bucket.origin = observed(arn, region)
    _encryption(api, bucket, name, region)
    _notifications(api, bucket, name, region)
    block = api.call(
        "s3",
        "GetPublicAccessBlock",
        region=region,
        about=name,
        expected=("NoSuchPublicAccessBlockConfiguration",),
        Bucket=name,
    )
    if isinstance(block, Failure):
        no_config = block.code == "NoSuchPublicAccessBlockConfiguration"
        bucket.public_access_block = None if no_config else block.unknown()
    else:
        config = block.get("PublicAccessBlockConfiguration", {})
        bucket.public_access_block = {k: bool(v) for k, v in config.items()}
    policy = api.call(
        "s3", "GetBucketPolicy", region=region, about=name, expected=("NoSuchBucketPolicy",), Bucket=name
    )
    if isinstance(policy, Failure):
        bucket.policy = None if policy.code == "NoSuchBucketPolicy" else policy.unknown()
    else:
        bucket.policy = parse_policy(policy.get("Policy"), f"bucket policy of {name}")
    return bucket


def _encryption(api: Api, bucket: Bucket, name: str, region: str | None) -> None:
    missing = "ServerSideEncryptionConfigurationNotFoundError"
    reply = api.call("s3", "GetBucketEncryption", region=region, about=name, expected=(missing,), Bucket=name)
    if isinstance(reply, Failure):
        # No configuration: S3 encrypts with SSE-S3 by default (AWS-S3-DEFAULT-SSE; moto raises instead).
        bucket.encryption = "AES256" if reply.code == missing else reply.unknown()
        bucket.kms_key_id = None if reply.code == missing else reply.unknown()
        return
    rules = reply.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    bucket.encryption = default.get("SSEAlgorithm", "AES256")
    bucket.kms_key_id = default.get("KMSMasterKeyID")


def _notifications(api: Api, bucket: Bucket, name: str, region: str | None) -> None:
    reply = api.call("s3", "GetBucketNotificationConfiguration", region=region, about=name, Bucket=name)
    if isinstance(reply, Failure):
        bucket.notifications = bucket.eventbridge = reply.unknown()
        return
    notifications = []
    for entry in reply.get("QueueConfigurations", []):
        rules = {
            r.get("Name", "").lower(): r.get("Value")
            for r in entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        notifications.append(
            QueueNotification(
                queue_arn=entry["QueueArn"],
                events=tuple(entry.get("Events", [])),
                prefix=rules.get("prefix"),
                suffix=rules.get("suffix"),
                origin=bucket.origin,
            )
        )
    bucket.notifications = notifications
    bucket.eventbridge = "EventBridgeConfiguration" in reply


def collect_buckets(
    api: Api, names: set[str], pool: Executor, progress: Callable[[str], None]
) -> list[Bucket]:
    found = run_all(pool, [partial(collect_bucket, api, n) for n in sorted(names)], progress, "buckets")
    return [b for b in found if b is not None]
