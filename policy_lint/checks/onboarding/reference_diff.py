"""The onboarding user's policies diffed against the selected features' reference policies, computed
once per distinct input rather than once per account.

The diff expands every statement of both sides against the action catalog (seconds of CPU with
ReadOnlyAccess on one side), and ``verify --organization`` asks it of every member account, which
an organization usually onboards from one template: the same policies give the same diff. Its
result depends only on the features, the partition and the documents (their labels, text and
where each was parsed from: findings point at their lines), so it is kept under a key made of
exactly those, in a bounded cache (:data:`CACHE_SIZE` distinct inputs, least recently used first
out). Callers read the result and never change it: it is shared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from policy_lint.iam.diff import ActualPolicy, DiffResult, diff_policies
from policy_lint.iam.diff_references import DiffUsageError, reference_policies

#: distinct (policies, features, partition) inputs kept; an organization has a handful of templates
CACHE_SIZE = 32

#: What makes one actual policy's part of the diff: its label, the managed policy it stands for,
#: where it was parsed from (path, type, the root's offset in the text), the text its findings
#: point into, and its content as canonical JSON.
PolicyKey = tuple[str, str | None, str, str, int, str, str]


@dataclass(frozen=True)
class DiffInputs:
    """The actual policies, equal (and hashed) by content only: the key of the cache."""

    key: tuple[PolicyKey, ...]
    policies: tuple[ActualPolicy, ...] = field(compare=False, repr=False)

    @classmethod
    def of(cls, actual: Sequence[ActualPolicy]) -> DiffInputs:
        return cls(tuple(policy_key(a) for a in actual), tuple(actual))


def policy_key(policy: ActualPolicy) -> PolicyKey:
    document = policy.document
    content = json.dumps(document.root.to_python(), sort_keys=True, ensure_ascii=False, default=str)
    managed = policy.managed.name if policy.managed is not None else None
    return (
        policy.name,
        managed,
        document.path,
        str(document.policy_type.value),
        document.root.offset,
        document.source.text,
        content,
    )


def reference_diff(
    actual: Sequence[ActualPolicy], features: Sequence[str], partition: str
) -> DiffResult | str:
    """The diff of ``actual`` against the features' reference policies (the manual plan) in
    ``partition``, or why the reference set cannot be built."""
    return _diff(DiffInputs.of(actual), tuple(features), partition)


@lru_cache(maxsize=CACHE_SIZE)
def _diff(inputs: DiffInputs, features: tuple[str, ...], partition: str) -> DiffResult | str:
    try:
        refs, _notes = reference_policies(features=features, plan="manual", partition=partition)
    except DiffUsageError as exc:
        return str(exc)
    return diff_policies(list(inputs.policies), refs)


def cache_info() -> tuple[int, int]:
    """(diffs computed, diffs answered from the cache) since the process started or :func:`clear`."""
    info = _diff.cache_info()
    return info.misses, info.hits


def clear() -> None:
    _diff.cache_clear()
