"""Facts derived from one inventory that many rules of one run read, derived once per run.

Why: the audit pipeline (which trail, bucket and queue are the onboarding's) is read by some
twenty onboarding rules, and finding it compares every queue with every bucket; where many
configurations name the same resources (a folder of plans of one configuration) that is most
of a run. :func:`policy_lint.checks.engine.run_checks` opens a run; only inside one is a fact
kept, and only for the inventory it was derived from, so an inventory changed between runs (a
test, a scenario) is read afresh.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from policy_lint.inventory.model import Inventory

T = TypeVar("T")

#: the facts kept, all of one inventory (another inventory's first fact drops them: memory stays
#: that of one inventory's facts however many scenario variants one run judges)
_kept: dict[str, Any] = {}
_of: weakref.ref[Inventory] | None = None
_open = 0


@contextmanager
def one_run() -> Iterator[None]:
    """The rules of one run over one unchanging inventory (nested runs share it)."""
    global _open, _of
    _open += 1
    try:
        yield
    finally:
        _open -= 1
        if not _open:
            _kept.clear()
            _of = None


def once_per_run(inventory: Inventory, name: str, derive: Callable[[], T]) -> T:
    """``derive()``, remembered under ``name`` for this inventory until the run ends; outside a
    run, derived every time."""
    global _of
    if not _open:
        return derive()
    if _of is None or _of() is not inventory:
        _kept.clear()
        _of = weakref.ref(inventory)
    if name not in _kept:
        _kept[name] = derive()
    return _kept[name]  # type: ignore[no-any-return]
