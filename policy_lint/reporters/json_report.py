"""Machine-readable findings; sorted and timestamp-free so CI can diff two runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policy_lint import __version__
from policy_lint.errors import InputError
from policy_lint.findings import Finding


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


def json_payload(findings: Sequence[Finding], errors: Sequence[InputError], files: int) -> dict[str, Any]:
    """The lint report as a JSON-ready mapping (the ``json`` format adds to it before dumping)."""
    return {
        "tool": {"name": "policy-lint", "version": __version__},
        "files": files,
        "findings": [finding_to_dict(f) for f in findings],
        "errors": [
            {"path": e.path, "line": e.line, "col": e.col, "message": e.message}
            for e in sorted(errors, key=lambda e: (e.path or "", e.line or 0))
        ],
    }
