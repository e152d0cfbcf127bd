"""The audit pipeline is found from any end, live (issue 10 item 2).

The guide's onboarding is applied to a moto account as Terraform would (the planned-vs-live
example), then the bucket's event notification is removed: the trail still writes to the bucket,
and the queue's policy still lets S3 send from it. onboarding.yaml gives what the console asks
for, the queue's region and name. Verification used to say "no CloudTrail trail writing to the
bucket notifying aliyun-sasc-log-queue is declared" on the config, OB304 unknown and no OB306; the
fix the user needs is the notification, on the bucket.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.live.collector import CollectOptions, collect
from policy_lint.onboarding.config import OnboardingConfig, load_config
from tests.live.test_planned_vs_live import CONFIG, _apply_example

BUCKET_ARN = "arn:aws:s3:::aws-cloudtrail-logs-123456789012-abcdef"


def _queue_only(config: OnboardingConfig) -> OnboardingConfig:
    """The audit log as the console asks for it: the queue's region and name, no bucket, no trail."""
    assert config.audit_log is not None
    return dataclasses.replace(
        config, audit_log=dataclasses.replace(config.audit_log, bucket=None, trail=None)
    )


@pytest.fixture(scope="module")
def account(moto_aws: None) -> Iterator[OnboardingConfig]:
    import boto3

    _apply_example()
    config = load_config(str(CONFIG))
    assert config.audit_log is not None and config.audit_log.bucket
    s3 = boto3.client("s3", region_name=config.audit_log.region)
    s3.put_bucket_notification_configuration(Bucket=config.audit_log.bucket, NotificationConfiguration={})
    yield config


def _verify(config: OnboardingConfig) -> list[CheckResult]:
    collection = collect(config, CollectOptions(workers=4))
    assert collection.inventory.collection_errors == {}
    return run_checks(collection.inventory, Selection())


def _of(results: list[CheckResult], rule: str) -> list[CheckResult]:
    return [r for r in results if r.rule_id == rule]


@pytest.mark.parametrize("configure", [_queue_only, lambda c: c], ids=["queue-only", "full-audit-log"])
def test_a_missing_notification_is_reported_on_the_trail_bucket(account: OnboardingConfig, configure) -> None:  # type: ignore[no-untyped-def]
    results = _verify(configure(account))
    (notification,) = _of(results, "OB306")
    assert notification.status.value == "fail" and notification.resource == BUCKET_ARN
    assert notification.message == (
        "bucket aws-cloudtrail-logs-123456789012-abcdef (trail aliyun-sasc-audit-trail's bucket) "
        "has no event notification to queue aliyun-sasc-log-queue"
    )
    (policy,) = _of(results, "OB304")
    assert policy.status.value == "pass"  # the queue policy names that bucket: it is known now
    assert not [r for r in _of(results, "OB201") if r.resource.startswith("config:")]
    # nothing else fails (OB123: moto's fresh key was never used) and nothing else is unknown
    assert {r.rule_id for r in results if r.status.value != "pass"} == {"OB306", "OB123"}


def test_live_messages_say_found_in_the_account_never_declared(account: OnboardingConfig) -> None:
    missing = dataclasses.replace(
        account,
        iam_user="someone-else",
        audit_log=dataclasses.replace(account.audit_log, trail="no-such-trail"),  # type: ignore[arg-type]
    )
    results = _verify(missing)
    assert not [r.message for r in results if "declared" in r.message]
    (user,) = [r for r in _of(results, "OB101") if r.resource == "config:iam_user"]
    assert user.message.startswith("no IAM user named someone-else is found in the account (found: ")
    (trail,) = [r for r in _of(results, "OB201") if r.resource == "config:audit_log.trail"]
    assert trail.status.value == "fail"
    assert trail.message.startswith("no CloudTrail trail named no-such-trail is found in the account")
