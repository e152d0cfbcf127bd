"""Which resource a value names: a trail's bucket, a notification's queue, a policy's ARN.

A value names a resource by its literal name or ARN, or by a reference to it written in the
same scope (:mod:`policy_lint.inventory.references`). ARNs are built by
:mod:`policy_lint.catalog.arn_builder`, in the partition :func:`partition` finds, never a guessed one.
"""

from __future__ import annotations

from policy_lint.catalog import arn_builder
from policy_lint.catalog.arns import Arn, parse_arn
from policy_lint.iam import statements
from policy_lint.inventory.model import Bucket, Inventory, Queue, Trail, Unknown
from policy_lint.inventory.per_run import once_per_run
from policy_lint.inventory.references import (
    arn_like,
    canon,
    is_literal,
    is_symbolic,
    refers_to,
    same_value,
    scope_of,
    text,
)
from policy_lint.inventory.statement_views import views_of_dict

#: A bucket name no pipeline uses: an aws:SourceArn that matches it lets any bucket send.
OTHER_BUCKET = "policy-lint-any-other-bucket"


def partition(inventory: Inventory, *hints: object, region: object = None) -> str | Unknown:
    """The partition the inventory's resources are in: onboarding.yaml's domain, else a literal
    ARN among ``hints``, else the partition of ``region`` (:func:`arn_builder.partition_of`), else the
    account's; Unknown (saying why) when nothing decides it: never a guessed ``aws``."""
    if inventory.config is not None:
        return inventory.config.partition
    for hint in hints:
        parsed = parse_arn(hint) if isinstance(hint, str) else None
        if isinstance(parsed, Arn) and arn_builder.is_literal(
            parsed.partition
        ):  # not arn:${AWS::Partition}:...
            return parsed.partition
    of_region = arn_builder.partition_of(region if isinstance(region, str) else None)
    if isinstance(of_region, str):
        return of_region
    for account in inventory.accounts:
        if is_literal(account.partition):
            return str(account.partition)
    return of_region


def queue_arn(queue: Queue, inventory: Inventory) -> str | Unknown:
    """The queue's ARN (literal or symbolic, as written in the queue's scope); built from its
    parts when the source gave none."""
    if isinstance(queue.arn, str | Unknown):
        return queue.arn
    account = inventory.config.account_id if inventory.config else None
    if account is None:
        account = next((a.account_id for a in inventory.accounts if isinstance(a.account_id, str)), None)
    built = arn_builder.queue_arn(
        partition(inventory, region=queue.region), queue.region, account, queue.name
    )
    return arn_builder.literal_or(built, f"${{{queue.origin.address}.arn}}")


def matches_queue(value: object, queue: Queue, inventory: Inventory, scope: str | None) -> bool:
    """Does ``value`` (an ARN written in ``scope``: a notification, a policy) name this queue?"""
    if not isinstance(value, str):
        return False
    arn = queue_arn(queue, inventory)
    if isinstance(arn, str) and same_value(value, arn, scope, scope_of(queue)):
        return True
    if refers_to(value, queue, "arn", scope):
        return True
    parts = parse_arn(value) if is_literal(value) else None
    if not isinstance(parts, Arn) or parts.service != "sqs":
        return False
    if not is_literal(queue.name) or parts.resource != queue.name:
        return False
    return not (is_literal(queue.region) and queue.region != parts.region)


def matches_bucket_name(value: object, bucket: Bucket, scope: str | None = None) -> bool:
    """Does ``value`` (a trail's bucket written in ``scope``, a configured name) name this bucket?"""
    if not isinstance(value, str):
        return False
    return same_value(value, bucket.name, scope, scope_of(bucket)) or refers_to(value, bucket, "name", scope)


def matches_trail_name(trail: Trail, name: str) -> bool:
    """Does the configured ``name`` name this trail (its name, or the name in its ARN)?"""
    if same_value(trail.name, name):
        return True
    return isinstance(trail.arn, str) and trail.arn.endswith(f":trail/{name}")


def bucket_arn(bucket: Bucket, part: str | Unknown) -> str | None:
    """The bucket's ARN in partition ``part``; the ARN its source gave when the partition is not known."""
    if isinstance(part, str):
        built = arn_builder.bucket_arn(part, bucket.name)
        return built if isinstance(built, str) else None
    return bucket.arn if isinstance(bucket.arn, str) else None


def bucket_arns(bucket: Bucket, part: str | Unknown) -> tuple[str, ...]:
    """Canonical ways the bucket's ARN may be written: from its name in partition ``part``, as its
    source spelled it where that is symbolic (``arn:${AWS::Partition}:s3:::b``), and its own ``.arn``."""
    scope = scope_of(bucket)
    written = [
        bucket_arn(bucket, part),
        bucket.arn if isinstance(bucket.arn, str) and not is_literal(bucket.arn) else None,
        f"${{{bucket.origin.address}.arn}}",
    ]
    return tuple(dict.fromkeys(canon(arn, scope) for arn in written if arn is not None))


def buckets_of_trail(trail: Trail, inventory: Inventory) -> list[Bucket]:
    """The buckets the trail writes to."""
    return [b for b in inventory.buckets if matches_bucket_name(trail.bucket, b, scope_of(trail))]


def trails_of_bucket(bucket: Bucket, inventory: Inventory) -> list[Trail]:
    """The trails that write to the bucket."""
    return [t for t in inventory.trails if matches_bucket_name(t.bucket, bucket, scope_of(t))]


