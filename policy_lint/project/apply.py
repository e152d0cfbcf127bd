"""One post-processing step for every command: settings suppressions, inline ignores, baseline.

Commands call :func:`filter_findings` (lint) or :func:`filter_results` (check, verify) after
the rules ran. What is suppressed is returned, with its reason, for the reports to list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policy_lint.core.findings import Finding
from policy_lint.project import baseline as bl
from policy_lint.project import suppressions as sp
from policy_lint.project.settings import Settings

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult
    from policy_lint.inventory.model import Inventory


@dataclass
class Filtered:
    """What remains to report, what was accepted (and why), and how many findings a baseline got."""

    kept: list[Any]
    suppressed: list[dict[str, object]] = field(default_factory=list)
    baseline_written: int | None = None


def _known_rules() -> set[str]:
    from policy_lint.rules.ruleset import all_rules

    return {meta.id for meta in all_rules()}


def filter_findings(
    findings: Sequence[Finding],
    settings: Settings,
    *,
    baseline: str | None = None,
    write_baseline: str | None = None,
    commented_files: Sequence[str] = (),
    wants: Callable[[str], bool] = lambda _rule_id: True,
) -> Filtered:
    """Lint findings: inline comments (YAML policies), Sid-scoped settings entries, baseline.

    ``commented_files`` are the inputs that can hold comments (YAML), scanned for unused ones;
    ``wants`` is the run's ``--select``/``--ignore``, which the suppression problems obey too.
    """
    findings, accepted = accept_vendor_reference(findings, settings)
    items = [
        sp.Item(f.rule_id, f.location.path, f.location.line, None, index) for index, f in enumerate(findings)
    ]
    outcome = sp.apply(
        items, settings, known_rules=_known_rules, sid_of=sp.statement_sid, extra_paths=commented_files
    )
    suppressed = [
        sp.suppressed_entry(findings[i].rule_id, findings[i].location, None, s, findings[i].message)
        for i, s in outcome.suppressed
    ]
    # The suppression problems are findings of their own (kept, so they are reported once).
    kept = [findings[i] for i in outcome.kept] + [p for p in outcome.problems if wants(p.rule_id)]
    records = [bl.Record(f.rule_id, f.location.path, None, f.message) for f in kept]
    return _baseline(kept, records, accepted + suppressed, baseline or settings.baseline, write_baseline)


#: why a finding in a statement copied from the vendor's reference policy does not block
VENDOR_RISK = (
    "inherited verbatim from the vendor's reference policy ({label}): a documented vendor risk, "
    "accepted by default; set accept-vendor-reference: false to make it block"
)
UPSTREAM_RISK = (
    "written by {label}, which the input only names and cannot change: accepted by default like the "
    "vendor reference's weaknesses; set accept-vendor-reference: false to make it block"
)


def accept_vendor_reference(
    findings: Sequence[Finding], settings: Settings
) -> tuple[list[Finding], list[dict[str, object]]]:
    """Split off the findings lint marked as inherited verbatim from a reference policy, unless the
    settings make them block. They keep their level; the reports list them as accepted."""
    from policy_lint.lint.inherited import UPSTREAM_TEMPLATE, VENDOR_REFERENCE

    if not settings.accept_vendor_reference:
        return list(findings), []
    kept: list[Finding] = []
    accepted: list[dict[str, object]] = []
    for finding in findings:
        label = finding.extra.get(VENDOR_REFERENCE)
        upstream = finding.extra.get(UPSTREAM_TEMPLATE)
        if label is None and upstream is None:
            kept.append(finding)
            continue
        accepted.append(
            {
                "rule_id": finding.rule_id,
                "message": finding.message,
                "location": str(finding.location),
                "resource": None,
                "reason": VENDOR_RISK.format(label=label)
                if label is not None
                else UPSTREAM_RISK.format(label=upstream),
                "kind": "vendor-reference" if label is not None else "upstream-template",
                "level": finding.level.label,
            }
        )
    return kept, accepted


def filter_results(
    results: Sequence[CheckResult],
    inventory: Inventory | None,
    settings: Settings,
    *,
    baseline: str | None = None,
    write_baseline: str | None = None,
    wants: Callable[[str], bool] = lambda _rule_id: True,
) -> tuple[Filtered, list[Finding]]:
    """Check results: passes always stay; failures and unknowns can be suppressed or baselined.

    Returns the filtered results and the suppression problems (SP001-SP004) as findings.
    """
    judged = [(i, r) for i, r in enumerate(results) if r.status.value != "pass"]
    items = [
        sp.Item(
            r.rule_id,
            r.location.path if r.location else None,
            r.location.line if r.location else None,
            r.resource,
            i,
        )
        for i, r in judged
    ]
    outcome = sp.apply(items, settings, known_rules=_known_rules, resource_lines=_resource_lines(inventory))
    suppressed_keys = {i for i, _ in outcome.suppressed}
    suppressed = [
        {
            **sp.suppressed_entry(
                results[i].rule_id, results[i].location, results[i].resource, s, results[i].message
            ),
            **_verdict_of(results[i]),
        }
        for i, s in outcome.suppressed
    ]
    kept = [r for i, r in enumerate(results) if i not in suppressed_keys]
    records = [
        bl.Record(r.rule_id, r.location.path if r.location else None, r.resource, r.message) for r in kept
    ]
    judged_only = [r.status.value != "pass" for r in kept]
    filtered = _baseline(
        kept, records, suppressed, baseline or settings.baseline, write_baseline, eligible=judged_only
    )
    return filtered, [p for p in outcome.problems if wants(p.rule_id)]


def _baseline(
    kept: list[Any],
    records: list[bl.Record],
    suppressed: list[dict[str, object]],
    baseline: str | None,
    write_baseline: str | None,
    eligible: list[bool] | None = None,
) -> Filtered:
    mask = eligible or [True] * len(kept)
    if write_baseline:
        written = bl.write_baseline(write_baseline, [r for r, ok in zip(records, mask, strict=True) if ok])
        return Filtered(kept, suppressed, written)
    if not baseline:
        return Filtered(kept, suppressed)
    known = bl.read_baseline(baseline)
    candidates = [i for i, ok in enumerate(mask) if ok]
    _new, old = bl.split_by_baseline([records[i] for i in candidates], known)
    old_keys = {candidates[j] for j in old}
    for key in sorted(old_keys):
        item = kept[key]
        location = getattr(item, "location", None)
        suppressed.append(
            {
                "rule_id": item.rule_id,
                "message": item.message,
                "location": str(location) if location else None,
                "resource": getattr(item, "resource", None),
                "reason": f"in baseline {baseline}",
                "kind": "baseline",
                "until": None,
                "suppressed_at": baseline,
                **_verdict_of(item),
            }
        )
    return Filtered([item for i, item in enumerate(kept) if i not in old_keys], suppressed)


def _verdict_of(item: object) -> dict[str, object]:
    """What a suppressed check result keeps for the reports: its status (a suppressed unknown is
    still unknown, never shown as a failure) and its own account (``verify --organization``)."""
    status = getattr(item, "status", None)
    if status is None:
        return {}  # a lint finding: a failure, in the run's account
    facts: dict[str, object] = {"status": status.value}
    account = getattr(item, "account_id", None) or getattr(item, "evidence", {}).get("account_id")
    if account:
        facts["account_id"] = str(account)
    return facts


def _resource_lines(inventory: Inventory | None) -> dict[tuple[str, int], str]:
    """(path, declaration line) -> resource address, for comments placed above a resource."""
    if inventory is None:
        return {}
    lines: dict[tuple[str, int], str] = {}
    for group in dataclasses.fields(inventory):
        value = getattr(inventory, group.name)
        if not isinstance(value, list):
            continue
        for resource in value:
            origin = getattr(resource, "origin", None)
            if origin is not None and origin.path and origin.line:
                lines[(origin.path, origin.line)] = origin.address
    return lines
