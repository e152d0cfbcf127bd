"""The ``json`` format: one versioned payload for every command, sorted and timestamp-free so CI
can diff two runs. Its contract is ``report.schema.json`` beside this module (docs/reports.md,
"JSON"); a change a parser would notice bumps :data:`REPORT_FORMAT`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policy_lint import __version__
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding

#: The payload's format and version. 2: check/verify results say ``level`` (1 said ``severity``),
#: every payload names its ``format`` and ``command``, and problems carry ``rule`` and ``hint``.
REPORT_FORMAT = "policy-lint-report/2"


def header(command: str) -> dict[str, Any]:
    """What every JSON payload starts with: what it is, which command and which tool wrote it."""
    return {
        "format": REPORT_FORMAT,
        "command": command,
        "tool": {"name": "policy-lint", "version": __version__},
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "rule": finding.rule_name,
        "level": finding.level.label,
        "message": finding.message,
        "hint": finding.hint,
        "location": {"path": loc.path, "line": loc.line, "col": loc.col},
    }


def json_payload(
    findings: Sequence[Finding], errors: Sequence[InputError], files: int, command: str = "lint"
) -> dict[str, Any]:
    """The lint report as a JSON-ready mapping (the ``json`` format adds to it before dumping);
    ``diff --base`` reports its findings in the same shape."""
    return {
        **header(command),
        "files": files,
        "findings": [finding_to_dict(f) for f in findings],
        "errors": [
            {"path": e.path, "line": e.line, "col": e.col, "message": e.message}
            for e in sorted(errors, key=lambda e: (e.path or "", e.line or 0))
        ],
    }
