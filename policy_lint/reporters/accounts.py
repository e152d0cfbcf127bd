"""Which AWS account and region a result belongs to, for the formats that must name them (ASFF,
OCSF, CSV): one answer for single-account ``verify``, ``verify --organization`` (each result
carries its account; the scope lists each account's regions) and ``check --account-id``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_lint.checks.engine import CheckResult


def result_account(result: CheckResult, scope: Mapping[str, Any]) -> str:
    """The account a result is about: its own (organization runs), else the run's, else ''."""
    own = result.account_id or result.evidence.get("account_id")
    return str(own or scope.get("account") or "")


def account_region(scope: Mapping[str, Any], account: str) -> str | None:
    """The region a result of *account* was read in: the run's (``check --region``, ``verify``'s
    first region), else the first region verified in that member account of an organization."""
    regions = scope.get("regions") or []
    if scope.get("region") or regions:
        return str(scope.get("region") or regions[0])
    members = (scope.get("organization") or {}).get("accounts") or {}
    member_regions = (members.get(account) or {}).get("regions") or []
    return str(member_regions[0]) if member_regions else None
