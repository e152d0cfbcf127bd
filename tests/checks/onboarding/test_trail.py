"""OB201-OB205: the audit trail and its bucket (AWS-TRAIL-BUCKET, AWS-TRAIL-LOGGING, AWS-EVENT-SELECTORS, AWS-TRAIL-KMS, AWS-TRAIL-COVERAGE, AWS-S3-DEFAULT-SSE, GUIDE-BUCKET-KMS)."""

from __future__ import annotations

from dataclasses import replace

from policy_lint.inventory.model import EventSelectorSummary, Inventory, Unknown
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b

TRAIL = "aws_cloudtrail.audit"


# --------------------------------------------------------------------------- OB201


def test_default_selectors_log_all_management_events() -> None:
    result = b.only(b.inventory(), "OB201")
    assert result.status is Status.PASS and "default" in result.message
    assert result.location == b.at(TRAIL, "events")


def test_advanced_selectors_for_management_events_pass() -> None:
    events = EventSelectorSummary(True, True, kind="advanced")
    assert b.only(b.inventory(trails=[b.trail(events=events)]), "OB201").status is Status.PASS


def test_write_only_selector_fails_naming_the_missing_half() -> None:
    events = EventSelectorSummary(False, True, kind="basic")
    result = b.only(b.inventory(trails=[b.trail(events=events)]), "OB201")
    assert result.status is Status.FAIL
    assert "Read" in result.message and "Write management" not in result.message
    assert result.evidence["management_read"] is False


def test_excluded_event_sources_pass_with_a_warning() -> None:
    events = EventSelectorSummary(True, True, excluded_sources=("kms.amazonaws.com",), kind="basic")
    result = b.only(b.inventory(trails=[b.trail(events=events)]), "OB201")
    assert result.status is Status.PASS and "kms.amazonaws.com" in result.message


def test_a_filter_that_drops_services_fails_and_names_the_filter() -> None:
    """An eventSource filter that keeps S3 only: IAM, EC2, sign-in events never reach Security Center."""
    events = EventSelectorSummary(
        False, False, kind="advanced", filters=("eventSource Equals s3.amazonaws.com",)
    )
    result = b.only(b.inventory(trails=[b.trail(events=events)]), "OB201")
    assert result.status is Status.FAIL
    assert "does not log every Read or Write management event" in result.message
    assert "eventSource Equals s3.amazonaws.com" in result.message
    assert result.evidence["filters"] == ["eventSource Equals s3.amazonaws.com"]


def test_unknown_selectors_are_unknown() -> None:
    inv = b.inventory(trails=[b.trail(events=Unknown("dynamic event_selector block"))])
    assert b.only(inv, "OB201").status is Status.UNKNOWN
    events = EventSelectorSummary(Unknown("read_write_type = var.rw"), True, kind="basic")
    assert b.only(b.inventory(trails=[b.trail(events=events)]), "OB201").status is Status.UNKNOWN


def test_configured_trail_not_declared_fails_at_the_config_key() -> None:
    inv = b.inventory(trails=[b.trail(name="another-trail", arn=None, bucket="another-bucket")])
    result = b.only(inv, "OB201")
    assert result.status is Status.FAIL and result.resource == "config:audit_log.trail"
    assert "another-trail" in result.message


def test_without_config_every_trail_is_judged() -> None:
    inv = b.inventory(
        with_config=False,
        trails=[
            b.trail(),
            # another trail is another resource, with its own address (one result per resource)
            replace(
                b.trail(name="second", events=EventSelectorSummary(True, False)),
                origin=b.origin("aws_cloudtrail.second", 1),
            ),
        ],
    )
    assert sorted(r.status.value for r in b.results(inv, "OB201")) == ["fail", "pass"]


def test_trail_rules_need_cspm_or_agentless() -> None:
    inv = b.inventory()
    inv.config = b.config(features=("host",), audit_log=None)
    assert b.results(inv, "OB2") == []


# --------------------------------------------------------------------------- OB202


def test_kms_trail_fails_at_the_kms_key_line() -> None:
    key = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd"
    result = b.only(b.inventory(trails=[b.trail(kms_key_id=key)]), "OB202")
    assert result.status is Status.FAIL
    assert result.location == b.at(TRAIL, "kms_key_id")
    assert result.evidence == {"kms_key_id": key}


def test_trail_without_kms_passes_and_unknown_key_is_unknown() -> None:
    assert b.only(b.inventory(), "OB202").status is Status.PASS
    inv = b.inventory(trails=[b.trail(kms_key_id=Unknown("aws_kms_key.k.arn is known after apply"))])
    assert b.only(inv, "OB202").status is Status.UNKNOWN


# --------------------------------------------------------------------------- OB203


def test_bucket_without_encryption_configuration_is_sse_s3() -> None:
    result = b.only(b.inventory(), "OB203")  # the model's default is AES256 (AWS-S3-DEFAULT-SSE)
    assert result.status is Status.PASS and result.resource == "aws_s3_bucket.logs"


def test_bucket_default_kms_fails() -> None:
    bucket = b.bucket(encryption="aws:kms", kms_key_id="alias/logs")
    result = b.only(b.inventory(buckets=[bucket]), "OB203")
    assert result.status is Status.FAIL and "aws:kms" in result.message
    assert result.location == b.at("aws_s3_bucket.logs", "encryption")


def test_unknown_encryption_and_undeclared_bucket_are_unknown() -> None:
    inv = b.inventory(buckets=[b.bucket(encryption=Unknown("sse_algorithm = var.sse"))])
    assert b.only(inv, "OB203").status is Status.UNKNOWN
    inv = b.inventory(buckets=[])
    result = b.only(inv, "OB203")
    assert result.status is Status.UNKNOWN and result.resource == TRAIL


def test_symbolic_bucket_name_links_trail_and_bucket() -> None:
    ref = "${aws_s3_bucket.logs.id}"
    inv = b.inventory(
        with_config=False,
        trails=[b.trail(bucket="${aws_s3_bucket.logs.bucket}")],
        buckets=[b.bucket(name=ref, encryption="aws:kms")],
    )
    assert b.verdicts(inv, "OB203") == [("fail", "aws_s3_bucket.logs")]


# --------------------------------------------------------------------------- OB204


def test_trail_logging() -> None:
    assert b.only(b.inventory(), "OB204").status is Status.PASS
    result = b.only(b.inventory(trails=[b.trail(logging=False)]), "OB204")
    assert result.status is Status.FAIL and result.location == b.at(TRAIL, "logging")
    assert (
        b.only(b.inventory(trails=[b.trail(logging=Unknown("var.enabled"))]), "OB204").status
        is Status.UNKNOWN
    )


# --------------------------------------------------------------------------- OB205


def test_single_region_trail_misses_the_other_regions() -> None:
    inv: Inventory = b.inventory(trails=[b.trail(multi_region=False)])
    inv.config = b.config(regions=(b.REGION, "us-east-1"))
    result = b.only(inv, "OB205")
    assert result.status is Status.FAIL and "us-east-1" in result.message


def test_single_region_trail_is_enough_for_its_own_only_region() -> None:
    inv = b.inventory(trails=[b.trail(multi_region=False)])
    assert b.only(inv, "OB205").status is Status.PASS  # config.regions == (home region,)


def test_coverage_without_global_events_fails_and_unknown_is_unknown() -> None:
    result = b.only(b.inventory(trails=[b.trail(include_global_events=False)]), "OB205")
    assert result.status is Status.FAIL and "global" in result.message
    inv = b.inventory(trails=[b.trail(multi_region=Unknown("var.multi"))])
    assert b.only(inv, "OB205").status is Status.UNKNOWN
