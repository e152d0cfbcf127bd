"""CloudFormation ``AWS::Organizations::Policy`` into the inventory: an SCP or RCP to lint at its ``Content``."""

from __future__ import annotations

from policy_lint.inventory.model import OrganizationPolicy, Unknown
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import link_text, literal_text, required_document
from policy_lint.syntax.nodes import ObjectNode


def map_organization_policy(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    kind = literal_text(props.get("Type"), "Organizations policy Type")
    policy = OrganizationPolicy(
        stack.origin(logical_id, offset),
        name=link_text(props.get("Name")) or logical_id,
        type=kind if kind is not None else Unknown("AWS::Organizations::Policy without Type"),
        document=required_document(props.get("Content")),
    )
    stack.prop_origin(policy, "document", props, "Content")
    stack.add("organization_policy", logical_id, policy)
