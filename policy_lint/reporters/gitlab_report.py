"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

GitLab documents the fields it reads (https://docs.gitlab.com/ci/testing/code_quality/
"Code Quality report format"): a JSON array of objects with ``description``, ``check_name``,
``fingerprint``, ``severity`` (info, minor, major, critical, blocker), ``location.path`` (relative
to the repository) and ``location.lines.begin``. GitLab keeps one issue per fingerprint and
compares fingerprints between the base and the merge request, so each is unique in a report and
stable across runs (no line in it: :func:`~policy_lint.reporters.annotations.unique_fingerprints`).

Severity: error -> ``critical``, security-warning -> ``major``, warning -> ``minor``, suggestion
and unknown results -> ``info``. What the run accepted or suppressed is an ``info`` issue whose
description starts with the decision and its reason (GitLab has no suppressed state). A result with no file (live input) is reported at its resource
name, line 1, so it is not lost. ``location.path`` keeps a CR, LF or TAB of the file's name (JSON
escapes them and GitLab decodes them back), so it names the real file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level
from policy_lint.reporters.annotations import items_to_annotate, relative_path, unique_fingerprints
from policy_lint.reporters.sanitize import clean, clean_location_path

SEVERITIES = ("info", "minor", "major", "critical", "blocker")
_SEVERITY = {
    Level.ERROR: "critical",
    Level.SECURITY_WARNING: "major",
    Level.WARNING: "minor",
    Level.SUGGESTION: "info",
}


def render_gitlab(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The Code Quality report as indented JSON text ending in a newline."""
    root = context.get("root")
    items = items_to_annotate(findings, results, context.get("suppressed"))
    issues = []
    for item, print_ in zip(items, unique_fingerprints(items, root), strict=True):
        if item.location is not None:
            path, line = relative_path(item.location.path, root), max(item.location.line, 1)
        else:
            path, line = item.resource or "(no file)", 1
        issues.append(
            {
                "description": f"{clean(item.rule_id)}: {item.shown_message()}",
                "check_name": clean(item.rule_id),
                "fingerprint": print_,
                "severity": "info" if item.unknown or item.accepted else _SEVERITY[item.level],
                "location": {"path": clean_location_path(path), "lines": {"begin": line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
