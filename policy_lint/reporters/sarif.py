"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Choices (docs/reports.md repeats them for users):

- Lint findings and *failed* check results are results of kind ``fail`` with the level of
  their rule: error -> ``error``, security-warning and warning -> ``warning``, suggestion ->
  ``note``. Security-relevant rules carry ``properties.security-severity`` so GitHub ranks them.
- *Unknown* check results are kind ``review`` with level ``none``: the spec (section 3.27.10)
  requires level ``none`` whenever kind is not ``fail``, so "note + review" would be invalid.
  They stay in the log because an unanswered question needs a person, not silence.
- *Passing* check results are left out: SARIF consumers such as code scanning treat every
  result as an alert (GitHub documents no ``kind`` support); JUnit and the auditor report list passes.
- Files are ``physicalLocation``s relative to the current directory (``uriBaseId``
  ``%SRCROOT%``); a resource without a file (live input) is a ``logicalLocation`` of kind
  ``resource`` named by its ARN.
- ``partialFingerprints`` hash the rule ID, the resource (or file) and the message with digits
  normalised, never the line, so an alert follows a finding that moves.
- No timestamp unless the caller passes one (``context["timestamp"]``): same input, same bytes.
- Every text that came from input (messages, resource names, evidence, suppression reasons,
  notifications) is cleaned (:func:`~policy_lint.reporters.sanitize.clean`: secrets redacted,
  control characters escaped). Not cleaned, on purpose: artifact URIs, which must name the real
  file (they percent-encode its bytes, so they are ASCII and lossless even for a non-UTF-8 name),
  and ``partialFingerprints``, hex digests computed from the *redacted* text, so a fingerprint
  can neither hold a secret nor confirm a guessed one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from policy_lint import __version__
from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.accepted import accepted_entries
from policy_lint.reporters.sanitize import clean, clean_value, redact
from policy_lint.rules.registry import CheckMeta, RuleMeta, Status

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "policyLint/v1"

_SARIF_LEVEL = {
    Level.ERROR: "error",
    Level.SECURITY_WARNING: "warning",
    Level.WARNING: "warning",
    Level.SUGGESTION: "note",
}
# GitHub's bands: >= 9 critical, 7-8.9 high, 4-6.9 medium, < 4 low.
_SECURITY_SEVERITY = {
    Level.ERROR: "8.0",
    Level.SECURITY_WARNING: "7.5",
    Level.WARNING: "5.0",
    Level.SUGGESTION: "3.0",
}


def report_order(
    location: Location | None, rule_id: str, resource: str | None, message: str
) -> tuple[str, int, int, str, str, str]:
    """The order of results in a report: by file and position (no file last), then rule, resource
    and message."""
    return (
        location.path if location else "~",
        location.line if location else 0,
        location.col if location else 0,
        rule_id,
        resource or "",
        message,
    )


@dataclass(frozen=True)
class _Item:
    """One SARIF result before serialisation: a finding or a non-passing check result."""

    rule_id: str
    rule_name: str
    title: str
    level: Level
    message: str
    location: Location | None
    resource: str | None
    status: Status
    evidence: Mapping[str, Any]

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return report_order(self.location, self.rule_id, self.resource, self.message)


def _suppressed_items(entries: Sequence[Mapping[str, Any]]) -> list[tuple[_Item, dict[str, Any]]]:
    """Suppressed findings as SARIF results with a ``suppressions`` entry, so code scanning shows
    them as dismissed with the reason instead of silently losing them (SARIF 3.27.23)."""
    return [
        (
            _Item(
                entry.rule_id,
                entry.name,
                entry.title,
                entry.level,
                entry.message,
                entry.location,
                entry.resource,
                Status.FAIL,
                {},
            ),
            {
                "kind": "inSource" if entry.kind == "inline" else "external",
                "status": "accepted",
                "justification": clean(entry.reason),
            },
        )
        for entry in accepted_entries(entries)
    ]


def _items(findings: Sequence[Finding], results: Sequence[CheckResult]) -> list[_Item]:
    items = [
        _Item(f.rule_id, f.rule_name, "", f.level, f.message, f.location, None, Status.FAIL, {})
        for f in findings
    ]
    items += [
        _Item(
            r.rule_id,
            r.rule_name,
            r.title,
            r.level,
            r.message,
            r.location,
            r.resource,
            r.status,
            r.evidence,
        )
        for r in results
        if r.status is not Status.PASS
    ]
    return sorted(items, key=_Item.sort_key)


