"""One dispatcher for every output format, so lint, check and verify offer the same choices.

``format_output(fmt, findings=..., results=..., context=...)`` returns the whole output as text.
*findings* are located lint findings (for ``check``: the inputs it could not read);
*results* are check results (None for ``lint``). *context* is a plain mapping; every key is
optional:

==============  =====================================================================
``command``     ``lint`` | ``check`` | ``verify``: titles the auditor report
``scope``       what was examined: inputs, or account and regions (JSON, HTML, Markdown)
``errors``      InputErrors of unusable inputs (text/JSON of lint, SARIF notifications)
``files``       how many files were read (lint text/JSON, JUnit when nothing was found)
``colour``      ANSI colour for text output
``show_passed`` list passing checks in text output
``timestamp``   an ISO 8601 UTC time to print, or None (the default) for byte-identical output
``suppressed``  list of ``{"rule_id", "resource" or "location", "reason"}`` to list as suppressed
``docs_url``    where docs/rules.md is published (SARIF helpUri, report links)
``root``        directory SARIF file URIs are relative to (default: the current directory)
==============  =====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # keep ``from formats import FORMATS`` cheap for the CLI's start-up
    from policy_lint.checks.engine import CheckResult
    from policy_lint.core.findings import Finding

FORMATS: tuple[str, ...] = (
    "text",
    "json",
    "sarif",
    "junit",
    "markdown",
    "html",
    "github",
    "gitlab",
    "csv",
    "asff",
    "ocsf",
)

Renderer = Callable[[Sequence["Finding"], Sequence["CheckResult"], Mapping[str, Any]], str]


#: ``--timestamp`` and the run's time: second precision, UTC, ``Z`` suffix.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_timestamp() -> str:
    """Now, for ``--timestamp``: second precision, UTC, ``Z`` suffix (what SARIF's date-time wants)."""
    return datetime.now(timezone.utc).replace(microsecond=0).strftime(TIMESTAMP_FORMAT)


def _text(
    findings: Sequence[Finding], results: Sequence[CheckResult] | None, context: Mapping[str, Any]
) -> str:
    from policy_lint.reporters.text import with_accepted

    colour = bool(context.get("colour", False))
    accepted = context.get("suppressed") or ()
    if results is None:
        from policy_lint.reporters.text import render_text

        files = int(context.get("files") or 0)
        return with_accepted(render_text(findings, context.get("errors") or (), files, colour), accepted)
    from policy_lint.reporters.results import render_results_text
    from policy_lint.reporters.text import format_finding

    lines = [format_finding(f, colour) + "\n" for f in sorted(findings, key=lambda f: f.sort_key())]
    shown = render_results_text(results, bool(context.get("show_passed")), colour)
    text = "".join(lines) + with_accepted(shown, accepted)
    onboarding = (context.get("scope") or {}).get("onboarding_rules")
    if onboarding:
        text += f"Onboarding rules (OB) {onboarding}.\n"
    if context.get("timestamp"):
        text += f"Generated {context['timestamp']}.\n"
    return text


def _json(
    findings: Sequence[Finding], results: Sequence[CheckResult] | None, context: Mapping[str, Any]
) -> str:
    payload: dict[str, Any]
    if results is None:
        from policy_lint.reporters.json_report import json_payload

        payload = json_payload(
            findings,
            context.get("errors") or (),
            int(context.get("files") or 0),
            str(context.get("command") or "lint"),
        )
    else:
        from policy_lint.reporters.json_report import finding_to_dict
        from policy_lint.reporters.results import results_payload

        payload = results_payload(
            results, dict(context.get("scope") or {}), str(context.get("command") or "check")
        )
        payload["problems"] = [finding_to_dict(f) for f in sorted(findings, key=lambda f: f.sort_key())]
    from policy_lint.reporters.rulemeta import custom_rule_entries

    custom = custom_rule_entries()
    if custom:
        payload["custom_rules"] = custom
    if context.get("suppressed") and "suppressed" not in payload.get("scope", {}):
        payload["suppressed"] = sorted(
            (dict(entry) for entry in context["suppressed"]),
            key=lambda e: json.dumps(e, sort_keys=True, default=str),
        )
    if context.get("timestamp"):
        payload["timestamp"] = context["timestamp"]
    from policy_lint.reporters.sanitize import clean_value

    # Every string, keys included, whichever part of the payload it came from.
    return json.dumps(clean_value(payload), indent=2, ensure_ascii=False) + "\n"


def _lazy(module: str, function: str) -> Renderer:
    """A renderer that imports its module on first use (jinja2 and the format's code stay out of
    ``lint``'s start-up unless it writes that format)."""

    def render(
        findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
    ) -> str:
        import importlib

        renderer: Renderer = getattr(importlib.import_module(f"policy_lint.reporters.{module}"), function)
        return renderer(findings, results, context)

    return render


# Imported lazily: ``policy-lint lint`` should not pay for jinja2 unless it writes a report.
_STRUCTURED: dict[str, Renderer] = {
    "sarif": _lazy("sarif", "render_sarif"),
    "junit": _lazy("junit", "render_junit"),
    "markdown": _lazy("report", "render_markdown"),
    "html": _lazy("report", "render_html"),
    "github": _lazy("github_report", "render_github"),
    "gitlab": _lazy("gitlab_report", "render_gitlab"),
    "csv": _lazy("csv_report", "render_csv"),
    "asff": _lazy("asff_report", "render_asff"),
    "ocsf": _lazy("ocsf_report", "render_ocsf"),
}


def format_output(
    fmt: str,
    *,
    findings: Sequence[Finding] | None = None,
    results: Sequence[CheckResult] | None = None,
    context: Mapping[str, Any] | None = None,
) -> str:
    """The complete output in format *fmt* (one of :data:`FORMATS`)."""
    ctx: Mapping[str, Any] = context or {}
    # Sorted here so every format is byte-identical whatever order the engine produced.
    found = sorted(findings or (), key=lambda f: f.sort_key())
    if results is not None:
        results = sorted(results, key=lambda r: r.sort_key())
    if fmt == "text":
        return _text(found, results, ctx)
    if fmt == "json":
        return _json(found, results, ctx)
    if fmt not in _STRUCTURED:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return _STRUCTURED[fmt](found, list(results or ()), ctx)
