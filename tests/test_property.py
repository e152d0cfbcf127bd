"""Property tests: linting never raises, whatever JSON (or text) it is given."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_lint.findings import Finding
from policy_lint.lint import lint_text

KEYS = [
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "StringEquals",
    "ArnLike",
    "ForAllValues:StringLike",
    "aws:SourceArn",
    "Id",
]
STRINGS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "*",
            "Allow",
            "Deny",
            "2012-10-17",
            "s3:GetObject",
            "ec2:*",
            "iam:PassRole",
            "arn:aws:s3:::b/*",
            "${Account ID}",
            "${aws:username}",
            "arn:aws:iam::123456789012:root",
            "s3.amazonaws.com",
        ]
    ),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), STRINGS
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=6),
    ),
    max_leaves=40,
)
statements = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)
policies = st.fixed_dictionaries(
    {"Statement": st.one_of(statements, st.lists(statements, max_size=4), json_values)},
    optional={"Version": json_values, "Id": json_values},
)


def _check(findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.location.line >= 1 and finding.location.col >= 1
        assert finding.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_lint_never_raises_on_arbitrary_json(value: Any) -> None:
    _check(lint_text(json.dumps(value), "any.json"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies)
def test_lint_never_raises_on_policy_shaped_json(value: Any) -> None:
    _check(lint_text(json.dumps(value, indent=1), "policy.json"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_lint_never_raises_on_arbitrary_text(text: str) -> None:
    _check(lint_text(text, "any.json"))
    _check(lint_text(text, "any.yaml"))
