"""``--format gitlab``: GitLab's Code Quality report, checked against the fields GitLab documents
(https://docs.gitlab.com/ci/testing/code_quality/, "Code Quality report format"), with
fingerprints unique within a report and stable across runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from policy_lint.reporters.formats import format_output
from tests.reporters.conftest import KEY_ID, lint_findings, live_results, planned_results
from tests.security.inprocess import policy_lint

#: The documented fields, written from GitLab's table: each issue needs all of them.
CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def report(findings: Any = None, results: Any = None) -> list[dict[str, Any]]:
    issues = json.loads(format_output("gitlab", findings=findings, results=results, context={}))
    jsonschema.Draft7Validator(CODE_QUALITY_SCHEMA).validate(issues)
    prints = [issue["fingerprint"] for issue in issues]
    assert len(prints) == len(set(prints))  # GitLab keeps one issue per fingerprint
    return issues


def test_findings_are_issues_at_their_file_and_line() -> None:
    issues = report(findings=lint_findings())
    assert [(i["check_name"], i["location"], i["severity"]) for i in issues] == [
        ("PL604", {"path": "policies/agentless.json", "lines": {"begin": 12}}, "minor"),
        ("PL604", {"path": "policies/agentless.json", "lines": {"begin": 78}}, "minor"),
        ("PL001", {"path": "policies/broken.json", "lines": {"begin": 83}}, "critical"),
    ]


def test_check_results_severity_and_unknown_as_info() -> None:
    issues = {i["check_name"]: i for i in report(results=planned_results())}
    assert set(issues) == {"OB001", "CS101", "CS102"}  # the pass is left out
    assert issues["OB001"]["severity"] == "critical"
    assert issues["CS101"]["severity"] == "info"
    assert "Could not be evaluated" in issues["CS101"]["description"]
    assert KEY_ID not in json.dumps(issues)


def test_live_results_are_kept_at_their_resource() -> None:
    issues = report(results=live_results())
    assert {i["location"]["path"] for i in issues} == {
        "arn:aws:iam::123456789012:user/aliyun-security-center-user",
        "arn:aws:iam::123456789012:root",
    }


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    ],
}


def test_fingerprints_are_unique_and_survive_lines_moving(tmp_path: Path) -> None:
    """Two identical statements get different fingerprints; adding lines above them changes
    neither (GitLab would otherwise report every finding as new after an unrelated edit)."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY, indent=2), encoding="utf-8")
    first = policy_lint("lint", ".", "--format", "gitlab", "--fail-on", "warning", cwd=tmp_path)
    again = policy_lint("lint", ".", "--format", "gitlab", "--fail-on", "warning", cwd=tmp_path)
    path.write_text("\n\n\n" + json.dumps(POLICY, indent=2), encoding="utf-8")
    moved = policy_lint("lint", ".", "--format", "gitlab", "--fail-on", "warning", cwd=tmp_path)
    assert first.code == again.code == moved.code == 1
    before, after = json.loads(first.stdout), json.loads(moved.stdout)
    jsonschema.Draft7Validator(CODE_QUALITY_SCHEMA).validate(before)
    assert first.stdout == again.stdout
    assert [i["location"]["lines"]["begin"] + 3 for i in before] == [
        i["location"]["lines"]["begin"] for i in after
    ]
    assert sorted(i["fingerprint"] for i in before) == sorted(i["fingerprint"] for i in after)
    by_rule: dict[str, set[str]] = {}
    for issue in before:
        by_rule.setdefault(issue["check_name"], set()).add(issue["fingerprint"])
    assert any(len(prints) == 2 for prints in by_rule.values())  # one per statement, not merged


def test_a_hostile_file_name_is_escaped_not_lost(tmp_path: Path) -> None:
    (tmp_path / "a\nb\x1b[2J.json").write_text(json.dumps(POLICY), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "gitlab", "--fail-on", "warning", cwd=tmp_path)
    paths = {i["location"]["path"] for i in json.loads(run.stdout)}
    assert paths == {"a\nb\\x1b[2J.json"}  # the newline is the name's own (JSON escapes it); ESC is not
    assert "\x1b" not in run.stdout


def test_a_file_name_with_a_newline_and_a_comma_names_the_file(tmp_path: Path) -> None:
    name = "team\nreader, v2.json"
    (tmp_path / name).write_text(json.dumps(POLICY), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "gitlab", "--fail-on", "warning", cwd=tmp_path)
    (path,) = {i["location"]["path"] for i in json.loads(run.stdout)}
    assert path == name and (tmp_path / path).is_file()


def test_nothing_found_is_an_empty_report() -> None:
    assert report(findings=[], results=[]) == []
