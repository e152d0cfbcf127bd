"""CS2 logging and storage rules: trails (CIS 3.1, 3.2, 3.5) and S3 (CIS 2.1.1, 2.1.4)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_lint.inventory.model import (
    Account,
    Bucket,
    EventSelectorSummary,
    Inventory,
    Origin,
    Trail,
    Unknown,
)
from policy_lint.rules.registry import Status
from tests.checks.cspm.builders import deny_http, origin, run, statuses

ALL_EVENTS = EventSelectorSummary(management_read=True, management_write=True)
ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit"


def trail(address: str = "aws_cloudtrail.audit", **fields: Any) -> Trail:
    defaults: dict[str, Any] = {
        "name": "audit",
        "arn": ARN,
        "multi_region": True,
        "logging": True,
        "events": ALL_EVENTS,
        "log_file_validation": True,
    }
    return Trail(origin(address, line=7), **{**defaults, **fields})


def live_account(**fields: Any) -> Account:
    arn = "arn:aws:iam::123456789012:root"
    return Account(Origin("live", arn, observed=True), "123456789012", "aws", **fields)


# --- CS201 multi-region trail (CIS 3.1) -------------------------------------------------------


def test_one_compliant_trail_is_enough() -> None:
    regional = trail("aws_cloudtrail.regional", name="regional", multi_region=False)
    [result] = run("CS201", Inventory(trails=[regional, trail()]))
    assert result.status is Status.PASS and result.evidence["trail"] == "aws_cloudtrail.audit"
    assert result.message == "trail audit is multi-region and logs read and write management events"


@pytest.mark.parametrize(
    ("fields", "gap"),
    [
        ({"multi_region": False}, "not multi-region"),
        ({"logging": False}, "not logging"),
        ({"events": EventSelectorSummary(True, False, kind="basic")}, "not write management events"),
    ],
)
def test_multi_region_trail_fails_with_the_gap(fields: dict[str, Any], gap: str) -> None:
    [result] = run("CS201", Inventory(trails=[trail(**fields)]))
    assert result.status is Status.FAIL and gap in result.message


def test_excluding_kms_events_fails_cis_though_the_onboarding_accepts_it() -> None:
    """CIS 3.1 wants all management events; AWS Config's multi-region-cloudtrail-enabled is
    NON_COMPLIANT when ExcludeManagementEventSources is set (AWS-EVENT-SELECTORS)."""
    events = EventSelectorSummary(True, True, ("kms.amazonaws.com",), "basic")
    [result] = run("CS201", Inventory(trails=[trail(events=events)]))
    assert result.status is Status.FAIL
    assert "excludes management events from kms.amazonaws.com" in result.message


def test_a_source_filter_names_itself_in_the_gap() -> None:
    events = EventSelectorSummary(
        False, False, kind="advanced", filters=("eventSource Equals s3.amazonaws.com",)
    )
    [result] = run("CS201", Inventory(trails=[trail(events=events)]))
    assert result.status is Status.FAIL
    assert "not read management events (eventSource Equals s3.amazonaws.com)" in result.message


def test_multi_region_trail_unknown_when_a_fact_is_unknown() -> None:
    [result] = run(
        "CS201", Inventory(trails=[trail(logging=Unknown("cloudtrail:GetTrailStatus AccessDenied"))])
    )
    assert result.status is Status.UNKNOWN and "GetTrailStatus" in result.message


def test_no_trail_fails_live_is_unknown_when_denied_and_silent_when_planned() -> None:
    live = Inventory(accounts=[live_account()])
    [result] = run("CS201", live)
    assert result.status is Status.FAIL and result.resource == "account"
    denied = Inventory(
        accounts=[live_account()], collection_errors={"cloudtrail:DescribeTrails": "AccessDenied"}
    )
    assert statuses(run("CS201", denied)) == ["unknown"]
    assert (
        run("CS201", Inventory()) == []
    )  # a Terraform folder without a trail says nothing about the account


# --- CS202 log file validation (CIS 3.2) ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "pass"), (False, "fail"), (Unknown("computed"), "unknown")]
)
def test_log_file_validation(value: Any, expected: str) -> None:
    [result] = run("CS202", Inventory(trails=[trail(log_file_validation=value)]))
    assert result.status.value == expected
    assert result.location is not None and result.location.line == 7


# --- CS203 trail KMS (CIS 3.5), conflicts with OB202/OB203 ------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/1234", "pass"),
        (None, "fail"),
        ("", "fail"),
        (Unknown("known after apply"), "unknown"),
    ],
)
def test_trail_kms(key: Any, expected: str) -> None:
    [result] = run("CS203", Inventory(trails=[trail(kms_key_id=key)]))
    assert result.status.value == expected
    assert result.evidence["conflicts_with"] == ["OB202", "OB203"]


def test_trail_kms_failure_says_the_guide_wants_exactly_this() -> None:
    [result] = run("CS203", Inventory(trails=[trail(kms_key_id=None)]))
    assert "onboarding guide requires" in result.message


# --- CS204 S3 Block Public Access (CIS 2.1.4) -------------------------------------------------

ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def bucket(**fields: Any) -> Bucket:
    return Bucket(origin("aws_s3_bucket.logs", line=12), "logs", **fields)


@pytest.mark.parametrize(
    ("bucket_block", "account_block", "expected"),
    [
        (ALL_ON, None, "pass"),  # bucket level
        (None, ALL_ON, "pass"),  # account level
        ({**ALL_ON, "RestrictPublicBuckets": False}, {"RestrictPublicBuckets": True}, "pass"),  # mixed
        ({**ALL_ON, "RestrictPublicBuckets": False}, None, "fail"),
        (None, None, "fail"),
        (None, Unknown("s3control:GetPublicAccessBlock AccessDenied"), "unknown"),
        ({**ALL_ON, "BlockPublicPolicy": Unknown("var.block")}, None, "unknown"),
        (Unknown("s3:GetBucketPublicAccessBlock AccessDenied"), ALL_ON, "pass"),  # the account covers it
    ],
)
def test_block_public_access_bucket_or_account(bucket_block: Any, account_block: Any, expected: str) -> None:
    # a live bucket without a block has none: AWS's default is for new buckets only
    live_bucket = Bucket(Origin("live", "arn:aws:s3:::logs", observed=True), "logs")
    live_bucket.public_access_block = bucket_block
    inventory = Inventory(
        accounts=[live_account(s3_public_access_block=account_block)], buckets=[live_bucket]
    )
    results = run("CS204", inventory)
    assert [r.status.value for r in results if r.resource != "account"] == [expected]
    # the account line: only an account-level block with all four settings decides it
    account_line = [r.status.value for r in results if r.resource == "account"]
    assert account_line == (["pass"] if account_block == ALL_ON else [])


def test_block_public_access_terraform_spelling_at_bucket_level() -> None:
    terraform = {
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }
    assert statuses(run("CS204", Inventory(buckets=[bucket(public_access_block=terraform)]))) == ["pass"]


def test_block_public_access_failure_names_the_missing_settings() -> None:
    inventory = Inventory(
        accounts=[live_account(s3_public_access_block=None)],
        buckets=[bucket(public_access_block={"BlockPublicAcls": True})],
    )
    [result] = run("CS204", inventory)
    assert result.status is Status.FAIL
    assert result.evidence["missing"] == ["IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]


# --- CS205 deny non-TLS (CIS 2.1.1) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (deny_http(), "pass"),
        (deny_http(Principal={"AWS": ["*"]}, Action=["S3:*"]), "pass"),
        (deny_http(Condition={"Bool": {"aws:securetransport": False}}), "pass"),
        (deny_http(Condition={"BoolIfExists": {"aws:SecureTransport": ["false"]}}), "pass"),
        (
            '{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",'
            ' "Condition": {"Bool": {"aws:SecureTransport": "false"}}}}',
            "pass",
        ),  # a JSON string, as SQS/S3 return
        (deny_http(Effect="Allow"), "fail"),
        (deny_http(Condition={"Bool": {"aws:SecureTransport": "true"}}), "fail"),
        (deny_http(Action="s3:GetObject"), "fail"),  # CIS wants s3:*
        (deny_http(Principal={"AWS": "arn:aws:iam::123456789012:root"}), "fail"),
        (deny_http(Resource="arn:aws:s3:::logs"), "fail"),  # objects not covered
        (None, "fail"),
        ("{not json", "unknown"),
        (Unknown("s3:GetBucketPolicy AccessDenied"), "unknown"),
    ],
)
def test_deny_insecure_transport(policy: Any, expected: str) -> None:
    assert statuses(run("CS205", Inventory(buckets=[bucket(policy=policy)]))) == [expected]


def test_deny_insecure_transport_with_an_unknown_statement_is_unknown_unless_a_known_one_denies() -> None:
    policy = deny_http(Action="s3:GetObject")
    policy["Statement"].append(Unknown("var.tls_statement"))
    [result] = run("CS205", Inventory(buckets=[bucket(policy=policy)]))
    assert result.status is Status.UNKNOWN and "var.tls_statement" in result.message
    policy = deny_http()
    policy["Statement"].append(Unknown("var.other_statement"))
    assert statuses(run("CS205", Inventory(buckets=[bucket(policy=policy)]))) == ["pass"]
