"""CS3 network and messaging rules: security groups (CIS 5.2, 5.3) and SQS encryption (FSBP SQS.1)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_lint.inventory.model import IngressRule, Inventory, Origin, Queue, SecurityGroup, Unknown
from policy_lint.rules.registry import Status
from tests.checks.cspm.builders import origin, run, statuses

WORLD4 = ("0.0.0.0/0",)
WORLD6 = ("::/0",)


def group(*rules: IngressRule) -> Inventory:
    return Inventory(
        security_groups=[
            SecurityGroup(origin("aws_security_group.bastion", line=20), "sg-0123", ingress=list(rules))
        ]
    )


def rule(
    protocol: str,
    from_port: int | None,
    to_port: int | None,
    v4: tuple[str, ...] = (),
    v6: tuple[str, ...] = (),
) -> IngressRule:
    return IngressRule(protocol, from_port, to_port, v4, v6)


@pytest.mark.parametrize(
    ("ingress", "expected"),
    [
        (rule("tcp", 22, 22, WORLD4), "fail"),
        (rule("tcp", 3389, 3389, WORLD4), "fail"),
        (rule("tcp", 0, 65535, WORLD4), "fail"),  # the full range covers both
        (rule("tcp", 20, 30, WORLD4), "fail"),  # a range around 22
        (rule("udp", 3380, 3390, WORLD4), "fail"),  # CIS counts UDP too
        (rule("6", 22, 22, WORLD4), "fail"),  # protocol by number
        (rule("-1", None, None, WORLD4), "fail"),  # all protocols: ports do not matter
        (rule("-1", 443, 443, WORLD4), "fail"),  # EC2 ignores ports for -1
        (rule("tcp", 23, 3388, WORLD4), "pass"),  # between the two ports
        (rule("tcp", 443, 443, WORLD4), "pass"),
        (rule("tcp", 22, 22, ("10.0.0.0/8",)), "pass"),
        (rule("icmp", -1, -1, WORLD4), "pass"),
        (rule("tcp", 22, 22, v6=WORLD6), "pass"),  # IPv6 is CS302's
        (rule("tcp", None, None, WORLD4), "unknown"),  # ports not known (e.g. a variable)
    ],
)
def test_ipv4_admin_ports(ingress: IngressRule, expected: str) -> None:
    assert statuses(run("CS301", group(ingress))) == [expected]


@pytest.mark.parametrize(
    ("ingress", "expected"),
    [
        (rule("tcp", 22, 22, v6=WORLD6), "fail"),
        (rule("-1", None, None, v6=("::/0",)), "fail"),
        (rule("tcp", 0, 65535, v6=("0::0/0",)), "fail"),  # another spelling of ::/0
        (rule("tcp", 20, 30, v6=WORLD6), "fail"),
        (rule("tcp", 22, 22, v6=("2001:db8::/32",)), "pass"),
        (rule("tcp", 22, 22, WORLD4), "pass"),  # IPv4 is CS301's
    ],
)
def test_ipv6_admin_ports(ingress: IngressRule, expected: str) -> None:
    assert statuses(run("CS302", group(ingress))) == [expected]


def test_failure_points_at_the_offending_rule_and_lists_ports() -> None:
    bad = IngressRule("tcp", 0, 65535, WORLD4, origin=Origin("terraform", "x", path="sg.tf", line=31, col=5))
    [result] = run("CS301", group(rule("tcp", 443, 443, WORLD4), bad))
    assert result.status is Status.FAIL
    assert result.message == "security group sg-0123 allows ingress from 0.0.0.0/0 to port 22, 3389"
    assert result.location is not None and (result.location.path, result.location.line) == ("sg.tf", 31)
    assert result.resource == "aws_security_group.bastion"


def test_unknown_ingress_and_open_rule_beats_unknown_rule() -> None:
    unknown_group = Inventory(
        security_groups=[
            SecurityGroup(origin(), "sg-1", ingress=Unknown("ec2:DescribeSecurityGroups denied"))
        ]
    )
    assert statuses(run("CS301", unknown_group)) == ["unknown"]
    assert statuses(run("CS301", group(rule("tcp", None, None, WORLD4), rule("tcp", 22, 22, WORLD4)))) == [
        "fail"
    ]


def test_group_without_ingress_passes() -> None:
    assert statuses(run("CS301", group())) == ["pass"]


# --- CS303 SQS encryption (FSBP SQS.1) --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"sqs_managed_sse": True}, "pass"),
        ({"kms_key_id": "alias/sas-audit"}, "pass"),
        ({"kms_key_id": "alias/sas-audit", "sqs_managed_sse": Unknown("computed")}, "pass"),
        ({}, "fail"),
        ({"kms_key_id": None, "sqs_managed_sse": False}, "fail"),
        ({"kms_key_id": Unknown("sqs:GetQueueAttributes AccessDenied")}, "unknown"),
        ({"sqs_managed_sse": Unknown("known after apply")}, "unknown"),
    ],
)
def test_sqs_encryption(fields: dict[str, Any], expected: str) -> None:
    queue = Queue(origin("aws_sqs_queue.audit", line=4), "audit", **fields)
    assert statuses(run("CS303", Inventory(queues=[queue]))) == [expected]
