"""OB2: the CloudTrail trail and its S3 bucket (AWS-TRAIL-BUCKET, AWS-TRAIL-LOGGING, AWS-TRAIL-DELIVERY, AWS-EVENT-SELECTORS, AWS-TRAIL-KMS, AWS-TRAIL-COVERAGE, AWS-S3-DEFAULT-SSE, GUIDE-QUEUE-REGION, GUIDE-TRAIL-REGION, GUIDE-BUCKET-KMS).

The audit trail is the one onboarding.yaml names (``audit_log.trail`` / ``audit_log.bucket``),
else the trail writing to the bucket that notifies the configured queue; without a
configuration every trail is judged (see :mod:`.pipeline`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy_lint.checks import verdicts
from policy_lint.checks.onboarding.pipeline import audit_config, pipeline, pipeline_in_scope
from policy_lint.core.findings import Level
from policy_lint.inventory.links import buckets_of_trail
from policy_lint.inventory.model import Inventory, Trail, Unknown
from policy_lint.inventory.names import display_name
from policy_lint.inventory.references import text
from policy_lint.rules.registry import Result, RuleGroup, Status

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

AUDIT = "Configure AWS service audit logs for CSPM"
PIPELINE_FEATURES = ("cspm", "agentless")
MANUAL = ("manual",)


def _trails(inventory: Inventory) -> tuple[Trail, ...]:
    if not pipeline_in_scope(inventory):
        return ()
    return pipeline(inventory).trails


def _name(trail: Trail) -> str:
    return display_name(trail.name, trail)


@inventory_rule(
    id="OB201",
    name="trail-management-events",
    level=Level.ERROR,
    title="A trail writing to the audit bucket logs management events, Read and Write",
    rationale="Security Center reads management events from the trail's log files (AWS-TRAIL-BUCKET, AWS-EVENT-SELECTORS), "
    "so an event the selectors leave out never reaches it. Basic selectors must add up to ReadWriteType All; "
    "advanced selectors must select eventCategory = Management for both readOnly values; no selector at all means "
    "the default, all management events. An eventSource or eventName filter that provably leaves out the "
    "management events of a service or an API call (eventSource Equals s3.amazonaws.com, NotEquals "
    "iam.amazonaws.com, eventName Equals ConsoleLogin) fails. Leaving out kms.amazonaws.com or "
    "rdsdata.amazonaws.com, the only exclusions AWS accepts on a trail (ExcludeManagementEventSources, "
    "eventSource NotEquals), passes with a warning: the guide does not ask for them, and whether Security "
    "Center needs those high-volume KMS and RDS Data API events is not documented. A filter whose effect "
    "cannot be known (an EndsWith pattern that may keep every service, a field such as resources.type that AWS "
    "does not document for management events of a trail) is unknown.",
    remediation="Set include_management_events = true with read_write_type = All (or an advanced selector "
    "eventCategory = Management without readOnly, eventSource or eventName fields), and point the trail at the "
    "audit bucket.",
    references=(AUDIT, "CloudTrail EventSelector"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def trail_management_events(inventory: Inventory) -> Iterator[Result]:
    trails = _trails(inventory)
    cfg = audit_config(inventory)
    config = inventory.config
    if (
        not trails
        and cfg is not None
        and config is not None
        and pipeline_in_scope(inventory)
        and not pipeline(inventory).empty  # then OB307 alone says the whole pipeline is missing
    ):
        key = "audit_log.trail" if cfg.trail else ("audit_log.bucket" if cfg.bucket else "audit_log")
        target = (
            f"named {cfg.trail}"
            if cfg.trail
            else f"writing to {cfg.bucket or 'a bucket linked to queue ' + cfg.queue_name}"
        )
        gap = inventory.listing_gap("trails")
        yield Result(
            Status.UNKNOWN if gap else Status.FAIL,
            f"config:{key}",
            f"no CloudTrail trail {target} is {verdicts.present(inventory)}"
            + (
                f" ({verdicts.listed(inventory)}: {verdicts.join(_name(t) for t in inventory.trails)})"
                if inventory.trails
                else ""
            )
            + (f"; {gap}" if gap else ""),
            config.location(key),
            {"declared_trails": [_name(t) for t in inventory.trails]},
        )
    for trail in trails:
        events = trail.events
        where = verdicts.location(trail, "events")
        resource = verdicts.resource_id(trail)
        if isinstance(events, Unknown):
            yield verdicts.unknown(resource, f"event selectors of {_name(trail)}", events, where)
            continue
        read, write = events.management_read, events.management_write
        evidence: dict[str, Any] = {
            "kind": events.kind,
            "management_read": read if isinstance(read, bool) else None,
            "management_write": write if isinstance(write, bool) else None,
            "excluded_sources": list(events.excluded_sources),
            "filters": list(events.filters),
            "bucket": text(trail.bucket),
        }
        unsure = [
            f"{what}: {v.reason}" for what, v in (("read", read), ("write", write)) if isinstance(v, Unknown)
        ]
        missing = [what for what, v in (("Read", read), ("Write", write)) if v is False]
        how = (
            "no event selectors, so the default: all management events"
            if events.kind == "default"
            else f"{events.kind} selectors"
        )
        if missing:
            what = (
                f"every {' or '.join(missing)} management event ({how}: {'; '.join(events.filters)})"
                if events.filters
                else f"{' or '.join(missing)} management events ({how})"
            )
            yield verdicts.failed(resource, f"trail {_name(trail)} does not log {what}", where, evidence)
        elif unsure:
            yield verdicts.unknown(resource, f"trail {_name(trail)}", "; ".join(unsure), where, evidence)
        else:
            note = (
                f"; warning: management events from {', '.join(events.excluded_sources)} are excluded"
                if events.excluded_sources
                else ""
            )
            yield verdicts.passed(
                resource,
                f"trail {_name(trail)} logs Read and Write management events ({how}){note}",
                where,
                evidence,
            )


@inventory_rule(
    id="OB202",
    name="trail-no-kms",
    level=Level.ERROR,
    title="The audit trail's log files are not SSE-KMS encrypted",
    rationale="The guide unticks the trail's SSE-KMS: Security Center reads the log files with ReadOnlyAccess, "
    "which has no kms:Decrypt (AWS-TRAIL-KMS, GUIDE-BUCKET-KMS). conflicts_with: CS203 (CIS AWS Foundations v3.0.0 3.5 wants "
    "trail logs encrypted with a KMS key); the guide's rule wins for the onboarding because Security Center "
    "reads the logs as the IAM user, which has no kms:Decrypt. Run --profile-set onboarding, or record CS203 "
    "as an accepted exception (docs/cis.md).",
    remediation="Remove kms_key_id / KMSKeyId from the trail.",
    references=(AUDIT,),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
    conflicts_with=("CS203",),
)
def trail_no_kms(inventory: Inventory) -> Iterator[Result]:
    for trail in _trails(inventory):
        key = trail.kms_key_id
        where = verdicts.location(trail, "kms_key_id")
        if isinstance(key, Unknown):
            yield verdicts.unknown(verdicts.resource_id(trail), f"KMS key of {_name(trail)}", key, where)
        else:
            yield verdicts.verdict(
                not key,
                verdicts.resource_id(trail),
                f"trail {_name(trail)} has no KMS key",
                f"trail {_name(trail)} encrypts its log files with KMS key {key}; Security Center cannot decrypt them",
                where,
                kms_key_id=key or None,
            )


@inventory_rule(
    id="OB203",
    name="trail-bucket-sse-s3",
    level=Level.ERROR,
    title="The audit bucket's default encryption is SSE-S3 (AES256)",
    rationale="Bucket-default SSE-KMS still KMS-encrypts every log file even with the trail's KMS unticked, and "
    "ReadOnlyAccess lacks kms:Decrypt (AWS-S3-DEFAULT-SSE, GUIDE-BUCKET-KMS). A bucket without an encryption configuration uses "
    "SSE-S3. conflicts_with: CS203 (CIS 3.5): SSE-KMS as the bucket default would satisfy CIS but stops "
    "Security Center reading the logs, so the guide's SSE-S3 stands (docs/cis.md).",
    remediation='Set the bucket\'s default encryption to AES256 (sse_algorithm = "AES256" / '
    "SSEAlgorithm: AES256), or remove the SSE-KMS configuration.",
    references=(AUDIT, "S3 default encryption"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
    conflicts_with=("CS203",),
)
def trail_bucket_sse_s3(inventory: Inventory) -> Iterator[Result]:
    if not pipeline_in_scope(inventory):
        return
    found = pipeline(inventory)
    for bucket in found.buckets:
        where = verdicts.location(bucket, "encryption")
        name = display_name(bucket.name, bucket)
        algo = bucket.encryption
        resource = verdicts.resource_id(bucket)
        if isinstance(algo, Unknown):
            yield verdicts.unknown(resource, f"encryption of bucket {name}", algo, where)
        elif algo == "AES256":
            yield verdicts.passed(
                resource, f"bucket {name} encrypts with SSE-S3 (AES256)", where, encryption=algo
            )
        else:
            key = bucket.kms_key_id if isinstance(bucket.kms_key_id, str) else None
            yield verdicts.failed(
                resource,
                f"bucket {name} encrypts new objects with {algo}"
                + (f" (key {key})" if key else "")
                + "; Security Center cannot read KMS-encrypted log files",
                where,
                encryption=algo,
                kms_key_id=key,
            )
    for trail in found.trails:
        if isinstance(trail.bucket, str) and not buckets_of_trail(trail, inventory):
            yield verdicts.undecided(
                verdicts.resource_id(trail),
                f"bucket {trail.bucket} of trail {_name(trail)} is not {verdicts.present(inventory)}",
                verdicts.location(trail, "bucket"),
                bucket=trail.bucket,
            )


@inventory_rule(
    id="OB204",
    name="trail-logging",
    level=Level.ERROR,
    title="The audit trail is logging and delivering its log files",
    rationale="A stopped trail writes no log files, so no message ever reaches the queue (AWS-TRAIL-LOGGING); in "
    "planned input this is enable_logging (Terraform) / IsLogging (CloudFormation). A live trail that is "
    "logging but whose last delivery to its bucket failed (GetTrailStatus LatestDeliveryError, e.g. "
    "AccessDenied from a changed bucket policy) writes nothing either, so it fails too (AWS-TRAIL-DELIVERY). "
    "A LatestNotificationError concerns the trail's own SNS topic, which the audit pipeline does not use: it "
    "is shown as a warning in the message, not failed.",
    remediation="Set enable_logging = true / IsLogging: true, or `aws cloudtrail start-logging`; for a delivery "
    "error, let cloudtrail.amazonaws.com write to the bucket (s3:PutObject with the trail's aws:SourceArn, "
    "s3:GetBucketAcl) and check the bucket exists and its KMS key, if any, lets CloudTrail use it.",
    references=(
        AUDIT,
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
    ),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def trail_logging(inventory: Inventory) -> Iterator[Result]:
    for trail in _trails(inventory):
        where = verdicts.location(trail, "logging")
        value = trail.logging
        resource = verdicts.resource_id(trail)
        if isinstance(value, Unknown):
            yield verdicts.unknown(resource, f"logging of {_name(trail)}", value, where)
            continue
        if not value:
            yield verdicts.failed(resource, f"trail {_name(trail)} is not logging", where, logging=value)
            continue
        delivery = trail.delivery_error
        if isinstance(delivery, Unknown):
            yield verdicts.unknown(resource, f"log file delivery of {_name(trail)}", delivery, where)
            continue
        if delivery:
            yield verdicts.failed(
                resource,
                f"trail {_name(trail)} is logging but failing to deliver log files to bucket "
                f"{text(trail.bucket)}: LatestDeliveryError {delivery!r}",
                where,
                logging=True,
                latest_delivery_error=delivery,
            )
            continue
        notification = trail.notification_error
        note = (
            f"; warning: its SNS notifications fail (LatestNotificationError {notification!r})"
            if isinstance(notification, str) and notification
            else ""
        )
        yield verdicts.passed(resource, f"trail {_name(trail)} is logging{note}", where, logging=True)


@inventory_rule(
    id="OB205",
    name="trail-coverage",
    level=Level.WARNING,
    title="The audit trail covers every region and global service events",
    rationale="A single-region trail misses the events of the other asset regions, and without global service "
    "events IAM changes are missing (AWS-TRAIL-COVERAGE, GUIDE-TRAIL-REGION: console-created trails are always multi-Region). "
    "A live account's opt-in region that is not enabled (account:ListRegions, AWS-OPT-IN-REGIONS) holds no events "
    "and no resources the collector could read: missing only such regions is unknown, not a fail.",
    remediation="Set is_multi_region_trail = true and include_global_service_events = true.",
    references=(AUDIT, "CloudTrail multi-Region trails"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def trail_coverage(inventory: Inventory) -> Iterator[Result]:
    regions = inventory.config.regions if inventory.config is not None else ()
    for trail in _trails(inventory):
        multi, global_ = trail.multi_region, trail.include_global_events
        evidence: dict[str, Any] = {
            "multi_region": multi if isinstance(multi, bool) else None,
            "include_global_events": global_ if isinstance(global_, bool) else None,
            "home_region": text(trail.home_region),
            "regions": list(regions),
        }
        problems: list[tuple[str, str]] = []
        unsure: list[str] = []
        if isinstance(multi, Unknown):
            unsure.append(f"multi-region: {multi.reason}")
        elif not multi:
            home = trail.home_region
            disabled = inventory.disabled_regions
            others = [r for r in regions if r != home]
            if regions and isinstance(home, str) and set(regions) <= {home}:
                pass
            elif others and all(r in disabled for r in others):
                # AWS-OPT-IN-REGIONS: nothing can happen in a region the account has not enabled
                unsure.append(
                    "multi-region: a single-region trail, but "
                    + verdicts.join(f"{r} ({disabled[r]})" for r in others)
                    + " is not enabled in the account (account:ListRegions)"
                )
            else:
                missed = [r for r in others if r not in disabled]
                problems.append(
                    (
                        "multi_region",
                        "is a single-region trail"
                        + (f" and misses {verdicts.join(missed)}" if missed else ""),
                    )
                )
        if isinstance(global_, Unknown):
            unsure.append(f"global service events: {global_.reason}")
        elif not global_:
            problems.append(("include_global_events", "does not include global service events"))
        resource = verdicts.resource_id(trail)
        if problems:
            yield verdicts.failed(
                resource,
                f"trail {_name(trail)} " + " and ".join(p for _, p in problems),
                verdicts.location(trail, problems[0][0]),
                evidence,
            )
        elif unsure:
            yield verdicts.unknown(
                resource, f"trail {_name(trail)}", "; ".join(unsure), verdicts.location(trail), evidence
            )
        else:
            yield verdicts.passed(
                resource,
                f"trail {_name(trail)} covers every region and global service events",
                verdicts.location(trail, "multi_region"),
                evidence,
            )
