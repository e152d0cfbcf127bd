"""``glob_covers`` answers ``*``-only patterns without a regular expression (a speed-up: lint compiled
one per distinct resource pattern); it must answer exactly as the regular expressions do."""

from __future__ import annotations

import random

import pytest

from policy_lint.iam import evaluate
from policy_lint.iam.evaluate import glob_covers


def _by_regex(pattern: str, target: str, ignore_case: bool) -> bool:
    if pattern == "*" or pattern == target:
        return True
    compiled = evaluate._glob_over_pattern if "*" in target else evaluate._glob
    return compiled(pattern, ignore_case).match(target) is not None


def test_star_patterns_agree_with_the_regular_expressions_on_random_text() -> None:
    rng = random.Random(20261203)
    alphabet = "ab*/:A"
    for _ in range(50_000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
        target = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        ignore_case = rng.random() < 0.5
        assert glob_covers(pattern, target, ignore_case) == _by_regex(pattern, target, ignore_case), (
            pattern,
            target,
            ignore_case,
        )


@pytest.mark.parametrize(
    ("pattern", "target", "covered"),
    [
        ("arn:aws:s3:::logs-*/AWSLogs/*", "arn:aws:s3:::logs-prod/AWSLogs/1/x", True),
        ("arn:aws:s3:::logs-*/AWSLogs/*", "arn:aws:s3:::logs-prod/other/x", False),
        ("arn:aws:s3:::b/*/x", "arn:aws:s3:::b/*/x", True),
        ("a*b*c", "abbc", True),
        ("a*b*c", "acb", False),
        ("a*c", "a*c", True),  # a target's * is covered by a star of the pattern
        ("ab*", "a*", False),  # ... but a literal never covers it
    ],
)
def test_examples(pattern: str, target: str, covered: bool) -> None:
    assert glob_covers(pattern, target) is covered
