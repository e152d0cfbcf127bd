"""The reference side of a diff: the identity policies the chosen features (or named
references) need, filled with the user's values.

Both ``policy-lint diff`` and the OB1xx rules (which diff a planned IAM user against its
features) start from this set, so they compare against the same documents.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence

from policy_lint.iam.diff import ReferencePolicy
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyType
from policy_lint.reference.managed import load_managed, managed_names
from policy_lint.reference.manifest import Reference, ReferenceSet, in_partition, load_reference_set
from policy_lint.syntax.source import Source


class DiffUsageError(ValueError):
    """A reference, feature, managed policy or --var the diff cannot use (exit code 2)."""


def _fill(reference: Reference, values: Mapping[str, str], partition: str) -> tuple[str, tuple[str, ...]]:
    """The reference text with known placeholders filled and the others replaced by ``*``."""
    text = reference.text
    unfilled: list[str] = []
    for placeholder in reference.placeholders:
        value = values.get(placeholder.token)
        if value is None:
            unfilled.append(placeholder.token)
            value = "*"
        text = text.replace(placeholder.token, json.dumps(value, ensure_ascii=False)[1:-1])
    return in_partition(text, partition), tuple(unfilled)


def reference_policies(
    *,
    names: Sequence[str] = (),
    features: Sequence[str] = (),
    plan: str = "manual",
    audit_log: bool = False,
    console_region: str | None = None,
    values: Mapping[str, str] | None = None,
    partition: str = "aws",
    refs: ReferenceSet | None = None,
) -> tuple[list[ReferencePolicy], list[str]]:
    """The reference set (identity policies) for named references or features, and notes.

    Resource policies the features need (the SQS queue policy) are left out with a note:
    the diff compares what the IAM user may do.
    """
    refs = refs or load_reference_set()
    values = values or {}
    wanted: list[tuple[str, tuple[str, ...]]] = []
    if names:
        for name in names:
            if name not in refs.names() and load_managed(name) is None:
                close = difflib.get_close_matches(name, [*refs.names(), *managed_names()], n=3, cutoff=0.6)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise DiffUsageError(
                    f"unknown reference {name!r}; {hint}choose a reference ({', '.join(refs.names())}) "
                    f"or an AWS managed policy of the snapshot ({', '.join(managed_names())})"
                )
            wanted.append((name, tuple(f for f, _ in refs.features_of(name))))
    else:
        if not features:
            raise DiffUsageError("nothing to compare with: give --reference, --feature or --config")
        try:
            requirements = refs.for_features(features, plan, audit_log, console_region=console_region)
        except ValueError as exc:
            raise DiffUsageError(str(exc)) from None
        wanted = [(r.policy, r.features) for r in requirements]
    out: list[ReferencePolicy] = []
    notes: list[str] = []
    seen: set[str] = set()
    for name, needed_by in wanted:
        if name in seen:
            continue
        seen.add(name)
        if name in refs.names():
            ref = refs.get(name)
            if ref.kind is not PolicyType.IDENTITY:
                notes.append(
                    f"{name} is a {ref.kind.value} policy attached to the {ref.attach_to}; diff compares the "
                    f"IAM user's identity permissions, so it is not compared (lint it with policy-lint lint)"
                )
                continue
            text, unfilled = _fill(ref, values, partition)
            doc, problem = load_policy(Source(f"reference_policies/{ref.file}", text), PolicyType.IDENTITY)
            if doc is None:
                assert problem is not None
                raise DiffUsageError(f"reference {name}: the filled template is not valid: {problem.message}")
            out.append(ReferencePolicy(name, "reference", needed_by, doc, unfilled))
        else:
            managed = load_managed(name)
            if managed is None:
                raise DiffUsageError(f"AWS managed policy {name} is not in the bundled snapshot")
            out.append(ReferencePolicy(managed.name, "aws-managed", needed_by, managed.document))
    if not out:
        # Comparing against nothing would report every actual permission as excess.
        raise DiffUsageError("nothing to compare with: " + "; ".join(notes))
    return out, notes
