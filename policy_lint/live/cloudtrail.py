"""CloudTrail trails seen from every collected region, with status and event selectors (AWS-TRAIL-BUCKET, AWS-TRAIL-LOGGING, AWS-TRAIL-DELIVERY, AWS-EVENT-SELECTORS, AWS-TRAIL-KMS, AWS-TRAIL-COVERAGE).

``describe_trails(includeShadowTrails=True)`` lists a multi-region trail in every region;
trails are de-duplicated by ARN and their status and selectors asked by ARN in the home
region, which works for shadow copies too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from policy_lint.inventory import cloudtrail as event_selectors
from policy_lint.inventory.model import EventSelectorSummary, Maybe, Trail, Unknown
from policy_lint.live.api import Api, Failure, observed, run_all


def describe_trails(api: Api, region: str) -> list[dict[str, Any]] | Failure:
    reply = api.call("cloudtrail", "DescribeTrails", region=region, about=region, includeShadowTrails=True)
    if isinstance(reply, Failure):
        return reply
    trails = list(reply.get("trailList", []))
    if not all(trail.get("TrailARN") for trail in trails):
        return api.malformed("cloudtrail", "DescribeTrails", region, "a trail has no TrailARN")
    return trails


def unique_trails(per_region: Iterable[tuple[str, list[dict[str, Any]]]]) -> list[tuple[str, dict[str, Any]]]:
    """One entry per TrailARN, with the region it was first seen in, sorted by ARN."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for region, trails in per_region:
        for trail in trails:
            seen.setdefault(trail["TrailARN"], (region, trail))
    return [seen[arn] for arn in sorted(seen)]


def collect_trail(api: Api, seen_in: str, raw: dict[str, Any]) -> Trail:
    arn = raw["TrailARN"]
    home = raw.get("HomeRegion") or seen_in
    region = home
    trail = Trail(
        observed(arn, home),
        name=raw.get("Name", arn.rsplit("/", 1)[-1]),
        arn=arn,
        home_region=home,
        multi_region=bool(raw.get("IsMultiRegionTrail", False)),
        bucket=raw.get("S3BucketName"),
        s3_key_prefix=raw.get("S3KeyPrefix") or None,
        kms_key_id=raw.get("KmsKeyId") or None,
        log_file_validation=bool(raw.get("LogFileValidationEnabled", False)),
        include_global_events=bool(raw.get("IncludeGlobalServiceEvents", False)),
    )
    status = api.call("cloudtrail", "GetTrailStatus", region=region, about=arn, Name=arn)
    if isinstance(status, Failure):
        trail.logging = trail.delivery_error = trail.notification_error = status.unknown()
    else:
        trail.logging = bool(status.get("IsLogging", False))
        # AWS-TRAIL-DELIVERY: an empty string is no error
        trail.delivery_error = _error_text(status.get("LatestDeliveryError"))
        trail.notification_error = _error_text(status.get("LatestNotificationError"))
    selectors = api.call("cloudtrail", "GetEventSelectors", region=region, about=arn, TrailName=arn)
    trail.events = selectors.unknown() if isinstance(selectors, Failure) else summarize_selectors(selectors)
    return trail


def _error_text(value: str | None) -> str | None:
    """An error AWS reports (untrusted text): one line of at most 200 characters; "" is no error."""
    line = " ".join((value or "").split())
    return (line if len(line) <= 200 else line[:200] + "...") or None


def summarize_selectors(reply: dict[str, Any]) -> Maybe[EventSelectorSummary]:
    """What a ``GetEventSelectors`` reply records (inventory.cloudtrail.summarize judges it).

    No selectors at all is CloudTrail's default: all management events (moto returns
    ``[]`` where AWS returns the default selector; both read the same here).
    """
    return event_selectors.summarize(selectors_from_reply(reply))


def selectors_from_reply(reply: dict[str, Any]) -> event_selectors.EventSelectors:
    """The reply's selectors in the inventory's terms; botocore has checked their shape."""
    basic = tuple(
        event_selectors.BasicSelector(
            bool(s.get("IncludeManagementEvents", True)),
            str(s.get("ReadWriteType", "All")),
            tuple(s.get("ExcludeManagementEventSources") or ()),
        )
        for s in reply.get("EventSelectors") or []
    )
    advanced = tuple(
        event_selectors.AdvancedSelector(tuple(_field_selector(f) for f in s.get("FieldSelectors") or []))
        for s in reply.get("AdvancedEventSelectors") or []
    )
    return event_selectors.EventSelectors(basic, advanced)


def _field_selector(reply: dict[str, Any]) -> event_selectors.FieldSelector:
    values = {op: tuple(reply.get(key) or ()) for key, op in event_selectors.API_OPERATORS.items()}
    name = reply.get("Field")
    field = name if isinstance(name, str) else Unknown("a field selector has no Field")
    return event_selectors.FieldSelector(field, **values)


def collect_trails(
    api: Api, regions: list[str], pool: Executor, progress: Callable[[str], None]
) -> tuple[list[Trail], bool]:
    """The account's trails, and whether every region could be listed (else some may be missing)."""
    described = run_all(pool, [partial(describe_trails, api, r) for r in regions], progress, "trails")
    per_region: list[tuple[str, list[dict[str, Any]]]] = []
    for region, reply in zip(regions, described, strict=True):
        if not isinstance(reply, Failure):
            per_region.append((region, reply))
    trails = unique_trails(per_region)
    jobs = [partial(collect_trail, api, r, t) for r, t in trails]
    return run_all(pool, jobs, progress, "trail status"), len(per_region) == len(regions)
