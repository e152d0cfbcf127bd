"""Builders for hand-made inventories for the CSPM rule tests, and the fixed clock they use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.inventory.model import Inventory, Origin

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def ago(days: float) -> str:
    """An ISO timestamp ``days`` before the fixed clock, as the credential report writes it."""
    return (NOW - timedelta(days=days)).isoformat()


def origin(address: str = "live", line: int | None = None) -> Origin:
    if line is None:
        return Origin("live", address, region="us-east-1")
    return Origin("terraform", address, path="main.tf", line=line, col=1)


def run(rule_id: str, inventory: Inventory) -> list[CheckResult]:
    """The results one CIS rule reports on the inventory, through the engine. A hand-made inventory
    with no source lists the whole account, as a live one does (the account's scope)."""
    if not inventory.sources:
        inventory.account_scope = True
    return run_checks(inventory, Selection(select=(rule_id,), profile_set="cis"))


def statuses(results: list[CheckResult]) -> list[str]:
    return [r.status.value for r in results]


def deny_http(**overrides: Any) -> dict[str, Any]:
    """A bucket policy with CIS 2.1.1's Deny of plain HTTP, changed by ``overrides`` (None drops a field)."""
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(overrides)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in statement.items() if v is not None}]}
