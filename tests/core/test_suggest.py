"""Hints that say "did you mean": the closest known name, and nothing when no name is close."""

from __future__ import annotations

from policy_lint.core.suggest import closest


def test_the_closest_name_above_the_cutoff_is_suggested() -> None:
    assert closest("DescribeInstance", ["DescribeInstances", "DescribeImages", "RunInstances"], 0.75) == (
        "DescribeInstances"
    )


def test_no_name_is_suggested_when_none_is_close_enough() -> None:
    assert closest("s3", ["ec2", "iam", "sqs"], 0.8) is None
    assert closest("anything", [], 0.5) is None
