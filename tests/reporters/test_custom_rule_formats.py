"""A custom rule's finding carries the rule's own metadata (title, level, generated help) in every format.

No reference page documents a rule a project wrote, so each report must: SARIF in its rule
descriptor, JUnit in the test case, JSON, HTML and Markdown in a list of the custom rules.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.reporters.formats import FORMATS
from policy_lint.rules.ruleset import use_settings_rules

SETTINGS = """\
custom-rules:
  - id: CU007
    title: Roles are passed by the platform team only
    level: security-warning
    never-grant:
      actions: ["iam:PassRole"]
"""
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
TITLE = "Roles are passed by the platform team only"
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "policy_lint" / "reporters" / "report.schema.json"


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".policy-lint.yaml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "admin.json").write_text(json.dumps(POLICY), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    use_settings_rules(())


def report(fmt: str) -> str:
    result = CliRunner().invoke(
        main, ["lint", "admin.json", "--select", "CU", "--fail-on", "security-warning", "--format", fmt]
    )
    assert result.exit_code == 1, result.output
    return result.output


def test_every_format_is_covered_here() -> None:
    assert set(FORMATS) == {
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
    }


def test_github_annotation_is_titled_with_the_rule_at_its_level() -> None:
    """A security-warning is a GitHub ``warning`` annotation titled with the custom rule's ID."""
    [line] = report("github").splitlines()
    assert line.startswith("::warning file=admin.json,line=1,")
    assert ",title=CU007::statement 1 grants iam:PassRole" in line


def test_gitlab_code_quality_names_the_rule_as_its_check() -> None:
    [issue] = json.loads(report("gitlab"))
    assert issue["check_name"] == "CU007"
    assert issue["severity"] == "major"  # GitLab's severity for a security-warning
    assert "grants iam:PassRole" in issue["description"]


def test_csv_row_names_the_rule_its_level_and_its_fix() -> None:
    import csv
    import io

    [row] = list(csv.DictReader(io.StringIO(report("csv"))))
    assert (row["rule_id"], row["level"], row["status"]) == ("CU007", "security-warning", "fail")
    assert row["path"] == "admin.json" and "grants iam:PassRole" in row["message"]
    assert row["remediation"].startswith("Remove or narrow the grant")


def test_asff_finding_is_generated_by_the_rule_with_its_fix() -> None:
    """ASFF needs an account: lint has none and refuses, so the custom rule runs in check."""
    (Path("main.tf")).write_text(
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode({Version = "2012-10-17", '
        'Statement = [{Effect = "Allow", Action = "iam:*", Resource = "*"}]})\n}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        [
            "check",
            ".",
            "--select",
            "CU",
            "--account-id",
            "123456789012",
            "--region",
            "eu-west-1",
            "--format",
            "asff",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    [finding] = [f for f in json.loads(result.output) if f["GeneratorId"] == "policy-lint/CU007"]
    assert finding["Title"] == f"CU007 {TITLE}"
    assert finding["Compliance"]["Status"] == "FAILED" and finding["Severity"]["Label"] == "MEDIUM"
    assert finding["Remediation"]["Recommendation"]["Text"].startswith("Remove or narrow the grant")


def test_ocsf_event_names_the_rule_as_its_control_with_its_fix() -> None:
    [event] = json.loads(report("ocsf"))
    assert (event["class_uid"], event["compliance"]["control"]) == (2003, "CU007")
    assert event["finding_info"]["title"] == f"CU007 {TITLE}"
    assert (event["compliance"]["status_id"], event["severity_id"]) == (3, 3)  # Fail, Medium
    assert event["remediation"]["desc"].startswith("Remove or narrow the grant")


def test_text_names_the_rule_and_its_level() -> None:
    assert "CU007 security-warning statement 1 grants iam:PassRole" in report("text")


def test_sarif_rule_descriptor_has_the_custom_metadata() -> None:
    run = json.loads(report("sarif"))["runs"][0]
    [rule] = run["tool"]["driver"]["rules"]
    assert rule["id"] == "CU007"
    assert rule["shortDescription"]["text"] == TITLE
    assert rule["fullDescription"]["text"].startswith(
        "Custom rule (never-grant): the policy must not allow any of iam:PassRole"
    )
    assert ".policy-lint.yaml:2" in rule["fullDescription"]["text"]
    assert rule["defaultConfiguration"]["level"] == "warning"  # SARIF's level for a security-warning
    assert "security" in rule["properties"]["tags"]
    assert rule["helpUri"].endswith("/docs/configuration.md#custom-rules")
    assert [r["ruleId"] for r in run["results"]] == ["CU007"]


def test_junit_case_names_the_rule_and_its_fix() -> None:
    root = ET.fromstring(report("junit"))
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "CU007"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "security-warning"
    assert "fix: Remove or narrow the grant" in (failure.text or "")


def test_json_lists_the_custom_rules_and_matches_the_report_schema() -> None:
    payload = json.loads(report("json"))
    jsonschema.validate(payload, json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
    [rule] = payload["custom_rules"]
    assert (rule["id"], rule["title"], rule["level"]) == ("CU007", TITLE, "security-warning")
    assert "iam:PassRole" in rule["help"]
    assert [f["rule_id"] for f in payload["findings"]] == ["CU007"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.in_custom = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.in_custom = ("id", "custom-rules") in attrs

    def handle_data(self, data: str) -> None:
        if self.in_custom and data.strip():
            self.cells.append(data.strip())


def test_html_has_a_custom_rules_section() -> None:
    parser = _Text()
    parser.feed(report("html"))
    assert {"CU007", "security-warning", TITLE} <= set(parser.cells)
    assert any(cell.startswith("Custom rule (never-grant)") for cell in parser.cells)


def test_markdown_has_a_custom_rules_table() -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(report("markdown"))
    assert "<h2>Custom rules (from the settings)</h2>" in html
    assert f"<td>{TITLE}</td>" in html
    assert "<td>Custom rule (never-grant): the policy must not allow any of iam:PassRole" in html
