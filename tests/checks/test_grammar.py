"""PL1xx: the IAM grammar rules, each firing where a person would look and staying quiet on valid input."""

from __future__ import annotations

from tests.helpers import at, lint_policy, rule_ids, statement

VALID = statement(Effect="Allow", Action="s3:GetObject", Resource="arn:aws:s3:::bucket/*")


def test_valid_identity_policy_has_no_grammar_findings() -> None:
    assert [f for f in lint_policy(VALID, select="PL1")] == []


def test_missing_and_old_and_invalid_version() -> None:
    assert "PL101" in rule_ids(lint_policy({"Statement": VALID["Statement"]}, select="PL1"))
    old = lint_policy({"Version": "2008-10-17", "Statement": VALID["Statement"]}, select="PL1")
    assert rule_ids(old) == ["PL102"]
    bad = lint_policy({"Version": "2012-10-18", "Statement": VALID["Statement"]}, select="PL1")
    assert rule_ids(bad) == ["PL103"]
    assert at(bad, "PL103") == [(2, 14)]


def test_missing_statement_and_cloudformation_snippet_hint() -> None:
    findings = lint_policy({"PolicyName": "x", "PolicyDocument": {"Statement": []}}, select="PL104")
    assert rule_ids(findings) == ["PL104"]
    assert findings[0].hint and "PolicyDocument" in findings[0].hint


def test_root_must_be_an_object() -> None:
    findings = lint_policy("[1, 2]", select="PL1")
    assert rule_ids(findings) == ["PL104"]
    assert "not a list" in findings[0].message


def test_unknown_elements_with_case_hint() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statment": [],
        "Statement": [{"effect": "Allow", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    findings = lint_policy(doc, select="PL105")
    messages = {f.message: f.hint for f in findings}
    assert messages["unknown top-level element 'Statment'"] == "did you mean 'Statement'?"
    assert "case-sensitive" in (messages["unknown statement element 'effect'"] or "")


def test_effect_missing_or_wrong_case() -> None:
    findings = lint_policy(statement(Effect="allow", Action="s3:GetObject", Resource="*"), select="PL106")
    assert rule_ids(findings) == ["PL106"]
    assert findings[0].hint == "Effect is case-sensitive: use 'Allow'"
    assert rule_ids(lint_policy(statement(Action="s3:GetObject", Resource="*"), select="PL106")) == ["PL106"]


def test_action_and_notaction_together_or_neither() -> None:
    both = lint_policy(
        statement(Effect="Deny", Action="s3:*", NotAction="s3:Get*", Resource="*"), select="PL107"
    )
    assert rule_ids(both) == ["PL107"] and "both" in both[0].message
    neither = lint_policy(statement(Effect="Deny", Resource="*"), select="PL107")
    assert rule_ids(neither) == ["PL107"] and "neither" in neither[0].message


def test_resource_required_except_in_trust_policies() -> None:
    assert rule_ids(lint_policy(statement(Effect="Allow", Action="s3:GetObject"), select="PL108")) == [
        "PL108"
    ]
    trust = statement(Effect="Allow", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")
    assert lint_policy(trust, select="PL108") == []


def test_principal_required_in_resource_policy_and_forbidden_in_identity_policy() -> None:
    mixed = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sqs:*",
                "Resource": "*",
            },
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
        ],
    }
    findings = lint_policy(mixed, select="PL109")
    assert rule_ids(findings) == ["PL109"] and "#2" in findings[0].message
    identity = lint_policy(
        statement(Effect="Allow", Principal="*", Action="s3:GetObject", Resource="*"),
        select="PL110",
        policy_type="identity",
    )
    assert rule_ids(identity) == ["PL110"]


def test_duplicate_and_invalid_sids() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
            {"Sid": "bad sid!", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
        ],
    }
    findings = lint_policy(doc, select="PL11")
    assert ("PL111", (11, 14)) in [(f.rule_id, (f.location.line, f.location.col)) for f in findings]
    assert "PL112" in rule_ids(findings)


