"""The auditor report: one model, rendered by jinja2 to self-contained HTML or to Markdown.

The model is built here, not in the templates, so both formats show the same facts in the
same order, every string from input is cleaned once (secrets redacted, control characters
escaped: :mod:`policy_lint.reporters.sanitize`), and the templates stay free of logic. HTML is
escaped by jinja2's autoescape; Markdown by :func:`markdown_text`, the ``md`` filter. Check results are grouped by framework control when their
rule maps to a framework (CIS), by principal when they judge one user or role with every policy
that reaches it (privilege escalation), otherwise by rule family (the onboarding rules).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_lint import __version__
from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level
from policy_lint.reporters import rulemeta
from policy_lint.reporters.organization import AccountPart, OrganizationSummary, organization_parts
from policy_lint.reporters.results import principal_of
from policy_lint.reporters.sanitize import clean, clean_location
from policy_lint.rules.registry import FAMILIES, CheckMeta, Status

TEMPLATES = Path(__file__).with_name("templates")
STATUSES = (Status.FAIL, Status.UNKNOWN, Status.PASS)
_STATUS_ORDER = {status: i for i, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class CheckRow:
    """One check result as a table row."""

    control: str
    rule_id: str
    title: str
    help_url: str
    resource: str
    status: str
    level: str
    message: str
    location: str
    evidence: tuple[str, ...]
    remediation: str


@dataclass(frozen=True)
class Section:
    """A table: one framework (rows per control) or one rule family."""

    title: str
    kind: str  # framework | principal | family
    rows: tuple[CheckRow, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class SummaryRow:
    level: str
    passed: int
    failed: int
    unknown: int

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.unknown


@dataclass(frozen=True)
class FindingRow:
    location: str
    rule_id: str
    help_url: str
    level: str
    message: str
    hint: str


@dataclass(frozen=True)
class SuppressedRow:
    rule_id: str
    help_url: str
    where: str
    reason: str


@dataclass(frozen=True)
class CustomRuleRow:
    """A custom rule of the settings, as the report explains it (no reference page does)."""

    rule_id: str
    title: str
    level: str
    help: str
    remediation: str


@dataclass(frozen=True)
class ReportModel:
    """Everything either template shows, already sorted and redacted."""

    title: str
    verdict: str
    verdict_status: str  # fail | unknown | pass: colours the verdict line
    tool_version: str
    ruleset_version: str
    rule_count: int
    ruleset_digest: str
    timestamp: str | None
    scope: tuple[tuple[str, str], ...]
    summary: tuple[SummaryRow, ...]
    totals: Mapping[str, int]
    sections: tuple[Section, ...]
    findings: tuple[FindingRow, ...]
    finding_counts: tuple[tuple[str, int], ...]
    suppressed: tuple[SuppressedRow, ...]
    custom_rules: tuple[CustomRuleRow, ...] = ()
    #: an organization run: accounts × rule family, then the sections of each account
    organization: OrganizationSummary | None = None
    accounts: tuple[AccountPart, ...] = ()

    @property
    def has_checks(self) -> bool:
        """False for a lint-only report, whose summary is its findings' levels."""
        return bool(self.sections)


