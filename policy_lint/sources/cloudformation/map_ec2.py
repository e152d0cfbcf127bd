"""CloudFormation EC2 security groups into the inventory, with their inline ingress rules and the
``AWS::EC2::SecurityGroupIngress`` resources folded in by :mod:`cfn_link`."""

from __future__ import annotations

from typing import Any

from policy_lint.inventory.model import IngressRule, SecurityGroup, Unknown
from policy_lint.sources.cloudformation.intrinsics import Resolver
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import link_text, list_items, literal_text
from policy_lint.syntax.nodes import Node, ObjectNode
from policy_lint.syntax.numbers import as_int

_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def map_security_group(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    group = SecurityGroup(
        stack.origin(logical_id, offset),
        group_id=Resolver.default_ref(logical_id).text,
        name=link_text(props.get("GroupName")),
        region=stack.stack_region(),
        vpc_id=link_text(props.get("VpcId")),
    )
    rules = list_items(props.get("SecurityGroupIngress"))
    group.ingress = rules if isinstance(rules, Unknown) else []
    stack.prop_origin(group, "ingress", props, "SecurityGroupIngress")
    stack.add("security_group", logical_id, group, group.name if isinstance(group.name, str) else None)
    if not isinstance(rules, Unknown):
        for rule in rules:
            _add_ingress(stack, group, rule)


def _add_ingress(stack: Stack, group: Any, rule: Node) -> None:
    if isinstance(group.ingress, Unknown):
        return
    parsed = _ingress_rule(stack, rule)
    if isinstance(parsed, Unknown):
        group.ingress = parsed
    else:
        group.ingress.append(parsed)


def _ingress_rule(stack: Stack, rule: Node) -> IngressRule | Unknown:
    if not isinstance(rule, ObjectNode):
        return Unknown(f"an ingress rule is {rule.described}")
    protocol = literal_text(rule.get("IpProtocol"), "IpProtocol")
    if isinstance(protocol, Unknown):
        return protocol
    protocol = _PROTOCOLS.get((protocol or "-1").lower(), (protocol or "-1").lower())
    ports: list[int | None] = []
    for key in ("FromPort", "ToPort"):
        value = literal_text(rule.get(key), key)
        # an unknown port leaves the rule's range unknown (None), not the whole group: a rule from
        # a narrow source, or on IPv4 only, is still known not to open a port to ::/0
        ports.append(as_int(value) if isinstance(value, str) else None)
    if protocol == "-1":
        ports = [None, None]
    ranges: list[tuple[str, ...]] = []
    for key in ("CidrIp", "CidrIpv6"):
        value = literal_text(rule.get(key), key)
        if isinstance(value, Unknown):
            return value
        ranges.append((value,) if value else ())
    return IngressRule(protocol, ports[0], ports[1], ranges[0], ranges[1], stack.origin("", rule.offset))


def map_ingress(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    target = stack.raw_property(logical_id, "GroupId") or stack.raw_property(logical_id, "GroupName")
    if target is None:
        stack.warn(f"{logical_id}: AWS::EC2::SecurityGroupIngress without GroupId or GroupName", offset)
        return
    stack.attach(
        "security_group", target, lambda group: _add_ingress(stack, group, props), f"{logical_id}.GroupId"
    )
