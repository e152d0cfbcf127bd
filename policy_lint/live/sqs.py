"""SQS queues of every collected region with the attributes the rules read (AWS-SQS-EXISTS, AWS-S3-NO-FIFO, AWS-S3-SEND-POLICY, AWS-SQS-KMS, AWS-SQS-QUEUE-AGE)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Maybe, Queue, Unknown
from policy_lint.live.api import Api, Failure, observed, run_all


def list_queue_urls(api: Api, region: str) -> list[str] | Failure:
    # MaxResults makes ListQueues paginate; without it AWS returns at most 1,000 URLs.
    return api.paginate("sqs", "ListQueues", "QueueUrls", region=region, about=region, MaxResults=1000)


def collect_queue(api: Api, region: str, url: str) -> Queue:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    arn = arn_builder.literal_or(arn_builder.queue_arn(api.partition, region, api.account_id, name), url)
    queue = Queue(observed(arn, region), name=name, arn=arn, region=region)
    reply = api.call(
        "sqs", "GetQueueAttributes", region=region, about=arn, QueueUrl=url, AttributeNames=["All"]
    )
    if isinstance(reply, Failure):
        unknown = reply.unknown()
        queue.fifo = queue.policy = queue.kms_key_id = queue.sqs_managed_sse = unknown
        queue.waiting_messages = unknown
        return queue
    attributes: dict[str, str] = reply.get("Attributes", {})
    queue.arn = attributes.get("QueueArn", arn)
    queue.origin = observed(str(queue.arn), region)
    queue.fifo = attributes.get("FifoQueue", "false").lower() == "true"
    queue.policy = parse_policy(attributes.get("Policy"), f"queue policy of {queue.arn}")
    queue.kms_key_id = attributes.get("KmsMasterKeyId") or None
    queue.sqs_managed_sse = attributes.get("SqsManagedSseEnabled", "false").lower() == "true"
    queue.waiting_messages = _count(attributes.get("ApproximateNumberOfMessages"), queue.arn)
    return queue


def _count(text: str | None, arn: str) -> Maybe[int | None]:
    """``ApproximateNumberOfMessages``, a decimal string (AWS-SQS-QUEUE-AGE)."""
    if text is None:
        return Unknown(f"GetQueueAttributes of {arn} has no ApproximateNumberOfMessages")
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return Unknown(
            f"malformed response from sqs:GetQueueAttributes: ApproximateNumberOfMessages {text[:20]!r}"
        )
    return int(text)


def parse_policy(text: str | None, what: str) -> Maybe[dict[str, Any] | None]:
    """A policy attribute is a JSON *string* (AWS-S3-SEND-POLICY); None when there is no policy."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to read
        return Unknown(f"{what} is not valid JSON: {type(exc).__name__}: {str(exc)[:200]}")
    return document if isinstance(document, dict) else Unknown(f"{what} is not a JSON object")


def collect_queues(
    api: Api, regions: list[str], pool: Executor, progress: Callable[[str], None]
) -> tuple[list[Queue], bool]:
    """Every queue of ``regions``, and whether every region could be listed."""
    listed = run_all(pool, [partial(list_queue_urls, api, r) for r in regions], progress, "queue lists")
    jobs: list[Callable[[], Queue]] = []
    complete = True
    for region, urls in zip(regions, listed, strict=True):
        if isinstance(urls, Failure):
            complete = False
            continue
        jobs.extend(partial(collect_queue, api, region, u) for u in sorted(urls))
    return run_all(pool, jobs, progress, "queues"), complete


_BUCKET_ARN = re.compile(r"^arn:[^:]+:s3:[^:]*:[^:]*:([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")


def source_buckets(queues: Iterable[Queue]) -> set[str]:
    """Bucket names a queue policy lets publish (``aws:SourceArn`` without wildcards in the name):
    the buckets whose notifications may target these queues."""
    names: set[str] = set()
    for queue in queues:
        if not isinstance(queue.policy, dict):
            continue
        statements = queue.policy.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if not isinstance(statement, dict):
                continue
            condition = statement.get("Condition")
            for operator in condition.values() if isinstance(condition, dict) else ():
                if not isinstance(operator, dict):
                    continue
                for key, values in operator.items():
                    if key.lower() != "aws:sourcearn":
                        continue
                    for value in values if isinstance(values, list) else [values]:
                        match = _BUCKET_ARN.match(str(value))
                        if match:
                            names.add(match.group(1))
    return names
