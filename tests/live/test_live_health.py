"""The live facts of issue 15: trail delivery health (OB204), opt-in regions not enabled (unknown,
not fail), and the audit queue's backlog (OB309), each collected as the collector does and judged.

moto cannot produce a CloudTrail delivery error (GetTrailStatus never returns LatestDeliveryError)
and does not implement account:ListRegions (it answers 404): those states are stubbed with botocore's
Stubber on real response shapes. moto does keep SQS messages and CloudWatch datapoints, so the
backlog is tested on moto; SQS itself publishes no metric there, so the test puts the datapoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from policy_lint.checks.onboarding.queue_backlog import BACKLOG_AGE_SECONDS
from policy_lint.inventory.model import Inventory, Queue, Trail, Unknown
from policy_lint.live import cloudtrail, queue_age, regions, sqs
from policy_lint.live.api import Api, ErrorLog, observed
from policy_lint.live.demo import publish_queue_age
from policy_lint.live.session import CallStats, open_session
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b

from .conftest import stub_api, stubbed

TRAIL_ARN = f"arn:aws:cloudtrail:{b.REGION}:{b.ACCOUNT}:trail/{b.TRAIL}"
RAW_TRAIL = {"Name": b.TRAIL, "TrailARN": TRAIL_ARN, "HomeRegion": b.REGION, "S3BucketName": b.BUCKET}


def _denied(stub: Any, operation: str) -> None:
    stub.add_client_error(
        operation,
        service_error_code="AccessDeniedException",
        service_message=f"User: arn:aws:iam::{b.ACCOUNT}:user/auditor is not authorized",
        http_status_code=400,
    )


def _live_trail(status: dict[str, Any] | None) -> Trail:
    """A trail read by the collector from a stubbed GetTrailStatus (None: the call is refused)."""
    client, stub = stubbed("cloudtrail")
    if status is None:
        _denied(stub, "get_trail_status")
    else:
        stub.add_response("get_trail_status", status)
    stub.add_response("get_event_selectors", {"TrailARN": TRAIL_ARN, "EventSelectors": []})
    return cloudtrail.collect_trail(stub_api(cloudtrail=client), b.REGION, RAW_TRAIL)


def _ob204(trail: Trail) -> Any:
    live = b.trail(
        logging=trail.logging,
        delivery_error=trail.delivery_error,
        notification_error=trail.notification_error,
    )
    return b.only(b.inventory(trails=[live]), "OB204")


# --------------------------------------------------------------------------- trail delivery (OB204)


def test_a_trail_logging_but_failing_to_deliver_fails_ob204() -> None:
    trail = _live_trail(
        {"IsLogging": True, "LatestDeliveryError": "AccessDenied", "LatestNotificationError": ""}
    )
    assert trail.logging is True and trail.delivery_error == "AccessDenied"
    result = _ob204(trail)
    assert result.status is Status.FAIL
    assert "is logging but failing to deliver log files to bucket" in result.message
    assert "'AccessDenied'" in result.message and result.evidence["latest_delivery_error"] == "AccessDenied"


def test_a_healthy_trail_passes_and_a_notification_error_is_a_warning_only() -> None:
    assert _ob204(_live_trail({"IsLogging": True})).status is Status.PASS
    result = _ob204(_live_trail({"IsLogging": True, "LatestNotificationError": "NotFound"}))
    assert result.status is Status.PASS
    assert "warning: its SNS notifications fail (LatestNotificationError 'NotFound')" in result.message


def test_a_hostile_delivery_error_is_one_bounded_line() -> None:
    trail = _live_trail({"IsLogging": True, "LatestDeliveryError": "x\n\x1b[2J" + "y" * 5000})
    assert isinstance(trail.delivery_error, str)
    assert "\n" not in trail.delivery_error and len(trail.delivery_error) <= 203
    assert _ob204(trail).status is Status.FAIL


def test_a_refused_get_trail_status_is_unknown_naming_the_permission() -> None:
    trail = _live_trail(None)
    assert isinstance(trail.delivery_error, Unknown)
    result = _ob204(trail)
    assert result.status is Status.UNKNOWN
    assert "cloudtrail:GetTrailStatus denied: AccessDeniedException" in result.message


# --------------------------------------------------------------------------- opt-in regions


def _regions_reply() -> dict[str, Any]:
    return {
        "Regions": [
            {"RegionName": "ap-northeast-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"},
            {"RegionName": "ap-east-1", "RegionOptStatus": "DISABLED"},
            {"RegionName": "af-south-1", "RegionOptStatus": "ENABLED"},
        ]
    }


def test_a_region_not_enabled_is_reported_and_recorded() -> None:
    client, stub = stubbed("account")
    stub.add_response("list_regions", _regions_reply())
    api = stub_api(account=client)
    disabled = regions.not_enabled(api, ["ap-northeast-1", "ap-east-1", "af-south-1"])
    assert disabled == {"ap-east-1": "DISABLED"}
    assert (
        "not enabled in this account (RegionOptStatus DISABLED)"
        in api.errors.errors["account:ListRegions ap-east-1"]
    )


def test_a_refused_list_regions_is_recorded_with_the_permission_and_reads_every_region() -> None:
    client, stub = stubbed("account")
    _denied(stub, "list_regions")
    api = stub_api(account=client)
    assert regions.not_enabled(api, ["ap-east-1"]) == {}
    assert api.errors.errors["account:ListRegions"].startswith(
        "account:ListRegions denied: AccessDeniedException"
    )


def test_an_endpoint_without_the_account_api_is_not_an_error() -> None:
    """moto answers ListRegions with 404 "Not yet implemented"."""
    client, stub = stubbed("account")
    stub.add_client_error("list_regions", service_error_code="404", http_status_code=404)
    api = stub_api(account=client)
    assert regions.not_enabled(api, ["ap-east-1"]) == {} and api.errors.errors == {}


def _two_region_inventory(**extra: Any) -> Inventory:
    config = b.config(regions=(b.REGION, "ap-east-1"))
    trail = b.trail(multi_region=False)
    return replace(b.inventory(trails=[trail]), config=config, **extra)


def test_a_single_region_trail_missing_only_a_disabled_region_is_unknown_not_failed() -> None:
    assert b.only(_two_region_inventory(), "OB205").status is Status.FAIL  # the region is enabled
    result = b.only(_two_region_inventory(disabled_regions={"ap-east-1": "DISABLED"}), "OB205")
    assert result.status is Status.UNKNOWN
    assert "ap-east-1 (DISABLED) is not enabled in the account (account:ListRegions)" in result.message


def test_the_collector_reads_nothing_in_a_disabled_region_and_leaves_its_listings_incomplete(
    moto_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto answers ListRegions with 404: a before-call hook on the collector's own (guarded) session
    answers it as AWS does for an account that has not enabled ap-east-1."""
    from botocore.awsrequest import AWSResponse

    from policy_lint.live import collector

    def answer(model: Any, **_: Any) -> Any:
        if model.name != "ListRegions":
            return None
        return AWSResponse("https://account.us-east-1.amazonaws.com/", 200, {}, None), _regions_reply()

    def session_with_regions(**kwargs: Any) -> Any:
        session = open_session(**kwargs)
        session.events.register("before-call", answer)
        return session

    monkeypatch.setattr(collector, "open_session", session_with_regions)
    found = collector.collect(None, collector.CollectOptions(regions=(b.REGION, "ap-east-1"), workers=2))
    inventory = found.inventory
    assert inventory.disabled_regions == {"ap-east-1": "DISABLED"}
    assert found.stats.calls["account:ListRegions"] == 1
    for call in ("cloudtrail:DescribeTrails", "sqs:ListQueues", "ec2:DescribeSecurityGroups"):
        assert found.stats.calls[call] == 1, call  # ap-northeast-1 only
    assert not {"trails", "queues", "security_groups"} & inventory.complete
    assert inventory.listing_gap("queues") is not None  # a configured queue there is unknown, not missing
    assert "account:ListRegions ap-east-1" in inventory.collection_errors


