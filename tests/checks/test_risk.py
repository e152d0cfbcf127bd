"""PL6xx: risky grants are security warnings with the evidence in the message."""

from __future__ import annotations

from tests.helpers import lint_policy, rule_ids, statement


def test_allow_star_on_star() -> None:
    findings = lint_policy(statement(Effect="Allow", Action="*", Resource="*"), select="PL6")
    assert rule_ids(findings) == ["PL601"]
    assert findings[0].level.label == "security-warning"


def test_star_with_a_condition_or_deny_is_not_full_admin() -> None:
    deny = statement(Effect="Deny", Action="*", Resource="*")
    assert lint_policy(deny, select="PL601") == []
    conditioned = statement(
        Effect="Allow", Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    )
    assert lint_policy(conditioned, select="PL601") == []


def test_passrole_on_any_role_including_via_wildcards() -> None:
    for action in ("iam:PassRole", "iam:Pass*", "IAM:passrole", "iam:*"):
        findings = lint_policy(statement(Effect="Allow", Action=action, Resource="*"), select="PL602")
        assert rule_ids(findings) == ["PL602"], action
    scoped = statement(Effect="Allow", Action="iam:PassRole", Resource="arn:aws:iam::123456789012:role/app")
    assert lint_policy(scoped, select="PL602") == []


def test_wildcard_permissions_management_names_examples() -> None:
    findings = lint_policy(statement(Effect="Allow", Action="s3:Put*", Resource="*"), select="PL60")
    assert rule_ids(findings) == ["PL603"]
    assert "s3:PutBucketPolicy" in findings[0].message or "more" in findings[0].message


def test_wildcard_write_without_permissions_management() -> None:
    findings = lint_policy(statement(Effect="Allow", Action="ec2:Run*", Resource="*"), select="PL60")
    assert rule_ids(findings) == ["PL604"]
    assert "ec2:RunInstances" in findings[0].message
    reads = statement(Effect="Allow", Action=["ec2:Describe*", "s3:Get*"], Resource="*")
    assert [f for f in lint_policy(reads, select="PL60") if f.rule_id in ("PL603", "PL604")] == []


def test_allow_not_action() -> None:
    assert rule_ids(
        lint_policy(statement(Effect="Allow", NotAction="iam:*", Resource="*"), select="PL605")
    ) == ["PL605"]
    assert lint_policy(statement(Effect="Deny", NotAction="iam:*", Resource="*"), select="PL605") == []


def test_public_queue_policy_as_sqs_returns_it() -> None:
    # Compact, upper-case prefix, Principal "*" and no condition: exactly what GetQueueAttributes returns.
    text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"SQS:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}]}'
    findings = lint_policy(text, select="PL606")
    assert rule_ids(findings) == ["PL606"]


def test_source_arn_condition_makes_a_public_principal_acceptable() -> None:
    doc = statement(
        Effect="Allow",
        Principal={"Service": "s3.amazonaws.com"},
        Action="SQS:SendMessage",
        Resource="arn:aws:sqs:us-east-1:123456789012:q",
    )
    assert lint_policy(doc, select="PL606") == []
    star = statement(
        Effect="Allow",
        Principal={"AWS": "*"},
        Action="SQS:SendMessage",
        Resource="arn:aws:sqs:us-east-1:123456789012:q",
        Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:bucket"}},
    )
    assert lint_policy(star, select="PL606") == []
    weak = dict(star)
    weak["Statement"] = [dict(star["Statement"][0], Condition={"Bool": {"aws:SecureTransport": "true"}})]
    assert rule_ids(lint_policy(weak, select="PL606")) == ["PL606"]


def test_granting_the_account_root_delegates_and_is_not_a_wildcard_risk() -> None:
    owner = statement(
        Sid="__owner_statement",
        Effect="Allow",
        Principal={"AWS": "arn:aws:iam::123456789012:root"},
        Action="SQS:*",
        Resource="arn:aws:sqs:us-east-1:123456789012:q",
    )
    assert lint_policy(owner, select="PL60") == []
    other = statement(
        Effect="Allow",
        Principal={"AWS": "arn:aws:iam::123456789012:user/bob"},
        Action="SQS:*",
        Resource="arn:aws:sqs:us-east-1:123456789012:q",
    )
    assert rule_ids(lint_policy(other, select="PL60")) == ["PL603"]
