"""CloudFormation S3 resources into the inventory: buckets (encryption, notifications, public
access block) and bucket policies, folded into their bucket by :mod:`cfn_link`."""

from __future__ import annotations

from policy_lint.inventory.model import Bucket, Maybe, QueueNotification, Resource, Unknown
from policy_lint.sources.cloudformation.intrinsics import Resolver, UnknownNode
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import (
    boolean,
    given,
    link_text,
    link_value,
    list_items,
    literal_text,
    mapping,
    required_document,
)
from policy_lint.syntax.nodes import Node, ObjectNode

_PUBLIC_ACCESS_KEYS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def map_bucket(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("BucketName")), Resolver.default_ref(logical_id).text)
    bucket = Bucket(
        stack.origin(logical_id, offset),
        name=name,
        region=stack.stack_region(),
        owner_account=stack.account_id or Unknown("the stack's account is not known; pass --account-id"),
    )
    _bucket_encryption(bucket, mapping(props.get("BucketEncryption")))
    notification = mapping(props.get("NotificationConfiguration"))
    if notification is not None:
        _bucket_notifications(stack, bucket, notification)
    block = props.get("PublicAccessBlockConfiguration")
    if isinstance(block, ObjectNode):
        flags: dict[str, bool] = {}
        for key in _PUBLIC_ACCESS_KEYS:
            value = boolean(block.get(key), False, key)
            if isinstance(value, Unknown):
                bucket.public_access_block = value
                break
            flags[key] = value
        else:
            bucket.public_access_block = flags
    elif isinstance(block, UnknownNode):
        bucket.public_access_block = Unknown(f"PublicAccessBlockConfiguration: {block.unknown.reason}")
    for attribute, prop in (
        ("name", "BucketName"),
        ("encryption", "BucketEncryption"),
        ("notifications", "NotificationConfiguration"),
        ("public_access_block", "PublicAccessBlockConfiguration"),
    ):
        stack.prop_origin(bucket, attribute, props, prop)
    bucket.arn = link_value(stack.symbols.attr(logical_id, "Arn"))
    stack.add("bucket", logical_id, bucket, name, bucket.arn if isinstance(bucket.arn, str) else None)


def _bucket_encryption(bucket: Bucket, encryption: ObjectNode | None) -> None:
    if encryption is None:
        return  # no configuration: SSE-S3, the default since 2023 (AWS-S3-DEFAULT-SSE)
    rules = list_items(encryption.get("ServerSideEncryptionConfiguration"))
    if isinstance(rules, Unknown):
        bucket.encryption = Unknown(f"ServerSideEncryptionConfiguration: {rules.reason}")
        return
    for rule in rules:
        default = mapping(rule.get("ServerSideEncryptionByDefault")) if isinstance(rule, ObjectNode) else None
        if default is None:
            continue
        algorithm = literal_text(default.get("SSEAlgorithm"), "SSEAlgorithm")
        bucket.encryption = algorithm if algorithm is not None else Unknown("SSEAlgorithm is missing")
        bucket.kms_key_id = link_text(default.get("KMSMasterKeyID"))


def _bucket_notifications(stack: Stack, bucket: Bucket, notification: ObjectNode) -> None:
    eventbridge = mapping(notification.get("EventBridgeConfiguration"))
    if eventbridge is not None:
        bucket.eventbridge = boolean(eventbridge.get("EventBridgeEnabled"), True, "EventBridgeEnabled")
        stack.attr_origin(bucket, "eventbridge", eventbridge)
    configurations = list_items(notification.get("QueueConfigurations"))
    if isinstance(configurations, Unknown):
        bucket.notifications = Unknown(f"QueueConfigurations: {configurations.reason}")
        return
    entries: list[QueueNotification] = []
    for entry in configurations:
        if not isinstance(entry, ObjectNode):
            bucket.notifications = Unknown(f"a queue configuration is {entry.described}")
            return
        event = literal_text(entry.get("Event"), "Event")
        prefix: Maybe[str | None] = None
        suffix: Maybe[str | None] = None
        rules = list_items(_s3_key_rules(entry))
        if isinstance(rules, Unknown):
            prefix = suffix = Unknown(f"Filter: {rules.reason}")
        else:
            for rule in rules:
                rule_name = (
                    literal_text(rule.get("Name"), "Filter rule Name")
                    if isinstance(rule, ObjectNode)
                    else None
                )
                value = link_text(rule.get("Value")) if isinstance(rule, ObjectNode) else None
                if isinstance(rule_name, str) and rule_name.lower() == "prefix":
                    prefix = value
                elif isinstance(rule_name, str) and rule_name.lower() == "suffix":
                    suffix = value
        entries.append(
            QueueNotification(
                queue_arn=given(link_text(entry.get("Queue")), Unknown("Queue is missing")),
                events=Unknown(event.reason) if isinstance(event, Unknown) else (event,) if event else (),
                prefix=prefix,
                suffix=suffix,
                origin=stack.origin(bucket.origin.address, entry.offset),
            )
        )
    bucket.notifications = entries


def _s3_key_rules(entry: ObjectNode) -> Node | None:
    filter_node = entry.get("Filter")
    key = filter_node.get("S3Key") if isinstance(filter_node, ObjectNode) else None
    return key.get("Rules") if isinstance(key, ObjectNode) else None


def map_bucket_policy(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    document = required_document(props.get("PolicyDocument"))
    target = stack.raw_property(logical_id, "Bucket")
    if target is None:
        stack.warn(f"{logical_id}: AWS::S3::BucketPolicy without Bucket", offset)
        return

    def fold(bucket: Resource) -> None:
        assert isinstance(bucket, Bucket)
        bucket.policy = document
        stack.attr_origin(bucket, "policy", stack.property_key(logical_id, "PolicyDocument"), logical_id)

    stack.attach("bucket", target, fold, f"{logical_id}.Bucket")
