"""What the line-annotation formats (GitHub workflow commands, GitLab Code Quality) report.

Both show one entry per problem on a file line, so both need the same list: every lint finding
and every check result that did not pass. An *unknown* result is kept (unknown never passes: a
person must answer it) and says so in its message. Passing results are left out, as in SARIF:
these consumers treat every entry as a problem. Findings the run accepted or suppressed come last,
each saying so with its reason (:mod:`policy_lint.reporters.accepted`): they are shown at the
lowest level (a notice, an ``info`` issue), never as a problem, and never lost.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters.accepted import Accepted, accepted_entries
from policy_lint.reporters.rulemeta import UNKNOWN_PREFIX
from policy_lint.reporters.sanitize import clean, redact
from policy_lint.reporters.sarif import fingerprint, report_order
from policy_lint.rules.registry import Status


@dataclass(frozen=True)
class Annotation:
    """One problem to show: a lint finding or a failed or unknown check result."""

    rule_id: str
    title: str
    level: Level
    unknown: bool
    message: str
    location: Location | None
    resource: str | None
    #: why the gate did not count it (accepted vendor risk, suppression), or None for a problem
    accepted: Accepted | None = None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return report_order(self.location, self.rule_id, self.resource, self.message)

    def shown_message(self) -> str:
        """The message as users read it, cleaned (secrets redacted, controls escaped)."""
        if self.accepted is not None:
            return clean(self.accepted.shown_message())
        text = self.message
        if self.resource and self.location is None:
            text = f"{self.resource}: {text}"
        return clean((UNKNOWN_PREFIX if self.unknown else "") + text)


def items_to_annotate(
    findings: Sequence[Finding],
    results: Sequence[CheckResult],
    suppressed: Sequence[Mapping[str, Any]] | None = None,
) -> list[Annotation]:
    """Every finding and every failed or unknown result, in report order; then what the run
    accepted or suppressed (after the problems, so their fingerprints do not shift)."""
    items = [
        Annotation(f.rule_id, f.rule_name, f.level, False, f.message, f.location, None) for f in findings
    ]
    items += [
        Annotation(r.rule_id, r.title, r.level, r.status is Status.UNKNOWN, r.message, r.location, r.resource)
        for r in results
        if r.status is not Status.PASS
    ]
    accepted = [
        Annotation(a.rule_id, a.name, a.level, False, a.message, a.location, a.resource, a)
        for a in accepted_entries(suppressed)
    ]
    return sorted(items, key=Annotation.sort_key) + sorted(accepted, key=Annotation.sort_key)


def relative_path(path: str, root: str | None) -> str:
    """*path* relative to *root* (default: the current directory, which in CI is the checkout),
    with ``/`` separators; a file outside it keeps its absolute path."""
    base = os.path.abspath(root or os.getcwd())
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def unique_fingerprints(items: Sequence[Annotation], root: str | None) -> list[str]:
    """One fingerprint per item: SARIF's (rule, file or resource, message without digits; never the
    line, so it survives code moving), with ``:2``, ``:3`` for repeats so each stays unique.
    Computed from redacted text, so a fingerprint can neither hold nor confirm a secret."""
    seen: Counter[str] = Counter()
    prints = []
    for item in items:
        anchor = item.resource or (relative_path(item.location.path, root) if item.location else "")
        print_ = fingerprint(item.rule_id, redact(anchor), redact(item.message))
        seen[print_] += 1
        prints.append(print_ if seen[print_] == 1 else f"{print_}:{seen[print_]}")
    return prints
