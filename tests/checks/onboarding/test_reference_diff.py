"""OB104/OB105's reference diff is computed once per distinct set of policies: accounts onboarded
from one template share it, and a different policy gets its own (policy_lint/checks/onboarding/reference_diff.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from policy_lint.checks.onboarding import reference_diff
from policy_lint.checks.onboarding.reference_diff import DiffInputs
from policy_lint.iam import diff as diff_module
from policy_lint.iam.diff import ActualPolicy
from policy_lint.inventory.model import Inventory
from policy_lint.inventory.policies import parsed_document
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b


@pytest.fixture
def diffs_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the diff itself ran (the cache starts empty and is emptied afterwards)."""
    calls: list[int] = []
    real = diff_module.diff_policies

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    reference_diff.clear()
    monkeypatch.setattr(reference_diff, "diff_policies", counting)
    yield calls
    reference_diff.clear()


def _judged(inv: Inventory) -> list[tuple[Any, ...]]:
    return [
        (r.rule_id, r.status, r.resource, r.message, r.location, r.evidence)
        for rule in ("OB104", "OB105")
        for r in b.results(inv, rule)
    ]


def _account(number: str, agentless: dict[str, Any] | None = None) -> Inventory:
    """One member account's onboarding: the same template, its own account ID and objects."""
    user = b.user(arn=f"arn:aws:iam::{number}:user/{b.USER}")
    inv = b.inventory(users=[user], policies=[b.agentless_policy(agentless)])
    inv.config = b.config(account_id=number)
    return inv


def test_accounts_with_the_same_policies_share_one_diff_and_get_the_same_verdicts(
    diffs_run: list[int],
) -> None:
    first = _judged(_account("111111111111"))
    ran_for_one_account = len(diffs_run)
    assert ran_for_one_account == 2  # OB104 (every feature) and OB105 (agentless): two inputs
    second = _judged(_account("222222222222"))
    assert second == first
    assert len(diffs_run) == ran_for_one_account  # the second account ran no diff
    assert {s for _, s, *_ in first} == {Status.PASS}


def test_an_account_with_a_different_policy_gets_its_own_diff(diffs_run: list[int]) -> None:
    reference = _judged(_account("111111111111"))
    before = len(diffs_run)
    weakened = b.agentless_document()
    del weakened["Statement"][0]["Condition"]  # the destructive EC2 actions lose their tag condition
    changed = _judged(_account("333333333333", weakened))
    assert len(diffs_run) == before + 2
    ob105 = [entry for entry in changed if entry[0] == "OB105"]
    assert [entry[1] for entry in ob105] == [Status.FAIL]
    assert [entry[1] for entry in reference if entry[0] == "OB105"] == [Status.PASS]


def test_a_shared_result_is_the_one_computed_afresh(diffs_run: list[int]) -> None:
    weakened = b.agentless_document()
    del weakened["Statement"][0]["Condition"]
    _judged(_account("111111111111", weakened))
    cached = _judged(_account("222222222222", weakened))
    reference_diff.clear()
    fresh = _judged(_account("222222222222", weakened))
    assert cached == fresh


def _policy(label: str, document: dict[str, Any]) -> ActualPolicy:
    parsed = parsed_document(document, label, None)
    assert isinstance(parsed, PolicyDocument)
    return ActualPolicy(label, parsed)


def test_the_key_tells_apart_what_the_findings_show() -> None:
    """Equal documents under one label are one input; under another label they are another:
    findings name the policy and point into its text."""
    doc = b.agentless_document()
    one = DiffInputs.of([_policy("agentless", doc)])
    same = DiffInputs.of([_policy("agentless", b.agentless_document())])
    assert one == same and hash(one) == hash(same)
    assert one != DiffInputs.of([_policy("agentless-copy", doc)])
    del doc["Statement"][0]["Condition"]
    assert one != DiffInputs.of([_policy("agentless", doc)])