def notifies(bucket: Bucket, queue: Queue, inventory: Inventory) -> bool:
    """Does one of the bucket's notifications name the queue?"""
    notes = bucket.notifications
    return isinstance(notes, list) and any(
        matches_queue(n.queue_arn, queue, inventory, scope_of(bucket)) for n in notes
    )


def buckets_notifying(queue: Queue, inventory: Inventory) -> list[Bucket]:
    """The buckets that notify the queue (each queue's found once per run: rules ask it again)."""
    found = once_per_run(
        inventory,
        f"buckets notifying {id(queue)}",
        lambda: [b for b in inventory.buckets if notifies(b, queue, inventory)],
    )
    return list(found)


def notified_queues(bucket: Bucket, inventory: Inventory) -> list[Queue]:
    """The queues the bucket notifies."""
    return [q for q in inventory.queues if notifies(bucket, q, inventory)]


def other_bucket_arn(part: str | Unknown, spellings: list[str]) -> str:
    """The ARN of a bucket no pipeline uses, in partition ``part`` (an aws:SourceArn that matches it
    lets any bucket send); where the partition is not known, spelled like the bucket's own ARN."""
    if isinstance(part, str):
        return arn_builder.literal_or(arn_builder.bucket_arn(part, OTHER_BUCKET), OTHER_BUCKET)
    own = next((p for p in map(parse_arn, spellings) if isinstance(p, Arn) and p.service == "s3"), None)
    return f"arn:{own.partition}:s3:::{OTHER_BUCKET}" if own is not None else OTHER_BUCKET


def s3_send_verdict(
    queue: Queue, inventory: Inventory, spellings: list[str], part: str | Unknown
) -> statements.S3SendVerdict:
    """What the queue's policy says about S3 sending to it from the buckets spelled ``spellings``
    (ARNs in partition ``part``), each policy value read in the queue's scope (AWS-S3-SEND-POLICY)."""
    return _S3SendQuestion(queue, inventory).verdict(spellings, part)


class _S3SendQuestion:
    """One queue's policy, read once, asked about many buckets: its statements and which of its
    Resource values name the queue do not depend on the bucket (a queue is asked about every
    bucket of the inventory when the pipeline is looked for)."""

    def __init__(self, queue: Queue, inventory: Inventory) -> None:
        self.queue = queue
        self.inventory = inventory
        self.scope = scope_of(queue)
        self.arn = queue_arn(queue, inventory)
        self.views = views_of_dict(queue.policy)
        self.named: dict[str, bool] = {}

    def is_queue(self, resource: str) -> bool:
        if resource not in self.named:
            arn, scope = self.arn, self.scope
            self.named[resource] = matches_queue(resource, self.queue, self.inventory, scope) or (
                isinstance(arn, str) and arn_like(resource, arn, scope, scope)
            )
        return self.named[resource]

    def written(self, value: str) -> str:
        return canon(value, self.scope)

    def verdict(self, spellings: list[str], part: str | Unknown) -> statements.S3SendVerdict:
        return statements.s3_may_send(
            self.views,
            self.is_queue,
            spellings,
            other_bucket=other_bucket_arn(part, spellings),
            written=self.written,
            unresolved=is_symbolic,
        )


def queue_partition(queue: Queue, inventory: Inventory) -> str | Unknown:
    """The partition the queue (and the buckets that send to it) are in."""
    return partition(inventory, text(queue.arn), region=queue.region)


def buckets_allowed_to_send(queue: Queue, inventory: Inventory) -> list[Bucket]:
    """The buckets the queue's policy lets S3 send from: its aws:SourceArn names them. A pattern
    that lets any bucket in names none of them, so it links nothing."""
    if not isinstance(queue.policy, dict):
        return []
    part = queue_partition(queue, inventory)
    question = _S3SendQuestion(queue, inventory)
    about_any = question.verdict([], part)
    if about_any.denied or not about_any.source_arns:
        return []  # no aws:SourceArn for S3 to match, or S3 denied outright: no bucket, whichever it is
    found = []
    for bucket in inventory.buckets:
        sends = question.verdict(list(bucket_arns(bucket, part)), part)
        if sends.matched is not None and not sends.any_bucket and not sends.denied:
            found.append(bucket)
    return found


def buckets_linked_to(queue: Queue, inventory: Inventory) -> list[Bucket]:
    """The buckets that notify the queue, then those its policy lets S3 send from: the audit
    pipeline is found from the queue's end even when the notification is missing."""

    def linked() -> list[Bucket]:
        notifying = buckets_notifying(queue, inventory)
        notifying_ids = {id(n) for n in notifying}
        return notifying + [
            b for b in buckets_allowed_to_send(queue, inventory) if id(b) not in notifying_ids
        ]

    return list(once_per_run(inventory, f"buckets linked to {id(queue)}", linked))


class QueueLinks:
    """The queues each bucket of one inventory notifies, or whose policy lets S3 send from it.
    Each queue's linked buckets are worked out once (on first use), not once per bucket asked about."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._by_bucket: dict[int, list[Queue]] | None = None

    @classmethod
    def of(cls, inventory: Inventory) -> QueueLinks:
        """The inventory's links, shared by the rules of one run."""
        return once_per_run(inventory, "queue links", lambda: cls(inventory))

    def queues_of(self, bucket: Bucket) -> list[Queue]:
        """The queues linked to the bucket, in the inventory's order (an index built on first use:
        asking about every bucket is then linear, not buckets x queues x links)."""
        if self._by_bucket is None:
            self._by_bucket = {}
            for queue in self.inventory.queues:
                for linked in {id(b): b for b in buckets_linked_to(queue, self.inventory)}:
                    self._by_bucket.setdefault(linked, []).append(queue)
        return list(self._by_bucket.get(id(bucket), ()))
