"""The auditor report (HTML and Markdown): provenance, counts, framework tables, suppressions, redaction."""

from __future__ import annotations

import re
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.formats import format_output
from policy_lint.reporters.report import build_report
from policy_lint.rules.registry import Status
from tests.reporters.conftest import KEY_ID, SECRET, lint_findings, live_results, planned_results
from tests.reporters.markdown_renderers import commonmark_html, table_rows

SUPPRESSED = [
    {"rule_id": "OB003", "resource": "config:audit_log", "reason": "audit logs go to the SIEM | ticket 42"}
]


def context(**extra: Any) -> dict[str, Any]:
    return {"command": "check", "scope": {"paths": ["infra"], "config": "onboarding.yaml"}, **extra}


def test_model_counts_per_severity_and_groups_by_framework_then_family(cis_rules: None) -> None:
    model = build_report([], planned_results(), context(suppressed=SUPPRESSED))
    assert model.totals == {"fail": 2, "unknown": 1, "pass": 1}
    summary = {row.level: (row.failed, row.unknown, row.passed) for row in model.summary}
    assert summary == {
        "error": (1, 1, 1),
        "security-warning": (0, 0, 0),
        "warning": (1, 0, 0),
        "suggestion": (0, 0, 0),
    }
    assert [(s.title, s.kind) for s in model.sections] == [
        ("CIS AWS Foundations v3.0.0", "framework"),
        ("Onboarding configuration", "family"),
    ]
    # Controls sort as numbers: 1.4 before 1.14.
    assert [r.control for r in model.sections[0].rows] == ["1.4", "1.14"]
    assert model.verdict_status == "fail" and model.verdict == "Action needed: 2 failed checks"
    count, digest = rulemeta.ruleset_digest()
    assert (model.rule_count, model.ruleset_digest) == (count, digest) and re.fullmatch(
        "[0-9a-f]{64}", digest
    )


def test_markdown_lists_everything_an_auditor_needs(cis_rules: None) -> None:
    text = format_output(
        "markdown",
        findings=lint_findings(),
        results=planned_results(),
        context=context(suppressed=SUPPRESSED),
    )
    assert text.startswith("# policy-lint check report\n")
    assert f"sha256 `{rulemeta.ruleset_digest()[1]}`" in text
    assert "| paths | infra |" in text
    assert "Checks: 2 failed, 1 unknown, 1 passed." in text
    assert "| error | 1 | 1 | 1 | 3 |" in text
    assert "## CIS AWS Foundations v3.0.0" in text and "## Onboarding configuration" in text
    # Values are escaped Markdown (docs/reports.md): read them as a renderer shows them.
    rows = table_rows(commonmark_html(text))
    row = next(r for r in rows if r[0] == "1.14")
    assert "fail (warning)" in row and "Rotate the key." in row
    assert any("age_days: 400" in cell for cell in row)
    assert "## Lint findings" in text
    assert any("kms:ReEncrypt* grants 2 write actions" in cell for r in rows for cell in r)
    # Suppressed with its reason; the reason's pipe cannot break the table row.
    assert ("OB003", "config:audit_log", "audit logs go to the SIEM | ticket 42") in rows
    assert "Generated" not in text


def test_keys_are_redacted_in_every_report_format(cis_rules: None) -> None:
    for fmt in ("markdown", "html", "sarif", "junit"):
        text = format_output(fmt, results=live_results() + planned_results(), context=context())
        assert KEY_ID not in text and SECRET not in text, fmt
        assert "…" + KEY_ID[-4:] in text, fmt


def test_live_scope_shows_account_and_regions(cis_rules: None) -> None:
    scope = {"account": "123456789012", "regions": ["ap-northeast-1", "us-east-1"]}
    text = format_output("markdown", results=live_results(), context={"command": "verify", "scope": scope})
    rows = table_rows(commonmark_html(text))
    assert ("account", "123456789012") in rows and ("regions", "ap-northeast-1, us-east-1") in rows
    assert any("arn:aws:iam::123456789012:root" in r for r in rows)
    assert "Review needed" not in text  # a failure outranks the unknown


def test_html_escapes_input_text_and_is_self_contained(cis_rules: None) -> None:
    evil = CheckResult(
        "OB001",
        "quick-plan-host-only",
        "t",
        Status.FAIL,
        Level.ERROR,
        "<script>alert(1)</script>",
        'see <img src="http://evil.example/x.png">',
        Location("a.yaml", 1, 1),
    )
    html = format_output(
        "html",
        findings=lint_findings(),
        results=[*planned_results(), evil],
        context=context(suppressed=SUPPRESSED),
    )
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"<[^>]*\ssrc\s*=", html, re.I)  # no tag loads anything
    assert "@import" not in html and "url(" not in html
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(link.startswith(rulemeta.DOCS_URL + "#") for link in links)
    assert "audit logs go to the SIEM | ticket 42" in html


def test_lint_only_report_has_no_empty_check_tables() -> None:
    text = format_output(
        "markdown", findings=lint_findings(), context={"command": "lint", "scope": {"inputs": ["policies"]}}
    )
    assert "| Severity |" not in text and "Checks:" not in text
    assert "1 error, 2 warning." in text and "Action needed: 3 lint findings" in text


def test_timestamp_is_shown_only_when_given() -> None:
    stamped = format_output(
        "markdown", findings=lint_findings(), context={"timestamp": "2026-11-01T12:00:00Z"}
    )
    assert "- Generated: 2026-11-01T12:00:00Z" in stamped
