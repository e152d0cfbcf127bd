"""Shared helpers of the CSPM rules: framework labels, resource names and verdict builders."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from policy_lint.findings import Location
from policy_lint.inventory.model import Origin, Resource, Unknown, is_unknown
from policy_lint.rules import Result, Status

CIS = "CIS AWS Foundations v3.0.0"
FSBP = "AWS Foundational Security Best Practices"
CIS_REF = "CIS Amazon Web Services Foundations Benchmark v3.0.0"
PROFILES = ("cis",)


def cis(*controls: str) -> tuple[tuple[str, str], ...]:
    """The ``frameworks`` mapping for one or more CIS v3.0.0 control numbers."""
    return tuple((CIS, control) for control in controls)


def display(value: object, origin: Origin) -> str:
    """A name for messages: the value when known, else the source address."""
    if value is None or is_unknown(value):
        return origin.address
    return str(value)


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 timestamp as AWS and the credential report write it; None when unreadable (N/A)."""
    text = text.strip()
    if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not read the Z suffix
        text = text[:-1] + "+00:00"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def resource_id(resource: Resource) -> str:
    """The result's resource, as the onboarding rules report it: the source address (live: the ARN)."""
    return resource.origin.address


def location(resource: Resource, attribute: str | None = None) -> Location | None:
    origin = resource.origin_of(attribute) if attribute else resource.origin
    return origin.location


def unknown(resource: str, value: Unknown, what: str, where: Location | None, **evidence: Any) -> Result:
    """A verdict that could not be reached because ``what`` is unknown; never a pass."""
    return Result(
        Status.UNKNOWN,
        resource,
        f"cannot tell {what}: {value.reason}",
        where,
        {"unknown": value.reason, **evidence},
    )


def verdict(
    ok: bool, resource: str, passed: str, failed: str, where: Location | None, **evidence: Any
) -> Result:
    return Result(Status.PASS if ok else Status.FAIL, resource, passed if ok else failed, where, evidence)
