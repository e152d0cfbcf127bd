"""Security groups of every collected region, ingress flattened to one port range per rule."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import IngressRule, SecurityGroup
from policy_lint.live.api import Api, Failure, observed, run_all


def security_groups(api: Api, region: str) -> list[SecurityGroup] | Failure:
    groups = api.paginate("ec2", "DescribeSecurityGroups", "SecurityGroups", region=region, about=region)
    if isinstance(groups, Failure):
        return groups
    if not all(raw.get("GroupId") for raw in groups):
        return api.malformed("ec2", "DescribeSecurityGroups", region, "a security group has no GroupId")
    return [to_group(api, region, raw) for raw in groups]


def to_group(api: Api, region: str, raw: dict[str, Any]) -> SecurityGroup:
    group_id = raw["GroupId"]
    owner = raw.get("OwnerId", api.account_id)
    arn = arn_builder.literal_or(
        arn_builder.security_group_arn(api.partition, region, owner, group_id), group_id
    )
    origin = observed(arn, region)
    ingress = [
        IngressRule(
            protocol=str(perm.get("IpProtocol", "-1")),
            from_port=perm.get("FromPort"),
            to_port=perm.get("ToPort"),
            ipv4_ranges=tuple(r["CidrIp"] for r in perm.get("IpRanges", []) if "CidrIp" in r),
            ipv6_ranges=tuple(r["CidrIpv6"] for r in perm.get("Ipv6Ranges", []) if "CidrIpv6" in r),
            origin=origin,
        )
        for perm in raw.get("IpPermissions", [])
    ]
    return SecurityGroup(
        origin,
        group_id=group_id,
        name=raw.get("GroupName"),
        region=region,
        vpc_id=raw.get("VpcId"),
        ingress=ingress,
    )


def collect_security_groups(
    api: Api, regions: list[str], pool: Executor, progress: Callable[[str], None]
) -> tuple[list[SecurityGroup], bool]:
    found = run_all(pool, [partial(security_groups, api, r) for r in regions], progress, "security groups")
    groups = [g for reply in found if not isinstance(reply, Failure) for g in reply]
    return sorted(groups, key=lambda g: g.origin.address), all(not isinstance(r, Failure) for r in found)
