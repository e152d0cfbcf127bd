"""Small helpers shared by rule tests."""

from __future__ import annotations

import json
from typing import Any

from policy_lint.core.findings import Finding
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_text
from policy_lint.policy.model import PolicyType


def lint_policy(
    doc: Any, select: str | None = None, policy_type: str | None = None, indent: int | None = 2
) -> list[Finding]:
    """Lint a document given as a dict (dumped with indentation) or as raw text."""
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=indent)
    options = LintOptions(
        select=(select,) if select else (),
        policy_type=PolicyType(policy_type) if policy_type else None,
    )
    return lint_text(text, "policy.json", options)


def rule_ids(findings: list[Finding]) -> list[str]:
    return [f.rule_id for f in findings]


def at(findings: list[Finding], rule_id: str) -> list[tuple[int, int]]:
    return [(f.location.line, f.location.col) for f in findings if f.rule_id == rule_id]


def statement(**fields: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [fields]}
