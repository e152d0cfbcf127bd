"""OB3: the audit-log SQS queue, its policy, and the bucket notification (AWS-S3-SAME-REGION, AWS-BUCKET-OWNER, AWS-S3-NOTIFICATION, AWS-SQS-EXISTS, AWS-S3-NO-FIFO, AWS-S3-SEND-POLICY, AWS-SQS-KMS, PLAN-QUEUE-INPUTS, GUIDE-SQS-WRITE, GUIDE-QUEUE-REGION, GUIDE-TRAIL-REGION, GUIDE-PARTITION, GUIDE-SOURCE-ACCOUNT, GUIDE-PUT-ONLY).

The audit queue is the one onboarding.yaml names (``audit_log.queue_name``), else the queue the
audit bucket notifies, else (no configuration, no link) every queue; see :mod:`.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from policy_lint.catalog import arn_builder
from policy_lint.catalog.arns import Arn, parse_arn
from policy_lint.checks import verdicts
from policy_lint.checks.onboarding.pipeline import (
    Pipeline,
    audit_config,
    audit_queue_arns,
    pipeline,
    pipeline_in_scope,
)
from policy_lint.core.findings import Level, Location
from policy_lint.iam import statements
from policy_lint.inventory.links import (
    bucket_arns,
    buckets_notifying,
    matches_bucket_name,
    matches_queue,
    notified_queues,
    queue_arn,
    queue_partition,
    s3_send_verdict,
    trails_of_bucket,
)
from policy_lint.inventory.model import Bucket, Inventory, Queue, QueueNotification, Unknown, first_unknown
from policy_lint.inventory.names import display_name
from policy_lint.inventory.references import (
    is_literal,
    same_value,
    scope_of,
    shown,
    text,
)
from policy_lint.inventory.regions import same_region
from policy_lint.inventory.statement_views import views_of_dict
from policy_lint.onboarding.config import AuditLogConfig, OnboardingConfig
from policy_lint.rules.registry import Result, RuleGroup, Status

R = TypeVar("R")

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

AUDIT = "Configure AWS service audit logs for CSPM"
S3_DESTINATIONS = "S3 UG: Granting permissions to publish event notification messages to a destination"
PIPELINE_FEATURES = ("cspm", "agentless")
MANUAL = ("manual",)
PUT_EVENTS = ("s3:ObjectCreated:Put", "s3:ObjectCreated:*")


def _scope(inventory: Inventory) -> Pipeline:
    """The audit pipeline, or an empty one when the OB2/OB3 rules do not apply."""
    return pipeline(inventory) if pipeline_in_scope(inventory) else Pipeline()


def _qname(queue: Queue) -> str:
    return display_name(queue.name, queue)


def _bname(bucket: Bucket) -> str:
    return display_name(bucket.name, bucket)


@inventory_rule(
    id="OB301",
    name="queue-standard",
    level=Level.ERROR,
    title="The audit-log queue is a standard queue",
    rationale="S3 event notifications cannot target FIFO queues (AWS-S3-NO-FIFO; CloudFormation QueueConfiguration: "
    '"FIFO queues are not allowed").',
    remediation="Use a standard queue (fifo_queue = false / no FifoQueue).",
    references=(AUDIT, "AWS::S3::Bucket QueueConfiguration"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_standard(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        where = verdicts.location(queue, "fifo")
        fifo = queue.fifo
        name = _qname(queue)
        if isinstance(fifo, Unknown):
            yield verdicts.unknown(verdicts.resource_id(queue), f"queue type of {name}", fifo, where)
        else:
            yield verdicts.verdict(
                not fifo,
                verdicts.resource_id(queue),
                f"queue {name} is a standard queue",
                f"queue {name} is a FIFO queue; S3 cannot notify FIFO queues",
                where,
                fifo=fifo,
            )


@inventory_rule(
    id="OB302",
    name="queue-in-bucket-region",
    level=Level.ERROR,
    title="The audit-log queue is in the trail bucket's region",
    rationale="S3 sends event notifications only to an SQS queue in the bucket's own region (AWS-S3-SAME-REGION, GUIDE-QUEUE-REGION); "
    "a trail can write to a bucket in any region, so it is the bucket's region that matters.",
    remediation="Create the queue in the bucket's region (or the bucket in the queue's region).",
    references=(AUDIT, "S3 UG: event notification destinations"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_in_bucket_region(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        buckets = buckets_notifying(queue, inventory)
        if not buckets and audit_config(inventory) is not None:
            buckets = list(found.buckets)  # the configured pipeline: its bucket should notify this queue
        buckets = _distinct(buckets)
        for bucket in buckets:
            decided, why = same_region(queue, queue.region, bucket, bucket.region)
            status = Status(decided)
            resource = verdicts.resource_id(queue)
            if len(buckets) > 1:  # one verdict per bucket: the bucket names it (verdicts.facet)
                resource = verdicts.facet(resource, "bucket", verdicts.resource_id(bucket))
            yield Result(
                status,
                resource,
                f"queue {_qname(queue)} and bucket {_bname(bucket)}: {why}"
                + ("; S3 notifies only queues in its own region" if status is Status.FAIL else ""),
                verdicts.location(queue, "region"),
                {
                    "queue_region": text(queue.region),
                    "bucket_region": text(bucket.region),
                    "bucket": _bname(bucket),
                },
            )


@inventory_rule(
    id="OB303",
    name="queue-in-trail-home-region",
    level=Level.WARNING,
    title="The audit-log queue is in the trail's home region",
    rationale="The guide asks for the queue in the trail's region (PLAN-QUEUE-INPUTS, GUIDE-QUEUE-REGION). AWS requires only the "
    "bucket's region (OB302), so a different trail home region is a deviation from the guide, not a failure.",
    remediation="Keep the trail, bucket and queue in one region, as the guide does.",
    references=(AUDIT,),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_in_trail_home_region(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        buckets = buckets_notifying(queue, inventory)
        trails = [t for b in buckets for t in trails_of_bucket(b, inventory)]
        if not trails and audit_config(inventory) is not None:
            trails = list(found.trails)
        trails = _distinct(trails)  # a trail writing to two buckets that notify the queue is one trail
        for trail in trails:
            home = trail.home_region
            region = queue.region
            decided, why = same_region(queue, region, trail, home)
            resource = verdicts.resource_id(queue)
            if len(trails) > 1:  # one verdict per trail: the trail names it (verdicts.facet)
                resource = verdicts.facet(resource, "trail", verdicts.resource_id(trail))
            yield Result(
                Status(decided),
                resource,
                f"queue {_qname(queue)} and trail {display_name(trail.name, trail)}: {why}",
                verdicts.location(queue, "region"),
                {"queue_region": text(region), "trail_home_region": text(home)},
            )


def _distinct(resources: list[R]) -> list[R]:
    """Each resource once, in order (a trail reached through two buckets is still one trail)."""
    return list({id(resource): resource for resource in resources}.values())


def _target_buckets(queue: Queue, found: Pipeline, inventory: Inventory, part: str | Unknown) -> list[str]:
    """ARN spellings of the bucket(s) that should send to this queue, in partition ``part``."""
    buckets = buckets_notifying(queue, inventory) or found.buckets
    if buckets:
        return [arn for b in buckets for arn in bucket_arns(b, part)]
    cfg = audit_config(inventory)
    configured = arn_builder.bucket_arn(part, cfg.bucket) if cfg is not None and cfg.bucket else None
    return [configured] if isinstance(configured, str) else []


def _partition_that_fits(
    source_arns: list[str], judge_in: Callable[[str], statements.S3SendVerdict | None]
) -> str | None:
    """A partition, written in one of the policy's aws:SourceArn values, in which that value is the
    bucket's ARN: when the partition is not known, the verdict waits on it (GUIDE-PARTITION)."""
    parsed = [parse_arn(value) for value in source_arns]
    written = sorted({p.partition for p in parsed if isinstance(p, Arn)})
    for part in (p for p in written if arn_builder.is_literal(p)):
        verdict = judge_in(part)
        if verdict is not None and verdict.matched is not None:
            return part
    return None


