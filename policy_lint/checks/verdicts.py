"""How an inventory rule words its verdict: one place for the OB and CS rules.

A result names the resource by its source address (live: the ARN), points at the attribute
that decided it, and an *unknown* always names the value that is missing and why, never a
pass (:func:`unknown`, :func:`cannot_tell`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from policy_lint.core.findings import Location
from policy_lint.inventory.model import AccessKey, Inventory, Resource, Unknown
from policy_lint.rules.registry import Result, Status


def resource_id(resource: Resource) -> str:
    """The result's resource: the source address (live: the ARN), qualified with its Terraform
    root module when the input holds several (:attr:`Origin.qualified`)."""
    return resource.origin.qualified


def facet(resource: str, kind: str, label: str) -> str:
    """One part of a resource judged on its own (a key, a feature, a queue): ``<user>:access-key:...ABCD``.

    A rule that gives several verdicts on one resource names each part when there are several, so
    one (rule, resource) pair is one result (:func:`policy_lint.checks.engine.ensure_unique`)."""
    return f"{resource}:{kind}:{label}"


def key_label(key: AccessKey, index: int) -> str:
    """A key by its ID's last 4 characters (never more), or by position when the ID is not known yet."""
    return f"...{key.key_id_suffix[-4:]}" if key.key_id_suffix else f"#{index + 1}"


def location(resource: Resource, attribute: str | None = None) -> Location | None:
    """Where the attribute that decides a verdict is written (the resource's own line without one)."""
    origin = resource.origin_of(attribute) if attribute else resource.origin
    return origin.location


def present(inventory: Inventory) -> str:
    """How a message says a resource is there: "found in the account" when the inventory was read
    from an account, "declared in the inputs" when code declares it (``no queue named q is ...``)."""
    return "found in the account" if inventory.observed() else "declared in the inputs"


def listed(inventory: Inventory) -> str:
    """The label of a list of what is there, for messages (``(found: a, b)``, ``(declared: a, b)``)."""
    return "found" if inventory.observed() else "declared"


def join(items: Iterable[str], limit: int = 8) -> str:
    """``a, b, c`` for a message, cut after ``limit`` items (``... and 3 more``)."""
    seq = list(items)
    shown = ", ".join(seq[:limit])
    return shown + (f" and {len(seq) - limit} more" if len(seq) > limit else "")


def result(
    status: Status,
    resource: str,
    message: str,
    where: Location | None,
    evidence: Mapping[str, Any] | None = None,
    /,
    **more: Any,
) -> Result:
    """A result; its evidence is ``evidence`` followed by the keyword arguments."""
    return Result(status, resource, message, where, {**(evidence or {}), **more})


#: (resource, message, where, evidence=None, **more): a pass, a fail, and an unknown whose
#: message says itself what is missing (never a pass)
passed = partial(result, Status.PASS)
failed = partial(result, Status.FAIL)
undecided = partial(result, Status.UNKNOWN)


def verdict(
    ok: bool,
    resource: str,
    passed: str,
    failed: str,
    where: Location | None,
    evidence: Mapping[str, Any] | None = None,
    /,
    **more: Any,
) -> Result:
    """A pass (message ``passed``) when ``ok``, else a fail (message ``failed``)."""
    return result(
        Status.PASS if ok else Status.FAIL, resource, passed if ok else failed, where, evidence, **more
    )


def unknown(
    resource: str,
    what: str,
    why: Unknown | str,
    where: Location | None,
    evidence: Mapping[str, Any] | None = None,
    /,
    **more: Any,
) -> Result:
    """An unknown worded "``what``: ``why``": ``what`` names the missing value (``KMS key of queue
    q``), ``why`` says why it is missing (an :class:`Unknown`'s reason)."""
    reason = why.reason if isinstance(why, Unknown) else why
    return undecided(resource, f"{what}: {reason}", where, evidence, **more)


def cannot_tell(
    resource: str, value: Unknown, question: str, where: Location | None, **evidence: Any
) -> Result:
    """An unknown worded "cannot tell ``question``: why", the reason also in the evidence (``unknown``)."""
    return unknown(resource, f"cannot tell {question}", value, where, {"unknown": value.reason, **evidence})
