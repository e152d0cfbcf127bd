"""Every known-bad policy in the shared corpus gets at least one finding, at a sensible place.

The corpus files come from other linters' test suites (Parliament, iam-policy-validator,
secure-iam-lint, cfn-policy-validator ...); MANIFEST.md says what is wrong with each. Here we
check that policy-lint reports what is wrong, with the rule a user would expect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.core.findings import Finding
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_source
from policy_lint.policy.model import PolicyType
from policy_lint.syntax.source import read_source

#: file name -> a rule ID that must be among its findings
EXPECTED = {
    "error-broken.json": "PL001",
    "error-no-statements.json": "PL104",
    "error-cloudformation-snippet.json": "PL104",
    "invalid_file.json": "PL001",
    "invalid_reference_policy.json": "PL104",
    "policy_that_exceeds_max_size.json": "PL115",
    "invalid-resource-constraint.json": "PL404",
    "invalid-sid-special-chars.json": "PL112",
    "invalid_policy.json": "PL203",
    "rcp-invalid-allow-effect.json": "PL117",
    "rcp-invalid-not-action.json": "PL117",
    "rcp-invalid-specific-principal.json": "PL117",
    "INVALID-wrong-principal-type.json": "PL116",
    "iam-wrong-resources.json": "PL405",
    "multi-service-wrong-resources.json": "PL405",
    "s3-wrong-resources.json": "PL405",
    "sqs-sns-wrong-resources.json": "PL405",
    "test_advanced_policy_elements__test_notprincipal_allow__2.json": "PL001",
    "test_formatting__test_analyze_policy_string_not_json.json": "PL001",
    "test_formatting__test_analyze_policy_string_opposites.json": "PL107",
    "test_formatting__test_analyze_policy_string_no_action.json": "PL107",
    "test_formatting__test_analyze_policy_string_no_statement.json": "PL104",
    "test_formatting__test_analyze_policy_string_invalid_sid.json": "PL112",
    "test_formatting__test_analyze_policy_string_multiple_statements_one_bad.json": "PL203",
    "test_formatting__test_condition_bad_key.json": "PL302",
    "test_formatting__test_condition_action_specific__2.json": "PL303",
    "test_formatting__test_condition_action_specific_bad_type.json": "PL306",
    "test_formatting__test_condition_multiple__2.json": "PL304",
    "test_formatting__test_condition_multiple__3.json": "PL302",
    "test_formatting__test_condition_mismatch.json": "PL303",
    "test_formatting__test_condition_operator__2.json": "PL301",
    "test_formatting__test_condition_operator__3.json": "PL304",
    "test_formatting__test_duplicate_sids.json": "PL111",
    "test_resources__test_resource_with_sub.json": "PL114",
    "test-44-duplicate-json-key.json": "PL002",
    "test-57-escaped-action-key-decodes.json": "PL002",
    "test-58-duplicate-nested-condition-key.json": "PL002",
    "test-59-condition-key-case-variant-duplicate.json": "PL002",
    "test-61-jsonc-comments-trailing-commas-invalid.json": "PL001",
    "test-62-utf8-bom-stripped.json": "PL003",
}

#: file name -> (rule ID, text whose first occurrence is where that finding must point)
POSITIONS = {
    "test-57-escaped-action-key-decodes.json": ("PL002", '"\\u0041ction"'),
    "test-44-duplicate-json-key.json": ("PL002", '"Action": "iam:*"'),
    "test-61-jsonc-comments-trailing-commas-invalid.json": ("PL001", "// This"),
    "test_formatting__test_analyze_policy_string_multiple_statements_one_bad.json": ("PL203", '"iam:list"'),
    "test_formatting__test_condition_operator__2.json": ("PL301", '"bad"'),
    "test_formatting__test_duplicate_sids.json": ("PL111", '"stmt"\n            "Action"'),
}


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "iam-invalid").rglob("*") if p.is_file())


def _lint(path: Path) -> list[Finding]:
    # RCPs cannot be told from bucket policies by content: lint them the way a user would.
    policy_type = PolicyType.RCP if "resource-control-policies" in path.parts else None
    ctx = LintContext(LintOptions(policy_type=policy_type))
    return lint_source(read_source(path), ctx)


def _position_of(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle.split("\n")[0] if needle.startswith('"stmt"') else needle)
    if needle.startswith('"stmt"'):
        offset = text.index('"stmt"', offset + 1)  # the second, duplicated Sid
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def test_every_invalid_policy_has_a_finding_inside_the_file(corpus: Path) -> None:
    files = _files(corpus)
    assert len(files) >= 40
    for path in files:
        findings = _lint(path)
        assert findings, f"no finding for {path}"
        lines = path.read_bytes().count(b"\n") + 1
        for finding in findings:
            assert 1 <= finding.location.line <= lines, (path, finding)


def test_each_invalid_policy_gets_the_rule_a_user_expects(corpus: Path) -> None:
    by_name = {p.name: p for p in _files(corpus)}
    missing = set(EXPECTED) - set(by_name)
    assert not missing, f"corpus files renamed? {missing}"
    wrong = {}
    for name, rule_id in EXPECTED.items():
        got = sorted({f.rule_id for f in _lint(by_name[name])})
        if rule_id not in got:
            wrong[name] = (rule_id, got)
    assert not wrong, wrong


@pytest.mark.parametrize("name", sorted(POSITIONS))
def test_findings_point_at_the_offending_text(corpus: Path, name: str) -> None:
    path = next(p for p in _files(corpus) if p.name == name)
    rule_id, needle = POSITIONS[name]
    text = read_source(path).text
    expected = _position_of(text, needle)
    located = [(f.location.line, f.location.col) for f in _lint(path) if f.rule_id == rule_id]
    assert expected in located, (name, expected, located)