def artifact_uri(path: str, root: str | None = None) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative to *root* (default: the current directory) when the file is
    inside it, else an absolute ``file://`` URI with no base.

    The file name's bytes are percent-encoded (``os.fsencode``), so a name that is not UTF-8
    (held as surrogate escapes) gives an ASCII URI that decodes back to exactly those bytes. A
    secret-shaped part of the name (an access key ID) is redacted first, as in every format.
    """
    base = os.path.abspath(root or os.getcwd())
    absolute = redact(os.path.abspath(path))
    relative = os.path.relpath(absolute, base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return Path(absolute).as_uri(), None
    return quote(os.fsencode(relative.replace(os.sep, "/"))), SRCROOT


_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    """Lower case, single spaces, every number replaced: what stays the same when code moves."""
    return _SPACE.sub(" ", _DIGITS.sub("#", message.lower())).strip()


def fingerprint(rule_id: str, anchor: str, message: str) -> str:
    """A stable hash of what a finding is about, independent of its line and column."""
    key = "\0".join((rule_id, anchor, normalise_message(message)))
    # surrogatepass: a lone surrogate (a JSON "\ud800" in a policy value) must not stop the report.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _rule_descriptor(rule_id: str, sample: _Item, docs_url: str | None) -> dict[str, Any]:
    meta: RuleMeta | None = rulemeta.lookup(rule_id)
    level = meta.level if meta else sample.level
    title = meta.title if meta else (sample.title or sample.rule_name or rule_id)
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": (meta.name if meta else sample.rule_name) or rule_id,
        "shortDescription": {"text": clean(title)},
    }
    if meta:
        descriptor["fullDescription"] = {"text": meta.rationale}
        descriptor["help"] = {
            "text": f"{meta.remediation}\n\nWhy: {meta.rationale}",
            "markdown": f"**Fix:** {meta.remediation}\n\n**Why:** {meta.rationale}",
        }
    descriptor["helpUri"] = rulemeta.help_uri(rule_id, docs_url)
    descriptor["defaultConfiguration"] = {"level": _SARIF_LEVEL[level]}
    tags = [meta.family] if meta else []
    frameworks = meta.frameworks if isinstance(meta, CheckMeta) else ()
    tags += sorted({f"{name} {control}" for name, control in frameworks})
    # Posture and risk rules are security findings; grammar or configuration errors are not.
    security = level is Level.SECURITY_WARNING or bool(frameworks) or rule_id.startswith("CS")
    properties: dict[str, Any] = {}
    if security:
        tags.insert(0, "security")
        properties["security-severity"] = _SECURITY_SEVERITY[level]
    if tags:
        properties["tags"] = tags
    if properties:
        descriptor["properties"] = properties
    return descriptor


def _artifact_location(path: str, root: str | None) -> dict[str, Any]:
    uri, base = artifact_uri(path, root)
    return {"uri": uri, "uriBaseId": base} if base else {"uri": uri}


def _location(item: _Item, root: str | None) -> list[dict[str, Any]]:
    location: dict[str, Any] = {}
    if item.location is not None:
        location["physicalLocation"] = {
            "artifactLocation": _artifact_location(item.location.path, root),
            "region": {"startLine": max(item.location.line, 1), "startColumn": max(item.location.col, 1)},
        }
    if item.resource:
        location["logicalLocations"] = [
            {
                "name": clean(item.resource),
                "fullyQualifiedName": clean(item.resource),
                "kind": "resource",
            }
        ]
    return [location] if location else []


def _result(item: _Item, index: int, root: str | None) -> dict[str, Any]:
    message = clean(item.message)
    result: dict[str, Any] = {"ruleId": item.rule_id, "ruleIndex": index}
    if item.status is Status.UNKNOWN:
        result["kind"] = "review"
        result["level"] = "none"
        message = f"{rulemeta.UNKNOWN_PREFIX}{message}"
    else:
        result["level"] = _SARIF_LEVEL[item.level]
    result["message"] = {"text": message}
    result["locations"] = _location(item, root)
    properties: dict[str, Any] = {"status": item.status.value, "level": item.level.label}
    if item.evidence:
        properties["evidence"] = clean_value(dict(item.evidence))
    result["properties"] = properties
    return result


def _anchor(item: _Item, root: str | None) -> str:
    if item.resource:
        return item.resource
    return artifact_uri(item.location.path, root)[0] if item.location else ""


def render_sarif(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The SARIF log as indented JSON text ending in a newline."""
    accepted = _suppressed_items(context.get("suppressed") or [])
    suppressions = {id(item): suppression for item, suppression in accepted}
    items = sorted([*_items(findings, results), *(item for item, _ in accepted)], key=_Item.sort_key)
    docs_url = context.get("docs_url")
    root = context.get("root")
    samples: dict[str, _Item] = {}
    for item in items:
        samples.setdefault(item.rule_id, item)
    rule_ids = sorted(samples)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    sarif_results = []
    seen: Counter[str] = Counter()
    for item in items:
        result = _result(item, index[item.rule_id], root)
        if id(item) in suppressions:
            result["suppressions"] = [suppressions[id(item)]]
        print_ = fingerprint(item.rule_id, redact(_anchor(item, root)), redact(item.message))
        seen[print_] += 1
        # Two identical findings in one file differ only by order of appearance (as GitHub's own
        # line-hash fingerprints do); the first keeps the bare hash.
        result["partialFingerprints"] = {
            FINGERPRINT_KEY: print_ if seen[print_] == 1 else f"{print_}:{seen[print_]}"
        }
        sarif_results.append(result)
    driver = {
        "name": "policy-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": rulemeta.INFORMATION_URL,
        "rules": [_rule_descriptor(rule_id, samples[rule_id], docs_url) for rule_id in rule_ids],
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    invocation = _invocation(context)
    if invocation:
        run["invocations"] = [invocation]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _invocation(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """Input errors as tool notifications, rules the run did not apply (and why) as configuration
    notifications, and the timestamp when one was asked for."""
    errors = context.get("errors") or ()
    timestamp = context.get("timestamp")
    onboarding = (context.get("scope") or {}).get("onboarding_rules")
    if not errors and not timestamp and not onboarding:
        return None
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if timestamp:
        invocation["endTimeUtc"] = timestamp
    if onboarding:
        text = clean(f"Onboarding rules (OB) {onboarding}.")
        invocation["toolConfigurationNotifications"] = [{"level": "note", "message": {"text": text}}]
    if errors:
        notes = []
        for error in sorted(errors, key=lambda e: (e.path or "", e.line or 0, e.col or 0, e.message)):
            note: dict[str, Any] = {"level": "error", "message": {"text": clean(error.message)}}
            if error.path:
                physical: dict[str, Any] = {
                    "artifactLocation": _artifact_location(error.path, context.get("root"))
                }
                if error.line:
                    physical["region"] = {"startLine": error.line, "startColumn": error.col or 1}
                note["locations"] = [{"physicalLocation": physical}]
            notes.append(note)
        invocation["toolExecutionNotifications"] = notes
    return invocation
