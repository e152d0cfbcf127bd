"""JUnit XML, the test-report format GitLab, Jenkins and Azure DevOps show next to a pipeline.

Shape: ``<testsuites>`` holding one ``<testsuite>`` per check rule (named ``ID name``) and one
per lint rule family (``PL1xx Policy grammar``); one ``<testcase>`` per (rule, resource), where
a lint finding's resource is its file. A failing case has ``<failure message=... type=level>``
whose text gives every message with its position, the evidence and the fix; an unknown check
result is ``<skipped message="reason"/>`` (CI shows it as skipped, never as passed); a pass is a
plain ``<testcase/>``. Suppressed findings from ``context["suppressed"]`` are skipped cases
whose message starts with ``suppressed:``. No ``time`` attributes and no timestamp unless asked,
so the same input gives the same bytes. Every string from input is cleaned
(:func:`~policy_lint.reporters.sanitize.clean`) as it enters a case, before the lines of a
failure are joined, so the newlines between them are the only ones in the text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding
from policy_lint.reporters import rulemeta
from policy_lint.reporters.sanitize import clean, clean_location
from policy_lint.rules.registry import FAMILIES, Status

# XML 1.0 cannot carry most control characters, even escaped; cleaned text has none left but
# the noncharacters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass
class _Case:
    """What one testcase will say, gathered from every result for one (rule, resource)."""

    rule_id: str
    name: str
    file: str | None = None
    line: int | None = None
    failures: list[str] = field(default_factory=list)
    failure_type: str = ""
    failure_message: str = ""
    skipped: str | None = None
    details: list[str] = field(default_factory=list)


@dataclass
class _Suite:
    name: str
    cases: dict[str, _Case] = field(default_factory=dict)


def _family_suite_name(rule_id: str) -> str:
    prefix = rule_id[:3]
    return f"{prefix}xx {FAMILIES.get(prefix, 'Other')}"


def _rule_suite_name(rule_id: str, rule_name: str) -> str:
    return f"{rule_id} {rule_name}".strip()


def _add_finding(suites: dict[str, _Suite], finding: Finding) -> None:
    suite = suites.setdefault(
        _family_suite_name(finding.rule_id), _Suite(_family_suite_name(finding.rule_id))
    )
    path = clean(finding.location.path)
    key = f"{finding.rule_id} {path}"
    case = suite.cases.setdefault(key, _Case(finding.rule_id, key, file=path, line=finding.location.line))
    hint = f" (fix: {clean(finding.hint)})" if finding.hint else ""
    case.failures.append(f"{clean_location(finding.location)}: {clean(finding.message)}{hint}")
    if not case.failure_type:
        case.failure_type = finding.level.label
        case.failure_message = clean(finding.message)


def _add_result(suites: dict[str, _Suite], result: CheckResult) -> None:
    name = _rule_suite_name(result.rule_id, result.rule_name)
    suite = suites.setdefault(name, _Suite(name))
    loc = result.location
    resource = clean(result.resource)
    case = suite.cases.setdefault(
        resource,
        _Case(
            result.rule_id, resource, file=clean(loc.path) if loc else None, line=loc.line if loc else None
        ),
    )
    where = f"{clean(loc)}: " if loc else ""
    message = clean(result.message)
    if result.status is Status.FAIL:
        case.failures.append(f"{where}{message}")
        case.details += [f"  {line}" for line in rulemeta.evidence_lines(result.evidence)]
        if not case.failure_type:
            case.failure_type = result.level.label
            case.failure_message = message
    elif result.status is Status.UNKNOWN and case.skipped is None:
        case.skipped = f"unknown: {message}"


def _add_suppressed(suites: dict[str, _Suite], entry: Mapping[str, Any]) -> None:
    rule_id = clean(entry.get("rule_id", "?"))
    meta = rulemeta.lookup(rule_id)
    name = _rule_suite_name(rule_id, meta.name if meta else "")
    suite = suites.setdefault(name, _Suite(name))
    resource = clean(entry.get("resource") or entry.get("location") or "?")
    case = suite.cases.setdefault(resource, _Case(rule_id, resource))
    case.skipped = f"suppressed: {clean(entry.get('reason') or 'no reason given')}"


def _case_element(case: _Case, remediation: str | None) -> ET.Element:
    attrs = {"name": _xml(case.name), "classname": _xml(case.rule_id)}
    if case.file:
        attrs["file"] = _xml(case.file)
    if case.line:
        attrs["line"] = str(case.line)
    element = ET.Element("testcase", attrs)
    if case.failures:
        text = [*case.failures, *(["evidence:", *case.details] if case.details else [])]
        if remediation:
            text.append(f"fix: {remediation}")
        failure = ET.SubElement(
            element, "failure", {"message": _xml(case.failure_message), "type": case.failure_type}
        )
        failure.text = _xml("\n".join(text))
    elif case.skipped is not None:
        ET.SubElement(element, "skipped", {"message": _xml(case.skipped)})
    return element


def render_junit(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The JUnit XML document, with an XML declaration and a trailing newline."""
    suites: dict[str, _Suite] = {}
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        _add_finding(suites, finding)
    for result in sorted(results, key=lambda r: r.sort_key()):
        _add_result(suites, result)
    for entry in context.get("suppressed") or ():
        _add_suppressed(suites, entry)
    if not suites:
        files = context.get("files")
        name = f"{files} file{'s' if files != 1 else ''} checked" if files is not None else "no findings"
        suites["policy-lint"] = _Suite("policy-lint", {"": _Case("policy-lint", name)})
    timestamp = context.get("timestamp")
    root = ET.Element("testsuites", {"name": "policy-lint"})
    totals: defaultdict[str, int] = defaultdict(int)
    for suite_name in sorted(suites):
        suite = suites[suite_name]
        cases = [suite.cases[key] for key in sorted(suite.cases)]
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.failures),
            "errors": 0,
            "skipped": sum(1 for c in cases if not c.failures and c.skipped is not None),
        }
        attrs = {"name": _xml(suite_name), **{k: str(v) for k, v in counts.items()}}
        if timestamp:
            attrs["timestamp"] = str(timestamp)
        element = ET.SubElement(root, "testsuite", attrs)
        for case in cases:
            meta = rulemeta.lookup(case.rule_id)
            element.append(_case_element(case, meta.remediation if meta else None))
        for key, value in counts.items():
            totals[key] += value
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
