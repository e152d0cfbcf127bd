"""OB309: is anything consuming the audit-log queue? A live fact (AWS-SQS-QUEUE-AGE).

Messages waiting (the queue attribute ``ApproximateNumberOfMessages``) whose oldest has waited
longer than :data:`BACKLOG_AGE_SECONDS` (the CloudWatch metric ``ApproximateAgeOfOldestMessage``)
mean the consumer, Security Center, is not receiving them; at SQS's default retention of four
days they are then deleted unread. Planned input cannot hold a backlog: the rule judges only
queues read from an account.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy_lint.checks import verdicts
from policy_lint.checks.onboarding.pipeline import pipeline, pipeline_in_scope
from policy_lint.core.findings import Level
from policy_lint.inventory.model import Inventory, Queue, Unknown
from policy_lint.inventory.names import display_name
from policy_lint.rules.registry import Result, RuleGroup

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

#: 24 hours: longer than any polling or daily sync interval, so a live consumer never trips it, and a
#: quarter of SQS's default retention (4 days), so three days remain to act before messages expire.
BACKLOG_AGE_SECONDS = 24 * 3600


@inventory_rule(
    id="OB309",
    name="queue-consumed",
    level=Level.WARNING,
    title="Something is consuming the audit-log queue",
    rationale="Security Center receives the S3 notifications from the audit-log queue. Messages waiting "
    f"(ApproximateNumberOfMessages above 0) whose oldest is older than {BACKLOG_AGE_SECONDS // 3600} hours "
    "(CloudWatch ApproximateAgeOfOldestMessage) mean nothing is receiving them, and SQS deletes them unread "
    "when the retention period (4 days by default) ends (AWS-SQS-QUEUE-AGE, AWS-SQS-BACKLOG). Live only: a planned queue has no "
    "messages. Without cloudwatch:GetMetricData, a queue holding messages is unknown.",
    remediation="Check that Security Center's audit log sync is on and its key may call sqs:ReceiveMessage and "
    "sqs:DeleteMessage on the queue (OB106); purge the backlog only after the consumer works again.",
    references=(
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html",
    ),
    features=("cspm", "agentless"),
    plans=("manual",),
)
def queue_consumed(inventory: Inventory) -> Iterator[Result]:
    if not pipeline_in_scope(inventory):
        return
    for queue in pipeline(inventory).queues:
        if queue.origin.observed:
            yield _backlog_result(queue)


def _backlog_result(queue: Queue) -> Result:
    name = display_name(queue.name, queue)
    resource, where = verdicts.resource_id(queue), verdicts.location(queue)
    waiting, age = queue.waiting_messages, queue.oldest_message_age
    if isinstance(waiting, Unknown):
        return verdicts.unknown(resource, f"messages waiting in {name}", waiting, where)
    if not waiting:
        return verdicts.passed(resource, f"no message waits in queue {name}", where, waiting_messages=0)
    evidence: dict[str, Any] = {"waiting_messages": waiting, "threshold_seconds": BACKLOG_AGE_SECONDS}
    if isinstance(age, Unknown):
        return verdicts.unknown(
            resource, f"age of the oldest of {waiting} messages in {name}", age, where, evidence
        )
    if age is None:
        return verdicts.undecided(
            resource,
            f"{waiting} messages wait in queue {name}, and CloudWatch has no ApproximateAgeOfOldestMessage "
            "datapoint in the last hour to tell how long",
            where,
            evidence,
        )
    evidence["oldest_message_age_seconds"] = age
    if age >= BACKLOG_AGE_SECONDS:
        return verdicts.failed(
            resource,
            f"{waiting} messages wait in queue {name}, the oldest for {_hours(age)}: nothing appears to "
            "consume the queue",
            where,
            evidence,
        )
    return verdicts.passed(
        resource,
        f"queue {name} is being consumed: {waiting} messages wait, the oldest for {_hours(age)}",
        where,
        evidence,
    )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"
