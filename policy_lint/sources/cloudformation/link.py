"""Fold the attachments of every template of one ``load`` into the resources they target.

A queue policy, bucket policy, policy attachment, access key, group membership or ingress rule
is its own resource in CloudFormation; the inventory holds it on its target. Targets are found
after every template is read, so a template may attach a policy to a user another template
declares by literal name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policy_lint.inventory.model import Inventory, Resource
from policy_lint.sources.cloudformation.intrinsics import intrinsic, text_of
from policy_lint.sources.cloudformation.stack import Attachment, Stack
from policy_lint.sources.cloudformation.values import link_value
from policy_lint.syntax.nodes import ArrayNode, ScalarNode


@dataclass
class Linker:
    """The stacks of one ``load``: their attachments are folded once all are read."""

    stacks: list[Stack] = field(default_factory=list)

    def link(self) -> None:
        for stack in self.stacks:
            for attachment in stack.attachments:
                target = self._find(attachment)
                if target is not None:
                    attachment.apply(target)

    def _find(self, attachment: Attachment) -> Resource | None:
        stack = attachment.stack
        found = intrinsic(attachment.target)
        if found is not None and found[0] in ("Ref", "Fn::GetAtt"):
            arg = found[1]
            name = (
                arg.value
                if isinstance(arg, ScalarNode)
                else text_of(arg.items[0])
                if isinstance(arg, ArrayNode) and arg.items
                else None
            )
            if isinstance(name, str):
                logical_id = name.split(".", 1)[0]
                if logical_id in stack.objects.get(attachment.kind, {}):
                    return stack.objects[attachment.kind][logical_id]
                if logical_id in stack.template.resources:
                    if logical_id not in stack.skipped:
                        stack.late_warn(
                            f"{attachment.what} targets {logical_id}, which is not a mapped resource",
                            attachment.offset,
                        )
                    return None
        value = link_value(text_of(stack.resolver.resolve(attachment.target)))
        if isinstance(value, str):  # a literal, or symbolic text the target also carries
            for other in self.stacks:
                for resource in other.objects.get(attachment.kind, {}).values():
                    if value in other.names_of(resource):
                        return resource
        shown = value if isinstance(value, str) else value.reason
        stack.late_warn(
            f"{attachment.what} targets {shown}, which is not declared in the templates checked; "
            "it is not folded into any resource",
            attachment.offset,
        )
        return None

    def publish(self, inventory: Inventory) -> None:
        for stack in self.stacks:
            for kind, objects in stack.objects.items():
                target: list[Any] = getattr(inventory, _INVENTORY_LISTS[kind])
                target.extend(objects.values())


_INVENTORY_LISTS = {
    "user": "users",
    "group": "groups",
    "role": "roles",
    "policy": "policies",
    "organization_policy": "organization_policies",
    "trail": "trails",
    "bucket": "buckets",
    "queue": "queues",
    "security_group": "security_groups",
    "rest_api": "rest_apis",
}
