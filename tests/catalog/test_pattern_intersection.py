"""``patterns_intersect`` reads the template as a small automaton, one policy token at a time (a speed-up:
ARN-format matching ran ~30,000 searches per lint of the managed corpus, then compiled a regular expression
per template). It must answer exactly as the search over position pairs did, which these tests keep as the
reference (a copy of the search, written before the automaton)."""

from __future__ import annotations

import random

from policy_lint.catalog import arns
from policy_lint.catalog.arns import patterns_intersect, policy_tokens, template_tokens

STAR, ONE, SEG = arns._STAR, arns._ONE, arns._SEG


def _search(policy: tuple[str, ...], template: tuple[str, ...]) -> bool:
    """Some string matches both token patterns: a search over (policy position, template position)."""
    n, m = len(policy), len(template)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == n and j == m:
            return True
        p = policy[i] if i < n else None
        t = template[j] if j < m else None
        if p == STAR:
            stack.append((i + 1, j))
            if t is not None:
                stack.append((i, j + 1))
        if t in (STAR, SEG):
            stack.append((i, j + 1))
            if p is not None and p != STAR and (t == STAR or p == ONE or p not in "/:"):
                stack.append((i + 1, j))
        literal = p is not None and t is not None and p != STAR and t not in (STAR, SEG)
        if literal and (p == ONE or str(p).lower() == str(t).lower()):
            stack.append((i + 1, j + 1))
    return False


def test_literal_and_prefix_values_agree_with_the_search_on_random_tokens() -> None:
    rng = random.Random(20261203)
    for _ in range(30_000):
        body = tuple(rng.choice("ab/:A") for _ in range(rng.randint(0, 5)))
        policy = body + ((STAR,) if rng.random() < 0.5 else ())
        template = tuple(rng.choice(["a", "b", "/", ":", STAR, SEG]) for _ in range(rng.randint(0, 6)))
        patterns_intersect.cache_clear()
        assert patterns_intersect(policy, template) == _search(policy, template), (policy, template)


def test_any_value_agrees_with_the_search_on_random_tokens() -> None:
    # Longer runs than above, with "*" and "?" anywhere in the value: several variables in a row,
    # segment variables stopped by "/" or ":" late in the value, upper-case literals against
    # lower-case templates, "?" against a segment variable and against "/".
    rng = random.Random(31)
    for _ in range(20_000):
        policy = tuple(rng.choice(["a", "A", "b", "/", ":", STAR, ONE]) for _ in range(rng.randint(0, 12)))
        template = tuple(
            rng.choice(["a", "b", "B", "/", ":", STAR, SEG, SEG]) for _ in range(rng.randint(0, 10))
        )
        patterns_intersect.cache_clear()
        assert patterns_intersect(policy, template) == _search(policy, template), (policy, template)


def test_real_shapes() -> None:
    def meets(resource: str, template: str) -> bool:
        return patterns_intersect(policy_tokens(resource), template_tokens(template))

    assert meets("table/Orders*", "table/${TableName}")
    assert meets("table/Orders*", "table/${TableName}/stream/${StreamLabel}")  # the * may hold the rest
    assert not meets("stream/*", "table/${TableName}")
    assert meets("my-bucket/logs/*", "${BucketName}/${ObjectName}")
    assert not meets("my-bucket", "${BucketName}/${ObjectName}")  # an object ARN needs the "/"
    assert not meets("my/bucket*", "${BucketName}")  # a bucket name holds no "/"