@inventory_rule(
    id="OB304",
    name="queue-policy-s3-source-arn",
    level=Level.ERROR,
    title="The queue policy lets S3 send messages only from the trail bucket",
    rationale="S3 delivers a notification only if the queue policy allows s3.amazonaws.com sqs:SendMessage on "
    "the queue; the aws:SourceArn condition must match the trail bucket's ARN in the account's partition "
    "(arn:aws-cn: in China, AWS-S3-SEND-POLICY, GUIDE-PARTITION, GUIDE-SOURCE-ACCOUNT). Bucket names are global, so AWS also recommends "
    "aws:SourceAccount.",
    remediation="Add an Allow for Principal {Service: s3.amazonaws.com}, Action sqs:SendMessage on the queue, "
    "with ArnLike aws:SourceArn arn:<partition>:s3:::<bucket> and StringEquals aws:SourceAccount <account>.",
    references=(AUDIT, S3_DESTINATIONS),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_policy_s3_source_arn(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        yield _source_arn_verdict(queue, found, inventory)


def _source_arn_verdict(queue: Queue, found: Pipeline, inventory: Inventory) -> Result:
    where = verdicts.location(queue, "policy")
    resource = verdicts.resource_id(queue)
    policy = queue.policy
    arn = queue_arn(queue, inventory)
    name = _qname(queue)
    if isinstance(policy, Unknown):
        return verdicts.unknown(resource, f"policy of queue {name}", policy, where)
    if policy is None:
        return verdicts.failed(
            resource, f"queue {name} has no queue policy; S3 cannot send it notifications", where, policy=None
        )
    nested = first_unknown(policy)
    if nested is not None:
        return verdicts.unknown(resource, f"policy of queue {name}", nested, where)
    if isinstance(arn, Unknown):
        return verdicts.unknown(resource, f"ARN of queue {name}", arn, where)
    part = queue_partition(queue, inventory)
    buckets = _target_buckets(queue, found, inventory, part)
    if not buckets:
        return verdicts.undecided(
            resource,
            f"no bucket notifying queue {name} is {verdicts.present(inventory)}, so aws:SourceArn cannot be compared",
            where,
        )

    def judge_in(partition: str) -> statements.S3SendVerdict | None:
        spellings = _target_buckets(queue, found, inventory, partition)
        return s3_send_verdict(queue, inventory, spellings, partition) if spellings else None

    sends = s3_send_verdict(queue, inventory, buckets, part)
    expected = shown(buckets[0])
    evidence: dict[str, Any] = {
        "queue": arn,
        "expected_source_arn": expected,
        "statements": sends.statements,
        "source_arns": sends.source_arns,
    }
    if sends.denied:
        return verdicts.failed(
            resource, f"queue {name}'s policy denies S3's SendMessage ({sends.denied})", where, evidence
        )
    if sends.matched is not None:
        notes = []
        if not sends.has_source_account:
            notes.append(
                "warning: no aws:SourceAccount condition (bucket names are global, GUIDE-SOURCE-ACCOUNT)"
            )
        if sends.any_bucket:
            notes.append(f"warning: {sends.matched} matches any bucket")
        return verdicts.passed(
            resource,
            f"queue {name}'s policy lets s3.amazonaws.com SendMessage with aws:SourceArn {sends.matched}"
            + ("; " + "; ".join(notes) if notes else ""),
            where,
            evidence,
            source_account=sends.has_source_account,
        )
    if isinstance(part, Unknown):  # unknown never passes, uncertain never fails
        fits = _partition_that_fits(sends.source_arns, judge_in)
        if fits is not None:
            return verdicts.undecided(
                resource,
                f"queue {name}'s policy: aws:SourceArn {verdicts.join(sends.source_arns)} is the bucket's ARN "
                f"only in partition {fits}, and {part.reason}",
                where,
                evidence,
            )
    if sends.unresolved:
        return verdicts.undecided(
            resource,
            f"queue {name}'s policy: aws:SourceArn {verdicts.join(sends.unresolved)} cannot be resolved",
            where,
            evidence,
        )
    if not sends.statements:
        message = f"queue {name}'s policy has no Allow for s3.amazonaws.com sqs:SendMessage on the queue"
    elif not sends.source_arns:
        message = f"queue {name}'s policy lets S3 SendMessage without an aws:SourceArn condition (any bucket of any account)"
    else:
        differs = sends.partition_mismatch and isinstance(part, str)  # an unknown partition cannot differ
        message = (
            f"queue {name}'s policy: aws:SourceArn {verdicts.join(sends.source_arns)} does not match "
            f"{expected}" + (" (partition differs, GUIDE-PARTITION)" if differs else "")
        )
    return verdicts.failed(resource, message, where, evidence)


@inventory_rule(
    id="OB305",
    name="queue-policy-not-public",
    level=Level.SECURITY_WARNING,
    title="The queue policy is not open to everyone",
    rationale='An Allow for Principal "*" (or {"AWS": "*"}) without a condition on the source or the '
    "principal's account, or an Allow with NotPrincipal (everyone except the principals it lists), lets "
    "anyone read, delete or inject audit-log messages (AWS-RESTRICTING-KEYS; judged as PL606 judges a resource "
    "policy).",
    remediation="Name the principal (s3.amazonaws.com, the account root), or restrict the statement with "
    "aws:SourceArn / aws:SourceAccount / aws:SourceOrgID / aws:PrincipalOrgID.",
    references=(S3_DESTINATIONS,),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_policy_not_public(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        where = verdicts.location(queue, "policy")
        policy = queue.policy
        resource = verdicts.resource_id(queue)
        name = _qname(queue)
        if isinstance(policy, Unknown):
            yield verdicts.unknown(resource, f"policy of queue {name}", policy, where)
            continue
        if policy is None:
            yield verdicts.passed(resource, f"queue {name} has no queue policy", where, public=[])
            continue
        public = statements.public_statements(views_of_dict(policy))
        nested = first_unknown(policy)
        if public:
            yield verdicts.failed(
                resource, _public_message(name, public), where, public=[view.label for view in public]
            )
        elif nested is not None:  # an unknown principal or condition may open it to everyone
            yield verdicts.unknown(resource, f"policy of queue {name}", nested, where)
        else:
            yield verdicts.passed(resource, f"queue {name}'s policy names its principals", where, public=[])


def _public_message(name: str, public: list[statements.StatementView]) -> str:
    everyone = [v.label for v in public if v.principal is None or not v.principal.negated]
    negated = [v.label for v in public if v.principal is not None and v.principal.negated]
    parts = [f"allows everyone ({', '.join(everyone)}) without a restricting condition"] if everyone else []
    if negated:
        parts.append(f"allows everyone except the principals NotPrincipal lists ({', '.join(negated)})")
    return f"queue {name}'s policy " + " and ".join(parts)


def _prefix_ok(prefix: str, trail_prefixes: list[str]) -> bool:
    """A filter prefix keeps CloudTrail's keys when it is a prefix of ``<S3KeyPrefix/>AWSLogs/``."""
    targets = [f"{p.rstrip('/')}/AWSLogs/" if p else "AWSLogs/" for p in trail_prefixes] or ["AWSLogs/"]
    return any(t.startswith(prefix) for t in targets)


@inventory_rule(
    id="OB306",
    name="bucket-notifies-queue-on-put",
    level=Level.ERROR,
    title="The trail bucket notifies the queue on object creation by Put",
    rationale="CloudTrail writes log files with PutObject, so the bucket must notify the queue on "
    "s3:ObjectCreated:Put or s3:ObjectCreated:* (AWS-S3-NOTIFICATION, GUIDE-PUT-ONLY); a Copy-only notification never fires, a "
    "prefix filter must not exclude AWSLogs/, and EventBridge delivery is a different path Security Center "
    "does not read.",
    remediation='Add a queue notification with events = ["s3:ObjectCreated:*"] (or :Put) to the audit queue, '
    "without a prefix filter (or one that CloudTrail's keys start with).",
    references=(AUDIT, "S3 event notification types"),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def bucket_notifies_queue_on_put(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    queue_arns = audit_queue_arns(inventory, found)
    for bucket in found.buckets:
        result = _notification_verdict(bucket, queue_arns, inventory)
        if result is not None:
            yield result


def _entry_location(note: QueueNotification, fallback: Location | None) -> Location | None:
    """The line of one notification entry (its events), else the bucket's notifications."""
    return note.origin.location if note.origin and note.origin.location else fallback


def _notification_verdict(
    bucket: Bucket,
    queue_arns: list[tuple[Queue | None, str | Unknown]],
    inventory: Inventory,
) -> Result | None:
    where = verdicts.location(bucket, "notifications")
    resource = verdicts.resource_id(bucket)
    notes = bucket.notifications
    name = _bname(bucket)
    if isinstance(notes, Unknown):
        return verdicts.unknown(resource, f"notifications of bucket {name}", notes, where)
    # a queue of another template or directory can only be named by its literal ARN
    queue_arns = [
        (q, a) for q, a in queue_arns if q is None or is_literal(a) or scope_of(q) == scope_of(bucket)
    ]
    if not queue_arns and not notes and bucket.eventbridge is not True:
        return None  # no queue declared or configured, and no notification: no pipeline to judge
    trail_prefixes = [
        t.s3_key_prefix if isinstance(t.s3_key_prefix, str) else ""
        for t in trails_of_bucket(bucket, inventory)
    ]

    def to_audit_queue(arn: object) -> bool:
        if not queue_arns:
            return True  # no queue declared or configured: any queue counts
        return any(
            (q is not None and matches_queue(arn, q, inventory, scope_of(bucket)))
            or (q is None and isinstance(a, str) and same_value(arn, a))
            for q, a in queue_arns
        )

    evidence: dict[str, Any] = {
        "notifications": [
            {
                "queue": text(n.queue_arn),
                "events": list(n.events) if isinstance(n.events, tuple) else None,
                "prefix": text(n.prefix),
            }
            for n in notes
        ],
        "eventbridge": bucket.eventbridge if isinstance(bucket.eventbridge, bool) else None,
        "expected_queues": [a for _, a in queue_arns if isinstance(a, str)],
    }
    mine = [n for n in notes if to_audit_queue(n.queue_arn)]
    unknown_target = [n for n in notes if isinstance(n.queue_arn, Unknown)]
    problems: list[str] = []
    unsure: list[str] = []
    blamed = where  # a failure points at the first offending notification entry, where it has a line
    for note in mine:
        events = note.events
        if isinstance(events, Unknown):
            unsure.append(f"events: {events.reason}")
            continue
        if not any(e in PUT_EVENTS for e in events):
            problems.append(
                f"notifies on {', '.join(events) or 'no event'} only; CloudTrail writes with PutObject"
            )
            blamed = _entry_location(note, where) if blamed is where else blamed
            continue
        prefix = note.prefix
        if isinstance(prefix, Unknown):
            unsure.append(f"prefix filter: {prefix.reason}")
            continue
        if prefix and not _prefix_ok(prefix, trail_prefixes):
            problems.append(f"its prefix filter {prefix!r} excludes CloudTrail's AWSLogs/ keys")
            blamed = _entry_location(note, where) if blamed is where else blamed
            continue
        via = ", ".join(e for e in events if e in PUT_EVENTS)
        extra = "; EventBridge notifications are enabled too" if bucket.eventbridge is True else ""
        return verdicts.passed(
            resource,
            f"bucket {name} notifies {text(note.queue_arn)} on {via}{extra}",
            _entry_location(note, where),
            evidence,
        )
    if unsure or unknown_target:
        reasons = unsure + [
            f"queue: {n.queue_arn.reason}" for n in unknown_target if isinstance(n.queue_arn, Unknown)
        ]
        return verdicts.unknown(resource, f"bucket {name}", "; ".join(reasons), where, evidence)
    if problems:
        return verdicts.failed(resource, f"bucket {name} " + "; ".join(problems), blamed, evidence)
    if bucket.eventbridge is True and not notes:
        return verdicts.failed(
            resource,
            f"bucket {name} sends events to EventBridge only; Security Center reads S3 notifications from the SQS queue",
            where,
            evidence,
        )
    others = [text(n.queue_arn) or "?" for n in notes]
    queues = [
        _qname(q) if q is not None else str(a) for q, a in queue_arns if q is not None or isinstance(a, str)
    ]
    target = f"queue {verdicts.join(queues)}" if queues else "the audit queue"
    trails = [display_name(t.name, t) for t in trails_of_bucket(bucket, inventory)]
    role = f" (trail {verdicts.join(trails)}'s bucket)" if trails else ""
    return verdicts.failed(
        resource,
        f"bucket {name}{role} has no event notification to {target}"
        + (f" (it notifies {verdicts.join(others)})" if others else ""),
        where,
        evidence,
    )


@inventory_rule(
    id="OB307",
    name="audit-log-config-matches",
    level=Level.ERROR,
    title="onboarding.yaml's audit_log matches the infrastructure's queue, bucket and trail",
    rationale="The console is told the queue's region and name (PLAN-QUEUE-INPUTS, GUIDE-DISABLE); if they differ from the "
    "queue the infrastructure declares, Security Center polls a queue that never receives the log events.",
    remediation="Make audit_log.region, queue_name, bucket and trail in onboarding.yaml equal to what the "
    "infrastructure declares (or fix the infrastructure).",
    references=(AUDIT,),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def audit_log_config_matches(inventory: Inventory) -> Iterator[Result]:
    cfg = audit_config(inventory)
    config = inventory.config
    if cfg is None or config is None or not inventory.describes_infrastructure():
        return
    found = pipeline(inventory)
    present, listed = verdicts.present(inventory), verdicts.listed(inventory)
    if found.empty:
        yield _no_pipeline(cfg, config, inventory)
        return

    def key_result(key: str, status: Status, message: str, evidence: dict[str, Any]) -> Result:
        return Result(
            status, f"config:audit_log.{key}", message, config.location(f"audit_log.{key}"), evidence
        )

    names = [display_name(q.name, q) for q in inventory.queues]
    if found.queues:
        queue = found.queues[0]
        yield key_result(
            "queue_name", Status.PASS, f"queue {cfg.queue_name} is {present}", {"declared": names}
        )
        region = queue.region
        if isinstance(region, str) and is_literal(region):
            ok = region == cfg.region
            yield key_result(
                "region",
                Status.PASS if ok else Status.FAIL,
                f"queue {cfg.queue_name} is in {region}" + ("" if ok else f", not {cfg.region}"),
                {"configured": cfg.region, "declared": region},
            )
        else:
            reason = (
                region.reason if isinstance(region, Unknown) else f"{region or 'not stated'} (pass --region)"
            )
            yield key_result(
                "region",
                Status.UNKNOWN,
                f"region of queue {cfg.queue_name}: {reason}",
                {"configured": cfg.region},
            )
    else:
        notified = [q for b in found.buckets for q in notified_queues(b, inventory)]
        if not inventory.queues:
            status, message = (
                Status.UNKNOWN,
                f"no SQS queue is {present} to compare with {cfg.queue_name}",
            )
        elif any(isinstance(q.name, Unknown) for q in inventory.queues):
            status, message = (
                Status.UNKNOWN,
                f"queue {cfg.queue_name} not found; some queue names are unknown",
            )
        elif gap := inventory.listing_gap("queues"):
            status, message = (Status.UNKNOWN, f"queue {cfg.queue_name} not found; {gap}")
        else:
            status = Status.FAIL
            message = f"no queue named {cfg.queue_name} is {present} ({listed}: {verdicts.join(names)})"
            if notified:
                message += f"; the trail bucket notifies {_qname(notified[0])}"
        yield key_result("queue_name", status, message, {"configured": cfg.queue_name, "declared": names})
    if cfg.bucket:
        yield _config_bucket(cfg.bucket, found, inventory, key_result)
    if cfg.trail:
        declared = [display_name(t.name, t) for t in inventory.trails]
        ok = bool(found.trails)
        gap = None if ok else inventory.listing_gap("trails")
        yield key_result(
            "trail",
            Status.PASS if ok else Status.UNKNOWN if gap else Status.FAIL,
            f"trail {cfg.trail} is {present}"
            if ok
            else f"no trail named {cfg.trail} is {present}"
            + (f" ({listed}: {verdicts.join(declared)})" if declared else "")
            + (f"; {gap}" if gap else ""),
            {"configured": cfg.trail, "declared": declared},
        )


def _no_pipeline(cfg: AuditLogConfig, config: OnboardingConfig, inventory: Inventory) -> Result:
    """One result for a configured audit log none of whose parts is there (not one per part and
    rule). Planned input may leave them to other inputs or the console (unknown); a fully listed
    account lacks them (fail)."""
    parts = [f"queue {cfg.queue_name}"]
    parts += [f"bucket {cfg.bucket}"] if cfg.bucket else []
    parts += [f"trail {cfg.trail}"] if cfg.trail else []
    gaps = [gap for kind in ("trails", "queues") if (gap := inventory.listing_gap(kind))]
    missing = f"none of the audit-log pipeline ({', '.join(parts)}) is {verdicts.present(inventory)}"
    if inventory.observed() and not gaps:
        status, message = Status.FAIL, missing
    elif inventory.observed():
        status, message = Status.UNKNOWN, f"{missing}; {gaps[0]}"
    else:
        status, message = (
            Status.UNKNOWN,
            f"{missing}: add the inputs that declare it, or verify the account (policy-lint verify)",
        )
    return Result(
        status,
        "config:audit_log",
        message,
        config.location("audit_log"),
        {"queue_name": cfg.queue_name, "bucket": cfg.bucket, "trail": cfg.trail},
    )


def _config_bucket(
    bucket: str,
    found: Pipeline,
    inventory: Inventory,
    key_result: Callable[[str, Status, str, dict[str, Any]], Result],
) -> Result:
    """audit_log.bucket: declared, and the audit trail (if declared) writes to it."""
    buckets = [b for b in inventory.buckets if matches_bucket_name(bucket, b)]
    trail_buckets = {
        display_name(t.bucket, t): any(matches_bucket_name(t.bucket, b, scope_of(t)) for b in buckets)
        or t.bucket == bucket
        for t in found.trails
        if isinstance(t.bucket, str)
    }
    evidence = {"configured": bucket, "trail_buckets": sorted(trail_buckets)}
    elsewhere = sorted(name for name, ok in trail_buckets.items() if not ok)
    if elsewhere:
        return key_result(
            "bucket",
            Status.FAIL,
            f"the audit trail writes to {verdicts.join(elsewhere)}, not {bucket}",
            evidence,
        )
    if buckets or trail_buckets:
        return key_result(
            "bucket",
            Status.PASS,
            f"bucket {bucket} is {verdicts.present(inventory)} and receives the trail",
            evidence,
        )
    return key_result("bucket", Status.FAIL, f"no bucket or trail uses {bucket}", evidence)


@inventory_rule(
    id="OB308",
    name="queue-encryption-s3-compatible",
    level=Level.ERROR,
    title="The queue's encryption lets S3 send to it",
    rationale="With SSE-KMS under the AWS managed key alias/aws/sqs, S3 cannot encrypt messages (its key "
    "policy cannot be changed); a customer managed key works only if its key policy allows "
    "s3.amazonaws.com kms:GenerateDataKey and kms:Decrypt, and the reader needs kms:Decrypt (AWS-SQS-KMS). "
    "SSE-SQS or no encryption always works.",
    remediation="Use SSE-SQS (sqs_managed_sse_enabled = true), or a customer managed key whose policy allows "
    "s3.amazonaws.com.",
    references=("SQS DG: key management", S3_DESTINATIONS),
    features=PIPELINE_FEATURES,
    plans=MANUAL,
)
def queue_encryption_s3_compatible(inventory: Inventory) -> Iterator[Result]:
    found = _scope(inventory)
    for queue in found.queues:
        where = verdicts.location(queue, "kms_key_id")
        key = queue.kms_key_id
        resource = verdicts.resource_id(queue)
        name = _qname(queue)
        if isinstance(key, Unknown):
            yield verdicts.unknown(resource, f"KMS key of queue {name}", key, where)
        elif not key:
            how = "SSE-SQS" if queue.sqs_managed_sse is True else "no KMS key"
            yield verdicts.passed(resource, f"queue {name} uses {how}", where, kms_key_id=None)
        elif key == "alias/aws/sqs" or key.endswith(":alias/aws/sqs"):
            yield verdicts.failed(
                resource,
                f"queue {name} is encrypted with the AWS managed key alias/aws/sqs; S3 cannot use it",
                where,
                kms_key_id=key,
            )
        else:
            yield verdicts.undecided(
                resource,
                f"queue {name} uses customer managed key {key}: its key policy must allow s3.amazonaws.com "
                "kms:GenerateDataKey and kms:Decrypt, and the onboarding user needs kms:Decrypt",
                where,
                kms_key_id=key,
            )
