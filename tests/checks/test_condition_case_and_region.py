"""PL320 and PL321, Access Analyzer's "Duplicate keys with different case" and "Invalid Region":
each with the policy that triggers it and the minimally corrected one that does not."""

from __future__ import annotations

import json

import pytest

from tests.helpers import lint_policy


def _policy(condition: dict[str, object]) -> str:
    statement = {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*", "Condition": condition}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    ("rule", "positive", "negative"),
    [
        (
            "PL320",
            {"StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:requestedregion": "eu-west-2"}},
            {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"]}},
        ),
        (
            "PL321",
            {"StringEquals": {"aws:RequestedRegion": "Europe (Ireland)"}},
            {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        ),
        (
            "PL321",
            {"StringNotEquals": {"ec2:Region": ["eu-west-1", "eu-west"]}},
            {"StringNotEquals": {"ec2:Region": ["eu-west-1", "eu-west-2"]}},
        ),
    ],
)
def test_the_positive_is_an_error_and_the_corrected_policy_is_clean(
    rule: str, positive: dict[str, object], negative: dict[str, object]
) -> None:
    found = [f for f in lint_policy(_policy(positive)) if f.rule_id == rule]
    assert found and all(f.level.label == "error" for f in found)
    assert [f for f in lint_policy(_policy(negative)) if f.rule_id == rule] == []


def test_a_region_pattern_is_left_to_stringlike() -> None:
    policy = _policy({"StringLike": {"aws:RequestedRegion": "eu-*"}})
    assert [f for f in lint_policy(policy) if f.rule_id == "PL321"] == []


def _queue_policy(condition: dict[str, object] | None) -> str:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:eu-west-1:111122223333:q",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_a_service_principal_without_a_source_condition_gets_the_suggestion() -> None:
    found = [f for f in lint_policy(_queue_policy(None)) if f.rule_id == "PL724"]
    assert len(found) == 1 and found[0].level.label == "suggestion"
    fixed = _queue_policy({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-trail-bucket"}})
    assert [f for f in lint_policy(fixed) if f.rule_id == "PL724"] == []