def _control_key(control: str) -> tuple[tuple[int, int | str], ...]:
    """'1.10' after '1.9': numbers compare as numbers, anything else as text."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-]", control))


def _scope_value(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, dict):  # e.g. resources per kind: "buckets: 2, queues: 1"
        return ", ".join(f"{k}: {_scope_value(v)}" for k, v in sorted(value.items(), key=str)) or "-"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(str(v) for v in items)
    return str(value)


def _in_scope(key: str, value: Any) -> Any:
    """The scope entry as the report's scope table shows it: an organization's accounts are
    counted there (the organization summary lists them)."""
    if key == "organization" and isinstance(value, Mapping) and isinstance(value.get("accounts"), Mapping):
        return {**value, "accounts": len(value["accounts"])}
    return value


def _row(result: CheckResult, control: str, docs_url: str | None) -> CheckRow:
    meta = rulemeta.lookup(result.rule_id)
    return CheckRow(
        control=control,
        rule_id=result.rule_id,
        title=clean(meta.title if meta else result.title),
        help_url=rulemeta.help_uri(result.rule_id, docs_url),
        resource=clean(result.resource),
        status=result.status.value,
        level=result.level.label,
        message=clean(result.message),
        location=clean(str(result.location)) if result.location else "",
        evidence=tuple(rulemeta.evidence_lines(result.evidence)),
        remediation=meta.remediation if meta else "",
    )


def _sections(results: Sequence[CheckResult], docs_url: str | None) -> tuple[Section, ...]:
    frameworks: dict[str, list[CheckRow]] = {}
    families: dict[str, list[CheckRow]] = {}
    principals: dict[str, list[CheckRow]] = {}
    for result in results:
        meta = rulemeta.lookup(result.rule_id)
        principal = principal_of(result)
        if principal is not None:
            principals.setdefault(f"Privilege escalation: {principal}", []).append(_row(result, "", docs_url))
            continue
        mapped = meta.frameworks if isinstance(meta, CheckMeta) else ()
        for framework, control in mapped:
            frameworks.setdefault(framework, []).append(_row(result, control, docs_url))
        if not mapped:
            family = meta.family if meta else FAMILIES.get(result.rule_id[:3], "Other")
            families.setdefault(family, []).append(_row(result, "", docs_url))

    def section(title: str, kind: str, rows: list[CheckRow]) -> Section:
        ordered = sorted(
            rows,
            key=lambda r: (
                _control_key(r.control),
                r.rule_id,
                _STATUS_ORDER[Status(r.status)],
                r.resource,
                r.message,
            ),
        )
        counts = Counter(r.status for r in rows)
        return Section(title, kind, tuple(ordered), {s.value: counts.get(s.value, 0) for s in STATUSES})

    return tuple(
        [section(name, "framework", frameworks[name]) for name in sorted(frameworks)]
        + [section(name, "family", families[name]) for name in sorted(families)]
        + [section(clean(name), "principal", principals[name]) for name in sorted(principals)]
    )


def _summary(results: Sequence[CheckResult]) -> tuple[SummaryRow, ...]:
    counts = Counter((r.level, r.status) for r in results)
    return tuple(
        SummaryRow(
            level.label,
            counts[(level, Status.PASS)],
            counts[(level, Status.FAIL)],
            counts[(level, Status.UNKNOWN)],
        )
        for level in sorted(Level, reverse=True)
    )


def _suppressed(entries: Sequence[Mapping[str, Any]], docs_url: str | None) -> tuple[SuppressedRow, ...]:
    rows = [
        SuppressedRow(
            rule_id=clean(entry.get("rule_id", "?")),
            help_url=rulemeta.help_uri(str(entry.get("rule_id", "")), docs_url),
            where=clean(str(entry.get("resource") or entry.get("location") or "-")),
            reason=clean(str(entry.get("reason") or "no reason given")),
        )
        for entry in entries
    ]
    return tuple(sorted(rows, key=lambda r: (r.rule_id, r.where, r.reason)))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _verdict(totals: Mapping[str, int], findings: int) -> tuple[str, str]:
    """(status, sentence): the one line an auditor reads first."""
    if totals["fail"] or findings:
        parts = [_plural(totals["fail"], "failed check")] if totals["fail"] else []
        if findings:
            parts.append(_plural(findings, "lint finding"))
        return "fail", "Action needed: " + " and ".join(parts)
    if totals["unknown"]:
        return "unknown", f"Review needed: {_plural(totals['unknown'], 'check')} could not be evaluated"
    return "pass", "No failures"


def build_report(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> ReportModel:
    """Sort, group, count and redact everything the templates will show."""
    docs_url = context.get("docs_url")
    rule_count, digest = rulemeta.ruleset_digest()
    scope = context.get("scope") or {}
    status_counts = Counter(r.status.value for r in results)
    totals = {s.value: status_counts.get(s.value, 0) for s in STATUSES}
    ordered_findings = sorted(findings, key=Finding.sort_key)
    level_counts = Counter(f.level for f in ordered_findings)
    command = context.get("command")
    verdict_status, verdict = _verdict(totals, len(ordered_findings))
    organization = organization_parts(results, scope, lambda mine: _sections(mine, docs_url))
    return ReportModel(
        title=f"policy-lint {command} report" if command else "policy-lint report",
        verdict=verdict,
        verdict_status=verdict_status,
        tool_version=__version__,
        ruleset_version=__version__,
        rule_count=rule_count,
        ruleset_digest=digest,
        timestamp=context.get("timestamp"),
        scope=tuple(
            (clean(str(k)), clean(_scope_value(_in_scope(k, v))))
            for k, v in scope.items()
            if k != "suppressed"  # listed in its own section, with reasons
        ),
        summary=_summary(results),
        totals=totals,
        sections=_sections(results, docs_url),
        findings=tuple(
            FindingRow(
                location=clean_location(f.location),
                rule_id=f.rule_id,
                help_url=rulemeta.help_uri(f.rule_id, docs_url),
                level=f.level.label,
                message=clean(f.message),
                hint=clean(f.hint or ""),
            )
            for f in ordered_findings
        ),
        finding_counts=tuple(
            (level.label, level_counts[level]) for level in sorted(Level, reverse=True) if level_counts[level]
        ),
        suppressed=_suppressed(context.get("suppressed") or (), docs_url),
        custom_rules=tuple(
            CustomRuleRow(e["id"], e["title"], e["level"], e["help"], e["remediation"])
            for e in rulemeta.custom_rule_entries()
        ),
        organization=organization[0] if organization else None,
        accounts=organization[1] if organization else (),
    )


#: Every ASCII punctuation character, each of which CommonMark lets a backslash make literal.
_MD_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _md_literal(match: re.Match[str]) -> str:
    # cmark-gfm (GitHub) joins escaped text before it looks for e-mail addresses, so a\@b\.c
    # would still become a mailto: link; a code span splits the text and also stops @mentions.
    return "`@`" if match.group(0) == "@" else "\\" + match.group(0)


def markdown_text(value: Any) -> str:
    """*value* as Markdown that renders as exactly its text, inline or in a table cell.

    Every ASCII punctuation character is backslash-escaped, so no link, image, raw HTML,
    entity, emphasis, code span, strikethrough or table pipe can start from input; that also
    splits what would otherwise become an autolink (``http://``, ``www.``, e-mail addresses:
    GitHub and linkify plugins link bare URLs), and ``@`` is a code span (see
    :func:`_md_literal`). Values are cleaned first, so they hold no newline. The rendered text
    is unchanged; the raw Markdown is harder to read, which is the price of being safe to
    render anywhere.
    """
    return _MD_PUNCTUATION.sub(_md_literal, str(value)).replace("\n", "<br>")


def _environment() -> Any:
    import jinja2  # imported here: only the report formats need it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_text
    return env


def render_html(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """A single self-contained HTML page (inline CSS, no scripts, no external assets)."""
    model = build_report(findings, results, context)
    return str(_environment().get_template("report.html.j2").render(report=model))


def render_markdown(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The same report as Markdown (GitHub/GitLab flavoured tables)."""
    model = build_report(findings, results, context)
    return str(_environment().get_template("report.md.j2").render(report=model))
