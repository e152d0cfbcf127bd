"""PL0xx: syntax errors, BOM, duplicate keys (including escaped and case-variant condition keys)."""

from __future__ import annotations

from policy_lint.lint.context import LintContext
from policy_lint.lint.engine import lint_source
from policy_lint.syntax.source import decode_bytes
from tests.helpers import at, lint_policy, rule_ids


def test_syntax_error_is_a_located_finding() -> None:
    findings = lint_policy('{\n  "Version": "2012-10-17"\n  "Statement": []\n}')
    assert rule_ids(findings) == ["PL001"]
    assert at(findings, "PL001") == [(3, 3)]


def test_escaped_duplicate_action_key_is_caught() -> None:
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",\n "\\u0041ction": "iam:*", "Resource": "*"}]}'
    findings = lint_policy(text, select="PL002")
    assert rule_ids(findings) == ["PL002"]
    assert at(findings, "PL002") == [(2, 2)]


def test_condition_keys_differing_only_in_case_are_duplicates() -> None:
    text = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1", "AWS:PrincipalOrgId": "o-2"}}}]}"""
    findings = lint_policy(text, select="PL002")
    assert [f.message for f in findings] == [
        "duplicate key AWS:PrincipalOrgId (same as aws:PrincipalOrgID): only the last value takes effect"
    ]


def test_bom_is_stripped_reported_and_the_rest_linted() -> None:
    data = b'\xef\xbb\xbf{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    findings = lint_source(decode_bytes(data, "bom.json"), LintContext())
    assert rule_ids(findings) == ["PL003"]


def test_yaml_policy_is_linted_with_positions() -> None:
    text = "Version: 2012-10-17\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: '*'\n    Bogus: 1\n"
    from policy_lint.lint.engine import lint_text

    findings = lint_text(text, "policy.yaml")
    assert [(f.rule_id, f.location.line, f.location.col) for f in findings] == [("PL105", 6, 5)]


def test_terraform_template_loop_is_explained_not_linted() -> None:
    from policy_lint.core.findings import Level
    from policy_lint.lint.engine import lint_text

    text = '{"Statement": [%{ for s in stmts }{"Effect": "Allow"},%{ endfor }]}'
    findings = lint_text(text, "trust.tpl")
    assert rule_ids(findings) == ["PL005"]
    assert at(findings, "PL005") == [(1, 16)]
    assert findings[0].level is Level.WARNING  # not linted is unknown: named, but not an error
