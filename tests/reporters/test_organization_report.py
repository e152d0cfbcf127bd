"""The organization part of the auditor report: accounts × rule family, a section per account,
and account names (set by whoever administers Organizations: untrusted text) shown as text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Level
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status
from tests.reporters.markdown_renderers import RENDERERS, table_rows

HOSTILE = "<img src=x onerror=alert(1)> [click](http://evil.example) | @admin"
GOOD, BAD, LOST = "111111111111", "222222222222", "333333333333"


def _result(account: str, rule: str, status: Status, resource: str) -> CheckResult:
    return CheckResult(rule, "r", "t", status, Level.ERROR, resource, "m", account_id=account)


def _context() -> dict[str, Any]:
    accounts = {
        GOOD: {"name": HOSTILE},
        BAD: {"name": "payments"},
        LOST: {"name": "legacy", "error": "cannot assume role: AccessDenied"},
    }
    scope = {"organization": {"member_role": "R", "shard": "1/1", "accounts": accounts}}
    return {"command": "verify", "scope": scope}


RESULTS = [
    _result(GOOD, "OB101", Status.PASS, "arn:aws:iam::111111111111:user/u"),
    _result(GOOD, "OB304", Status.PASS, "arn:aws:sqs:us-east-1:111111111111:q"),
    _result(BAD, "OB101", Status.PASS, "arn:aws:iam::222222222222:user/u"),
    _result(BAD, "OB304", Status.FAIL, "arn:aws:sqs:us-east-1:222222222222:q"),
    _result(LOST, "OB101", Status.UNKNOWN, "arn:aws:iam::333333333333:root"),
]


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_markdown_summary_has_a_row_per_account_and_a_column_per_family(renderer: str) -> None:
    markdown = format_output("markdown", findings=[], results=RESULTS, context=_context())
    rendered = RENDERERS[renderer](markdown)
    rows = table_rows(rendered)
    header = next(r for r in rows if r[:3] == ("Account", "Name", "Status"))
    assert header[3:] == ("Onboarding: IAM user and policies", "Onboarding: SQS queue and notification")
    by_account = {r[0]: r for r in rows if r and r[0] in (GOOD, BAD, LOST)}
    assert by_account[GOOD][1:] == (HOSTILE, "pass", "1 pass", "1 pass")  # the name shown as its text
    assert by_account[BAD][2:] == ("fail", "1 pass", "1 fail")
    assert by_account[LOST][2].startswith("unknown") and "AccessDenied" in by_account[LOST][2]
    assert by_account[LOST][3:] == ("1 unknown", "-")
    assert "<img" not in rendered and 'href="http://evil' not in rendered
    for account in (GOOD, BAD, LOST):
        assert re.search(rf"<h2>Account {account}", rendered)


def test_html_summary_links_each_account_and_escapes_names() -> None:
    html = format_output("html", findings=[], results=RESULTS, context=_context())
    assert 'id="organization-table"' in html
    for account in (GOOD, BAD, LOST):
        assert f'href="#account-{account}"' in html and f'id="account-{account}"' in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_run_without_an_organization_keeps_the_family_tables() -> None:
    markdown = format_output("markdown", findings=[], results=RESULTS, context={"command": "verify"})
    assert "Organization summary" not in markdown and "## Onboarding: SQS queue and notification" in markdown
