"""PL5xx: template placeholders are reported; IAM policy variables never are."""

from __future__ import annotations

import json

import pytest

from policy_lint.lint.engine import lint_text
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


def test_one_missing_value_is_one_finding_at_its_first_use() -> None:
    """The guide's ${Account ID}, written in three statements, is one value to fill in: one PL501 at
    its first use, the hint naming the other lines, and the plain advice (a name with a space is
    no repository's template syntax, so declaring it is not offered)."""
    statements = [
        {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": f"arn:aws:sqs:*:${{Account ID}}:q{n}"}
        for n in range(3)
    ]
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1)
    found = [f for f in lint_text(text, "queue-read.json") if f.rule_id == "PL501"]
    lines = [n + 1 for n, line in enumerate(text.splitlines()) if "${Account ID}" in line]
    assert len(lines) == 3
    assert [(f.location.line, f.message, f.hint) for f in found] == [
        (
            lines[0],
            "unresolved placeholder ${Account ID} (a template placeholder)",
            f"also used at lines {lines[1]}, {lines[2]}; replace it with the real value",
        )
    ]


def test_a_placeholder_used_on_many_lines_names_five_and_counts_the_rest() -> None:
    resources = ",\n".join(f'    "arn:${{PARTITION}}:s3:::bucket-{n}"' for n in range(9))
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",\n'
        f'  "Resource": [\n{resources}\n  ]}}]}}\n'
    )
    (found,) = [f for f in lint_text(text, "buckets.json") if f.rule_id == "PL501"]
    assert found.location.line == 3
    assert found.message == "unresolved placeholder ${PARTITION} (a template placeholder)"
    assert (found.hint or "").startswith("also used at lines 4, 5, 6, 7, 8 and 3 more; ")
    assert (found.hint or "").endswith("placeholders: {PARTITION: partition}")  # its field in the ARN


def test_a_second_use_on_the_same_line_is_named_as_this_line() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",\n'
        '  "Resource": ["arn:aws:s3:::${BUCKET}", "arn:aws:s3:::${BUCKET}/*",\n'
        '               "arn:aws:s3:::${BUCKET}-logs"]}]}\n'
    )
    (found,) = [f for f in lint_text(text, "bucket.json") if f.rule_id == "PL501"]
    assert found.location.line == 2
    assert (found.hint or "").startswith("also used on this line and at line 3; ")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("${SVC}:GetObject", "value"),  # in an action: not an ARN field
        ("${ORG_ID}/r-ab12/*", "value"),  # a condition value that merely has a slash
        ("arn:aws:iam::${ACCOUNT}:role/x", "account"),
        ("arn:aws:s3:::${BUCKET}/*", "name"),
    ],
)
def test_the_suggested_setting_gives_the_kind_only_an_arn_field_shows(value: str, kind: str) -> None:
    key = "Action" if ":GetObject" in value else "Resource"
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", key: value}
    if value.startswith("${ORG_ID}"):
        stmt["Condition"] = {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": value}}
    text = json.dumps({"Version": "2012-10-17", "Statement": [stmt]})
    (found,) = [f for f in lint_text(text, "p.json") if f.rule_id == "PL501"]
    name = value[value.index("${") + 2 : value.index("}")]
    assert (found.hint or "").endswith(f"placeholders: {{{name}: {kind}}}")
