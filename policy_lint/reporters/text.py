"""``path:line:col: ID level message`` lines, the format editors and pre-commit understand.

Every field that came from input (path, message, hint) is cleaned
(:func:`~policy_lint.reporters.sanitize.clean`): one finding is exactly one line, with no
secret and no terminal escape in it; only the colour codes added here reach the terminal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Level
from policy_lint.reporters.sanitize import clean, clean_location

_COLOURS = {
    Level.ERROR: "\033[31m",
    Level.SECURITY_WARNING: "\033[35m",
    Level.WARNING: "\033[33m",
    Level.SUGGESTION: "\033[36m",
}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def format_finding(finding: Finding, colour: bool = False) -> str:
    level = finding.level.label
    where = clean_location(finding.location)
    message = clean(finding.message)
    hint = f" ({clean(finding.hint)})" if finding.hint else ""
    if colour:
        return (
            f"{_BOLD}{where}{_RESET}: {_BOLD}{finding.rule_id}{_RESET} "
            f"{_COLOURS[finding.level]}{level}{_RESET} {message}{_DIM}{hint}{_RESET}"
        )
    return f"{where}: {finding.rule_id} {level} {message}{hint}"


def summary(findings: Sequence[Finding], files: int) -> str:
    if not findings:
        return f"No findings in {files} file{'s' if files != 1 else ''}."
    counts = Counter(f.level for f in findings)
    parts = [f"{counts[level]} {level.label}" for level in sorted(counts, reverse=True)]
    return f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}."


def render_text(findings: Sequence[Finding], errors: Sequence[InputError], files: int, colour: bool) -> str:
    lines = [format_finding(f, colour) for f in findings]
    lines.append(summary(findings, files))
    return "\n".join(lines) + "\n"


def accepted_lines(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """What was accepted or suppressed, with the reason: not counted by the gate, never hidden."""
    if not entries:
        return []
    listed = [e for e in entries if e.get("kind") != "baseline"]
    in_baseline = len(entries) - len(listed)
    lines = [f"Accepted or suppressed, not counted ({len(entries)}):"]
    if in_baseline:  # a baseline may hold thousands: counted here, listed in the structured formats
        lines.append(f"  {in_baseline} in the baseline")
    for entry in sorted(
        listed, key=lambda e: (str(e.get("location") or e.get("resource")), str(e.get("rule_id")))
    ):
        where = clean(entry.get("location") or entry.get("resource") or "")
        level = f" {clean(entry['level'])}" if entry.get("level") else ""
        reason = clean(entry.get("reason") or "no reason given")
        # what was accepted, then why: two accepted findings at one place (SAM's SQSPollerPolicy
        # names two actions IAM does not know) read as two different lines
        said = f"{clean(entry['message'])} (accepted: {reason})" if entry.get("message") else reason
        lines.append(f"  {clean(entry.get('rule_id'))}{level} at {where}: {said}")
    return lines


def with_accepted(text: str, entries: Sequence[Mapping[str, Any]]) -> str:
    """``text`` with the accepted lines inserted before its last line (the summary)."""
    extra = accepted_lines(entries)
    if not extra:
        return text
    body, _, last = text.rstrip("\n").rpartition("\n")
    return "\n".join([*([body] if body else []), *extra, last]) + "\n"
