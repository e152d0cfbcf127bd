"""``arn_like`` compares only the resource part when the other five fields are written alike (a speed-up:
the redundancy rules ask it ~27,000 times per lint of the managed corpus). The answer must be the
field-by-field one: text equal to the target always covers it."""

from __future__ import annotations

import random

from policy_lint.iam.evaluate import glob_covers
from policy_lint.iam.statements import arn_like


def _field_by_field(pattern: str, arn: str) -> bool:
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return glob_covers(pattern, arn)
    return all(glob_covers(p, a) for p, a in zip(p_parts, a_parts, strict=True))


def test_random_arns_agree_with_the_field_by_field_comparison() -> None:
    rng = random.Random(5)
    fields = [
        ["arn"],
        ["aws", "aws-cn", "*"],
        ["s3", "iam", "s*"],
        ["", "us-east-1", "*"],
        ["", "123456789012", "?"],
    ]
    resources = ["b", "b/*", "b/k", "role/a*", "*", "a:b", "B/k", "b/?"]
    checked = 0
    for _ in range(5_000):
        pattern = ":".join(rng.choice(f) for f in fields) + ":" + rng.choice(resources)
        arn = ":".join(rng.choice(f) for f in fields) + ":" + rng.choice(resources)
        if rng.random() < 0.1:
            arn = arn.rsplit(":", 1)[0]  # five fields: not an ARN
        assert arn_like(pattern, arn) == _field_by_field(pattern, arn), (pattern, arn)
        checked += pattern.split(":", 5)[:5] == arn.split(":", 5)[:5]
    assert checked > 40  # the shortcut was taken


def test_examples() -> None:
    assert arn_like("arn:aws:s3:::b/*", "arn:aws:s3:::b/k")
    assert not arn_like("arn:aws:s3:::b/*", "arn:aws:s3:::c/k")
    assert not arn_like("arn:aws:s3:::b/*", "arn:aws-cn:s3:::b/k")
