"""CS3: network and messaging posture (CIS AWS Foundations v3.0.0 section 5, FSBP SQS.1).

Security groups open to the whole internet on remote administration ports, and
SQS encryption at rest (CIS has no SQS control; it maps to AWS FSBP SQS.1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from policy_lint.checks.cspm.common import (
    CIS_REF,
    FSBP,
    PROFILES,
    cis,
)
from policy_lint.checks.verdicts import cannot_tell, location, resource_id, unknown, verdict
from policy_lint.core.findings import Level
from policy_lint.inventory.model import IngressRule, Inventory, Queue, SecurityGroup, Unknown
from policy_lint.inventory.names import display_name
from policy_lint.rules.registry import Result, RuleGroup

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

ADMIN_PORTS = (22, 3389)  # SSH and RDP, CIS 5.2/5.3
ALL_PROTOCOLS = {"-1", "all"}
PORT_PROTOCOLS = {"tcp", "udp", "6", "17"}  # CIS: TCP (6), UDP (17) or ALL (-1)


def group_name(group: SecurityGroup) -> str:
    return f"security group {display_name(group.group_id, group)}"


def _is_world(cidr: str) -> bool:
    """0.0.0.0/0 or ::/0 in any spelling (a /0 network)."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def exposed_ports(rule: IngressRule) -> tuple[int, ...] | None:
    """Administration ports the rule opens (to whatever sources it names); None when its ports are unknown."""
    protocol = str(rule.protocol).strip().lower()
    if protocol in ALL_PROTOCOLS:
        return ADMIN_PORTS  # protocol -1 ignores the port range
    if protocol not in PORT_PROTOCOLS:
        return ()  # icmp and other protocols carry no port
    if rule.from_port is None or rule.to_port is None:
        return None
    return tuple(p for p in ADMIN_PORTS if rule.from_port <= p <= rule.to_port)


def _open_to_world(inventory: Inventory, family: str) -> Iterator[Result]:
    world = "0.0.0.0/0" if family == "ipv4" else "::/0"
    for group in inventory.security_groups:
        name, label = resource_id(group), group_name(group)
        ingress = group.ingress
        if isinstance(ingress, Unknown):
            yield cannot_tell(name, ingress, f"the ingress rules of {label}", location(group, "ingress"))
            continue
        offending: list[dict[str, Any]] = []
        unsure: list[str] = []
        first = None
        for rule in ingress:
            ranges = rule.ipv4_ranges if family == "ipv4" else rule.ipv6_ranges
            if not any(_is_world(cidr) for cidr in ranges):
                continue
            ports = exposed_ports(rule)
            if ports is None:
                unsure.append(f"{rule.protocol} rule from {world} has no known port range")
            elif ports:
                offending.append(
                    {
                        "protocol": rule.protocol,
                        "from_port": rule.from_port,
                        "to_port": rule.to_port,
                        "ports": list(ports),
                    }
                )
                first = first or (rule.origin.location if rule.origin else None)
        where = first or group.origin.location
        if offending:
            opened = sorted({p for o in offending for p in o["ports"]})
            message = f"{label} allows ingress from {world} to port {', '.join(map(str, opened))}"
            yield verdict(False, name, "", message, where, rules=offending, unknown=unsure)
        elif unsure:
            yield unknown(name, f"cannot tell what {label} opens", "; ".join(unsure), where, unknown=unsure)
        elif group.other_rules_unknown is None:
            # only a group the input declares whole passes: one outside it, known through a rule
            # on it, may have other rules (AWS-SG-STANDALONE-RULES), so its rules opening
            # nothing is no verdict
            yield verdict(
                True, name, f"{label} allows no ingress from {world} to ports 22 or 3389", "", where
            )


_SG_REMEDIATION = (
    "Remove the rule or narrow its source to your administration network; prefer Session Manager or EC2 "
    "Instance Connect to opening SSH/RDP."
)


@inventory_rule(
    id="CS301",
    name="sg-admin-ports-ipv4",
    level=Level.ERROR,
    title="No security group allows 0.0.0.0/0 to SSH (22) or RDP (3389)",
    rationale="SSH and RDP open to the whole IPv4 internet are scanned and brute-forced within minutes; a rule "
    "counts when its protocol is TCP, UDP or all (-1) and its port range covers 22 or 3389 (CIS 5.2).",
    remediation=_SG_REMEDIATION,
    references=(CIS_REF,),
    frameworks=cis("5.2"),
    profiles=PROFILES,
)
def sg_admin_ports_ipv4(inventory: Inventory) -> Iterator[Result]:
    yield from _open_to_world(inventory, "ipv4")


@inventory_rule(
    id="CS302",
    name="sg-admin-ports-ipv6",
    level=Level.ERROR,
    title="No security group allows ::/0 to SSH (22) or RDP (3389)",
    rationale="The same exposure over IPv6: a rule from ::/0 on TCP, UDP or all (-1) covering 22 or 3389 "
    "(CIS 5.3).",
    remediation=_SG_REMEDIATION,
    references=(CIS_REF,),
    frameworks=cis("5.3"),
    profiles=PROFILES,
)
def sg_admin_ports_ipv6(inventory: Inventory) -> Iterator[Result]:
    yield from _open_to_world(inventory, "ipv6")


def queue_name(queue: Queue) -> str:
    return f"queue {display_name(queue.name, queue)}"


@inventory_rule(
    id="CS303",
    name="sqs-encrypted-at-rest",
    level=Level.WARNING,
    title="SQS queues are encrypted at rest (SSE-SQS or SSE-KMS)",
    rationale="Messages are stored unencrypted unless the queue uses SQS-managed or KMS server-side "
    "encryption. CIS AWS Foundations v3.0.0 has no SQS control: this maps to AWS Foundational Security Best "
    "Practices SQS.1. For the audit-log queue prefer SSE-SQS: S3 cannot send to a queue encrypted with "
    "alias/aws/sqs, and a customer key needs a key policy for s3.amazonaws.com (AWS-SQS-KMS).",
    remediation="Set SqsManagedSseEnabled: true (Terraform sqs_managed_sse_enabled = true), or a customer "
    "managed KMS key whose policy lets s3.amazonaws.com use it.",
    references=("AWS Security Hub FSBP SQS.1", "SQS developer guide: key management"),
    frameworks=((FSBP, "SQS.1"),),
    profiles=PROFILES,
)
def sqs_encrypted_at_rest(inventory: Inventory) -> Iterator[Result]:
    for queue in inventory.queues:
        name, label = resource_id(queue), queue_name(queue)
        key, managed = queue.kms_key_id, queue.sqs_managed_sse
        if isinstance(key, str) and key:
            where = location(queue, "kms_key_id")
            yield verdict(True, name, f"{label} is encrypted with KMS key {key}", "", where, kms_key_id=key)
        elif managed is True:
            where = location(queue, "sqs_managed_sse")
            yield verdict(
                True,
                name,
                f"{label} is encrypted with SQS-managed keys (SSE-SQS)",
                "",
                where,
                sqs_managed_sse=True,
            )
        elif isinstance(key, Unknown):
            yield cannot_tell(name, key, f"the KMS key of {label}", queue.origin.location)
        elif isinstance(managed, Unknown):
            yield cannot_tell(name, managed, f"whether {label} uses SSE-SQS", queue.origin.location)
        else:
            yield verdict(False, name, "", f"{label} is not encrypted at rest", queue.origin.location)
