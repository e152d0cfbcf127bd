"""Effective-permission evaluation: wildcards, conditions, Allow/Deny and NotAction/NotResource."""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_lint.iam.evaluate import ActionPattern, Condition, PermissionSet, glob_covers, glob_overlaps
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyDocument, PolicyType
from policy_lint.reference.managed import load_managed
from policy_lint.syntax.source import Source


def doc(*statements: dict[str, Any], path: str = "p.json") -> PolicyDocument:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    document, problem = load_policy(Source(path, text), PolicyType.IDENTITY)
    assert document is not None, problem
    return document


def perms(*statements: dict[str, Any]) -> PermissionSet:
    return PermissionSet.from_documents([doc(*statements)])


TAG = Condition("StringLike", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan*",))


# --------------------------------------------------------------------------- wildcards


@pytest.mark.parametrize(
    ("pattern", "target", "expected"),
    [
        ("*", "anything", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*", True),  # a narrower pattern is covered
        ("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*", False),  # a wider one is not
        ("arn:aws:s3:::b", "*", False),  # a specific ARN never covers "any resource"
        ("a?c", "abc", True),
        ("a?c", "a*c", False),  # one character does not cover a run of any length
        ("a?c", "a?c", True),
        ("arn:aws:sqs:*:*:q", "arn:aws:sqs:eu-west-1:123456789012:q", True),
        ("arn:aws:sqs:*:*:q", "arn:aws:sqs:eu-west-1:123456789012:Q", False),  # ARNs are case-sensitive
    ],
)
def test_glob_covers(pattern: str, target: str, expected: bool) -> None:
    assert glob_covers(pattern, target) is expected


@pytest.mark.parametrize(
    ("pattern", "target", "ignore_case", "expected"),
    [
        ("s3:Get*", "s3:GetObject", False, True),
        ("s3:Get*", "s3:getObject", False, False),
        ("s3:Get*", "S3:GETOBJECT", True, True),
        ("bucket/*", "bucket/a\nb", False, True),  # a newline in the target is still covered
        ("bucket/*", "bucket?", False, False),
        ("bucket/*", "bucket/x*", False, True),  # a wider target under a trailing star
        ("a?*", "ab", False, True),  # not the "prefix*" shape: still matched by the pattern
        ("\u017f*", "S", True, True),  # long s folds to s under IGNORECASE, not under str.lower
    ],
)
def test_glob_covers_prefix_star_matches_the_regular_expression(
    pattern: str, target: str, ignore_case: bool, expected: bool
) -> None:
    """The "prefix*" shortcut (no regular expression) answers as the compiled pattern does."""
    assert glob_covers(pattern, target, ignore_case=ignore_case) is expected


def test_glob_covers_ignore_case_is_for_actions() -> None:
    assert glob_covers("EC2:describe*", "ec2:DescribeInstances", ignore_case=True)
    assert not glob_covers("EC2:describe*", "ec2:DescribeInstances")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("scan*", "*-1", True),
        ("scan*", "other*", False),
        ("a*c", "ab*", True),
        ("a?c", "abd", False),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::c/*", False),
        ("arn:aws:s3:::*", "arn:aws:s3:::b/x", True),
        ("x", "x", True),
        ("x", "y", False),
    ],
)
def test_glob_overlaps(a: str, b: str, expected: bool) -> None:
    assert glob_overlaps(a, b) is expected
    assert glob_overlaps(b, a) is expected  # symmetric


def _brute_force_overlap(a: str, b: str) -> bool:
    """Some string over the patterns' own letters matches both: if any string does, one no longer
    than both patterns together does, made of letters they use (a star stands for any of them)."""
    letters = sorted({c for c in a + b if c not in "*?"} | {"z"})
    match_a, match_b = (re.compile(fnmatch.translate(p)) for p in (a, b))
    return any(
        match_a.match(text) and match_b.match(text)
        for size in range(len(a) + len(b) + 1)
        for text in map("".join, itertools.product(letters, repeat=size))
    )


@given(st.text(alphabet="ab*?", max_size=5), st.text(alphabet="ab*?", max_size=5))
@settings(max_examples=500, deadline=None)
def test_glob_overlaps_agrees_with_trying_every_short_string(a: str, b: str) -> None:
    # The fixed ends are trimmed before the search: the answer must not change.
    assert glob_overlaps(a, b) is _brute_force_overlap(a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("arn:aws:iam::*:role/app-*", "arn:aws:iam::123456789012:role/app-web", True),
        ("arn:aws:iam::*:role/app-*", "arn:aws:iam::123456789012:user/app-web", False),
        ("arn:aws:s3:::b/*/logs", "arn:aws:s3:::b/x/*", True),
        ("arn:aws:s3:::b/*/logs", "arn:aws:s3:::b/*/data", False),
        ("ab", "ab*", True),
        ("ab", "abc", False),
        ("a?", "ab", True),
    ],
)
def test_glob_overlaps_with_long_fixed_ends(a: str, b: str, expected: bool) -> None:
    assert glob_overlaps(a, b) is expected and glob_overlaps(b, a) is expected


@given(
    st.text(alphabet="ec2:Dscrib*?ſK", min_size=1, max_size=12),
    st.text(alphabet="ec2:dscrib*?ſk", max_size=14),
)
@settings(max_examples=500, deadline=None)
def test_an_action_pattern_matches_as_its_case_insensitive_glob_does(pattern: str, action: str) -> None:
    # "prefix*" patterns are matched with startswith, the rest with a regular expression compiled
    # on first use: the answer is the regular expression's either way (long s and Kelvin sign
    # included, which IGNORECASE folds and lower() does not)
    expected = re.compile(
        re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", ".") + r"\Z", re.DOTALL | re.IGNORECASE
    )
    assert ActionPattern(pattern).matches(action) is (expected.match(action) is not None)


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ec2:Describe*", "ec2:describeinstances", True),
        ("ec2:Describe*", "ec2:describe*", True),  # a pattern covers itself
        ("ec2:Describe*", "ec2:deletevpc", False),
        ("s3:ſet*", "s3:setobjectacl", True),  # IGNORECASE folds the long s into s; lower() does not
        ("s3:set*", "s3:ſetobjectacl", True),
        ("kms:\u212a*", "kms:keyrotation", True),  # the Kelvin sign folds to k
        ("ec2:Get?*", "ec2:getx", True),
    ],
)
def test_action_patterns_fold_case_as_iam_text_matching_does(
    pattern: str, action: str, expected: bool
) -> None:
    assert ActionPattern(pattern).matches(action) is expected


# --------------------------------------------------------------------------- conditions


def test_same_or_tighter_tag_condition_is_implied() -> None:
    assert TAG.implied_by([TAG])
    tighter = Condition("StringLike", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan-1*",))
    assert TAG.implied_by([tighter])
    exact = Condition("StringEquals", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan-x",))
    assert TAG.implied_by([exact])  # StringEquals and StringLike are one family


def test_looser_or_other_key_condition_is_not_implied() -> None:
    looser = Condition("StringLike", "ec2:ResourceTag/Name", ("*",))
    assert not TAG.implied_by([looser])
    other_key = Condition("StringLike", "ec2:ResourceTag/Owner", ("alibaba-cloud-security-scan*",))
    assert not TAG.implied_by([other_key])
    assert not TAG.implied_by([])


def test_literal_condition_never_covers_a_pattern() -> None:
    literal = Condition("StringEquals", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan*",))
    # StringEquals compares the value literally: it accepts the one string "...scan*", not "...scan-1".
    assert not literal.implied_by([TAG])


def test_if_exists_is_implied_by_the_plain_operator_only() -> None:
    if_exists = Condition("StringLikeIfExists", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan*",))
    assert if_exists.implied_by([TAG])
    assert not TAG.implied_by([if_exists])


def test_negated_conditions() -> None:
    not_scan = Condition("StringNotLike", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan*",))
    other = Condition("StringLike", "ec2:ResourceTag/Name", ("prod-*",))
    assert not_scan.implied_by([other])  # prod-* never matches the excluded pattern
    assert not not_scan.implied_by([TAG])
    assert not_scan.contradicted_by([TAG])
    assert other.contradicted_by([TAG])  # no value matches both prod-* and alibaba-...*
    assert not TAG.contradicted_by([TAG])


def test_negated_literal_is_not_contradicted_by_a_pattern() -> None:
    # StringNotEquals excludes the one literal string "...scan*"; "...scan-1" still satisfies it.
    not_literal = Condition("StringNotEquals", "ec2:ResourceTag/Name", ("alibaba-cloud-security-scan*",))
    assert not not_literal.contradicted_by([TAG])
    # and StringNotEquals "x-1" is not implied under StringLike "x*": x-1 matches x*.
    not_x1 = Condition("StringNotEquals", "k", ("x-1",))
    assert not not_x1.implied_by([Condition("StringLike", "k", ("x*",))])


# --------------------------------------------------------------------------- decisions


def test_allow_with_wildcard_action_is_case_insensitive() -> None:
    p = perms({"Effect": "Allow", "Action": "EC2:Describe*", "Resource": "*"})
    decision = p.evaluate("ec2:DescribeInstances")
    assert decision.status == "allowed"
    assert decision.allows[0].action_pattern == "EC2:Describe*"
    assert p.evaluate("ec2:TerminateInstances").status == "implicit-deny"


def test_explicit_deny_beats_allow_and_names_the_deny() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
        {"Sid": "NoTerminate", "Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"},
    )
    decision = p.evaluate("ec2:TerminateInstances")
    assert decision.status == "denied"
    assert decision.deciding_denies[0].ref.sid == "NoTerminate"
    assert "NoTerminate" in decision.explain()
    assert p.evaluate("ec2:StopInstances").status == "allowed"


def test_conditional_allow_and_conditional_deny() -> None:
    p = perms(
        {
            "Effect": "Allow",
            "Action": "ec2:TerminateInstances",
            "Resource": "*",
            "Condition": {"StringLike": {"ec2:ResourceTag/Name": "alibaba-cloud-security-scan*"}},
        }
    )
    assert p.evaluate("ec2:TerminateInstances").status == "conditional"
    # The same condition, stated as given, satisfies it.
    assert p.evaluate("ec2:TerminateInstances", assume=[TAG]).status == "allowed"
    q = perms(
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    decision = q.evaluate("ec2:DescribeInstances")
    assert decision.status == "conditional"  # a conditional Deny over an Allow is not a sure deny
    assert decision.limits[0].effect == "Deny"


def test_not_action_allow_and_deny() -> None:
    p = perms(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "ec2:Describe*", "Resource": "*", "Condition": {}},
    )
    assert p.evaluate("iam:GetUser").status == "denied"  # excluded from the Allow, and denied
    assert p.evaluate("ec2:DescribeInstances").status == "allowed"
    decision = p.evaluate("s3:GetObject")
    assert decision.status == "denied"
    assert decision.deciding_denies[0].action_pattern == "NotAction ec2:Describe*"


def test_not_resource_allow_and_deny() -> None:
    p = perms(
        {"Effect": "Allow", "Action": "sqs:*", "NotResource": "arn:aws:sqs:*:*:secret-*"},
        {"Effect": "Deny", "Action": "sqs:DeleteQueue", "NotResource": "arn:aws:sqs:*:*:tmp-*"},
    )
    assert p.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:1:q").status == "allowed"
    assert p.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:1:secret-q").status == "implicit-deny"
    # "*" includes the excluded queues: the Allow covers only part of it.
    partial = p.evaluate("sqs:ReceiveMessage", "*")
    assert partial.status == "conditional" and not partial.allows[0].covers_scope
    assert p.evaluate("sqs:DeleteQueue", "arn:aws:sqs:eu-west-1:1:q").status == "denied"
    assert p.evaluate("sqs:DeleteQueue", "arn:aws:sqs:eu-west-1:1:tmp-q").status == "allowed"


def test_resource_scope_and_any_resource() -> None:
    p = perms({"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:*:123456789012:q"})
    assert p.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:123456789012:q").allowed
    assert p.evaluate("sqs:ReceiveMessage", "*").status == "conditional"  # one queue, not all
    assert p.evaluate("sqs:ReceiveMessage", "*", any_resource=True).allowed
    assert p.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:999999999999:q").status == "implicit-deny"


def test_policy_variable_resource_is_never_the_whole_scope() -> None:
    p = perms({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"})
    assert p.evaluate("iam:GetUser", "arn:aws:iam::1:user/bob").status == "conditional"


def test_statement_iam_would_reject_grants_nothing() -> None:
    p = perms({"Effect": "allow", "Action": "ec2:*", "Resource": "*"})  # Effect is case-sensitive
    assert len(p) == 0
    assert p.evaluate("ec2:DescribeInstances").status == "implicit-deny"


def test_read_only_access_effective_permissions() -> None:
    managed = load_managed("ReadOnlyAccess")
    assert managed is not None
    p = PermissionSet.from_documents([managed.document])
    assert p.evaluate("ec2:DescribeInstances").allowed
    assert p.evaluate("iam:GetAccountAuthorizationDetails").allowed
    assert p.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:123456789012:q").allowed
    assert p.evaluate("sqs:DeleteMessage").status == "implicit-deny"  # GUIDE-SQS-WRITE
    assert p.evaluate("ec2:TerminateInstances").status == "implicit-deny"
