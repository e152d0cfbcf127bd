"""``--format csv``: one row per lint finding and per check result, for auditors' spreadsheets.

The columns are fixed (:data:`COLUMNS`), so a spreadsheet or a script can rely on them across
runs and versions. Every cell that came from input goes through
:func:`~policy_lint.reporters.sanitize.clean` (secrets redacted, control characters escaped), and
then through :func:`neutralise_formula`: a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula, and a file name or a policy
Sid is written by whoever opened the pull request (OWASP "CSV Injection").

A lint finding (and ``check``'s unreadable inputs) has status ``fail``; a check result keeps its
own status (``pass``, ``fail``, ``unknown``): unknown is never shown as a pass. What the run
accepted (the vendor reference's inherited weaknesses) or suppressed follows, with status
``accepted`` or ``suppressed`` and the reason in the last column, so the sheet shows every
finding the gate let through. ``account_id`` is the
result's account when the result carries one, else the account the run verified, else empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.accepted import accepted_entries
from policy_lint.reporters.accounts import result_account
from policy_lint.reporters.sanitize import clean

COLUMNS = (
    "rule_id",
    "level",
    "status",
    "resource",
    "account_id",
    "path",
    "line",
    "col",
    "message",
    "remediation",
    "reason",
)

#: What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """*text* with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(text: str | None) -> str:
    return neutralise_formula(clean(text or ""))


def _remediation(rule_id: str, hint: str | None = None) -> str:
    meta = rulemeta.lookup(rule_id)
    return meta.remediation if meta is not None else (hint or "")


def _place(location: Location | None) -> tuple[str, int | str, int | str]:
    if location is None:
        return "", "", ""
    return location.path, location.line, location.col


def render_csv(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The CSV text: a header row, then findings, then results, each in report order."""
    scope: Mapping[str, Any] = context.get("scope") or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for f in findings:
        path, line, col = _place(f.location)
        writer.writerow(
            [
                _cell(f.rule_id),
                f.level.label,
                "fail",
                "",
                _cell(str(scope.get("account") or "")),
                _cell(path),
                line,
                col,
                _cell(f.message),
                _cell(_remediation(f.rule_id, f.hint)),
                "",
            ]
        )
    for r in results:
        path, line, col = _place(r.location)
        writer.writerow(
            [
                _cell(r.rule_id),
                r.level.label,
                r.status.value,
                _cell(r.resource),
                _cell(result_account(r, scope)),
                _cell(path),
                line,
                col,
                _cell(r.message),
                _cell(_remediation(r.rule_id)),
                "",
            ]
        )
    for a in accepted_entries(context.get("suppressed")):
        path, line, col = _place(a.location)
        writer.writerow(
            [
                _cell(a.rule_id),
                a.level.label,
                a.status,
                _cell(a.resource),
                _cell(a.account or str(scope.get("account") or "")),
                _cell(path),
                line,
                col,
                _cell(a.verdict_message()),
                _cell(_remediation(a.rule_id)),
                _cell(a.reason),
            ]
        )
    return out.getvalue()
