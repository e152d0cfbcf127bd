"""Facts derived once per run are never stale: outside a run, or for another inventory, they are
derived again (a library caller that changes its inventory between two runs sees the change)."""

from __future__ import annotations

from pathlib import Path

from policy_lint.checks.onboarding.pipeline import pipeline
from policy_lint.inventory.model import Inventory
from policy_lint.inventory.per_run import once_per_run, one_run
from policy_lint.sources.detect import detect, load_inventory

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "onboarding"


def test_a_fact_is_derived_once_inside_a_run_and_again_outside() -> None:
    inventory = Inventory()
    calls: list[int] = []

    def derive() -> int:
        calls.append(1)
        return len(calls)

    with one_run():
        assert once_per_run(inventory, "fact", derive) == 1
        assert once_per_run(inventory, "fact", derive) == 1
        with one_run():  # a nested run (the rules inside check's judging) shares it
            assert once_per_run(inventory, "fact", derive) == 1
        assert once_per_run(Inventory(), "fact", derive) == 2  # another inventory: its own
        assert once_per_run(inventory, "fact", derive) == 3  # and the first is derived again
    assert once_per_run(inventory, "fact", derive) == 4  # outside a run: every time
    assert once_per_run(inventory, "fact", derive) == 5


def test_an_inventory_changed_between_runs_gives_the_new_pipeline() -> None:
    inventory = load_inventory(detect([str(EXAMPLE)]), Inventory())
    audit_queues = list(inventory.queues)
    assert audit_queues
    inventory.queues.clear()
    with one_run():
        assert pipeline(inventory).queues == ()
    inventory.queues.extend(audit_queues)  # the same object, changed between two runs
    with one_run():
        assert list(pipeline(inventory).queues) == audit_queues
