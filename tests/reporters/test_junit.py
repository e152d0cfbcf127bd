"""JUnit XML: parses, and has the structure GitLab's test report reads (suites, cases, failure/skipped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Level, Location
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status
from tests.reporters.conftest import KEY_ID, lint_findings, live_results, planned_results


def junit(findings: Any = None, results: Any = None, **context: Any) -> ET.Element:
    text = format_output("junit", findings=findings, results=results, context=context)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    # Every count a CI shows must agree with the cases underneath it.
    for suite in [root, *root.findall("testsuite")]:
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped", "-1")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert suite.get("errors") == "0"
    return root


def test_check_results_one_suite_per_rule_and_one_case_per_resource(cis_rules: None) -> None:
    root = junit(results=planned_results())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["CS101 root-no-access-keys", "CS102 key-rotation", "OB001 quick-plan-host-only"]
    ob001 = {c.get("name"): c for c in suites["OB001 quick-plan-host-only"].findall("testcase")}
    assert set(ob001) == {"config:plan", "config:features"}
    assert list(ob001["config:features"]) == []  # a pass is a plain testcase
    failure = ob001["config:plan"].find("failure")
    assert failure is not None
    assert failure.get("message") == "the quick plan supports only host"
    assert failure.get("type") == "error"
    assert 'features: ["host", "cspm"]' in (failure.text or "")
    assert "fix: " in (failure.text or "")
    assert ob001["config:plan"].get("file") == "onboarding.yaml" and ob001["config:plan"].get("line") == "2"
    skipped = suites["CS101 root-no-access-keys"].find("testcase/skipped")
    assert (
        skipped is not None
        and skipped.get("message") == "unknown: the credential report is not part of a plan"
    )


def test_live_results_have_arns_and_redacted_keys(cis_rules: None) -> None:
    root = junit(results=live_results())
    text = ET.tostring(root, encoding="unicode")
    assert KEY_ID not in text and "…" + KEY_ID[-4:] in text
    names = [c.get("name") for c in root.iter("testcase")]
    assert all(name and name.startswith("arn:aws:iam::") for name in names)
    assert all(c.get("file") is None for c in root.iter("testcase"))


def test_lint_findings_one_suite_per_family_and_one_case_per_rule_and_file() -> None:
    root = junit(lint_findings())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["PL0xx Syntax and file", "PL6xx Risky permissions"]
    (case,) = suites["PL6xx Risky permissions"].findall("testcase")  # two PL604 in one file: one case
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "warning"
    text = failure.text or ""
    assert "agentless.json:12:17: ec2:Create*" in text and "agentless.json:78:17: kms:ReEncrypt*" in text


def test_suppressed_entries_are_skipped_with_their_reason() -> None:
    root = junit(
        results=[r for r in planned_results() if r.rule_id == "OB001"],
        suppressed=[
            {"rule_id": "OB003", "resource": "config:audit_log", "reason": "audit logs handled by SIEM"}
        ],
    )
    skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None]
    assert [(c.get("name"), c.find("skipped").get("message")) for c in skipped] == [  # type: ignore[union-attr]
        ("config:audit_log", "suppressed: audit logs handled by SIEM")
    ]


def test_nothing_found_is_still_one_passing_test() -> None:
    root = junit([], files=3)
    (case,) = root.iter("testcase")
    assert case.get("name") == "3 files checked" and list(case) == []


def test_control_characters_and_markup_in_messages_keep_the_xml_valid() -> None:
    nasty = CheckResult(
        "OB001",
        "quick-plan-host-only",
        "t",
        Status.FAIL,
        Level.ERROR,
        'res<"&>',
        "bad \x01 byte \ufffe ]]> <x/>",
        Location("a.yaml", 1, 1),
    )
    root = junit(results=[nasty])
    failure = next(root.iter("failure"))
    # The control character is shown as an escape (as in every format); the noncharacter XML
    # cannot carry at all becomes U+FFFD.
    assert failure.get("message") == "bad \\x01 byte \ufffd ]]> <x/>"
    assert next(root.iter("testcase")).get("name") == 'res<"&>'


def test_timestamp_only_when_asked() -> None:
    assert junit(lint_findings()).find("testsuite").get("timestamp") is None  # type: ignore[union-attr]
    stamped = junit(lint_findings(), timestamp="2026-11-01T12:00:00Z")
    assert {s.get("timestamp") for s in stamped.findall("testsuite")} == {"2026-11-01T12:00:00Z"}
