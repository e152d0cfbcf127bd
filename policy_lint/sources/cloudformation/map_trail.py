"""CloudFormation ``AWS::CloudTrail::Trail`` into the inventory; what it logs is summarised by
:func:`policy_lint.inventory.cloudtrail.summarize`, the one summariser every source uses."""

from __future__ import annotations

from policy_lint.inventory.cloudtrail import summarize
from policy_lint.inventory.model import Trail, Unknown
from policy_lint.sources.cloudformation.event_selectors import event_selectors
from policy_lint.sources.cloudformation.intrinsics import Resolver
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import boolean, given, link_text, link_value
from policy_lint.syntax.nodes import ObjectNode


def map_trail(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("TrailName")), Resolver.default_ref(logical_id).text)
    prefix = link_text(props.get("S3KeyPrefix"))
    kms = link_text(props.get("KMSKeyId"))
    logging = props.get("IsLogging")
    trail = Trail(
        stack.origin(logical_id, offset),
        name=name,
        arn=link_value(stack.symbols.attr(logical_id, "Arn")),
        home_region=stack.stack_region(),
        multi_region=boolean(props.get("IsMultiRegionTrail"), False, "IsMultiRegionTrail"),
        logging=boolean(logging, Unknown("IsLogging is required by CloudFormation but missing"), "IsLogging"),
        bucket=given(link_text(props.get("S3BucketName")), Unknown("S3BucketName is missing")),
        s3_key_prefix=given(prefix, None),
        kms_key_id=given(kms, None),
        log_file_validation=boolean(props.get("EnableLogFileValidation"), False, "EnableLogFileValidation"),
        include_global_events=boolean(
            props.get("IncludeGlobalServiceEvents"), True, "IncludeGlobalServiceEvents"
        ),
        events=summarize(event_selectors(props.get("EventSelectors"), props.get("AdvancedEventSelectors"))),
    )
    for attribute, prop in (
        ("name", "TrailName"),
        ("multi_region", "IsMultiRegionTrail"),
        ("logging", "IsLogging"),
        ("bucket", "S3BucketName"),
        ("s3_key_prefix", "S3KeyPrefix"),
        ("kms_key_id", "KMSKeyId"),
        ("log_file_validation", "EnableLogFileValidation"),
        ("include_global_events", "IncludeGlobalServiceEvents"),
        ("events", "EventSelectors"),
        ("events", "AdvancedEventSelectors"),
    ):
        stack.prop_origin(trail, attribute, props, prop)
    stack.add("trail", logical_id, trail, name)
