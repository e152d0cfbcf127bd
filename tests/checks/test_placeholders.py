"""PL5xx: template placeholders are reported; IAM policy variables never are."""

from __future__ import annotations

import pytest

from policy_lint.policy.placeholders import (
    Placeholder,
    find_placeholders,
    is_policy_variable,
    placeholder_kind,
)
from tests.helpers import at, lint_policy, rule_ids, statement


@pytest.mark.parametrize(
    "inner",
    [
        "aws:username",
        "aws:PrincipalTag/team",
        "*",
        "?",
        "$",
        "saml:sub",
        "cognito-identity.amazonaws.com:sub",
        "aws:username, 'nobody'",
        "s3:prefix",
    ],
)
def test_policy_variables_are_not_placeholders(inner: str) -> None:
    assert is_policy_variable(inner)
    assert find_placeholders("arn:aws:s3:::b/${" + inner + "}/*") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("arn:aws:iam::${Account ID}:root", "a template placeholder"),
        ("${SQS ARN}", "a template placeholder"),
        ("arn:aws:s3:*:*:${S3 bucket name}", "a template placeholder"),
        ("arn:aws:iam::<ACCOUNT_ID>:root", "a template placeholder"),
        ("arn:aws:s3:::{{ bucket }}", "a template placeholder"),
        ("arn:${AWS::Partition}:s3:::b", "a CloudFormation Fn::Sub reference"),
        ("arn:aws:s3:::${var.bucket}", "a Terraform interpolation"),
    ],
)
def test_placeholders_are_found(text: str, kind: str) -> None:
    found = find_placeholders(text)
    assert len(found) == 1 and found[0][2] == kind


def test_placeholder_finding_points_at_the_placeholder() -> None:
    doc = statement(
        Effect="Allow",
        Principal={"AWS": "arn:aws:iam::${Account ID}:root"},
        Action="SQS:*",
        Resource="${SQS ARN}",
    )
    findings = lint_policy(doc, select="PL5")
    assert rule_ids(findings) == ["PL501", "PL501"]
    assert at(findings, "PL501") == [(7, 30), (10, 20)]
    assert findings[0].message == "unresolved placeholder ${Account ID} (a template placeholder)"


def test_policy_variable_in_action_is_not_substituted() -> None:
    findings = lint_policy(
        statement(Effect="Allow", Action="s3:${aws:username}", Resource="*"), select="PL502"
    )
    assert rule_ids(findings) == ["PL502"]


def test_policy_variable_needs_current_version() -> None:
    doc = {
        "Version": "2008-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
        ],
    }
    assert rule_ids(lint_policy(doc, select="PL502")) == ["PL502"]
    doc["Version"] = "2012-10-17"
    assert lint_policy(doc, select="PL5") == []


@pytest.mark.parametrize(
    "text",
    ["s3:GetObject<", "not an arn <x.y>", "x <= 5", "<>", "<1st>", "{bucket}", "%(x.y)s", "#{}"],
)
def test_lookalikes_are_not_placeholders(text: str) -> None:
    assert find_placeholders(text) == []
    assert placeholder_kind(text) is Placeholder.NONE


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("arn:aws:iam::<Account ID>:root", "<Account ID>"),
        ("arn:aws:s3:::%(bucket)s", "%(bucket)s"),
        ("arn:aws:s3:::#{bucket}", "#{bucket}"),
        ("s3:%{ if read }GetObject%{ endif }", "%{ if read }"),
    ],
)
def test_other_template_syntaxes_are_placeholders(text: str, found: str) -> None:
    assert find_placeholders(text)[0][1] == found
    assert placeholder_kind(text) is Placeholder.TEMPLATE