# --------------------------------------------------------------------------- queue backlog (OB309)


@pytest.fixture(scope="module")
def backlog(moto_aws: None) -> Iterator[dict[str, Queue]]:
    """Three audit queues read from moto: empty, with a fresh backlog, with a day-old backlog."""
    import boto3

    sqs_client = boto3.client("sqs", region_name=b.REGION)
    metrics = boto3.client("cloudwatch", region_name=b.REGION)
    ages = {"empty": None, "fresh": 120.0, "stuck": BACKLOG_AGE_SECONDS + 3600.0}
    for name, age in ages.items():
        url = sqs_client.create_queue(QueueName=name)["QueueUrl"]
        if age is None:
            continue
        for i in range(3):
            sqs_client.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i}))
        publish_queue_age(metrics, name, age)
    stats = CallStats()
    api = Api(
        open_session(region=b.REGION, stats=stats),
        partition="aws",
        home_region=b.REGION,
        account_id=b.ACCOUNT,
        errors=ErrorLog(),
        stats=stats,
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        queues, complete = sqs.collect_queues(api, [b.REGION], pool, lambda _: None)
        assert complete
        queue_age.read_oldest_ages(api, queues, pool, lambda _: None)
    assert stats.calls["cloudwatch:GetMetricData"] == 1  # one call for every non-empty queue of the region
    yield {str(q.name): q for q in queues}


def _ob309(queue: Queue) -> Any:
    """OB309 on the live queue as the configured audit queue."""
    audit = replace(queue, name=b.QUEUE, origin=observed(b.QUEUE_ARN, b.REGION))
    return b.only(b.inventory(queues=[audit]), "OB309")


def test_a_queue_nothing_consumes_warns(backlog: dict[str, Queue]) -> None:
    stuck = backlog["stuck"]
    assert stuck.waiting_messages == 3 and stuck.oldest_message_age == BACKLOG_AGE_SECONDS + 3600.0
    result = _ob309(stuck)
    assert result.status is Status.FAIL and result.level.label == "warning"
    assert "3 messages wait" in result.message and "nothing appears to consume the queue" in result.message


def test_an_empty_queue_and_a_fresh_backlog_pass(backlog: dict[str, Queue]) -> None:
    assert backlog["empty"].waiting_messages == 0 and backlog["empty"].oldest_message_age is None
    assert _ob309(backlog["empty"]).status is Status.PASS
    assert _ob309(backlog["fresh"]).status is Status.PASS


def test_a_refused_get_metric_data_is_unknown_naming_the_permission() -> None:
    client, stub = stubbed("cloudwatch")
    _denied(stub, "get_metric_data")
    queue = b.queue(waiting_messages=5)
    with ThreadPoolExecutor(max_workers=1) as pool:
        queue_age.read_oldest_ages(stub_api(cloudwatch=client), [queue], pool, lambda _: None)
    result = _ob309(queue)
    assert result.status is Status.UNKNOWN
    assert "cloudwatch:GetMetricData denied: AccessDeniedException" in result.message


def test_messages_without_a_datapoint_are_unknown_and_planned_queues_are_not_judged() -> None:
    assert _ob309(b.queue(waiting_messages=2, oldest_message_age=None)).status is Status.UNKNOWN
    assert b.results(b.inventory(), "OB309") == []  # a Terraform queue holds no messages
