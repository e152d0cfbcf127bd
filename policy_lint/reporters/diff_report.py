"""``policy-lint diff`` reports: text, JSON, and the exit code they imply.

The diff itself (:mod:`policy_lint.iam.diff`) returns findings with evidence; how they are
written, and which managed-policy snapshot the reader is told was used, is decided here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint import __version__
from policy_lint.core.findings import Finding, Level
from policy_lint.iam.diff import ActualPolicy, DiffFinding, DiffResult, ReferencePolicy
from policy_lint.reference.managed import snapshot_info
from policy_lint.reporters.json_report import finding_to_dict
from policy_lint.reporters.sanitize import clean, clean_value
from policy_lint.reporters.text import accepted_lines, format_finding, summary


def render_diff_text(
    result: DiffResult,
    problems: Sequence[Finding] = (),
    colour: bool = False,
    accepted: Sequence[Mapping[str, Any]] = (),
) -> str:
    """``accepted``: the findings not counted, with the reason, listed before the summary as lint does."""
    findings = sorted([*problems, *(f.finding for f in result.findings)], key=Finding.sort_key)
    lines = [format_finding(f, colour) for f in findings]  # cleans each field
    lines.extend(accepted_lines(accepted))
    refs = clean(", ".join(r.label for r in result.references) or "-")
    lines.append(summary(findings, len(result.actual) + len(problems)).rstrip(".") + f", against {refs}.")
    if any(a.managed is not None for a in result.actual) or any(
        r.kind == "aws-managed" for r in result.references
    ):
        lines.append(f"Compared using {snapshot_info()}.")  # AWS changes them: say how old our copy is
    return "\n".join(lines) + "\n"


def render_diff_json(
    result: DiffResult | None,
    problems: Sequence[Finding] = (),
    errors: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
    accepted: Sequence[Mapping[str, Any]] = (),
) -> str:
    """``accepted``: the findings not counted, with the reason (the vendor reference's weaknesses, the
    settings' suppressions, the baseline), as lint's JSON lists them."""
    info = snapshot_info()
    findings: list[dict[str, Any]] = [{**finding_to_dict(p), "evidence": {}} for p in problems]
    if result is not None:
        findings.extend(_finding_dict(f) for f in result.findings)
    findings.sort(
        key=lambda f: (
            f["location"]["path"],
            f["location"]["line"],
            f["location"]["col"],
            f["rule_id"],
            f["message"],
        )
    )
    payload = {
        "tool": {"name": "policy-lint", "version": __version__, "command": "diff"},
        "reference": {
            **(dict(context) if context else {}),
            "policies": [_reference_dict(r) for r in result.references] if result else [],
        },
        "actual": [_actual_dict(a) for a in result.actual] if result else [],
        "managed_snapshot": {"data_as_of": info.data_as_of, "source": f"{info.package}@{info.version}"},
        "stats": result.stats if result else {},
        "findings": findings,
        "suppressed": sorted(
            (dict(entry) for entry in accepted), key=lambda e: (str(e["location"]), e["rule_id"])
        ),
        "notes": result.notes if result else [],
        "errors": list(errors),
    }
    # Every string cleaned (secrets redacted, control characters escaped), as in lint/check JSON.
    return json.dumps(clean_value(payload), indent=2, ensure_ascii=False) + "\n"


def diff_exit_code(result: DiffResult | None, problems: Sequence[Finding], threshold: Level) -> int:
    if problems or result is None:
        return 2
    return 1 if any(f.finding.level >= threshold for f in result.findings) else 0


def _finding_dict(found: DiffFinding) -> dict[str, Any]:
    """A finding as lint's JSON writes it, plus the evidence the diff gathered."""
    return {**finding_to_dict(found.finding), "evidence": found.evidence}


def _reference_dict(reference: ReferencePolicy) -> dict[str, Any]:
    return {
        "name": reference.name,
        "kind": reference.kind,
        "features": list(reference.features),
        "path": reference.document.path,
        "unfilled_placeholders": list(reference.unfilled),
    }


def _actual_dict(actual: ActualPolicy) -> dict[str, Any]:
    out: dict[str, Any] = {"name": actual.name, "kind": actual.kind, "path": actual.document.path}
    if actual.managed is not None:
        out.update(
            arn=actual.managed.arn,
            version_id=actual.managed.version_id,
            updated=actual.managed.update_date,
            sha256=actual.managed.sha256,
        )
    return out
