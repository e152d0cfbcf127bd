"""Text and JSON for check results (pass / fail / unknown per rule and resource).

The JSON mapping holds the raw strings: the ``json`` format cleans the whole payload once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.checks.principals import PRINCIPAL, principal_heading
from policy_lint.core.findings import Level
from policy_lint.reporters.sanitize import clean
from policy_lint.rules.registry import Status

_STATUS_COLOUR = {Status.FAIL: "\033[31m", Status.UNKNOWN: "\033[33m", Status.PASS: "\033[32m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def result_to_dict(result: CheckResult) -> dict[str, Any]:
    loc = result.location
    account = {"account_id": result.account_id} if result.account_id is not None else {}
    return {
        **account,
        "rule_id": result.rule_id,
        "rule": result.rule_name,
        "title": result.title,
        "status": result.status.value,
        "level": result.level.label,
        "resource": result.resource,
        "location": {"path": loc.path, "line": loc.line, "col": loc.col} if loc else None,
        "message": result.message,
        "evidence": result.evidence,
    }


def results_payload(
    results: Sequence[CheckResult], scope: dict[str, Any], command: str = "check"
) -> dict[str, Any]:
    """The check/verify report as a JSON-ready mapping (the ``json`` format adds to it before dumping)."""
    from policy_lint.reporters.json_report import header

    counts = Counter(r.status.value for r in results)
    return {
        **header(command),
        "scope": scope,
        "summary": {status.value: counts.get(status.value, 0) for status in Status},
        "results": [result_to_dict(r) for r in results],
    }


def format_result(result: CheckResult, colour: bool) -> str:
    """``path:line:col: ID label message [resource]``; the label is the level of a failure,
    otherwise ``pass`` or ``unknown`` (the same shape as lint findings). Input fields are
    cleaned (:func:`~policy_lint.reporters.sanitize.clean`), so a result is one line."""
    resource = clean(result.resource)
    where = f"{clean(result.location)}: " if result.location else f"{resource}: "
    label = result.level.label if result.status is Status.FAIL else result.status.value
    if colour:
        label = f"{_STATUS_COLOUR[result.status]}{label}{_RESET}"
        where = f"{_BOLD}{where}{_RESET}"
    suffix = f" [{resource}]" if result.location else ""
    return f"{where}{result.rule_id} {label} {clean(result.message)}{suffix}"


def principal_of(result: CheckResult) -> str | None:
    """The heading of the principal a result judges with all its policies (privilege escalation),
    or None for a result about one resource."""
    return principal_heading(result.evidence.get(PRINCIPAL))


def _by_principal(results: Sequence[CheckResult], colour: bool) -> list[str]:
    """One heading per principal, then its results (each still one ``path:line:col:`` line)."""
    groups: dict[str, list[CheckResult]] = {}
    for result in results:
        groups.setdefault(principal_of(result) or "", []).append(result)
    lines: list[str] = []
    if groups:
        lines.append("Privilege escalation, by principal:")
    for heading in sorted(groups):
        lines.append(f"{clean(heading)}:")
        ordered = sorted(groups[heading], key=lambda r: (r.rule_id, r.resource))
        lines += [format_result(r, colour) for r in ordered]
    return lines


def render_results_text(results: Sequence[CheckResult], show_passed: bool, colour: bool) -> str:
    shown = [r for r in results if show_passed or r.status is not Status.PASS]
    about_principals = [r for r in shown if principal_of(r) is not None]
    shown = [r for r in shown if principal_of(r) is None]
    ordered = sorted(
        shown,
        key=lambda r: (
            r.location.path if r.location else "~",
            r.location.line if r.location else 0,
            r.location.col if r.location else 0,
            r.rule_id,
            r.resource,
        ),
    )
    lines = [format_result(r, colour) for r in ordered]
    lines += _by_principal(about_principals, colour)
    counts = Counter(r.status for r in results)
    lines.append(
        f"{len(results)} checks: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
        f"{counts[Status.UNKNOWN]} unknown."
    )
    return "\n".join(lines) + "\n"


def exit_code(results: Sequence[CheckResult], fail_on: Level, fail_on_unknown: bool) -> int:
    for result in results:
        if result.level < fail_on:
            continue
        if result.status is Status.FAIL or (fail_on_unknown and result.status is Status.UNKNOWN):
            return 1
    return 0
