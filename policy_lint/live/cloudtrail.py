"""CloudTrail trails seen from every collected region, with status and event selectors (AWS-TRAIL-BUCKET, AWS-TRAIL-LOGGING, AWS-EVENT-SELECTORS, AWS-TRAIL-KMS, AWS-TRAIL-COVERAGE).

``describe_trails(includeShadowTrails=True)`` lists a multi-region trail in every region;
trails are de-duplicated by ARN and their status and selectors asked by ARN in the home
region, which works for shadow copies too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from policy_lint.inventory.model import EventSelectorSummary, Origin, Trail
from policy_lint.live.api import Api, Failure, run_all


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
        Origin("live", arn, region=home),
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
    trail.logging = status.unknown() if isinstance(status, Failure) else bool(status.get("IsLogging", False))
    selectors = api.call("cloudtrail", "GetEventSelectors", region=region, about=arn, TrailName=arn)
    trail.events = selectors.unknown() if isinstance(selectors, Failure) else summarize_selectors(selectors)
    return trail


def summarize_selectors(reply: dict[str, Any]) -> EventSelectorSummary:
    """Management events read/write from basic or advanced selectors (AWS-EVENT-SELECTORS).

    No selectors at all is CloudTrail's default: all management events (moto returns
    ``[]`` where AWS returns the default selector; both read the same here).
    """
    basic = reply.get("EventSelectors") or []
    advanced = reply.get("AdvancedEventSelectors") or []
    if advanced:
        return _advanced(advanced)
    if not basic:
        return EventSelectorSummary(True, True, (), "default")
    kinds = {s.get("ReadWriteType", "All") for s in basic if s.get("IncludeManagementEvents", True)}
    excluded = sorted(
        {
            src
            for s in basic
            if s.get("IncludeManagementEvents", True)
            for src in s.get("ExcludeManagementEventSources", [])
        }
    )
    return EventSelectorSummary(
        management_read=bool(kinds & {"All", "ReadOnly"}),
        management_write=bool(kinds & {"All", "WriteOnly"}),
        excluded_sources=tuple(excluded),
        kind="basic",
    )


def _advanced(selectors: list[dict[str, Any]]) -> EventSelectorSummary:
    read = write = False
    excluded: set[str] = set()
    for selector in selectors:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        category = fields.get("eventCategory", {})
        if "Management" not in category.get("Equals", []):
            continue
        read_only = fields.get("readOnly")
        if read_only is None:
            read = write = True
        else:
            equals = [str(v).lower() for v in read_only.get("Equals", [])]
            not_equals = [str(v).lower() for v in read_only.get("NotEquals", [])]
            read |= "true" in equals or "false" in not_equals
            write |= "false" in equals or "true" in not_equals
        source = fields.get("eventSource", {})
        excluded.update(source.get("NotEquals", []))
        if source.get("Equals"):
            excluded.add("all sources except " + ", ".join(source["Equals"]))
    return EventSelectorSummary(read, write, tuple(sorted(excluded)), "advanced")


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
