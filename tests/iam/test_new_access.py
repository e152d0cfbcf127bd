"""The new-access comparison (diff --base) on two versions of one policy, by effective permissions."""

from __future__ import annotations

import json
from typing import Any

from policy_lint.iam.new_access import PolicyChange, new_access
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyDocument
from policy_lint.syntax.source import Source


def doc(*statements: dict[str, Any]) -> PolicyDocument:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    loaded, problem = load_policy(Source("p.json", text))
    assert loaded is not None, problem
    return loaded


def rules(before: PolicyDocument | None, after: PolicyDocument) -> list[tuple[str, str]]:
    return [(f.finding.rule_id, f.finding.message) for f in new_access([PolicyChange(before, after)], "main")]


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_a_wildcard_at_the_base_already_grants_the_named_action() -> None:
    assert rules(doc(allow("s3:*")), doc(allow(["s3:GetObject", "s3:PutObject"]))) == []


def test_narrowing_to_notaction_under_a_full_wildcard_is_no_new_access() -> None:
    after = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert rules(doc(allow("*")), after) == []


def test_a_deny_added_with_the_new_action_removes_it() -> None:
    after = doc(
        allow(["s3:GetObject", "s3:DeleteObject"]),
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    )
    assert rules(doc(allow("s3:GetObject")), after) == []


def test_a_new_policy_is_all_new_access_split_by_access_level() -> None:
    found = rules(None, doc(allow(["s3:GetObject", "iam:PassRole"])))
    assert [r for r, _ in found] == ["PD201", "PD202"]
    assert "iam:PassRole" in found[0][1] and "s3:GetObject" in found[1][1]


def test_an_unchanged_policy_variable_or_reference_is_the_same_resource() -> None:
    scoped = allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")
    assert rules(doc(scoped), doc(scoped)) == []
    referenced = allow("s3:GetObject", "${aws_s3_bucket.logs.arn}/*")
    assert rules(doc(referenced), doc(referenced)) == []
    wider = rules(doc(scoped), doc(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    assert [r for r, _ in wider] == ["PD203"]


def test_an_account_id_and_its_root_arn_are_one_principal() -> None:
    def trust(principal: Any) -> PolicyDocument:
        return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})

    assert rules(trust({"AWS": "111111111111"}), trust({"AWS": "arn:aws:iam::111111111111:root"})) == []
    [(rule, message)] = rules(trust({"AWS": "111111111111"}), trust({"Service": "lambda.amazonaws.com"}))
    assert rule == "PD204" and "Service:lambda.amazonaws.com" in message and "sts:AssumeRole" in message


def test_notprincipal_counts_as_everyone() -> None:
    before = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111111111111"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    after = doc(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "222222222222"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    [(rule, message)] = rules(before, after)
    assert rule == "PD204" and "everyone (*)" in message


def test_an_action_new_for_a_known_principal_is_a_new_action_for_that_principal() -> None:
    def bucket(actions: list[str]) -> PolicyDocument:
        return doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "111111111111"},
                "Action": actions,
                "Resource": "arn:aws:s3:::b/*",
            }
        )

    [(rule, message)] = rules(bucket(["s3:GetObject"]), bucket(["s3:GetObject", "s3:PutObject"]))
    assert rule == "PD201" and "for principal AWS:arn:aws:iam::111111111111:root" in message


def test_a_condition_kept_but_narrowed_is_no_new_access() -> None:
    def tagged(pattern: str) -> PolicyDocument:
        return doc(
            allow("ec2:TerminateInstances", Condition={"StringLike": {"aws:ResourceTag/Name": pattern}})
        )

    assert rules(tagged("scan*"), tagged("scan-1*")) == []
    [(rule, _)] = rules(tagged("scan-1*"), tagged("scan*"))
    assert rule == "PD205"


def test_a_removed_deny_is_new_access() -> None:
    deny = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    [(rule, message)] = rules(doc(allow("s3:*"), deny), doc(allow("s3:*")))
    assert rule == "PD201" and "s3:DeleteBucket" in message


def test_a_removed_conditional_deny_is_a_weakened_condition() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    [(rule, message)] = rules(doc(allow("s3:GetObject"), deny), doc(allow("s3:GetObject")))
    assert rule == "PD205" and "the Deny statement 2 removed if Bool aws:SecureTransport false" in message
    assert rules(doc(allow("s3:GetObject"), deny), doc(allow("s3:GetObject"), deny)) == []


def test_an_escalation_path_the_base_already_opened_is_not_new() -> None:
    from policy_lint.iam.new_escalations import new_escalations

    before = doc(allow(["iam:PassRole", "ec2:RunInstances"]))
    after = doc(allow(["iam:PassRole", "ec2:RunInstances", "ec2:DescribeInstances"]))
    assert new_escalations([PolicyChange(before, after)], "main") == []
    [found] = new_escalations([PolicyChange(doc(allow("iam:PassRole")), after)], "main")
    assert found.finding.rule_id == "PD206" and "passrole-ec2" in found.finding.message
