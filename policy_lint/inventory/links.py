"""Which resource a value names: a trail's bucket, a notification's queue, a policy's ARN.

A value names a resource by its literal name or ARN, or by a reference to it written in the
same scope (:mod:`policy_lint.inventory.references`). ARNs are built by
:mod:`policy_lint.catalog.arn_builder`, in the partition :func:`partition` finds, never a guessed one.
"""

from __future__ import annotations

from policy_lint.catalog import arn_builder
from policy_lint.catalog.arns import Arn, parse_arn
from policy_lint.inventory.model import Bucket, Inventory, Queue, Trail, Unknown
from policy_lint.inventory.references import canon, is_literal, refers_to, same_value, scope_of


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
    """The buckets that notify the queue."""
    return [b for b in inventory.buckets if notifies(b, queue, inventory)]


def notified_queues(bucket: Bucket, inventory: Inventory) -> list[Queue]:
    """The queues the bucket notifies."""
    return [q for q in inventory.queues if notifies(bucket, q, inventory)]
