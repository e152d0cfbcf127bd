"""Which trail, bucket and queue are the onboarding's audit-log pipeline (the OB2/OB3 rules judge only these).

An inventory holds every resource of the inputs. The pipeline is identified (and documented in
docs/rules.md through the rules' rationale) as:

* **the audit trail**: ``audit_log.trail``, else the trails writing to ``audit_log.bucket``, else
  (with an audit_log) the trails writing to a bucket linked to the configured queue: the bucket
  notifies it, or the queue's policy lets S3 send from it (aws:SourceArn), so the pipeline is
  found even when the notification is missing; without an audit_log, the trails writing to a
  bucket linked so to a queue (then a trail linked to no queue is not the audit trail), else
  every trail.
* **the audit bucket**: ``audit_log.bucket``, else the buckets the audit trails write to, plus
  the buckets notifying an audit queue.
* **the audit queue**: the queue named ``audit_log.queue_name``; without an audit_log, the
  queues linked to the trails' buckets, else the queues any bucket notifies, else the queues whose
  policy lets s3.amazonaws.com send to them (a queue nothing links to S3 is not judged).

How a value names a resource is the inventory's business (:mod:`policy_lint.inventory.links`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from policy_lint.iam import statements
from policy_lint.iam.statements import S3_SERVICE
from policy_lint.inventory.links import (
    QueueLinks,
    buckets_linked_to,
    buckets_notifying,
    buckets_of_trail,
    matches_bucket_name,
    matches_trail_name,
    notified_queues,
    queue_arn,
)
from policy_lint.inventory.model import Bucket, Inventory, Queue, Trail, Unknown
from policy_lint.inventory.per_run import once_per_run
from policy_lint.inventory.references import same_value, scope_of
from policy_lint.inventory.statement_views import views_of_dict
from policy_lint.onboarding.config import AuditLogConfig

T = TypeVar("T")


@dataclass(frozen=True)
class Pipeline:
    """The audit-log resources of an inventory, identified once per rule run (and shared by every
    rule of the run, so nothing here can be changed by one of them)."""

    trails: tuple[Trail, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    queues: tuple[Queue, ...] = ()

    @property
    def empty(self) -> bool:
        """None of the pipeline is there: one result says so (OB307), not one per missing part."""
        return not (self.trails or self.buckets or self.queues)


def audit_config(inventory: Inventory) -> AuditLogConfig | None:
    return inventory.config.audit_log if inventory.config is not None else None


def pipeline_in_scope(inventory: Inventory) -> bool:
    """OB2/OB3 rules run with an audit_log configured, without a configuration, or when the
    inputs declare a trail or a queue (the pipeline is optional, GUIDE-PIPELINE-OPTIONAL)."""
    if not inventory.describes_infrastructure():
        return False
    if audit_config(inventory) is not None or inventory.config is None:
        return True
    return bool(inventory.trails or inventory.queues)


def _unique(items: Iterable[T]) -> list[T]:
    seen: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _writes_to_one_of(trail: Trail, buckets: list[Bucket]) -> bool:
    return any(matches_bucket_name(trail.bucket, b, scope_of(trail)) for b in buckets)


def _configured(inventory: Inventory, cfg: AuditLogConfig) -> Pipeline:
    queues = [q for q in inventory.queues if same_value(q.name, cfg.queue_name)]
    buckets = [b for b in inventory.buckets if matches_bucket_name(cfg.bucket, b)] if cfg.bucket else []
    linked = [b for q in queues for b in buckets_linked_to(q, inventory)]
    if cfg.trail:
        trails = [t for t in inventory.trails if matches_trail_name(t, cfg.trail)]
    elif cfg.bucket:
        trails = [t for t in inventory.trails if isinstance(t.bucket, str) and t.bucket == cfg.bucket]
        trails += [t for t in inventory.trails if _writes_to_one_of(t, buckets)]
    else:
        trails = [t for t in inventory.trails if _writes_to_one_of(t, linked)]
    trails = _unique(trails)
    buckets += [b for t in trails for b in buckets_of_trail(t, inventory)]
    buckets += [b for q in queues for b in buckets_notifying(q, inventory)]
    return Pipeline(tuple(trails), tuple(_unique(buckets)), tuple(queues))


def trail_links(inventory: Inventory) -> Iterator[tuple[Trail, Bucket, Queue]]:
    """Every trail -> bucket -> queue chain: the trail writes to the bucket, and the bucket
    notifies the queue or the queue's policy lets S3 send from it. Lazily: there are trails x
    buckets x queues of them where many configurations name the same bucket, and a caller that
    needs one (is there a pipeline?) stops at the first."""
    links = QueueLinks.of(inventory)
    for t in inventory.trails:
        for b in buckets_of_trail(t, inventory):
            for q in links.queues_of(b):
                yield t, b, q


def _linked_trails_and_queues(inventory: Inventory) -> tuple[list[Trail], list[Queue]]:
    """The trails of :func:`trail_links` and their queues, each once, in the order the chains
    give them, without going through every chain (a bucket's queues are taken once)."""
    links = QueueLinks.of(inventory)
    trails: list[Trail] = []
    queues: list[Queue] = []
    seen_buckets: set[int] = set()
    for t in inventory.trails:
        for b in buckets_of_trail(t, inventory):
            linked = links.queues_of(b)
            if linked and (not trails or trails[-1] is not t):
                trails.append(t)
            if id(b) not in seen_buckets:
                seen_buckets.add(id(b))
                queues += linked
    return _unique(trails), _unique(queues)


def _linked(inventory: Inventory) -> Pipeline:
    """Without a configuration: the trails whose bucket is linked to a queue (the bucket notifies
    it, or the queue's policy lets S3 send from it), their buckets and those queues; a trail linked
    to no queue is then not the audit trail. Without any such link, every trail (so a broken link
    is reported), and the queues S3 notifies, else those whose policy admits S3."""
    trails, queues = _linked_trails_and_queues(inventory)
    if not trails:
        trails = list(inventory.trails)
        queues = _unique(q for b in inventory.buckets for q in notified_queues(b, inventory))
        if not queues:
            queues = [
                q for q in inventory.queues if statements.names_service(views_of_dict(q.policy), S3_SERVICE)
            ]
    buckets = [b for t in trails for b in buckets_of_trail(t, inventory)]
    buckets += [b for q in queues for b in buckets_notifying(q, inventory)]
    return Pipeline(tuple(trails), tuple(_unique(buckets)), tuple(queues))


def pipeline(inventory: Inventory) -> Pipeline:
    """Identify the audit trail(s), bucket(s) and queue(s) (heuristic in the module docstring)."""
    cfg = audit_config(inventory)
    if cfg is not None:
        return once_per_run(inventory, "pipeline", lambda: _configured(inventory, cfg))
    return once_per_run(inventory, "pipeline", lambda: _linked(inventory))


def audit_queue_arns(inventory: Inventory, found: Pipeline) -> list[tuple[Queue | None, str | Unknown]]:
    """ARNs of the audit queues; the configured one when it is not declared (needs account_id)."""
    if found.queues:
        return [(q, queue_arn(q, inventory)) for q in found.queues]
    config = inventory.config
    if config is not None and config.queue_arn is not None:
        return [(None, config.queue_arn)]
    return []
