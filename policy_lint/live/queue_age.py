"""How long the oldest message of each non-empty queue has waited: the CloudWatch metric
``AWS/SQS ApproximateAgeOfOldestMessage`` through ``cloudwatch:GetMetricData`` (AWS-SQS-QUEUE-AGE).

Only queues with messages waiting are asked (an empty queue has no backlog to age), in one
GetMetricData per region for up to 500 queues, the most the call accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from policy_lint.inventory.model import Queue
from policy_lint.live.api import Api, Failure, run_all

#: GetMetricData takes at most 500 queries per call
BATCH = 500
#: the window read: SQS publishes its metrics every minute for a queue that holds messages
WINDOW = timedelta(hours=1)
PERIOD_SECONDS = 300


def read_oldest_ages(
    api: Api, queues: Iterable[Queue], pool: Executor, progress: Callable[[str], None]
) -> None:
    """Fill ``oldest_message_age`` of every queue with messages waiting; a refused call leaves it
    unknown, naming cloudwatch:GetMetricData."""
    by_region: dict[str, list[Queue]] = {}
    for queue in queues:
        count = queue.waiting_messages
        if (
            isinstance(count, int)
            and count > 0
            and isinstance(queue.region, str)
            and isinstance(queue.name, str)
        ):
            by_region.setdefault(queue.region, []).append(queue)
    jobs = [
        partial(_read_batch, api, region, batch[i : i + BATCH])
        for region, batch in sorted(by_region.items())
        for i in range(0, len(batch), BATCH)
    ]
    run_all(pool, jobs, progress, "queue backlogs")


def _read_batch(api: Api, region: str, queues: list[Queue]) -> None:
    # the next whole minute: the newest datapoint, whatever second it carries, is inside the window
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
    reply = api.paginate(
        "cloudwatch",
        "GetMetricData",
        "MetricDataResults",
        region=region,
        about=region,
        MetricDataQueries=[_query(f"q{i}", str(q.name)) for i, q in enumerate(queues)],
        StartTime=end - WINDOW,
        EndTime=end,
        ScanBy="TimestampDescending",
    )
    if isinstance(reply, Failure):
        for queue in queues:
            queue.oldest_message_age = reply.unknown()
        return
    latest: dict[str, float] = {}
    for result in reply:
        values = result.get("Values") or []
        if values and result.get("Id") not in latest:
            latest[str(result.get("Id"))] = float(values[0])  # newest first (TimestampDescending)
    for i, queue in enumerate(queues):
        queue.oldest_message_age = latest.get(f"q{i}")


def _query(query_id: str, queue_name: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
            },
            "Period": PERIOD_SECONDS,
            "Stat": "Maximum",
        },
        "ReturnData": True,
    }