def test_queue_policy_sids_with_underscores_are_fine_in_resource_policies() -> None:
    doc = statement(
        Sid="__owner_statement",
        Effect="Allow",
        Principal={"AWS": "arn:aws:iam::123456789012:root"},
        Action="SQS:*",
        Resource="arn:aws:sqs:us-east-1:123456789012:q",
    )
    assert lint_policy(doc, select="PL112") == []


def test_empty_values() -> None:
    findings = lint_policy(
        statement(Effect="Allow", Action=[], Resource=["arn:aws:s3:::b", ""]), select="PL113"
    )
    assert [f.message for f in findings] == ["Action is empty", "empty string in Resource"]
    assert rule_ids(lint_policy({"Version": "2012-10-17", "Statement": []}, select="PL113")) == ["PL113"]


def test_wrong_types_everywhere_are_located_findings() -> None:
    doc = {
        "Version": 2012,
        "Statement": [
            {"Effect": True, "Action": 5, "Resource": [1, "*"], "Condition": "yes"},
            "not a statement",
        ],
    }
    findings = lint_policy(doc, select="PL114")
    messages = [f.message for f in findings]
    assert "Version must be a string, not a number" in messages
    assert "Action must be a string or a list of strings, not a number" in messages
    assert "Resource entries must be strings, not a number" in messages
    assert "Condition must be an object, not a string" in messages
    assert "each statement must be an object, not a string" in messages
    assert "Effect must be a string, not a boolean" in messages


def test_principal_shapes() -> None:
    doc = statement(
        Effect="Allow",
        Principal={"aws": "arn:aws:iam::123456789012:root"},
        Action="s3:GetObject",
        Resource="arn:aws:s3:::b/*",
    )
    findings = lint_policy(doc, select="PL114")
    assert findings[0].message == "unknown principal type 'aws'"
    assert findings[0].hint and "'AWS'" in findings[0].hint
    account = statement(
        Effect="Allow", Principal="123456789012", Action="s3:GetObject", Resource="arn:aws:s3:::b/*"
    )
    assert 'as a string must be "*"' in lint_policy(account, select="PL114")[0].message


def test_size_quota() -> None:
    actions = [f"ec2:Describe{'X' * 20}{i}" for i in range(400)]
    findings = lint_policy(statement(Effect="Allow", Action=actions, Resource="*"), select="PL115")
    assert rule_ids(findings) == ["PL115"]
    assert "6,144" in findings[0].message


def test_federated_action_needs_federated_principal() -> None:
    doc = statement(
        Effect="Allow", Principal={"AWS": "arn:aws:iam::123456789012:root"}, Action="sts:AssumeRoleWithSAML"
    )
    findings = lint_policy(doc, select="PL116")
    assert rule_ids(findings) == ["PL116"]
    ok = statement(
        Effect="Allow",
        Principal={"Federated": "arn:aws:iam::123456789012:saml-provider/x"},
        Action="sts:AssumeRoleWithSAML",
    )
    assert lint_policy(ok, select="PL116") == []


def test_rcp_restrictions_apply_when_the_type_is_rcp() -> None:
    allow = statement(Sid="A", Effect="Allow", Principal="*", Action="s3:GetObject", Resource="*")
    assert rule_ids(lint_policy(allow, select="PL117", policy_type="rcp")) == ["PL117"]
    assert lint_policy(allow, select="PL117") == []  # inferred as a plain resource policy
    specific = statement(
        Effect="Deny", Principal={"AWS": "arn:aws:iam::123456789012:root"}, Action="s3:*", Resource="*"
    )
    findings = lint_policy(specific, select="PL117", policy_type="rcp")
    assert [f.message for f in findings] == ['RCP statements must use Principal "*"']
    not_action = statement(Effect="Deny", Principal="*", NotAction="s3:GetObject", Resource="*")
    assert "NotAction" in lint_policy(not_action, select="PL117", policy_type="rcp")[0].message
    good = statement(
        Effect="Deny",
        Principal="*",
        Action="s3:*",
        Resource="*",
        Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    )
    assert lint_policy(good, select="PL1", policy_type="rcp") == []
