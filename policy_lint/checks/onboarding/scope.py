"""Is the onboarding in scope? Decided once per run: the OB rules judge only an onboarding.

In scope when (docs/rules.md, "When the onboarding rules apply"):

* an onboarding.yaml is given (``--config``);
* the onboarding IAM user is recognised: the guide's user name (``aliyun-security-center-user``, or
  the quick plan's ``AlibabaSasSubAccount_`` prefix, PLAN-USER-NAMES), or a policy that carries the
  Agentless policy's tag values (``alibaba-cloud-security-scan*``, ``SAS_Agentless*``,
  PLAN-AGENTLESS-CONTENT). A guide managed policy such as ReadOnlyAccess is not enough: auditors
  and CI users hold it too;
* a CloudTrail trail -> S3 bucket -> SQS queue pipeline exists: the trail's bucket notifies the
  queue, or the queue's policy lets S3 send from that bucket (:mod:`.pipeline`).

An account whose users, trails or queues could not all be listed may hold one, so it is in scope
(its rules then say what is unknown). A generic CloudTrail module, a bucket notifying a worker
queue, or an admin with ReadOnlyAccess is none of these: the OB rules then report nothing, and the run's summary says once why
(:func:`not_applied`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from policy_lint.checks.onboarding.onboarding_user import AGENTLESS_MARKERS, named_like_the_guide, user_label
from policy_lint.checks.onboarding.pipeline import trail_links
from policy_lint.inventory.model import Inventory
from policy_lint.inventory.names import display_name
from policy_lint.inventory.per_run import once_per_run
from policy_lint.inventory.policies import user_policies


@dataclass(frozen=True)
class OnboardingScope:
    """Whether the OB rules apply, and why (for the run's summary)."""

    applies: bool
    reason: str


def _mentions_markers(document: object) -> bool:
    """Does a policy document hold one of the Agentless tag values (anywhere in its text)?"""
    text = json.dumps(document, default=str)
    return any(m in text for m in AGENTLESS_MARKERS)


def _agentless_marked(inventory: Inventory) -> str | None:
    """The name of a policy (a user's, or a customer managed one) carrying the Agentless tag values."""
    for policy in inventory.policies:
        if _mentions_markers(policy.document):
            return display_name(policy.name, policy)
    for user in inventory.users:
        policies, _ = user_policies(user, inventory)
        for found in policies:
            if found.document is None or found.managed:
                continue
            if any(m in found.document.source.text for m in AGENTLESS_MARKERS):
                return f"{found.label} of user {user_label(user)}"
    return None


def onboarding_scope(inventory: Inventory) -> OnboardingScope:
    """Decide once whether the inputs (or the account) hold an onboarding the OB rules may judge."""
    return once_per_run(inventory, "onboarding scope", lambda: _onboarding_scope(inventory))


def _onboarding_scope(inventory: Inventory) -> OnboardingScope:
    if inventory.config is not None:
        return OnboardingScope(True, "an onboarding.yaml is given")
    named = [u for u in inventory.users if named_like_the_guide(u)]
    if named:
        return OnboardingScope(True, f"IAM user {user_label(named[0])} is named as the guide names it")
    marked = _agentless_marked(inventory)
    if marked is not None:
        return OnboardingScope(True, f"policy {marked} carries the Agentless policy's tag conditions")
    link = next(trail_links(inventory), None)
    if link is not None:
        trail, bucket, queue = link
        return OnboardingScope(
            True,
            f"trail {display_name(trail.name, trail)} writes to bucket "
            f"{display_name(bucket.name, bucket)}, linked to queue {display_name(queue.name, queue)}",
        )
    gaps = [kind for kind in ("users", "trails", "queues") if inventory.listing_gap(kind)]
    if gaps:  # unknown never passes: what was not listed may be the onboarding
        return OnboardingScope(
            True, f"the account's {' and '.join(gaps)} could not all be listed, so an onboarding may be there"
        )
    where = "in the account" if inventory.observed() else "in the inputs"
    return OnboardingScope(
        False,
        f"no onboarding.yaml (--config), no onboarding IAM user "
        f"(named as the guide names it, or with the Agentless policy's tag conditions) and no CloudTrail "
        f"trail -> S3 bucket -> SQS queue pipeline {where}",
    )


def not_applied(inventory: Inventory) -> str | None:
    """``not applied: <why>`` for the run's summary when the OB rules were not applied; else None."""
    scope = onboarding_scope(inventory)
    return None if scope.applies else f"not applied: {scope.reason}"
