"""The organization part of the auditor report: accounts × rule family, then a part per account.

Used when the run verified an organization (``verify --organization``, or ``merge`` of its
shards): the scope has an ``organization`` entry and every result an ``account_id``. An account
whose checks could not run still has a row (its results are unknown, with the reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.reporters import rulemeta
from policy_lint.reporters.sanitize import clean
from policy_lint.rules.registry import FAMILIES, Status

#: the worst status first: what an account's row says overall
_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS)


@dataclass(frozen=True)
class AccountRow:
    """One account's line of the summary: a cell per family, e.g. ``1 fail, 4 pass``."""

    account_id: str
    name: str
    status: str  # fail | unknown | pass | none (no result)
    cells: tuple[str, ...]
    note: str  # why it was not verified, if it was not


@dataclass(frozen=True)
class OrganizationSummary:
    families: tuple[str, ...]
    rows: tuple[AccountRow, ...]


@dataclass(frozen=True)
class AccountPart:
    """One account's section: its title line and its tables (built by the report's own grouping)."""

    account_id: str
    name: str
    counts: Mapping[str, int]
    sections: tuple[Any, ...]


def family_of(rule_id: str) -> str:
    meta = rulemeta.lookup(rule_id)
    return meta.family if meta else FAMILIES.get(rule_id[:3], "Other")


def _cell(counts: Counter[Status]) -> str:
    parts = [f"{counts[s]} {s.value}" for s in _ORDER if counts[s]]
    return ", ".join(parts) or "-"


def _status(counts: Counter[Status]) -> str:
    return next((s.value for s in _ORDER if counts[s]), "none")


def _accounts(results: Sequence[CheckResult], scope: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every account of the run: those the scope lists (with their name and error) and those with results."""
    org = scope.get("organization")
    listed = org.get("accounts") if isinstance(org, Mapping) else None
    accounts: dict[str, Mapping[str, Any]] = {}
    if isinstance(listed, Mapping):
        accounts.update({str(k): v if isinstance(v, Mapping) else {} for k, v in listed.items()})
    for result in results:
        accounts.setdefault(result.account_id or "-", {})
    return dict(sorted(accounts.items()))


def organization_parts(
    results: Sequence[CheckResult],
    scope: Mapping[str, Any],
    sections: Callable[[Sequence[CheckResult]], tuple[Any, ...]],
) -> tuple[OrganizationSummary, tuple[AccountPart, ...]] | None:
    """The summary and the per-account parts, or None when the run was not an organization's."""
    if not isinstance(scope.get("organization"), Mapping):
        return None
    accounts = _accounts(results, scope)
    by_account: dict[str, list[CheckResult]] = {a: [] for a in accounts}
    for result in results:
        by_account[result.account_id or "-"].append(result)
    families = tuple(sorted({family_of(r.rule_id) for r in results}))
    rows = []
    parts = []
    for account, info in accounts.items():
        mine = by_account[account]
        per_family: dict[str, Counter[Status]] = {f: Counter() for f in families}
        for result in mine:
            per_family[family_of(result.rule_id)][result.status] += 1
        total: Counter[Status] = Counter(r.status for r in mine)
        name = clean(str(info.get("name") or ""))
        rows.append(
            AccountRow(
                account_id=clean(account),
                name=name,
                status=_status(total),
                cells=tuple(_cell(per_family[f]) for f in families),
                note=clean(str(info.get("error") or "")),
            )
        )
        parts.append(
            AccountPart(
                account_id=clean(account),
                name=name,
                counts={s.value: total[s] for s in _ORDER},
                sections=sections(mine),
            )
        )
    return OrganizationSummary(families, tuple(rows)), tuple(parts)
