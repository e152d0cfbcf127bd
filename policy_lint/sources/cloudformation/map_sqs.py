"""CloudFormation SQS resources into the inventory: queues (encryption, FIFO) and queue policies,
folded into every queue they name by :mod:`cfn_link`."""

from __future__ import annotations

from policy_lint.inventory.model import Queue, Resource
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import boolean, given, link_text, link_value, required_document
from policy_lint.syntax.nodes import ObjectNode


def map_queue(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = link_value(stack.symbols.queue_name(logical_id))
    kms = link_text(props.get("KmsMasterKeyId"))
    sse = props.get("SqsManagedSseEnabled")
    queue = Queue(
        stack.origin(logical_id, offset),
        name=name,
        arn=link_value(stack.symbols.queue_arn(logical_id)),
        region=stack.stack_region(),
        fifo=boolean(props.get("FifoQueue"), False, "FifoQueue"),
        kms_key_id=given(kms, None),
        # SQS encrypts new queues with SSE-SQS unless a KMS key is given or it is turned off.
        sqs_managed_sse=boolean(sse, kms is None, "SqsManagedSseEnabled"),
    )
    for attribute, prop in (
        ("name", "QueueName"),
        ("fifo", "FifoQueue"),
        ("kms_key_id", "KmsMasterKeyId"),
        ("sqs_managed_sse", "SqsManagedSseEnabled"),
    ):
        stack.prop_origin(queue, attribute, props, prop)
    url = stack.symbols.queue_url(logical_id)
    stack.add(
        "queue",
        logical_id,
        queue,
        name,
        queue.arn if isinstance(queue.arn, str) else None,
        url if isinstance(url, str) else None,
    )


def map_queue_policy(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    document = required_document(props.get("PolicyDocument"))

    def fold(queue: Resource) -> None:
        assert isinstance(queue, Queue)
        queue.policy = document
        stack.attr_origin(queue, "policy", stack.property_key(logical_id, "PolicyDocument"), logical_id)

    targets = stack.raw_targets(logical_id, "Queues", props.get("Queues"))
    if not targets:
        stack.warn(f"{logical_id}: AWS::SQS::QueuePolicy without Queues", offset)
    for target in targets:
        stack.attach("queue", target, fold, f"{logical_id}.Queues")
